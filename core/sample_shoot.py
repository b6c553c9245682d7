"""Procedural studio renders: a garment on a mannequin on a turntable, from three viewpoints.

The renders stand in for studio photos that cannot be bundled: the app's sample shoot,
tests, and extra training pairs whose true cutout is known exactly (the garment mask is
the garment's drawn coverage, never the mannequin, the stand or the studio).

Geometry lives in "body units" of the unzoomed image height. The mannequin's frame has X
lateral (right positive), Y down (turntable top at Y = 0.92) and Z toward the camera in the
Front view; a view turns the mannequin by theta about the vertical axis. Torso sections are
ellipses (depth = K_TORSO * width), so a turned torso is narrower and its front centre line
moves sideways; fabric textures are painted in (surface angle, Y) space so the same garment
stays consistent between views.

Run `python -m core.sample_shoot OUT_DIR [--seed N]` to write a shoot.
"""

from __future__ import annotations

import argparse
import math
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from core.atomic import write_bytes_atomic
from core.errors import ExportError, GarmentCutoutError

VIEWS = ("Front", "FrontRight", "Back")
DEFAULT_SIZE = (1152, 1728)  # (width, height), the studio's format
DEFAULT_SEED = 24

GARMENT_KINDS = ("top", "dress", "skirt", "trousers", "jacket")
PATTERNS = ("plain", "stripes", "checks", "print", "knit")
SLEEVES = ("none", "short", "three_quarter", "long")
NECKLINES = ("round", "v", "boat", "lapel")
HEMS = ("straight", "curved", "asymmetric", "high_low", "wavy")

_VIEW_THETA = {"Front": 0.0, "FrontRight": math.radians(45.0), "Back": math.pi}
# Key light from camera-left; the turned view sees more of its shaded side.
_VIEW_LIGHT = {"Front": -0.5, "FrontRight": -0.85, "Back": -0.45}
_K_TORSO = 0.72
_R_REF = 0.12  # body units: the body texture spans the circumference of this radius
_Y_CAM = 0.42  # body Y at camera height: horizontal loops below it bow downward
_Y_TURNTABLE = 0.92
_SHIFT = 4  # sub-pixel bits for OpenCV drawing
_ONE = float(1 << _SHIFT)
_UUID_NAMESPACE = uuid.UUID("6f1c8a52-3b7e-4f0e-9a57-2c4d8e1b9f30")

# sRGB values of the 24 patches of a classic colour checker, row by row.
_CHECKER = np.array([
    (115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177), (103, 189, 170),
    (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108), (157, 188, 64), (224, 163, 46),
    (56, 61, 150), (70, 148, 73), (175, 54, 60), (231, 199, 31), (187, 86, 149), (8, 133, 161),
    (243, 243, 242), (200, 200, 200), (160, 160, 160), (122, 122, 121), (85, 85, 85), (52, 52, 52),
], np.float32) / 255.0


class RenderRequestError(GarmentCutoutError, ValueError):
    """A render was asked for with an unknown view or an unusable size."""


@dataclass(frozen=True)
class RenderedView:
    """One studio photo and its truth.

    rgb: (H, W, 3) uint8 photo. mask: (H, W) bool, True on garment pixels only.
    alpha: (H, W) uint8 anti-aliased garment coverage; alpha >= 128 exactly where mask.
    """

    rgb: np.ndarray
    mask: np.ndarray
    alpha: np.ndarray


@dataclass(frozen=True)
class GarmentSpec:
    """What the garment is; colours are RGB floats in [0, 1], lengths in body units."""

    kind: str
    colour: tuple[float, float, float]
    colour2: tuple[float, float, float]
    colour3: tuple[float, float, float]
    pattern: str
    pattern_scale: float  # one repeat, body units
    stripes_vertical: bool
    sleeves: str
    neckline: str
    hem: str
    hem_amount: float
    length: float  # body Y of the hem (trousers: of the leg openings)
    ease: float
    flare: float
    flare_from: float  # body Y where the garment starts to flare
    fold_strength: float
    fold_count: int
    buttons: bool
    back_zip: bool
    leg_width: float  # trousers: radius at the hem
    texture_seed: int


@dataclass(frozen=True)
class _Mannequin:
    style: str  # "form" (dress form on a pole) or "full" (legs, feet, rod)
    arms: str  # "none", "stubs", "full"
    colour: tuple[float, float, float]
    gloss: float
    matte_noise: float
    neck_w: float
    neck_top: float
    shoulder_w: float
    bust_w: float
    waist_w: float
    hip_w: float
    bottom: float  # body Y where the torso ends
    profile: np.ndarray  # (N, 2) right torso contour from the neck base down, body units
    tip: int  # index of the shoulder tip in profile


@dataclass(frozen=True)
class _Studio:
    cx: float  # image units (fraction of image height) of the mannequin axis
    y_tt: float  # image units of the turntable top centre
    zoom: float
    brightness: float
    tint: tuple[float, float, float]
    horizon: float  # image units: where the backdrop curves into the floor
    floor_gain: float
    vignette: float
    sheet_edge: tuple[float, int, tuple[float, float, float]] | None  # x, side, wall colour
    stands: tuple[tuple[float, float, bool], ...]  # x, base y, softbox
    cables: tuple[np.ndarray, ...]  # polylines in image units
    tapes: tuple[tuple[float, float, float, float, float, tuple[float, float, float]], ...]
    checker: tuple[np.ndarray, float] | None  # corners (4, 2) image units, shading
    turntable_rgb: tuple[float, float, float]
    turntable_side: float
    mannequin: _Mannequin
    light_jitter: float
    exposure: tuple[float, float, float]


@dataclass(frozen=True)
class _View:
    name: str
    theta: float
    light: float

    @property
    def f(self) -> float:
        """Projected half-width of a turned torso section over its frontal half-width."""
        return math.sqrt(math.cos(self.theta) ** 2 + (_K_TORSO * math.sin(self.theta)) ** 2)

    @property
    def beta(self) -> float:
        """Screen angle of the torso's front centre: surface angle phi = asin(u) - beta."""
        return math.atan2(_K_TORSO * math.sin(self.theta), math.cos(self.theta))


