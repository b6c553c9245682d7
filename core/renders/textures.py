"""Fabric and body textures, painted in (surface angle, Y) space so the same garment and
mannequin stay consistent between views.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from core.renders.garment import GarmentSpec
from core.renders.geometry import R_REF, lowres_noise
from core.renders.mannequin import body_details


def _stripe(v: np.ndarray, period: float, duty: float, ppu: float) -> np.ndarray:
    """Anti-aliased square wave in [0, 1]; fades to its mean when the period nears a pixel."""
    period_px = period * ppu
    phase = (v / period) % 1.0
    m = np.clip(0.5 + (duty / 2 - np.abs(phase - 0.5)) * period_px, 0.0, 1.0)
    fade = float(np.clip((period_px - 2.0) / 4.0, 0.0, 1.0))
    return (duty + (m - duty) * fade).astype(np.float32)


def fabric_texture(spec: GarmentSpec, ppu: float) -> tuple[np.ndarray, np.ndarray]:
    """Pattern textures (Ht, Wt, 3) float32 for the body (with its seams, buttons,
    lapels) and for sleeves/legs; column Wt/2 is the front centre (phi = 0)."""
    rng = np.random.default_rng(spec.texture_seed)
    wt = max(16, int(round(2 * math.pi * R_REF * ppu)))
    ht = max(16, int(round(1.1 * ppu)))
    ys = ((np.arange(ht, dtype=np.float32) + 0.5) / ppu)[:, None]
    xs = ((np.arange(wt, dtype=np.float32) + 0.5) / ppu)[None, :]
    c1, c2, c3 = (np.array(c, np.float32) for c in (spec.colour, spec.colour2, spec.colour3))
    p = spec.pattern_scale
    if spec.pattern == "stripes":
        m = _stripe(xs if spec.stripes_vertical else ys, p, float(rng.uniform(0.25, 0.6)), ppu)
        m = np.broadcast_to(m, (ht, wt))
        tex = c1 + (c2 - c1) * m[..., None]
    elif spec.pattern == "checks":
        duty = float(rng.uniform(0.3, 0.5))
        m = 0.5 * (_stripe(ys, p, duty, ppu) + _stripe(xs, p, duty, ppu))
        tex = c1 + (c2 - c1) * m[..., None]
        if rng.random() < 0.5:  # tartan over-check
            thin = np.maximum(_stripe(ys + p / 2, p, 0.08, ppu), _stripe(xs + p / 2, p, 0.08, ppu))
            tex = tex + (c3 - tex) * (0.8 * thin)[..., None]
    elif spec.pattern == "print":
        canvas = np.zeros((ht, wt, 3), np.uint8)
        canvas[:] = np.round(c1 * 255).astype(np.uint8)
        step = p * ppu
        motif = rng.integers(3)
        for gy in np.arange(0, ht + step, step):
            for gx in np.arange(0, wt + step, step):
                x = gx + rng.uniform(-0.3, 0.3) * step + (step / 2 if int(gy / step) % 2 else 0)
                y = gy + rng.uniform(-0.3, 0.3) * step
                r = step * rng.uniform(0.14, 0.24)
                col = tuple(int(v) for v in np.round((c2 if rng.random() < 0.7 else c3) * 255))
                c = (int(x * 16), int(y * 16))
                if motif == 0:
                    cv2.circle(canvas, c, max(1, int(r * 16)), col, -1, cv2.LINE_AA, 4)
                elif motif == 1:  # five-petal flower with a centre
                    for k in range(5):
                        a = 2 * math.pi * k / 5 + x
                        pc = (int((x + r * math.cos(a)) * 16), int((y + r * math.sin(a)) * 16))
                        cv2.circle(canvas, pc, max(1, int(r * 0.6 * 16)), col, -1, cv2.LINE_AA, 4)
                    cv2.circle(canvas, c, max(1, int(r * 0.45 * 16)), tuple(int(v) for v in np.round(c3 * 255)), -1, cv2.LINE_AA, 4)
                else:  # leaves
                    cv2.ellipse(canvas, c, (max(1, int(r * 1.6 * 16)), max(1, int(r * 0.55 * 16))),
                                float(rng.uniform(0, 180)), 0, 360, col, -1, cv2.LINE_AA, 4)
        tex = canvas.astype(np.float32) / 255.0
    elif spec.pattern == "knit":
        rib = 0.5 + 0.5 * np.cos(2 * math.pi * xs / p)
        row = np.cos(2 * math.pi * ys / (p * 0.8) + math.pi * np.floor(xs / p))
        fade = float(np.clip((p * ppu - 2.0) / 4.0, 0.0, 1.0))
        m = 1.0 + fade * (0.12 * (np.sqrt(rib) - 0.6) + 0.05 * row * rib)
        tex = c1 * m[..., None]
        heather = lowres_noise(rng, ht, wt, 1.5)
        tex = tex * (1 + 0.05 * heather)[..., None]
    else:
        tex = np.broadcast_to(c1, (ht, wt, 3))
    slub = lowres_noise(rng, ht, wt, 0.03 * ppu)
    tex = np.clip(tex * (1 + 0.025 * slub)[..., None], 0, 1).astype(np.float32)
    limb_tex = tex
    body = tex.copy()
    body_details(body, spec, ppu, rng)
    if spec.logo:
        _paint_logo(body, spec, ppu, rng)
    return body, limb_tex


def _paint_logo(tex: np.ndarray, spec: GarmentSpec, ppu: float, rng: np.random.Generator) -> None:
    """A printed chest logo: a contrasting panel with lettering, in place. On flat in-shop
    photos prints and logos are what punch holes in a model's mask."""
    ht, wt = tex.shape[:2]
    cx, cy = wt / 2 + rng.uniform(-0.02, 0.02) * ppu, rng.uniform(0.24, 0.31) * ppu
    w, h = rng.uniform(0.05, 0.11) * ppu, rng.uniform(0.025, 0.06) * ppu
    base = np.array(spec.colour, np.float32)
    ink = np.array(spec.colour3, np.float32)
    if abs(float(ink.mean() - base.mean())) < 0.35:  # make it stand out from the fabric
        ink = np.full(3, 0.05 if base.mean() > 0.5 else 0.95, np.float32)
    x0, y0, x1, y1 = (int(round(v)) for v in (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    if rng.random() < 0.5:  # a solid panel with the fabric's colour for the letters
        cv2.rectangle(tex, (x0, y0), (x1, y1), tuple(float(v) for v in ink), -1, cv2.LINE_AA)
        ink = base
    letters = "".join(rng.choice(list("ABCDEFGHKLMNOPRSTUVWXYZ"), int(rng.integers(3, 7))))
    scale = max(0.2, h / 40.0)
    thick = max(1, int(round(h / 12)))
    (tw, th), _ = cv2.getTextSize(letters, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
    scale *= min(1.0, 0.9 * w / max(tw, 1))
    (tw, th), _ = cv2.getTextSize(letters, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
    org = (int(cx - tw / 2), int(cy + th / 2))
    ink_cover = np.zeros((ht, wt), np.uint8)  # putText draws 8-bit images only
    cv2.putText(ink_cover, letters, org, cv2.FONT_HERSHEY_DUPLEX, scale, 255, thick, cv2.LINE_AA)
    a = ink_cover.astype(np.float32)[..., None] / 255.0
    tex[:] = tex * (1.0 - a) + ink * a
