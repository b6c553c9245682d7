"""The studio of a render: the camera (a view turns the mannequin by theta about the vertical
axis; the frame maps body units to pixels), backdrop, floor, turntable, light stands,
cables, colour checker, and the photo's finish (noise, vignette).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import cv2
import numpy as np

from core.renders.garment import GarmentSpec
from core.renders.geometry import (
    K_TORSO,
    Y_TURNTABLE,
    coverage_of,
    draw_lines,
    fill_polygons,
    smoothstep,
    soft_shadow,
    spline,
)
from core.renders.mannequin import Mannequin, random_mannequin

# sRGB values of the 24 patches of a classic colour checker, row by row.
_CHECKER = np.array([
    (115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177), (103, 189, 170),
    (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108), (157, 188, 64), (224, 163, 46),
    (56, 61, 150), (70, 148, 73), (175, 54, 60), (231, 199, 31), (187, 86, 149), (8, 133, 161),
    (243, 243, 242), (200, 200, 200), (160, 160, 160), (122, 122, 121), (85, 85, 85), (52, 52, 52),
], np.float32) / 255.0


@dataclass(frozen=True)
class Studio:
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
    mannequin: Mannequin
    light_jitter: float
    exposure: tuple[float, float, float]
    # An in-shop flat shot (scene kind "flat"): the garment alone on a plain white or
    # pale grey ground, no mannequin, stand or studio clutter; `flat` is the ground's grey.
    flat: float = 0.0


@dataclass(frozen=True)
class ViewPose:
    name: str
    theta: float
    light: float

    @property
    def f(self) -> float:
        """Projected half-width of a turned torso section over its frontal half-width."""
        return math.sqrt(math.cos(self.theta) ** 2 + (K_TORSO * math.sin(self.theta)) ** 2)

    @property
    def beta(self) -> float:
        """Screen angle of the torso's front centre: surface angle phi = asin(u) - beta."""
        return math.atan2(K_TORSO * math.sin(self.theta), math.cos(self.theta))


