"""The dressed mannequin of one view: the garment's outline on the mannequin's body, the
body and garment drawn and shaded, and the garment's exact coverage (the true mask).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import cv2
import numpy as np

from core.renders.garment import GarmentSpec
from core.renders.geometry import (
    R_REF,
    Y_TURNTABLE,
    body_loop,
    cylinder_shade,
    draw_lines,
    lowres_noise,
    side_function,
    smoothstep,
    spline,
    tube_outline,
    tube_uv,
    wrap,
)
from core.renders.mannequin import Mannequin
from core.renders.open_front import paint_gap
from core.renders.studio import Frame


def _garment_side(spec: GarmentSpec, m: Mannequin, y_start: float) -> tuple[np.ndarray, np.ndarray]:
    """Garment half-width (body units, frontal) as (Y, X) from y_start to below the frame."""
    py, px = side_function(m.profile, m.tip)
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
        phi = wrap(phi)
        c = np.cos(phi)
        f = np.clip(1 - np.abs(phi) / (math.pi / 2), 0, 1) if vee else np.clip(c, 0, 1) ** 1.5
        return front * f + back * np.clip(-c, 0, 1) ** 1.5

    return gap, drop


class DressedFigure:
    """Draws one view of the mannequin and its garment into a Frame."""

    def __init__(self, frame: Frame, spec: GarmentSpec, textures: tuple[np.ndarray, np.ndarray]):
        self.fr, self.spec, self.m = frame, spec, frame.studio.mannequin
        self.body_tex, self.limb_tex = textures
        self.v = frame.view
        self.f, self.beta = self.v.f, self.v.beta
        self.cos, self.sin = math.cos(self.v.theta), math.sin(self.v.theta)
        self.light = self.v.light + frame.studio.light_jitter
        self.rng = frame.rng

    # -- colour functions --------------------------------------------------------

    def _noise(self, shape: tuple[int, int], amount: float, cell: float) -> np.ndarray:
        return 1.0 + amount * lowres_noise(self.rng, shape[0], shape[1], cell)

    def _skin(self, u_fn: Callable, gloss_scale: float = 1.0) -> Callable:
        m = self.m
        base = np.array(m.colour, np.float32)

        def colour(xs, ys, box):
            u = u_fn(xs, ys)
            u = np.broadcast_to(u, (box[3], box[2]))
            shade = cylinder_shade(u, self.light, 0.62, 0.42, m.gloss * gloss_scale)
            shade = shade * self._noise(u.shape, m.matte_noise, max(1.0, 0.002 * self.fr.ppu))
            return np.clip(base * shade[..., None], 0, 1.2)

        return colour

    def _metal(self, u_fn: Callable, grey: float) -> Callable:
        def colour(xs, ys, box):
            u = np.broadcast_to(u_fn(xs, ys), (box[3], box[2]))
            shade = cylinder_shade(u, self.light, 0.5, 0.5, 0.5)
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
            shade = cylinder_shade(u, self.light, 0.68, 0.36, 0.0)
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
            out = tube_outline(a, b, ts, rs, t_end, cap_top=0.015, end_bow=0.006)
            self.fr.paint([out], self._skin(lambda xs, ys: tube_uv(xs, ys, a, b, ts, rs)[1]), False, body=True)
            d = (b - a) / np.hypot(*(b - a))
            c = a + d * t_end
            cap = self._ellipse(c, rs[0] * 0.95, 0.006, 0.0)
            self.fr.paint([cap], self._metal(lambda xs, ys: (xs - c[0]) / (rs[0] + 1e-6), 0.6), False)
            return
        length = ts[-1]
        out = tube_outline(a, b, ts, rs, length, cap_top=0.012, end_bow=0.004)
        self.fr.paint([out], self._skin(lambda xs, ys: tube_uv(xs, ys, a, b, ts, rs)[1]), False, body=True)
        d = (b - a) / length
        hand_c = b + d * 0.035 + np.array([side * 0.004 * self.cos, 0])
        hand = self._ellipse(hand_c, 0.018 + 0.004 * abs(self.sin), 0.042, math.degrees(math.atan2(d[0], d[1])) * -1)
        self.fr.paint([hand], self._skin(lambda xs, ys: (xs - hand_c[0]) / 0.02), False, body=True)

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
        self.fr.paint([foot], self._skin(lambda xs, ys: (xs - foot_c[0]) / 0.03), False, body=True)
        out = tube_outline(a, b, ts, rs, ts[-1], cap_top=0.0, end_bow=0.003)
        self.fr.paint([out], self._skin(lambda xs, ys: tube_uv(xs, ys, a, b, ts, rs)[1]), False, body=True)

    def _torso_rp(self) -> Callable[[np.ndarray], np.ndarray]:
        py, px = side_function(self.m.profile, self.m.tip)
        f = self.f
        return lambda y: f * np.interp(y, py, px)

    def _draw_torso(self) -> None:
        m, f = self.m, self.f
        rp = self._torso_rp()
        # The neck first, so the torso's shoulders hide its base; a flat cut top, and on a
        # dress form a turned cap.
        nw = m.neck_w * (0.92 + 0.08 * f)
        neck = np.array([[-nw, m.neck_top], [nw, m.neck_top], [nw * 1.08, 0.16], [-nw * 1.08, 0.16]])
        self.fr.paint([neck], self._skin(lambda xs, ys: xs / nw), False, body=True)
        top = self._ellipse(np.array([0.0, m.neck_top]), nw, 0.008, 0)
        if m.style == "form":
            self.fr.paint([top], self._skin(lambda xs, ys: xs / nw * 0.3, 0.5), False, body=True)
            cap = np.array([[-0.012, m.neck_top - 0.028], [0.012, m.neck_top - 0.028], [0.016, m.neck_top], [-0.016, m.neck_top]])
            self.fr.paint([cap, self._ellipse(np.array([0.0, m.neck_top - 0.028]), 0.012, 0.004, 0)],
                          self._metal(lambda xs, ys: xs / 0.016, 0.55), False)
        else:
            self.fr.paint([top], self._skin(lambda xs, ys: xs / nw * 0.2 - 0.4, 0.3), False, body=True)
        right = m.profile * [f, 1.0]
        if m.style == "full":  # a crotch curving up to the hip joints; the legs show beside it
            bottom = body_loop(m.bottom, rp, self.beta, lambda phi: -0.07 * np.sin(phi) ** 2, left_to_right=False)
        else:
            bottom = body_loop(m.bottom, rp, self.beta, lambda phi: np.zeros_like(phi), left_to_right=False)
        right = right[right[:, 1] < bottom[0, 1]]
        left = (m.profile * [-f, 1.0])[::-1]
        left = left[left[:, 1] < bottom[-1, 1]]
        poly = np.vstack([right, bottom, left])
        self.fr.paint([poly], self._skin(lambda xs, ys: xs / np.maximum(rp(ys), 1e-3)), False, body=True)

    def _draw_stand(self) -> None:
        m = self.m
        ground = Y_TURNTABLE - 0.004
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
            return s * (0.3 + 0.7 * flare_boost * smoothstep(y0, y1, t))

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
            arm = spline([(strap, y_s), (strap + 0.002, y_s + 0.035), (m.bust_w - 0.012, y_side - 0.012), (xs[0], y_side)], 8)
            upper = np.vstack([upper, arm[1:]])
        else:
            upper = np.vstack([[x_n, y_n], shoulder[i_n:]])
            ys, xs = _garment_side(spec, m, float(shoulder[-1, 1]) + 0.003)
        rp = lambda y: f * np.interp(y, ys, xs)  # noqa: E731
        hem = body_loop(spec.length, rp, self.beta, _hem_shape(spec), left_to_right=False)
        y_r, y_l = hem[0, 1], hem[-1, 1]
        right_side = np.stack([xs, ys], 1)[ys < y_r]
        left_side = np.stack([xs, ys], 1)[ys < y_l]
        neck = body_loop(y_n, lambda y: np.full_like(y, x_n * f), self.beta, drop, extra_alpha=[self.beta])
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
        return lambda x0, y0, shape: draw_lines(shape, x0, y0, lines)

    def _draw_body_garment(self) -> None:
        spec = self.spec
        poly, rp, neck, hem = self._upper_body()
        extra = []
        if spec.neckline != "lapel":
            extra.append((neck + [0, 0.004], 0.008, 0.86))  # rib binding
        fold = self._fold_amp(spec.flare_from, spec.length, 1.0 + 2 * spec.flare)
        colour = self._fabric(self._body_coords(rp), self.body_tex, R_REF, 0.0, fold, self._hem_lines(hem, extra))
        self.fr.paint([poly], colour, True, shadow=0.25)
        paint_gap(self, neck, hem)

    def _draw_skirt(self, trousers: bool = False) -> None:
        spec, m, f = self.spec, self.m, self.f
        y_w = 0.355  # the mannequin's waist line
        ys, xs = _garment_side(spec, m, y_w)
        rp = lambda y: f * np.interp(y, ys, xs)  # noqa: E731
        top = body_loop(y_w, rp, self.beta, lambda phi: np.zeros_like(phi))
        bottom_y = 0.5 if trousers else spec.length
        shape = (lambda phi: np.zeros_like(phi)) if trousers else _hem_shape(spec)
        hem = body_loop(bottom_y, rp, self.beta, shape, left_to_right=False)
        right = np.stack([xs, ys], 1)[(ys > top[-1, 1]) & (ys < hem[0, 1])] * [f, 1]
        left = (np.stack([xs, ys], 1)[(ys > top[0, 1]) & (ys < hem[-1, 1])] * [-f, 1])[::-1]
        poly = np.vstack([top, right, hem, left])
        band = [(top + [0, 0.028], 0.0014, 0.7), (top + [0, 0.002], 0.004, 0.85)]
        lines = self._hem_lines(hem, band) if not trousers else (
            lambda x0, y0, shape: draw_lines(shape, x0, y0, [(self.fr.to_px(p), t * self.fr.ppu, v) for p, t, v in band]))
        fold = self._fold_amp(spec.flare_from, spec.length, 1.0 + 2 * spec.flare)
        colour = self._fabric(self._body_coords(rp), self.body_tex, R_REF, 0.0, fold, lines)
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
        out = tube_outline(a, b, ts, rs, length, cap_top=0.0, end_bow=0.1 * rs[-1] * 0.8)
        d = (b - a) / length
        nrm = np.array([d[1], -d[0]])
        end = np.array([a + d * (length - 0.012) + nrm * rs[-1] * s for s in np.linspace(-1, 1, 8)])

        def coords(xs, ys):
            t, u = tube_uv(xs, ys, a, b, ts, rs)
            phi = np.arcsin(np.clip(u, -1, 1)) - self.beta
            return u, phi, t + 0.43

        def lines(x0, y0, shape):
            return draw_lines(shape, x0, y0, [(self.fr.to_px(end), max(1.0, 0.0012 * self.fr.ppu), 0.75)])

        fold = lambda t: spec.fold_strength * (0.25 + 0.6 * smoothstep(0.7, 0.88, t))  # noqa: E731
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
        out = tube_outline(a, b, ts2, rs2, t_end, cap_top=0.02, end_bow=0.006)
        d = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
        nrm = np.array([d[1], -d[0]])
        r_end = float(np.interp(t_end, ts2, rs2))
        cuff_t = t_end - (0.03 if spec.sleeves == "long" and spec.kind == "jacket" else 0.012)
        cuff = np.array([a + d * cuff_t + nrm * r_end * s for s in np.linspace(-1, 1, 8)])

        def coords(xs, ys):
            t, u = tube_uv(xs, ys, a, b, ts2, rs2)
            phi = np.arcsin(np.clip(u, -1, 1)) - self.beta
            return u, phi, t + 0.2

        def lines(x0, y0, shape):
            return draw_lines(shape, x0, y0, [(self.fr.to_px(cuff), max(1.0, 0.0014 * self.fr.ppu), 0.72)])

        fold = lambda t: spec.fold_strength * 0.6  # noqa: E731
        colour = self._fabric(coords, self.limb_tex, 0.04, 0.2 + 0.25 * side, fold, lines)
        self.fr.paint([out], colour, True, shadow=0.3)

    # -- the whole figure ----------------------------------------------------------------

    def draw(self) -> None:
        m, spec = self.m, self.spec
        # A flat in-shop shot has the garment's shape but nothing of the mannequin.
        mannequin = not self.fr.studio.flat
        if mannequin:
            self._draw_stand()
        sides = (-1, 1)
        far = [s for s in sides if self._near(s) is False]
        rest = [s for s in sides if s not in far]
        for s in far:
            if mannequin:
                self._draw_arm(s)
            self._draw_sleeve(s)
        if m.style == "full" and mannequin:
            for s in far + rest:
                self._draw_leg(s)
        if mannequin:
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
            if mannequin:
                self._draw_arm(s)
            self._draw_sleeve(s)
