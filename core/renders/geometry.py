"""The renderer's body-unit geometry and drawing primitives, shared by every part of a render.

Geometry lives in "body units" of the unzoomed image height. The mannequin's frame has X
lateral (right positive), Y down (turntable top at Y = 0.92) and Z toward the camera in the
Front view. Torso sections are ellipses (depth = K_TORSO * width), so a turned torso is
narrower and its front centre line moves sideways.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import cv2
import numpy as np

VIEW_THETA = {"Front": 0.0, "FrontRight": math.radians(45.0), "Back": math.pi}


# Key light from camera-left; the turned view sees more of its shaded side.
VIEW_LIGHT = {"Front": -0.5, "FrontRight": -0.85, "Back": -0.45}


K_TORSO = 0.72


R_REF = 0.12  # body units: the body texture spans the circumference of this radius


_Y_CAM = 0.42  # body Y at camera height: horizontal loops below it bow downward


Y_TURNTABLE = 0.92


_SHIFT = 4  # sub-pixel bits for OpenCV drawing


_ONE = float(1 << _SHIFT)


def spline(points: Sequence[Sequence[float]], n: int = 12) -> np.ndarray:
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


def coverage_of(polys_px: Sequence[np.ndarray], w: int, h: int, pad: int = 1, pad_px: int = 0):
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


def draw_lines(shape: tuple[int, int], x0: int, y0: int, lines: Sequence[tuple[np.ndarray, float, float]]) -> np.ndarray:
    """Multiplier map (h, w) float32: 1 everywhere, `value` along each (pts_px, thickness_px, value)."""
    out = np.full(shape, 255, np.uint8)
    for pts, thick, value in lines:
        q = np.round((pts - [x0 + 0.5, y0 + 0.5]) * _ONE).astype(np.int32)
        cv2.polylines(out, [q], False, int(round(255 * value)), max(1, int(round(thick))), cv2.LINE_AA, _SHIFT)
    return out.astype(np.float32) / 255.0


def smoothstep(a: float, b: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - a) / max(b - a, 1e-6), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def body_loop(y_base: float, rp: Callable[[np.ndarray], np.ndarray], beta: float,
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


def wrap(phi: np.ndarray) -> np.ndarray:
    return (phi + np.pi) % (2 * np.pi) - np.pi


def hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    rgb = cv2.cvtColor(np.array([[[h * 360.0, s, v]]], np.float32), cv2.COLOR_HSV2RGB)[0, 0]
    return tuple(float(c) for c in np.clip(rgb, 0, 1))


def lowres_noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Smooth unit noise (h, w) float32 with features about `cell` pixels wide."""
    sh, sw = max(2, int(h / max(cell, 1)) + 2), max(2, int(w / max(cell, 1)) + 2)
    small = rng.standard_normal((sh, sw), dtype=np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def cylinder_shade(u: np.ndarray, light: float, ambient: float = 0.7, diffuse: float = 0.36,
                    gloss: float = 0.0) -> np.ndarray:
    """Brightness of a cylinder at normalised screen offset u in [-1, 1]."""
    a = np.arcsin(np.clip(u, -0.999, 0.999))
    shade = ambient + diffuse * np.maximum(np.cos(a - light), 0.0)
    if gloss > 0:
        shade = shade + gloss * np.exp(-((a - light * 0.55) / 0.22) ** 2)
    return shade


def tube_uv(xs: np.ndarray, ys: np.ndarray, a: np.ndarray, b: np.ndarray, ts: np.ndarray,
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


def tube_outline(a: np.ndarray, b: np.ndarray, ts: np.ndarray, rs: np.ndarray, t_end: float,
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


def side_function(profile: np.ndarray, tip: int) -> tuple[np.ndarray, np.ndarray]:
    """Half-width of the torso contour below the shoulder tip as (Y ascending, X)."""
    side = profile[tip:]
    y = np.maximum.accumulate(side[:, 1])
    y = y + np.arange(len(y)) * 1e-7  # strictly increasing for np.interp
    return y, side[:, 0]


def fill_polygons(img: np.ndarray, polys_img: Sequence[np.ndarray], colour, h: int, opacity: float = 1.0) -> None:
    """Paint solid polygons given in image units (fractions of the height) onto img in place."""
    box = coverage_of([p * h for p in polys_img], img.shape[1], img.shape[0])
    if box is None:
        return
    cov, x0, y0 = box
    sl = np.s_[y0:y0 + cov.shape[0], x0:x0 + cov.shape[1]]
    a = (cov * opacity)[..., None]
    img[sl] = img[sl] * (1 - a) + np.asarray(colour, np.float32) * a


def soft_shadow(img: np.ndarray, poly_img: np.ndarray, sigma: float, strength: float, h: int) -> None:
    """Darken img in place under a polygon (image units) blurred by sigma (image units)."""
    sigma_px = max(1.0, sigma * h)
    box = coverage_of([poly_img * h], img.shape[1], img.shape[0], pad_px=int(3 * sigma_px))
    if box is None:
        return
    cov, x0, y0 = box
    cov = cv2.GaussianBlur(cov, (0, 0), sigma_px)
    sl = np.s_[y0:y0 + cov.shape[0], x0:x0 + cov.shape[1]]
    img[sl] *= (1 - strength * cov)[..., None]