class Frame:
    """Pixel geometry of one render and the figure layers painted so far."""

    def __init__(self, w: int, h: int, studio: Studio, view: ViewPose, rng: np.random.Generator):
        self.w, self.h, self.studio, self.view, self.rng = w, h, studio, view, rng
        self.ppu = h * studio.zoom  # pixels per body unit
        self.rgb = np.zeros((h, w, 3), np.float32)  # premultiplied figure colour
        self.alpha = np.zeros((h, w), np.float32)
        self.garment = np.zeros((h, w), np.float32)
        self.body = np.zeros((h, w), np.float32)  # what shows of the mannequin's body

    def to_px(self, pts: np.ndarray) -> np.ndarray:
        """(N, 2) screen body units -> (N, 2) pixel coordinates."""
        s = self.studio
        x = (s.cx + pts[:, 0] * s.zoom) * self.h
        y = (s.y_tt + (pts[:, 1] - Y_TURNTABLE) * s.zoom) * self.h
        return np.stack([x, y], axis=1)

    def grid(self, x0: int, y0: int, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Body-unit coordinates of pixel centres in a box: X (1, w), Y (h, 1), float32."""
        s = self.studio
        xs = ((np.arange(x0, x0 + w, dtype=np.float32) + 0.5) / self.h - s.cx) / s.zoom
        ys = ((np.arange(y0, y0 + h, dtype=np.float32) + 0.5) / self.h - s.y_tt) / s.zoom + Y_TURNTABLE
        return xs[None, :], ys[:, None]

    def paint(self, polys: Sequence[np.ndarray], colour_fn: Callable, garment: bool, shadow: float = 0.0,
              body: bool = False) -> None:
        """Cover the figure with polygons (screen body units) coloured by colour_fn(X, Y, box).

        A garment layer adds to the garment coverage; any other layer hides the garment
        beneath it, so the truth mask is exactly what shows of the garment. A `body` layer
        (the mannequin's skin) adds to the body coverage the same way; the stand's metal
        is neither. `shadow` darkens what lies just below and right of the layer (the key
        light is top left).
        """
        box = coverage_of([self.to_px(p) for p in polys], self.w, self.h, pad=int(shadow > 0) * 3 + 1,
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
        if body:
            self.body[sl] = self.body[sl] * (1.0 - cov) + cov
        else:
            self.body[sl] *= 1.0 - cov


def random_studio(rng: np.random.Generator, spec: GarmentSpec, aspect: float) -> Studio:
    """The studio around the turntable; the same for the three views of one garment."""
    mannequin = random_mannequin(rng, spec)
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
        cables.append(np.vstack([hang, spline(np.vstack([bottom, run]), 4)[1:]]))
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
    return Studio(cx=float(cx), y_tt=float(rng.uniform(0.905, 0.925)), zoom=float(zoom),
                   brightness=float(rng.uniform(0.84, 0.96)), tint=tint, horizon=float(horizon),
                   floor_gain=float(rng.uniform(0.88, 1.02)), vignette=float(rng.uniform(0.05, 0.16)),
                   sheet_edge=edge, stands=tuple(stands), cables=tuple(cables), tapes=tuple(tapes), checker=checker,
                   turntable_rgb=tt_rgb, turntable_side=float(rng.uniform(0.35, 0.6)), mannequin=mannequin,
                   light_jitter=float(rng.normal(0, 0.1)),
                   exposure=tuple(float(1 + rng.normal(0, 0.015)) for _ in range(3)))


def draw_background(studio: Studio, w: int, h: int, view: ViewPose) -> np.ndarray:
    """Backdrop, floor, clutter and turntable: (h, w, 3) float32."""
    s = studio
    y = ((np.arange(h, dtype=np.float32) + 0.5) / h)[:, None]
    x = ((np.arange(w, dtype=np.float32) + 0.5) / h)[None, :]
    if s.flat:  # a plain ground lit from one side, a little darker toward the far corner
        lum = s.flat * s.brightness / 0.9 * (1.0 - 0.03 * (x - s.cx) - 0.04 * (y - 0.5) ** 2)
        return np.ascontiguousarray(np.minimum(lum, 1.0)[..., None] * np.array(s.tint, np.float32), np.float32)
    curve = smoothstep(s.horizon - 0.04, s.horizon + 0.06, y)
    wall = 0.9 + 0.1 * smoothstep(0.0, s.horizon * 0.8, y)
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
        fill_polygons(img, [poly], np.array(wc, np.float32) * s.brightness, h)
        shadow_line = np.stack([xe - side * 0.002, ys], 1)
        lines = draw_lines((h, w), 0, 0, [(shadow_line * h, max(1.0, 0.003 * h), 0.8)])
        img *= lines[..., None]
    for sx, base, softbox in s.stands:
        grey = np.float32(0.12)
        pw = 0.006
        fill_polygons(img, [np.array([[sx - pw, -0.05], [sx + pw, -0.05], [sx + pw, base - 0.05], [sx - pw, base - 0.05]])], (grey,) * 3, h)
        legs = []
        for dx, dy in ((-0.06, 0.005), (0.06, 0.005), (0.012, 0.02)):
            hub = np.array([sx, base - 0.08])
            foot = np.array([sx + dx, base + dy])
            d = foot - hub
            n = np.array([d[1], -d[0]]) / np.hypot(*d) * 0.003
            legs.append(np.array([hub - n, hub + n, foot + n, foot - n]))
        fill_polygons(img, legs, (grey,) * 3, h)
        if softbox:
            bw = 0.12
            fill_polygons(img, [np.array([[sx - bw, -0.05], [sx + bw, -0.05], [sx + bw * 0.8, 0.09], [sx - bw * 0.8, 0.09]])], (0.08,) * 3, h)
            fill_polygons(img, [np.array([[sx - bw * 0.75, 0.07], [sx + bw * 0.75, 0.07], [sx + bw * 0.8, 0.09], [sx - bw * 0.8, 0.09]])], (0.97,) * 3, h)
    for x0, y0, ln, wd, ang, col in s.tapes:
        box = cv2.boxPoints(((x0, y0), (ln, wd * 0.6 + wd * 0.4 * abs(math.cos(math.radians(ang)))), ang))
        box[:, 1] = y0 + (box[:, 1] - y0) * 0.45  # foreshortened on the floor
        fill_polygons(img, [box.astype(np.float64)], np.array(col, np.float32) * s.brightness, h, 0.92)
    if s.checker is not None:
        corners, gain = s.checker
        fill_polygons(img, [corners], (0.06, 0.06, 0.06), h)
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
                fill_polygons(img, [np.array([at(u0, v0), at(u0, v1), at(u1, v1), at(u1, v0)])], _CHECKER[k] * gain, h)
    cable_lines = [(c * h, max(1.0, 0.0035 * h), 0.12) for c in s.cables]
    img *= draw_lines((h, w), 0, 0, cable_lines)[..., None]
    _turntable(img, studio, view, h)
    return img


def _turntable(img: np.ndarray, s: Studio, view: ViewPose, h: int) -> None:
    rx, ry, thick = 0.28 * s.zoom, 0.031 * s.zoom, 0.022 * s.zoom
    cx, cy = s.cx, s.y_tt
    t = np.linspace(0, 2 * math.pi, 90, endpoint=False)
    ell = lambda r1, r2, dy=0.0: np.stack([cx + r1 * np.cos(t), cy + dy + r2 * np.sin(t)], 1)  # noqa: E731
    # Contact shadow on the floor, then the side band, then the top.
    soft_shadow(img, ell(rx * 1.08, ry * 1.6, thick + 0.006), 0.012, 0.35, h)
    half = t[(t >= 0) & (t <= math.pi)]
    front = np.stack([cx + rx * np.cos(half), cy + ry * np.sin(half)], 1)
    band = np.vstack([front, (front + [0, thick])[::-1]])
    side = np.array(s.turntable_rgb, np.float32) * s.turntable_side
    fill_polygons(img, [band, ell(rx, ry, thick)], side, h)
    fill_polygons(img, [ell(rx, ry)], np.array(s.turntable_rgb, np.float32), h)
    fill_polygons(img, [ell(rx * 0.93, ry * 0.93)], np.array(s.turntable_rgb, np.float32) * 1.06, h)
    rim = np.stack([cx + rx * np.cos(half), cy + ry * np.sin(half) + 0.0015], 1)
    img *= draw_lines(img.shape[:2], 0, 0, [(rim * h, max(1.0, 0.0015 * h), 0.75)])[..., None]
    # A tape mark on the disc turns with the mannequin.
    ang = view.theta + 2.3
    mx, mz = 0.86 * math.sin(ang), 0.86 * math.cos(ang)
    if mz > -0.95:
        c = np.array([cx + rx * mx, cy + ry * mz])
        mark = cv2.boxPoints(((float(c[0]), float(c[1])), (0.03 * s.zoom, 0.004 * s.zoom), math.degrees(math.atan2(ry * math.cos(ang), rx * math.sin(ang))) * 0))
        fill_polygons(img, [mark.astype(np.float64)], (0.9, 0.88, 0.3), h, 0.9)
    # The mannequin's own shadow on the disc.
    soft_shadow(img, ell(0.09 * s.zoom, 0.016 * s.zoom, -0.002), 0.01, 0.3, h)


def finish_photo(bg: np.ndarray, fr: Frame, studio: Studio, rng: np.random.Generator) -> np.ndarray:
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