class _Frame:
    """Pixel geometry of one render and the figure layers painted so far."""

    def __init__(self, w: int, h: int, studio: _Studio, view: _View, rng: np.random.Generator):
        self.w, self.h, self.studio, self.view, self.rng = w, h, studio, view, rng
        self.ppu = h * studio.zoom  # pixels per body unit
        self.rgb = np.zeros((h, w, 3), np.float32)  # premultiplied figure colour
        self.alpha = np.zeros((h, w), np.float32)
        self.garment = np.zeros((h, w), np.float32)

    def to_px(self, pts: np.ndarray) -> np.ndarray:
        """(N, 2) screen body units -> (N, 2) pixel coordinates."""
        s = self.studio
        x = (s.cx + pts[:, 0] * s.zoom) * self.h
        y = (s.y_tt + (pts[:, 1] - _Y_TURNTABLE) * s.zoom) * self.h
        return np.stack([x, y], axis=1)

    def grid(self, x0: int, y0: int, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Body-unit coordinates of pixel centres in a box: X (1, w), Y (h, 1), float32."""
        s = self.studio
        xs = ((np.arange(x0, x0 + w, dtype=np.float32) + 0.5) / self.h - s.cx) / s.zoom
        ys = ((np.arange(y0, y0 + h, dtype=np.float32) + 0.5) / self.h - s.y_tt) / s.zoom + _Y_TURNTABLE
        return xs[None, :], ys[:, None]

    def paint(self, polys: Sequence[np.ndarray], colour_fn: Callable, garment: bool, shadow: float = 0.0) -> None:
        """Cover the figure with polygons (screen body units) coloured by colour_fn(X, Y, box).

        A garment layer adds to the garment coverage; any other layer hides the garment
        beneath it, so the truth mask is exactly what shows of the garment. `shadow` darkens
        what lies just below and right of the layer (the key light is top left).
        """
        box = _coverage([self.to_px(p) for p in polys], self.w, self.h, pad=int(shadow > 0) * 3 + 1,
                        pad_px=max(2, round(0.012 * self.ppu)) if shadow > 0 else 0)
        if box is None:
            return
        cov, x0, y0 = box
        hh, ww = cov.shape
        sl = np.s_[y0:y0 + hh, x0:x0 + ww]
        if shadow > 0:
            off = max(1, round(0.006 * self.ppu))
            sh = np.zeros_like(cov)
            sh[off:, off // 2:] = cov[:hh - off, :ww - off // 2]
            sh = cv2.GaussianBlur(sh, (0, 0), max(0.8, 0.006 * self.ppu))
            self.rgb[sl] *= (1.0 - shadow * sh)[..., None]
        xs, ys = self.grid(x0, y0, ww, hh)
        colour = colour_fn(xs, ys, (x0, y0, ww, hh))
        a = cov[..., None]
        self.rgb[sl] = self.rgb[sl] * (1.0 - a) + colour * a
        self.alpha[sl] = self.alpha[sl] * (1.0 - cov) + cov
        if garment:
            self.garment[sl] = self.garment[sl] * (1.0 - cov) + cov
        else:
            self.garment[sl] *= 1.0 - cov


# ---------------------------------------------------------------------------
# Small geometry helpers
# ---------------------------------------------------------------------------


def _spline(points: Sequence[Sequence[float]], n: int = 12) -> np.ndarray:
    """Catmull-Rom curve through control points: (M, 2) -> ((M - 1) * n + 1, 2)."""
    p = np.asarray(points, np.float64)
    ext = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    t = np.linspace(0.0, 1.0, n, endpoint=False)[:, None]
    segs = []
    for i in range(1, len(ext) - 2):
        p0, p1, p2, p3 = ext[i - 1:i + 3]
        segs.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                           + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3))
    segs.append(p[-1:])
    return np.vstack(segs)


def _coverage(polys_px: Sequence[np.ndarray], w: int, h: int, pad: int = 1, pad_px: int = 0):
    """Anti-aliased coverage of polygons in their bounding box: (cov float32 (h, w), x0, y0)."""
    allp = np.vstack(polys_px)
    if not np.all(np.isfinite(allp)):
        return None
    margin = pad + pad_px
    x0 = max(0, int(math.floor(allp[:, 0].min())) - margin)
    y0 = max(0, int(math.floor(allp[:, 1].min())) - margin)
    x1 = min(w, int(math.ceil(allp[:, 0].max())) + margin + 1)
    y1 = min(h, int(math.ceil(allp[:, 1].max())) + margin + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    cov = np.zeros((y1 - y0, x1 - x0), np.uint8)
    for p in polys_px:
        # fillPoly samples pixel corners; shift by half a pixel to sample centres.
        q = np.round((p - [x0 + 0.5, y0 + 0.5]) * _ONE).astype(np.int32)
        layer = np.zeros_like(cov)
        cv2.fillPoly(layer, [q], 255, cv2.LINE_AA, _SHIFT)
        np.maximum(cov, layer, out=cov)
    return cov.astype(np.float32) / 255.0, x0, y0


def _draw_lines(shape: tuple[int, int], x0: int, y0: int, lines: Sequence[tuple[np.ndarray, float, float]]) -> np.ndarray:
    """Multiplier map (h, w) float32: 1 everywhere, `value` along each (pts_px, thickness_px, value)."""
    out = np.full(shape, 255, np.uint8)
    for pts, thick, value in lines:
        q = np.round((pts - [x0 + 0.5, y0 + 0.5]) * _ONE).astype(np.int32)
        cv2.polylines(out, [q], False, int(round(255 * value)), max(1, int(round(thick))), cv2.LINE_AA, _SHIFT)
    return out.astype(np.float32) / 255.0


def _smoothstep(a: float, b: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - a) / max(b - a, 1e-6), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _loop(y_base: float, rp: Callable[[np.ndarray], np.ndarray], beta: float,
          shape: Callable[[np.ndarray], np.ndarray], left_to_right: bool = True, n: int = 48,
          extra_alpha: Sequence[float] = ()) -> np.ndarray:
    """Visible half of a horizontal loop around the body (hem, waist, neckline): (n, 2).

    rp(y) is the projected half-width, shape(phi) the loop's drop (body units) at surface
    angle phi; loops below camera height bow downward toward the viewer.
    """
    alpha = np.linspace(-math.pi / 2, math.pi / 2, n)
    extra = [a for a in extra_alpha if -math.pi / 2 < a < math.pi / 2]
    if extra:
        alpha = np.sort(np.concatenate([alpha, extra]))
    phi = alpha - beta
    y = np.full_like(alpha, y_base) + shape(phi)
    r0 = rp(y)
    y = y + 0.22 * (y - _Y_CAM) * np.cos(alpha) * r0 * 0.8
    x = np.sin(alpha) * rp(y)
    pts = np.stack([x, y], axis=1)
    return pts if left_to_right else pts[::-1]


def _wrap(phi: np.ndarray) -> np.ndarray:
    return (phi + np.pi) % (2 * np.pi) - np.pi


# ---------------------------------------------------------------------------
# Random garments and scenes
# ---------------------------------------------------------------------------


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    rgb = cv2.cvtColor(np.array([[[h * 360.0, s, v]]], np.float32), cv2.COLOR_HSV2RGB)[0, 0]
    return tuple(float(c) for c in np.clip(rgb, 0, 1))


def _random_colour(rng: np.random.Generator) -> tuple[float, float, float]:
    r = rng.random()
    if r < 0.22:  # neutrals, white and black included: the hard cases on a white backdrop
        v = rng.choice([0.93, 0.85, 0.6, 0.35, 0.12, 0.06])
        return _hsv(rng.random(), rng.uniform(0, 0.08), float(v + rng.uniform(-0.03, 0.03)))
    if r < 0.35:  # navy, camel, olive, burgundy
        return _hsv(*[(0.62, 0.7, 0.3), (0.09, 0.5, 0.7), (0.2, 0.5, 0.4), (0.97, 0.7, 0.4)][rng.integers(4)])
    return _hsv(rng.random(), rng.uniform(0.2, 0.9), rng.uniform(0.25, 0.95))


def random_garment(rng: np.random.Generator) -> GarmentSpec:
    """A random garment: kind, colours, pattern, sleeves, neckline and hem shape."""
    kind = str(rng.choice(GARMENT_KINDS, p=[0.3, 0.25, 0.15, 0.15, 0.15]))
    c1 = _random_colour(rng)
    c2 = _random_colour(rng)
    if rng.random() < 0.5:  # light/dark partner of the main colour
        c2 = tuple(float(np.clip(c * rng.uniform(0.3, 0.6) + (rng.uniform(0.4, 0.9) if rng.random() < 0.5 else 0), 0, 1)) for c in c1)
    c3 = _random_colour(rng)
    pattern = str(rng.choice(PATTERNS, p=[0.35, 0.2, 0.15, 0.15, 0.15]))
    sleeves = {"top": rng.choice(SLEEVES, p=[0.25, 0.35, 0.15, 0.25]),
               "dress": rng.choice(SLEEVES, p=[0.45, 0.25, 0.1, 0.2]),
               "jacket": rng.choice(["three_quarter", "long"], p=[0.15, 0.85])}.get(kind, "none")
    neckline = {"top": rng.choice(["round", "v", "boat"], p=[0.55, 0.3, 0.15]),
                "dress": rng.choice(["round", "v", "boat"], p=[0.45, 0.4, 0.15]),
                "jacket": "lapel"}.get(kind, "round")
    hem = "straight"
    if kind in ("dress", "skirt"):
        hem = str(rng.choice(HEMS, p=[0.35, 0.05, 0.15, 0.2, 0.25]))
    elif kind == "top":
        hem = str(rng.choice(["straight", "curved", "asymmetric"], p=[0.6, 0.3, 0.1]))
    length = {"top": rng.uniform(0.42, 0.56), "dress": rng.uniform(0.58, 0.86),
              "skirt": rng.uniform(0.55, 0.84), "trousers": rng.uniform(0.8, 0.875),
              "jacket": rng.choice([rng.uniform(0.48, 0.56), rng.uniform(0.66, 0.8)])}[kind]
    if kind == "trousers" and rng.random() < 0.2:
        length = rng.uniform(0.56, 0.64)  # shorts
    flare = {"top": rng.uniform(0.0, 0.12), "dress": rng.uniform(0.0, 0.4), "skirt": rng.uniform(0.0, 0.35),
             "trousers": 0.0, "jacket": rng.uniform(0.02, 0.1)}[kind]
    flare_from = {"dress": rng.choice([0.36, 0.44]), "skirt": rng.uniform(0.36, 0.44)}.get(kind, 0.42)
    hem_amount = {"straight": 0.0, "curved": rng.uniform(0.015, 0.035), "asymmetric": rng.uniform(0.03, 0.08),
                  "high_low": rng.uniform(0.05, 0.12), "wavy": rng.uniform(0.004, 0.01)}[hem]
    scale = {"stripes": rng.uniform(0.012, 0.05), "checks": rng.uniform(0.02, 0.07),
             "print": rng.uniform(0.025, 0.07), "knit": rng.uniform(0.004, 0.008)}.get(pattern, 0.03)
    return GarmentSpec(
        kind=kind, colour=c1, colour2=c2, colour3=c3, pattern=pattern, pattern_scale=float(scale),
        stripes_vertical=bool(rng.random() < 0.3), sleeves=str(sleeves), neckline=str(neckline), hem=hem,
        hem_amount=float(hem_amount), length=float(length),
        ease=float(rng.uniform(0.012, 0.03) if kind == "jacket" else rng.uniform(0.003, 0.016)),
        flare=float(flare), flare_from=float(flare_from), fold_strength=float(rng.uniform(0.05, 0.22)),
        fold_count=int(rng.integers(5, 14)), buttons=bool(kind == "jacket" or (kind in ("top", "dress") and rng.random() < 0.2)),
        back_zip=bool(kind == "dress" and rng.random() < 0.5), leg_width=float(rng.uniform(0.03, 0.06)),
        texture_seed=int(rng.integers(0, 2**31 - 1)),
    )


def _random_mannequin(rng: np.random.Generator, spec: GarmentSpec) -> _Mannequin:
    needs_legs = spec.kind == "trousers" or (spec.kind == "skirt" and rng.random() < 0.75)
    style = "full" if needs_legs or rng.random() < 0.4 else "form"
    if style == "full":
        colour = [(0.93, 0.92, 0.9), (0.12, 0.12, 0.13), (0.86, 0.7, 0.58), (0.62, 0.45, 0.35)][rng.choice(4, p=[0.4, 0.25, 0.25, 0.1])]
        gloss, noise = rng.uniform(0.1, 0.3), 0.01
        arms = "full" if rng.random() < 0.8 else "none"
    else:
        colour = [(0.84, 0.77, 0.66), (0.13, 0.13, 0.14), (0.9, 0.89, 0.87), (0.78, 0.62, 0.52)][rng.choice(4, p=[0.35, 0.35, 0.15, 0.15])]
        gloss, noise = rng.uniform(0.0, 0.06), 0.04
        arms = str(rng.choice(["none", "stubs"], p=[0.6, 0.4]))
    colour = tuple(float(np.clip(c * rng.uniform(0.95, 1.05), 0, 1)) for c in colour)
    male = rng.random() < 0.2
    neck_w = rng.uniform(0.03, 0.037)
    sh = rng.uniform(0.118, 0.132) + (0.008 if male else 0)
    bust = rng.uniform(0.1, 0.112)
    waist = rng.uniform(0.072, 0.085) + (0.012 if male else 0)
    hip = rng.uniform(0.102, 0.116)
    bottom = 0.52 if style == "full" else rng.uniform(0.53, 0.56)
    ctrl = [(neck_w, 0.140), (neck_w + 0.028, 0.151), (sh - 0.022, 0.163), (sh, 0.181), (sh - 0.006, 0.205),
            (bust + 0.003, 0.236), (bust, 0.268), (waist + 0.011, 0.312), (waist, 0.35), (hip - 0.01, 0.4),
            (hip, 0.45), (hip - 0.004, 0.5), (hip - 0.012, bottom)]
    profile = _spline(ctrl, 10)
    tip = 3 * 10
    return _Mannequin(style=style, arms=arms, colour=colour, gloss=float(gloss), matte_noise=float(noise),
                      neck_w=float(neck_w), neck_top=float(rng.uniform(0.07, 0.09)), shoulder_w=float(sh),
                      bust_w=float(bust), waist_w=float(waist), hip_w=float(hip), bottom=float(bottom),
                      profile=profile, tip=tip)


def _random_studio(rng: np.random.Generator, spec: GarmentSpec, aspect: float) -> _Studio:
    """The studio around the turntable; the same for the three views of one garment."""
    mannequin = _random_mannequin(rng, spec)
    zoom = rng.uniform(0.95, 1.05)
    cx = aspect / 2 + rng.normal(0, 0.008)
    tint = tuple(float(1 + rng.normal(0, 0.012)) for _ in range(3))
    horizon = rng.uniform(0.66, 0.8)
    edge = None
    if rng.random() < 0.55:
        side = int(rng.choice([-1, 1]))
        x = rng.uniform(0.015, 0.1) if side < 0 else aspect - rng.uniform(0.015, 0.1)
        v = rng.uniform(0.5, 0.75)
        edge = (float(x), side, (v * 1.02, v, v * 0.95))
    stands = []
    for _ in range(int(rng.choice([0, 1, 2], p=[0.2, 0.45, 0.35]))):
        side = rng.choice([-1, 1])
        x = rng.uniform(0.02, 0.1) if side < 0 else aspect - rng.uniform(0.02, 0.1)
        stands.append((float(x), float(rng.uniform(horizon + 0.04, 0.95)), bool(rng.random() < 0.6)))
    cables = []
    for _ in range(int(rng.integers(1, 4))):
        x_top = rng.uniform(0.0, aspect)
        x_floor = float(np.clip(x_top + rng.normal(0, 0.1), 0.0, aspect))
        y_floor = rng.uniform(horizon + 0.03, 1.0)
        sag = rng.uniform(-0.06, 0.06)
        top = np.array([x_top, -0.02])
        bottom = np.array([x_floor, y_floor])
        ctrl1 = top + [sag, (y_floor + 0.02) * 0.4]
        ctrl2 = bottom + [-sag * 0.5, -0.1]
        t = np.linspace(0, 1, 40)[:, None]
        hang = (1 - t) ** 3 * top + 3 * (1 - t) ** 2 * t * ctrl1 + 3 * (1 - t) * t ** 2 * ctrl2 + t ** 3 * bottom
        d = rng.choice([-1, 1])
        run = np.cumsum(np.tile([[d * 0.02, 0.0]], (12, 1)) + rng.normal(0, [0.01, 0.006], (12, 2)), axis=0) + bottom
        cables.append(np.vstack([hang, _spline(np.vstack([bottom, run]), 4)[1:]]))
    tapes = []
    for _ in range(int(rng.integers(1, 6))):
        col = [(0.95, 0.95, 0.93), (0.95, 0.82, 0.15), (0.85, 0.2, 0.18), (0.2, 0.35, 0.8), (0.1, 0.1, 0.1)][rng.integers(5)]
        tapes.append((float(rng.uniform(0.02, aspect - 0.02)), float(rng.uniform(horizon + 0.05, 0.99)),
                      float(rng.uniform(0.025, 0.05)), float(rng.uniform(0.005, 0.009)), float(rng.uniform(0, 180)), col))
        if rng.random() < 0.4:  # crossed or L-shaped marks
            x, y, ln, wd, ang, c = tapes[-1]
            tapes.append((x + rng.uniform(-0.01, 0.01), y, ln, wd, ang + 90, c))
    checker = None
    if rng.random() < 0.35:
        w, h = 0.1, 0.068
        if rng.random() < 0.5:  # leaning on the floor in a lower corner
            x = rng.uniform(0.03, 0.12) if rng.random() < 0.5 else aspect - rng.uniform(0.03, 0.12) - w
            y = rng.uniform(0.86, 0.93)
            corners = np.array([[x, y], [x + w, y + rng.uniform(-0.01, 0.01)], [x + w + 0.004, y + h * 0.6], [x - 0.004, y + h * 0.6]])
        else:  # taped to the backdrop
            x = rng.uniform(0.02, 0.08) if rng.random() < 0.5 else aspect - rng.uniform(0.02, 0.08) - h
            y = rng.uniform(0.3, 0.6)
            corners = np.array([[x, y], [x + h, y], [x + h, y + w], [x, y + w]])  # portrait
        checker = (corners, float(rng.uniform(0.85, 1.0)))
    tt = rng.uniform(0.35, 0.7)
    tt_rgb = (tt, tt, tt * rng.uniform(0.97, 1.03))
    return _Studio(cx=float(cx), y_tt=float(rng.uniform(0.905, 0.925)), zoom=float(zoom),
                   brightness=float(rng.uniform(0.84, 0.96)), tint=tint, horizon=float(horizon),
                   floor_gain=float(rng.uniform(0.88, 1.02)), vignette=float(rng.uniform(0.05, 0.16)),
                   sheet_edge=edge, stands=tuple(stands), cables=tuple(cables), tapes=tuple(tapes), checker=checker,
                   turntable_rgb=tt_rgb, turntable_side=float(rng.uniform(0.35, 0.6)), mannequin=mannequin,
                   light_jitter=float(rng.normal(0, 0.1)),
                   exposure=tuple(float(1 + rng.normal(0, 0.015)) for _ in range(3)))


# ---------------------------------------------------------------------------
# Fabric textures in (surface angle, Y) space
# ---------------------------------------------------------------------------


def _stripe(v: np.ndarray, period: float, duty: float, ppu: float) -> np.ndarray:
    """Anti-aliased square wave in [0, 1]; fades to its mean when the period nears a pixel."""
    period_px = period * ppu
    phase = (v / period) % 1.0
    m = np.clip(0.5 + (duty / 2 - np.abs(phase - 0.5)) * period_px, 0.0, 1.0)
    fade = float(np.clip((period_px - 2.0) / 4.0, 0.0, 1.0))
    return (duty + (m - duty) * fade).astype(np.float32)


def _lowres_noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Smooth unit noise (h, w) float32 with features about `cell` pixels wide."""
    sh, sw = max(2, int(h / max(cell, 1)) + 2), max(2, int(w / max(cell, 1)) + 2)
    small = rng.standard_normal((sh, sw), dtype=np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _fabric_texture(spec: GarmentSpec, ppu: float) -> tuple[np.ndarray, np.ndarray]:
    """Pattern textures (Ht, Wt, 3) float32 for the body (with its seams, buttons,
    lapels) and for sleeves/legs; column Wt/2 is the front centre (phi = 0)."""
    rng = np.random.default_rng(spec.texture_seed)
    wt = max(16, int(round(2 * math.pi * _R_REF * ppu)))
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
        heather = _lowres_noise(rng, ht, wt, 1.5)
        tex = tex * (1 + 0.05 * heather)[..., None]
    else:
        tex = np.broadcast_to(c1, (ht, wt, 3))
    slub = _lowres_noise(rng, ht, wt, 0.03 * ppu)
    tex = np.clip(tex * (1 + 0.025 * slub)[..., None], 0, 1).astype(np.float32)
    limb_tex = tex
    body = tex.copy()
    _body_details(body, spec, ppu, rng)
    return body, limb_tex


def _body_details(tex: np.ndarray, spec: GarmentSpec, ppu: float, rng: np.random.Generator) -> None:
    """Seams, placket, buttons, lapels and zip painted into the body texture in place."""
    ht, wt = tex.shape[:2]
    col = lambda phi: wt / 2 + phi * _R_REF * ppu  # noqa: E731 - texture column of angle phi
    row = lambda y: y * ppu  # noqa: E731
    thin = max(1, int(round(0.0013 * ppu)))
    lines: list[tuple[np.ndarray, float, float]] = []
    y_top = 0.1 if spec.kind in ("top", "dress", "jacket") else 0.33
    for phi in (-math.pi / 2, math.pi / 2):  # side seams
        lines.append((np.array([[col(phi), row(y_top)], [col(phi), row(1.05)]]), thin, 0.7))
    if spec.kind in ("dress", "skirt") and spec.flare > 0.2:  # panel seams on full skirts
        for phi in (-1.0, 1.0):
            lines.append((np.array([[col(phi * 0.5), row(0.36)], [col(phi), row(1.05)]]), thin, 0.8))
    if spec.back_zip:
        lines.append((np.array([[col(math.pi) - 1, row(0.12)], [col(math.pi) - 1, row(0.55)]]), 2 * thin, 0.55))
    if spec.kind == "trousers" or spec.kind == "skirt":  # waistband stitch, fly
        if spec.kind == "trousers":
            lines.append((np.array([[col(0.08), row(0.37)], [col(0.1), row(0.45)], [col(0.0), row(0.48)]]), thin, 0.65))
    if spec.kind == "jacket":
        d = 0.14
        y_n = 0.15
        for s in (-1, 1):  # lapel roll lines and notches, pocket flaps
            pts = np.array([[col(s * 1.2), row(y_n + 0.005)], [col(s * 0.6), row(y_n + 0.05)], [col(s * 0.05), row(y_n + d + 0.01)]])
            lines.append((pts, 2 * thin, 0.6))
            lines.append((np.array([[col(s * 1.25), row(y_n + 0.04)], [col(s * 1.05), row(y_n + 0.05)]]), thin, 0.6))
            lines.append((np.array([[col(s * 0.55), row(0.47)], [col(s * 1.15), row(0.47)]]), 2 * thin, 0.6))
    if spec.buttons:
        top = 0.29 if spec.kind == "jacket" else 0.2
        lines.append((np.array([[col(-0.02), row(top)], [col(-0.02), row(1.05)]]), thin, 0.6))
        step = 0.065 if spec.kind == "jacket" else 0.045
        last = min(spec.length - 0.04, 0.75 if spec.kind != "dress" else 0.5)
        btn = np.array(spec.colour3 if spec.kind == "jacket" else spec.colour2, np.float32) * 0.8
        r = max(1.0, (0.009 if spec.kind == "jacket" else 0.005) * ppu)
        for y in np.arange(top + 0.015, last, step):
            c = (int(col(0.0) * 16), int(row(y) * 16))
            cv2.circle(tex, c, int(r * 16), tuple(float(v) for v in btn), -1, cv2.LINE_AA, 4)
            cv2.circle(tex, c, int(r * 16), tuple(float(v) * 0.6 for v in btn), max(1, thin), cv2.LINE_AA, 4)
    if lines:
        tex *= _draw_lines((ht, wt), 0, 0, [(p - 0.5, t, v) for p, t, v in lines])[..., None]


# ---------------------------------------------------------------------------
# Shading
# ---------------------------------------------------------------------------


def _cylinder_shade(u: np.ndarray, light: float, ambient: float = 0.7, diffuse: float = 0.36,
                    gloss: float = 0.0) -> np.ndarray:
    """Brightness of a cylinder at normalised screen offset u in [-1, 1]."""
    a = np.arcsin(np.clip(u, -0.999, 0.999))
    shade = ambient + diffuse * np.maximum(np.cos(a - light), 0.0)
    if gloss > 0:
        shade = shade + gloss * np.exp(-((a - light * 0.55) / 0.22) ** 2)
    return shade


def _tube_uv(xs: np.ndarray, ys: np.ndarray, a: np.ndarray, b: np.ndarray, ts: np.ndarray,
             rs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance along the axis a->b (body units) and normalised offset u across a tube
    whose projected radius is rs at distances ts; xs (1, w), ys (h, 1)."""
    d = b - a
    length = float(np.hypot(*d))
    dx, dy = d / max(length, 1e-9)
    t = (xs - a[0]) * dx + (ys - a[1]) * dy
    n = (xs - a[0]) * dy - (ys - a[1]) * dx
    r = np.interp(t.ravel(), ts, rs).reshape(t.shape).astype(np.float32)
    return t.astype(np.float32), (n / np.maximum(r, 1e-6)).astype(np.float32)


def _tube_outline(a: np.ndarray, b: np.ndarray, ts: np.ndarray, rs: np.ndarray, t_end: float,
                  cap_top: float = 0.0, end_bow: float = 0.0, n: int = 24) -> np.ndarray:
    """Closed outline (N, 2) of a tube from a to t_end along a->b, rounded top, bowed end."""
    d = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
    nrm = np.array([d[1], -d[0]])
    t = np.linspace(0.0, t_end, n)
    r = np.interp(t, ts, rs)
    right = a + t[:, None] * d + r[:, None] * nrm
    left = a + t[:, None] * d - r[:, None] * nrm
    s = np.linspace(0, math.pi, 12)
    r0 = float(rs[0])
    cap = a + np.cos(s)[:, None] * r0 * nrm - np.sin(s)[:, None] * cap_top * d
    u = np.linspace(1, -1, 12)
    r1 = float(np.interp(t_end, ts, rs))
    end = a + (t_end + end_bow * np.sqrt(1 - u ** 2))[:, None] * d + (u * r1)[:, None] * nrm
    return np.vstack([cap[::-1][1:-1], right, end[1:-1], left[::-1]])


# ---------------------------------------------------------------------------
# The figure: mannequin and garment
# ---------------------------------------------------------------------------


def _side_function(profile: np.ndarray, tip: int) -> tuple[np.ndarray, np.ndarray]:
    """Half-width of the torso contour below the shoulder tip as (Y ascending, X)."""
    side = profile[tip:]
    y = np.maximum.accumulate(side[:, 1])
    y = y + np.arange(len(y)) * 1e-7  # strictly increasing for np.interp
    return y, side[:, 0]


def _garment_side(spec: GarmentSpec, m: _Mannequin, y_start: float) -> tuple[np.ndarray, np.ndarray]:
    """Garment half-width (body units, frontal) as (Y, X) from y_start to below the frame."""
    py, px = _side_function(m.profile, m.tip)
    ys = np.arange(y_start, 1.1, 0.003)
    base = np.interp(np.minimum(ys, 0.45), py, px)
    if spec.kind != "trousers":
        # Below the hip fabric hangs straight; a pencil skirt tapers a little.
        base = base - 0.06 * np.clip(ys - 0.5, 0, None) * (spec.flare < 0.08)
    soft = 0.04 * np.logaddexp(0.0, (ys - spec.flare_from) / 0.04)
    return ys, base + spec.ease + spec.flare * soft


def _hem_shape(spec: GarmentSpec) -> Callable[[np.ndarray], np.ndarray]:
    a = spec.hem_amount
    if spec.hem == "curved":
        return lambda phi: -a * np.sin(phi) ** 2
    if spec.hem == "asymmetric":
        return lambda phi: a * np.sin(phi)
    if spec.hem == "high_low":
        return lambda phi: a * (1 - np.cos(phi)) / 2
    if spec.hem == "wavy":
        k = 3 + spec.fold_count // 3
        return lambda phi: a * np.sin(k * phi + spec.texture_seed % 7)
    return lambda phi: np.zeros_like(phi)


def _neck_shape(spec: GarmentSpec) -> tuple[float, Callable[[np.ndarray], np.ndarray]]:
    """Neck opening half-width beyond the mannequin's neck, and drop at surface angle phi."""
    front, back, gap, vee = {"round": (0.04, 0.012, 0.012, False), "v": (0.095, 0.015, 0.016, True),
                             "boat": (0.014, 0.008, 0.045, False), "lapel": (0.14, -0.012, 0.01, True)}[spec.neckline]

    def drop(phi: np.ndarray) -> np.ndarray:
        phi = _wrap(phi)
        c = np.cos(phi)
        f = np.clip(1 - np.abs(phi) / (math.pi / 2), 0, 1) if vee else np.clip(c, 0, 1) ** 1.5
        return front * f + back * np.clip(-c, 0, 1) ** 1.5

    return gap, drop


class _Figure:
    """Draws one view of the mannequin and its garment into a _Frame."""

    def __init__(self, frame: _Frame, spec: GarmentSpec, textures: tuple[np.ndarray, np.ndarray]):
        self.fr, self.spec, self.m = frame, spec, frame.studio.mannequin
        self.body_tex, self.limb_tex = textures
        self.v = frame.view
        self.f, self.beta = self.v.f, self.v.beta
        self.cos, self.sin = math.cos(self.v.theta), math.sin(self.v.theta)
        self.light = self.v.light + frame.studio.light_jitter
        self.rng = frame.rng

    # -- colour functions --------------------------------------------------------

    def _noise(self, shape: tuple[int, int], amount: float, cell: float) -> np.ndarray:
        return 1.0 + amount * _lowres_noise(self.rng, shape[0], shape[1], cell)

    def _skin(self, u_fn: Callable, gloss_scale: float = 1.0) -> Callable:
        m = self.m
        base = np.array(m.colour, np.float32)

        def colour(xs, ys, box):
            u = u_fn(xs, ys)
            u = np.broadcast_to(u, (box[3], box[2]))
            shade = _cylinder_shade(u, self.light, 0.62, 0.42, m.gloss * gloss_scale)
            shade = shade * self._noise(u.shape, m.matte_noise, max(1.0, 0.002 * self.fr.ppu))
            return np.clip(base * shade[..., None], 0, 1.2)

        return colour

    def _metal(self, u_fn: Callable, grey: float) -> Callable:
        def colour(xs, ys, box):
            u = np.broadcast_to(u_fn(xs, ys), (box[3], box[2]))
            shade = _cylinder_shade(u, self.light, 0.5, 0.5, 0.5)
            return np.repeat((grey * shade)[..., None], 3, axis=2).astype(np.float32)

        return colour

    def _fabric(self, coords: Callable, tex: np.ndarray, radius: float, offset: float,
                fold_amp: Callable, lines: Callable | None = None) -> Callable:
        """coords(xs, ys) -> (u, phi, t): screen offset, surface angle, texture row (units)."""
        spec, ppu = self.spec, self.fr.ppu
        ht, wt = tex.shape[:2]

        def colour(xs, ys, box):
            x0, y0, w, h = box
            u, phi, t = (np.broadcast_to(a, (h, w)) for a in coords(xs, ys))
            mapx = ((phi * radius * ppu + wt / 2 + offset * ppu) % wt).astype(np.float32)
            mapy = ((t * ppu) % ht).astype(np.float32)
            col = cv2.remap(tex, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
            shade = _cylinder_shade(u, self.light, 0.68, 0.36, 0.0)
            wave = np.sin(phi * spec.fold_count + 1.7 * np.sin(t * 5.0 + spec.texture_seed % 11) + spec.texture_seed % 5)
            shade = shade * (1.0 - fold_amp(t) * (0.5 + 0.5 * wave) ** 2)
            shade = shade * self._noise((h, w), 0.02, max(1.0, 0.004 * ppu))
            if lines is not None:
                drawn = lines(x0, y0, (h, w))
                if drawn is not None:
                    shade = shade * drawn
            return np.clip(col * shade[..., None], 0, 1)

        return colour

    # -- mannequin -----------------------------------------------------------------

    def _limb_axis(self, a: np.ndarray, b: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        """Screen axis of a limb hanging at X = side * |x| (Z ~ 0): X turns with cos(theta)."""
        return (np.array([side * a[0] * self.cos, a[1]]), np.array([side * b[0] * self.cos, b[1]]))

    def _near(self, side: int) -> bool | None:
        """True when the limb on `side` is toward the camera, None when both are level."""
        z = -side * self.sin
        return None if abs(z) < 1e-6 else z > 0

    def _arm_geometry(self):
        m = self.m
        a = np.array([m.shoulder_w - 0.03, 0.192])
        if m.arms == "full":
            b = np.array([m.shoulder_w + 0.012, 0.47])
            ts = np.array([0.0, 0.12, 0.14, 0.2])
            rs = np.array([0.033, 0.028, 0.025, 0.019])
            ts = ts / ts[-1] * float(np.hypot(*(b - a)))
            return a, b, ts, rs
        b = np.array([m.shoulder_w - 0.015, 0.5])  # an empty sleeve hangs near the body
        return a, b, np.array([0.0, 0.3]), np.array([0.032, 0.026])

    def _draw_arm(self, side: int) -> None:
        m = self.m
        if m.arms == "none":
            return
        a, b, ts, rs = self._arm_geometry()
        a, b = self._limb_axis(a, b, side)
        if m.arms == "stubs":
            t_end = 0.055
            out = _tube_outline(a, b, ts, rs, t_end, cap_top=0.015, end_bow=0.006)
            self.fr.paint([out], self._skin(lambda xs, ys: _tube_uv(xs, ys, a, b, ts, rs)[1]), False)
            d = (b - a) / np.hypot(*(b - a))
            c = a + d * t_end
            cap = self._ellipse(c, rs[0] * 0.95, 0.006, 0.0)
            self.fr.paint([cap], self._metal(lambda xs, ys: (xs - c[0]) / (rs[0] + 1e-6), 0.6), False)
            return
        length = ts[-1]
        out = _tube_outline(a, b, ts, rs, length, cap_top=0.012, end_bow=0.004)
        self.fr.paint([out], self._skin(lambda xs, ys: _tube_uv(xs, ys, a, b, ts, rs)[1]), False)
        d = (b - a) / length
        hand_c = b + d * 0.035 + np.array([side * 0.004 * self.cos, 0])
        hand = self._ellipse(hand_c, 0.018 + 0.004 * abs(self.sin), 0.042, math.degrees(math.atan2(d[0], d[1])) * -1)
        self.fr.paint([hand], self._skin(lambda xs, ys: (xs - hand_c[0]) / 0.02), False)

    def _ellipse(self, c: np.ndarray, rx: float, ry: float, angle_deg: float) -> np.ndarray:
        t = np.linspace(0, 2 * math.pi, 40, endpoint=False)
        a = math.radians(angle_deg)
        x, y = rx * np.cos(t), ry * np.sin(t)
        return np.stack([c[0] + x * math.cos(a) - y * math.sin(a), c[1] + x * math.sin(a) + y * math.cos(a)], 1)

    def _leg_geometry(self):
        a = np.array([0.056, 0.455])
        b = np.array([0.046, 0.88])
        length = float(np.hypot(*(b - a)))
        ts = np.array([0.0, 0.12, 0.48, 0.58, 0.8, 1.0]) * length
        rs = np.array([0.058, 0.052, 0.036, 0.039, 0.027, 0.02])
        return a, b, ts, rs

    def _draw_leg(self, side: int) -> None:
        a, b, ts, rs = self._leg_geometry()
        a, b = self._limb_axis(a, b, side)
        foot_c = np.array([b[0] + 0.006 * self.sin * side, 0.9])
        foot = self._ellipse(foot_c, 0.02 + 0.02 * abs(self.sin), 0.024, 0)
        self.fr.paint([foot], self._skin(lambda xs, ys: (xs - foot_c[0]) / 0.03), False)
        out = _tube_outline(a, b, ts, rs, ts[-1], cap_top=0.0, end_bow=0.003)
        self.fr.paint([out], self._skin(lambda xs, ys: _tube_uv(xs, ys, a, b, ts, rs)[1]), False)

    def _torso_rp(self) -> Callable[[np.ndarray], np.ndarray]:
        py, px = _side_function(self.m.profile, self.m.tip)
        f = self.f
        return lambda y: f * np.interp(y, py, px)

    def _draw_torso(self) -> None:
        m, f = self.m, self.f
        rp = self._torso_rp()
        # The neck first, so the torso's shoulders hide its base; a flat cut top, and on a
        # dress form a turned cap.
        nw = m.neck_w * (0.92 + 0.08 * f)
        neck = np.array([[-nw, m.neck_top], [nw, m.neck_top], [nw * 1.08, 0.16], [-nw * 1.08, 0.16]])
        self.fr.paint([neck], self._skin(lambda xs, ys: xs / nw), False)
        top = self._ellipse(np.array([0.0, m.neck_top]), nw, 0.008, 0)
        if m.style == "form":
            self.fr.paint([top], self._skin(lambda xs, ys: xs / nw * 0.3, 0.5), False)
            cap = np.array([[-0.012, m.neck_top - 0.028], [0.012, m.neck_top - 0.028], [0.016, m.neck_top], [-0.016, m.neck_top]])
            self.fr.paint([cap, self._ellipse(np.array([0.0, m.neck_top - 0.028]), 0.012, 0.004, 0)],
                          self._metal(lambda xs, ys: xs / 0.016, 0.55), False)
        else:
            self.fr.paint([top], self._skin(lambda xs, ys: xs / nw * 0.2 - 0.4, 0.3), False)
        right = m.profile * [f, 1.0]
        if m.style == "full":  # a crotch curving up to the hip joints; the legs show beside it
            bottom = _loop(m.bottom, rp, self.beta, lambda phi: -0.07 * np.sin(phi) ** 2, left_to_right=False)
        else:
            bottom = _loop(m.bottom, rp, self.beta, lambda phi: np.zeros_like(phi), left_to_right=False)
        right = right[right[:, 1] < bottom[0, 1]]
        left = (m.profile * [-f, 1.0])[::-1]
        left = left[left[:, 1] < bottom[-1, 1]]
        poly = np.vstack([right, bottom, left])
        self.fr.paint([poly], self._skin(lambda xs, ys: xs / np.maximum(rp(ys), 1e-3)), False)

    def _draw_stand(self) -> None:
        m = self.m
        ground = _Y_TURNTABLE - 0.004
        if m.style == "form":
            pole = np.array([[-0.007, m.bottom - 0.02], [0.007, m.bottom - 0.02], [0.007, ground - 0.02], [-0.007, ground - 0.02]])
            self.fr.paint([pole], self._metal(lambda xs, ys: xs / 0.007, 0.5), False)
            hub = np.array([0.0, ground - 0.035])
            legs = []
            for k in range(3):  # tripod feet, turning with the turntable
                ang = self.v.theta + 2 * math.pi * k / 3 + 0.4
                foot = np.array([0.1 * math.sin(ang), ground + 0.1 * math.cos(ang) * 0.11])
                d = foot - hub
                nrm = np.array([d[1], -d[0]]) / max(np.hypot(*d), 1e-9) * 0.005
                legs.append(np.array([hub - nrm, hub + nrm, foot + nrm, foot - nrm]))
            self.fr.paint(legs, self._metal(lambda xs, ys: np.zeros_like(xs) - 0.3, 0.3), False)
        else:
            base = self._ellipse(np.array([0.0, ground]), 0.1, 0.012, 0)
            self.fr.paint([base], self._metal(lambda xs, ys: xs / 0.1, 0.72), False)
            side = -1
            x_rod = side * 0.046 * self.cos - 0.02 * self.sin
            rod = np.array([[x_rod - 0.004, 0.78], [x_rod + 0.004, 0.78], [x_rod + 0.004, ground], [x_rod - 0.004, ground]])
            self.fr.paint([rod], self._metal(lambda xs, ys: (xs - x_rod) / 0.004, 0.6), False)

    # -- garment -------------------------------------------------------------------

    def _fold_amp(self, y0: float, y1: float, flare_boost: float = 1.0) -> Callable:
        s = self.spec.fold_strength

        def amp(t):
            return s * (0.3 + 0.7 * flare_boost * _smoothstep(y0, y1, t))

        return amp

    def _upper_body(self) -> tuple[np.ndarray, Callable, np.ndarray, np.ndarray]:
        """Outline of a top/dress/jacket body piece (screen units), its rp(y), neckline and hem."""
        spec, m, f = self.spec, self.m, self.f
        gap, drop = _neck_shape(spec)
        x_n = m.neck_w + gap
        prof = m.profile.copy()
        # Offset the shoulder contour outward by the ease along its normals.
        d = np.gradient(prof, axis=0)
        nrm = np.stack([d[:, 1], -d[:, 0]], 1) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
        shoulder = prof[: m.tip + 1] + nrm[: m.tip + 1] * spec.ease * 0.7
        i_n = int(np.searchsorted(shoulder[:, 0], x_n))
        y_n = float(np.interp(x_n, shoulder[:, 0], shoulder[:, 1]))
        if spec.sleeves == "none":
            strap = x_n + {"boat": 0.035}.get(spec.neckline, 0.045)
            y_s = float(np.interp(strap, shoulder[:, 0], shoulder[:, 1]))
            upper = np.vstack([[x_n, y_n], shoulder[(shoulder[:, 0] > x_n) & (shoulder[:, 0] < strap)], [strap, y_s]])
            y_side = 0.26
            ys, xs = _garment_side(spec, m, y_side)
            arm = _spline([(strap, y_s), (strap + 0.002, y_s + 0.035), (m.bust_w - 0.012, y_side - 0.012), (xs[0], y_side)], 8)
            upper = np.vstack([upper, arm[1:]])
        else:
            upper = np.vstack([[x_n, y_n], shoulder[i_n:]])
            ys, xs = _garment_side(spec, m, float(shoulder[-1, 1]) + 0.003)
        rp = lambda y: f * np.interp(y, ys, xs)  # noqa: E731
        hem = _loop(spec.length, rp, self.beta, _hem_shape(spec), left_to_right=False)
        y_r, y_l = hem[0, 1], hem[-1, 1]
        right_side = np.stack([xs, ys], 1)[ys < y_r]
        left_side = np.stack([xs, ys], 1)[ys < y_l]
        neck = _loop(y_n, lambda y: np.full_like(y, x_n * f), self.beta, drop, extra_alpha=[self.beta])
        right = np.vstack([upper, right_side]) * [f, 1]
        left = (np.vstack([upper, left_side]) * [-f, 1])[::-1]
        poly = np.vstack([right, hem, left, neck])
        return poly, rp, neck, hem

    def _body_coords(self, rp: Callable) -> Callable:
        def coords(xs, ys):
            u = xs / np.maximum(rp(ys), 1e-3)
            phi = np.arcsin(np.clip(u, -1, 1)) - self.beta
            return u, phi, ys

        return coords

    def _hem_lines(self, hem: np.ndarray, extra: Sequence[tuple[np.ndarray, float, float]] = ()) -> Callable:
        """Stitching just above the hem and other image-space trims, as a multiplier map."""
        ppu = self.fr.ppu
        lines = [(self.fr.to_px(hem - [0, 0.012]), max(1.0, 0.0012 * ppu), 0.75)]
        lines += [(self.fr.to_px(p), t * ppu, v) for p, t, v in extra]
        return lambda x0, y0, shape: _draw_lines(shape, x0, y0, lines)

    def _draw_body_garment(self) -> None:
        spec = self.spec
        poly, rp, neck, hem = self._upper_body()
        extra = []
        if spec.neckline != "lapel":
            extra.append((neck + [0, 0.004], 0.008, 0.86))  # rib binding
        fold = self._fold_amp(spec.flare_from, spec.length, 1.0 + 2 * spec.flare)
        colour = self._fabric(self._body_coords(rp), self.body_tex, _R_REF, 0.0, fold, self._hem_lines(hem, extra))
        self.fr.paint([poly], colour, True, shadow=0.25)

    def _draw_skirt(self, trousers: bool = False) -> None:
        spec, m, f = self.spec, self.m, self.f
        y_w = 0.355  # the mannequin's waist line
        ys, xs = _garment_side(spec, m, y_w)
        rp = lambda y: f * np.interp(y, ys, xs)  # noqa: E731
        top = _loop(y_w, rp, self.beta, lambda phi: np.zeros_like(phi))
        bottom_y = 0.5 if trousers else spec.length
        shape = (lambda phi: np.zeros_like(phi)) if trousers else _hem_shape(spec)
        hem = _loop(bottom_y, rp, self.beta, shape, left_to_right=False)
        right = np.stack([xs, ys], 1)[(ys > top[-1, 1]) & (ys < hem[0, 1])] * [f, 1]
        left = (np.stack([xs, ys], 1)[(ys > top[0, 1]) & (ys < hem[-1, 1])] * [-f, 1])[::-1]
        poly = np.vstack([top, right, hem, left])
        band = [(top + [0, 0.028], 0.0014, 0.7), (top + [0, 0.002], 0.004, 0.85)]
        lines = self._hem_lines(hem, band) if not trousers else (
            lambda x0, y0, shape: _draw_lines(shape, x0, y0, [(self.fr.to_px(p), t * self.fr.ppu, v) for p, t, v in band]))
        fold = self._fold_amp(spec.flare_from, spec.length, 1.0 + 2 * spec.flare)
        colour = self._fabric(self._body_coords(rp), self.body_tex, _R_REF, 0.0, fold, lines)
        self.fr.paint([poly], colour, True, shadow=0.25)

    def _draw_trouser_leg(self, side: int) -> None:
        spec = self.spec
        a = np.array([0.056, 0.43])
        b = np.array([0.05 + 0.3 * (spec.leg_width - 0.03), spec.length])
        a, b = self._limb_axis(a, b, side)
        length = float(np.hypot(*(b - a)))
        hip = self.m.hip_w + spec.ease
        r_top = (hip - 0.056) * self.f + 0.004
        short = spec.length < 0.7
        r_knee = spec.leg_width if short else max(spec.leg_width, 0.042)
        ts = np.array([0.0, 0.1, 0.55 if not short else 0.9, 1.0]) * length
        rs = np.array([r_top, r_top * 0.98, r_knee, spec.leg_width])
        out = _tube_outline(a, b, ts, rs, length, cap_top=0.0, end_bow=0.1 * rs[-1] * 0.8)
        d = (b - a) / length
        nrm = np.array([d[1], -d[0]])
        end = np.array([a + d * (length - 0.012) + nrm * rs[-1] * s for s in np.linspace(-1, 1, 8)])

        def coords(xs, ys):
            t, u = _tube_uv(xs, ys, a, b, ts, rs)
            phi = np.arcsin(np.clip(u, -1, 1)) - self.beta
            return u, phi, t + 0.43

        def lines(x0, y0, shape):
            return _draw_lines(shape, x0, y0, [(self.fr.to_px(end), max(1.0, 0.0012 * self.fr.ppu), 0.75)])

        fold = lambda t: spec.fold_strength * (0.25 + 0.6 * _smoothstep(0.7, 0.88, t))  # noqa: E731
        colour = self._fabric(coords, self.limb_tex, 0.05, 0.3 * side, fold, lines)
        self.fr.paint([out], colour, True, shadow=0.2)

    def _draw_sleeve(self, side: int) -> None:
        spec, m = self.spec, self.m
        if spec.sleeves == "none" or spec.kind in ("skirt", "trousers"):
            return
        a, b, ts, rs = self._arm_geometry()
        if m.arms != "full":  # empty sleeves hang closer to the body
            a = np.array([m.shoulder_w - 0.03, 0.192])
            b = np.array([m.shoulder_w + 0.004, 0.5])
            length = float(np.hypot(*(b - a)))
            ts, rs = np.array([0.0, length]), np.array([0.03, 0.024])
        a, b = self._limb_axis(a, b, side)
        full = ts[-1]
        frac = {"short": 0.3, "three_quarter": 0.72, "long": 1.03}[spec.sleeves]
        t_end = frac * full
        ease = spec.ease + 0.004
        srs = rs + ease + np.array([0.003] + [0.0] * (len(rs) - 1))
        if spec.sleeves == "short":
            srs = np.maximum(srs, srs[0] * np.linspace(1.0, 0.95, len(srs)))
        ts2, rs2 = np.append(ts, full * 1.1), np.append(srs, srs[-1])
        out = _tube_outline(a, b, ts2, rs2, t_end, cap_top=0.02, end_bow=0.006)
        d = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
        nrm = np.array([d[1], -d[0]])
        r_end = float(np.interp(t_end, ts2, rs2))
        cuff_t = t_end - (0.03 if spec.sleeves == "long" and spec.kind == "jacket" else 0.012)
        cuff = np.array([a + d * cuff_t + nrm * r_end * s for s in np.linspace(-1, 1, 8)])

        def coords(xs, ys):
            t, u = _tube_uv(xs, ys, a, b, ts2, rs2)
            phi = np.arcsin(np.clip(u, -1, 1)) - self.beta
            return u, phi, t + 0.2

        def lines(x0, y0, shape):
            return _draw_lines(shape, x0, y0, [(self.fr.to_px(cuff), max(1.0, 0.0014 * self.fr.ppu), 0.72)])

        fold = lambda t: spec.fold_strength * 0.6  # noqa: E731
        colour = self._fabric(coords, self.limb_tex, 0.04, 0.2 + 0.25 * side, fold, lines)
        self.fr.paint([out], colour, True, shadow=0.3)

    # -- the whole figure ----------------------------------------------------------------

    def draw(self) -> None:
        m, spec = self.m, self.spec
        self._draw_stand()
        sides = (-1, 1)
        far = [s for s in sides if self._near(s) is False]
        rest = [s for s in sides if s not in far]
        for s in far:
            self._draw_arm(s)
            self._draw_sleeve(s)
        if m.style == "full":
            for s in far + rest:
                self._draw_leg(s)
        self._draw_torso()
        if spec.kind == "trousers":
            for s in far + rest:
                self._draw_trouser_leg(s)
            self._draw_skirt(trousers=True)
        elif spec.kind == "skirt":
            self._draw_skirt()
        else:
            self._draw_body_garment()
        for s in rest:
            self._draw_arm(s)
            self._draw_sleeve(s)


# ---------------------------------------------------------------------------
# The studio
# ---------------------------------------------------------------------------


def _fill(img: np.ndarray, polys_img: Sequence[np.ndarray], colour, h: int, opacity: float = 1.0) -> None:
    """Paint solid polygons given in image units (fractions of the height) onto img in place."""
    box = _coverage([p * h for p in polys_img], img.shape[1], img.shape[0])
    if box is None:
        return
    cov, x0, y0 = box
    sl = np.s_[y0:y0 + cov.shape[0], x0:x0 + cov.shape[1]]
    a = (cov * opacity)[..., None]
    img[sl] = img[sl] * (1 - a) + np.asarray(colour, np.float32) * a


def _soft_shadow(img: np.ndarray, poly_img: np.ndarray, sigma: float, strength: float, h: int) -> None:
    """Darken img in place under a polygon (image units) blurred by sigma (image units)."""
    sigma_px = max(1.0, sigma * h)
    box = _coverage([poly_img * h], img.shape[1], img.shape[0], pad_px=int(3 * sigma_px))
    if box is None:
        return
    cov, x0, y0 = box
    cov = cv2.GaussianBlur(cov, (0, 0), sigma_px)
    sl = np.s_[y0:y0 + cov.shape[0], x0:x0 + cov.shape[1]]
    img[sl] *= (1 - strength * cov)[..., None]


def _background(studio: _Studio, w: int, h: int, view: _View) -> np.ndarray:
    """Backdrop, floor, clutter and turntable: (h, w, 3) float32."""
    s = studio
    y = ((np.arange(h, dtype=np.float32) + 0.5) / h)[:, None]
    x = ((np.arange(w, dtype=np.float32) + 0.5) / h)[None, :]
    curve = _smoothstep(s.horizon - 0.04, s.horizon + 0.06, y)
    wall = 0.9 + 0.1 * _smoothstep(0.0, s.horizon * 0.8, y)
    floor = s.floor_gain * (1.0 - 0.08 * (y - s.horizon))
    tone = wall * (1 - curve) + floor * curve - 0.035 * np.exp(-((y - s.horizon) / 0.03) ** 2)
    side_light = 1.0 + 0.04 * (x - s.cx) * -1.0
    lum = (s.brightness * tone * side_light).astype(np.float32)
    img = lum[..., None] * np.array(s.tint, np.float32)
    img = np.ascontiguousarray(img)
    if s.sheet_edge is not None:  # the wall beyond the edge of the background paper
        ex, side, wc = s.sheet_edge
        ys = np.linspace(-0.01, 1.01, 40)
        xe = ex + 0.004 * np.sin(ys * 9.0 + ex * 50)
        far = -0.1 if side < 0 else w / h + 0.1
        poly = np.vstack([np.stack([xe, ys], 1), [[far, 1.01], [far, -0.01]]])
        _fill(img, [poly], np.array(wc, np.float32) * s.brightness, h)
        shadow_line = np.stack([xe - side * 0.002, ys], 1)
        lines = _draw_lines((h, w), 0, 0, [(shadow_line * h, max(1.0, 0.003 * h), 0.8)])
        img *= lines[..., None]
    for sx, base, softbox in s.stands:
        grey = np.float32(0.12)
        pw = 0.006
        _fill(img, [np.array([[sx - pw, -0.05], [sx + pw, -0.05], [sx + pw, base - 0.05], [sx - pw, base - 0.05]])], (grey,) * 3, h)
        legs = []
        for dx, dy in ((-0.06, 0.005), (0.06, 0.005), (0.012, 0.02)):
            hub = np.array([sx, base - 0.08])
            foot = np.array([sx + dx, base + dy])
            d = foot - hub
            n = np.array([d[1], -d[0]]) / np.hypot(*d) * 0.003
            legs.append(np.array([hub - n, hub + n, foot + n, foot - n]))
        _fill(img, legs, (grey,) * 3, h)
        if softbox:
            bw = 0.12
            _fill(img, [np.array([[sx - bw, -0.05], [sx + bw, -0.05], [sx + bw * 0.8, 0.09], [sx - bw * 0.8, 0.09]])], (0.08,) * 3, h)
            _fill(img, [np.array([[sx - bw * 0.75, 0.07], [sx + bw * 0.75, 0.07], [sx + bw * 0.8, 0.09], [sx - bw * 0.8, 0.09]])], (0.97,) * 3, h)
    for x0, y0, ln, wd, ang, col in s.tapes:
        box = cv2.boxPoints(((x0, y0), (ln, wd * 0.6 + wd * 0.4 * abs(math.cos(math.radians(ang)))), ang))
        box[:, 1] = y0 + (box[:, 1] - y0) * 0.45  # foreshortened on the floor
        _fill(img, [box.astype(np.float64)], np.array(col, np.float32) * s.brightness, h, 0.92)
    if s.checker is not None:
        corners, gain = s.checker
        _fill(img, [corners], (0.06, 0.06, 0.06), h)
        portrait = np.hypot(*(corners[3] - corners[0])) > np.hypot(*(corners[1] - corners[0]))
        rows, cols = (6, 4) if portrait else (4, 6)
        for i in range(rows):
            for j in range(cols):
                def at(a, b):
                    top = corners[0] + (corners[1] - corners[0]) * b
                    bot = corners[3] + (corners[2] - corners[3]) * b
                    return top + (bot - top) * a
                u0, u1 = (i + 0.12) / rows, (i + 0.88) / rows
                v0, v1 = (j + 0.12) / cols, (j + 0.88) / cols
                k = (j * 6 + (5 - i)) if portrait else (i * 6 + j)
                _fill(img, [np.array([at(u0, v0), at(u0, v1), at(u1, v1), at(u1, v0)])], _CHECKER[k] * gain, h)
    cable_lines = [(c * h, max(1.0, 0.0035 * h), 0.12) for c in s.cables]
    img *= _draw_lines((h, w), 0, 0, cable_lines)[..., None]
    _turntable(img, studio, view, h)
    return img


def _turntable(img: np.ndarray, s: _Studio, view: _View, h: int) -> None:
    rx, ry, thick = 0.28 * s.zoom, 0.031 * s.zoom, 0.022 * s.zoom
    cx, cy = s.cx, s.y_tt
    t = np.linspace(0, 2 * math.pi, 90, endpoint=False)
    ell = lambda r1, r2, dy=0.0: np.stack([cx + r1 * np.cos(t), cy + dy + r2 * np.sin(t)], 1)  # noqa: E731
    # Contact shadow on the floor, then the side band, then the top.
    _soft_shadow(img, ell(rx * 1.08, ry * 1.6, thick + 0.006), 0.012, 0.35, h)
    half = t[(t >= 0) & (t <= math.pi)]
    front = np.stack([cx + rx * np.cos(half), cy + ry * np.sin(half)], 1)
    band = np.vstack([front, (front + [0, thick])[::-1]])
    side = np.array(s.turntable_rgb, np.float32) * s.turntable_side
    _fill(img, [band, ell(rx, ry, thick)], side, h)
    _fill(img, [ell(rx, ry)], np.array(s.turntable_rgb, np.float32), h)
    _fill(img, [ell(rx * 0.93, ry * 0.93)], np.array(s.turntable_rgb, np.float32) * 1.06, h)
    rim = np.stack([cx + rx * np.cos(half), cy + ry * np.sin(half) + 0.0015], 1)
    img *= _draw_lines(img.shape[:2], 0, 0, [(rim * h, max(1.0, 0.0015 * h), 0.75)])[..., None]
    # A tape mark on the disc turns with the mannequin.
    ang = view.theta + 2.3
    mx, mz = 0.86 * math.sin(ang), 0.86 * math.cos(ang)
    if mz > -0.95:
        c = np.array([cx + rx * mx, cy + ry * mz])
        mark = cv2.boxPoints(((float(c[0]), float(c[1])), (0.03 * s.zoom, 0.004 * s.zoom), math.degrees(math.atan2(ry * math.cos(ang), rx * math.sin(ang))) * 0))
        _fill(img, [mark.astype(np.float64)], (0.9, 0.88, 0.3), h, 0.9)
    # The mannequin's own shadow on the disc.
    _soft_shadow(img, ell(0.09 * s.zoom, 0.016 * s.zoom, -0.002), 0.01, 0.3, h)


def _finish(bg: np.ndarray, fr: _Frame, studio: _Studio, rng: np.random.Generator) -> np.ndarray:
    """Figure over backdrop with its soft shadow, vignette, noise and lens softness -> uint8."""
    h, w = fr.h, fr.w
    # Soft shadow of the figure on the backdrop, cast right by the key light.
    sh_h, sh_w = max(2, h // 8), max(2, w // 8)
    small = cv2.resize(fr.alpha, (sh_w, sh_h), interpolation=cv2.INTER_AREA)
    m = np.float32([[1, 0, 0.05 * sh_h], [0, 1, 0.015 * sh_h]])
    small = cv2.warpAffine(small, m, (sh_w, sh_h))
    small = cv2.GaussianBlur(small, (0, 0), max(0.6, 0.02 * sh_h))
    shadow = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    img = bg * (1 - 0.12 * shadow)[..., None]
    img = img * (1 - fr.alpha)[..., None] + fr.rgb
    y = ((np.arange(h, dtype=np.float32) + 0.5) / h * 2 - 1)[:, None]
    x = ((np.arange(w, dtype=np.float32) + 0.5) / w * 2 - 1)[None, :]
    img *= (1 - studio.vignette * (0.6 * x * x + 0.4 * y * y))[..., None]
    img *= np.array(studio.exposure, np.float32)
    img = img * 255.0
    img += rng.standard_normal((h, w, 1), dtype=np.float32) * 1.6
    img += rng.standard_normal((h, w, 3), dtype=np.float32) * 0.8
    img = cv2.GaussianBlur(img, (0, 0), 0.55)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise RenderRequestError(f"render size must be (width, height), got {size!r}") from None
    if w < 8 or h < 8 or w > 8192 or h > 8192:
        raise RenderRequestError(f"render size must be between 8 and 8192 pixels a side, got {w}x{h}")
    return w, h


def _check_view(view: str) -> str:
    for v in VIEWS:
        if str(view).lower().replace("-", "").replace("_", "") == v.lower():
            return v
    raise RenderRequestError(f"unknown view {view!r}: expected one of {', '.join(VIEWS)}")


def _scene(seed: int, size: tuple[int, int]) -> tuple[GarmentSpec, _Studio]:
    spec = random_garment(np.random.default_rng([seed, 0]))
    studio = _random_studio(np.random.default_rng([seed, 1]), spec, size[0] / size[1])
    return spec, studio


def _render(spec: GarmentSpec, studio: _Studio, seed: int, view: str, size: tuple[int, int],
            textures: tuple[np.ndarray, np.ndarray] | None = None) -> RenderedView:
    w, h = size
    v = _View(view, _VIEW_THETA[view], _VIEW_LIGHT[view])
    rng = np.random.default_rng([seed, 2, VIEWS.index(view)])
    fr = _Frame(w, h, studio, v, rng)
    if textures is None:
        textures = _fabric_texture(spec, fr.ppu)
    _Figure(fr, spec, textures).draw()
    bg = _background(studio, w, h, v)
    rgb = _finish(bg, fr, studio, rng)
    mask = fr.garment >= 0.5
    alpha = np.clip(np.round(fr.garment * 255.0), 0, 255).astype(np.uint8)
    alpha = np.where(mask, np.maximum(alpha, 128), np.minimum(alpha, 127)).astype(np.uint8)
    return RenderedView(rgb=rgb, mask=mask, alpha=alpha)


def render_garment_views(spec: GarmentSpec, seed: int, size: tuple[int, int] = DEFAULT_SIZE) -> dict[str, RenderedView]:
    """The three views of one garment in one studio (the studio and mannequin follow `seed`)."""
    size = _check_size(size)
    studio = _random_studio(np.random.default_rng([seed, 1]), spec, size[0] / size[1])
    textures = _fabric_texture(spec, size[1] * studio.zoom)
    return {view: _render(spec, studio, seed, view, size, textures) for view in VIEWS}


def render_view(seed: int, view: str, size: tuple[int, int] = DEFAULT_SIZE) -> RenderedView:
    """One view of the garment that `seed` picks; size is (width, height) in pixels.

    The same seed gives the same garment and studio in every view, so this equals
    render_garment_views(random_garment(default_rng([seed, 0])), seed, size)[view].
    """
    size = _check_size(size)
    view = _check_view(view)
    spec, studio = _scene(int(seed), size)
    return _render(spec, studio, int(seed), view, size)


def render_training_pair(seed: int, size: tuple[int, int] = (256, 384)) -> tuple[np.ndarray, np.ndarray]:
    """A random garment from a random view: rgb (H, W, 3) uint8 and mask (H, W) bool."""
    view = VIEWS[int(np.random.default_rng([int(seed), 3]).integers(len(VIEWS)))]
    r = render_view(seed, view, size)
    return r.rgb, r.mask


def garment_id_for_seed(seed: int) -> str:
    """The shoot's garment id: a UUID derived from the seed, like the studio's ids."""
    return str(uuid.uuid5(_UUID_NAMESPACE, f"sample-shoot-{int(seed)}"))


def _png_bytes(rgba: np.ndarray, compression: int) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA), [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:
        raise ExportError("could not encode a PNG")
    return buf.tobytes()


def write_sample_shoot(folder: str | Path, seed: int = DEFAULT_SEED, garment_id: str | None = None,
                       size: tuple[int, int] = DEFAULT_SIZE, png_compression: int = 9) -> list[Path]:
    """Write `<id>_<View>.png` (opaque RGBA) for the three views and the true cutouts
    `truth/<id>_<View>_cutout.png` (RGB = the photo everywhere, alpha = coverage: a
    cutout as the studio's Photoshop ones and `predict` write them, so `truth/` is an
    evaluation/training folder of its own).

    Returns the paths written, photo then cutout for each view. png_compression 0-9
    trades file size for time (9, the default, takes a few seconds per photo)."""
    folder = Path(folder)
    size = _check_size(size)
    try:
        (folder / "truth").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {folder / 'truth'}: {exc.strerror or exc}") from exc
    garment_id = garment_id or garment_id_for_seed(seed)
    if any(c in garment_id for c in '/\\:') or garment_id.strip(". ") == "":
        raise RenderRequestError(f"garment id {garment_id!r} cannot be part of a file name")
    spec, _ = _scene(int(seed), size)
    views = render_garment_views(spec, int(seed), size)
    written: list[Path] = []
    for view, r in views.items():
        h, w = r.mask.shape
        photo = np.dstack([r.rgb, np.full((h, w), 255, np.uint8)])
        path = folder / f"{garment_id}_{view}.png"
        write_bytes_atomic(path, _png_bytes(photo, png_compression))
        written.append(path)
        # Transparent pixels carry no colour: the file stays small and says nothing false.
        cut = np.dstack([r.rgb, r.alpha]).astype(np.uint8)
        truth = folder / "truth" / f"{garment_id}_{view}_cutout.png"
        write_bytes_atomic(truth, _png_bytes(cut, png_compression))
        written.append(truth)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.sample_shoot",
                                     description="Render a procedural studio shoot (3 views + true cutouts).")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--garment-id", default=None)
    args = parser.parse_args(argv)
    try:
        for path in write_sample_shoot(args.out_dir, seed=args.seed, garment_id=args.garment_id):
            print(path)
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
