"""The mannequin of a render: its random proportions and finish, and the details painted on
its body texture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from core.renders.garment import GarmentSpec
from core.renders.geometry import R_REF, draw_lines, spline


@dataclass(frozen=True)
class Mannequin:
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


def random_mannequin(rng: np.random.Generator, spec: GarmentSpec) -> Mannequin:
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
    profile = spline(ctrl, 10)
    tip = 3 * 10
    return Mannequin(style=style, arms=arms, colour=colour, gloss=float(gloss), matte_noise=float(noise),
                      neck_w=float(neck_w), neck_top=float(rng.uniform(0.07, 0.09)), shoulder_w=float(sh),
                      bust_w=float(bust), waist_w=float(waist), hip_w=float(hip), bottom=float(bottom),
                      profile=profile, tip=tip)


def body_details(tex: np.ndarray, spec: GarmentSpec, ppu: float, rng: np.random.Generator) -> None:
    """Seams, placket, buttons, lapels and zip painted into the body texture in place."""
    ht, wt = tex.shape[:2]
    col = lambda phi: wt / 2 + phi * R_REF * ppu  # noqa: E731 - texture column of angle phi
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
        tex *= draw_lines((ht, wt), 0, 0, [(p - 0.5, t, v) for p, t, v in lines])[..., None]
