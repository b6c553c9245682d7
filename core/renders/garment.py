"""The garment of a render: its random spec (kind, sleeves, neckline, hem, pattern, colour)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.renders.geometry import hsv

GARMENT_KINDS = ("top", "dress", "skirt", "trousers", "jacket")


PATTERNS = ("plain", "stripes", "checks", "print", "knit")


SLEEVES = ("none", "short", "three_quarter", "long")


NECKLINES = ("round", "v", "boat", "lapel")


HEMS = ("straight", "curved", "asymmetric", "high_low", "wavy")


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
    # Set only by a scene kind (core.renders.scene_kinds), so a seed's classic render
    # never changes: the fronts' gap (surface angle at the hem, radians; 0 = closed)
    # and a printed logo on the chest.
    open_front: float = 0.0
    logo: bool = False


def _random_colour(rng: np.random.Generator) -> tuple[float, float, float]:
    r = rng.random()
    if r < 0.22:  # neutrals, white and black included: the hard cases on a white backdrop
        v = rng.choice([0.93, 0.85, 0.6, 0.35, 0.12, 0.06])
        return hsv(rng.random(), rng.uniform(0, 0.08), float(v + rng.uniform(-0.03, 0.03)))
    if r < 0.35:  # navy, camel, olive, burgundy
        return hsv(*[(0.62, 0.7, 0.3), (0.09, 0.5, 0.7), (0.2, 0.5, 0.4), (0.97, 0.7, 0.4)][rng.integers(4)])
    return hsv(rng.random(), rng.uniform(0.2, 0.9), rng.uniform(0.25, 0.95))


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
