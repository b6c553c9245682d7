"""Scene kinds: renders that reproduce, one kind each, the errors the bundled model made
on real studio photos (issue 11), and the mix of kinds the training renders are drawn from.

A kind starts from a seed's classic garment and studio and changes only what the failure
needs, with random draws of its own (`default_rng([seed, 7])`), so a classic render of
any seed is exactly what it always was:

    open_front         an open jacket, cardigan or vest: the bare torso shows between the fronts
    bare_neck          a low neckline or a sleeveless top: the mannequin's neck and upper chest show
    torso_above_skirt  a skirt or trousers alone: the bare torso above, often pale pink or beige
    tone_match         a garment in the mannequin's own colour
    flat               an in-shop flat shot: the garment alone on white or pale grey, no mannequin
    dark_studio        not a failure: a studio look the training renders never have (NEW_LOOK)

Each non-classic kind also refinishes the mannequin from a wider range of forms (skin
tones, beige, white, grey, black; matte to glossy), as real studios' are.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from core.renders.garment import GarmentSpec
from core.renders.geometry import Y_TURNTABLE, hsv
from core.renders.studio import Studio

SCENE_KINDS = ("classic", "open_front", "bare_neck", "torso_above_skirt", "tone_match", "flat", "dark_studio")


FAILURE_KINDS = SCENE_KINDS[1:6]


# A studio look no training render has (never in TRAINING_MIX): a dark coloured
# backdrop under a warmer light. The learning-loop demo (scripts/learning_loop_demo.py)
# fine-tunes on it to show that corrected views teach the model a new studio.
NEW_LOOK = "dark_studio"


# The share of each kind among training renders: half of them show a failure kind.
TRAINING_MIX = {"classic": 0.4, "open_front": 0.2, "bare_neck": 0.1, "torso_above_skirt": 0.1,
                "tone_match": 0.1, "flat": 0.1}


# Mannequin finishes seen in studios: (colour, how glossy it may be).
_FORMS = [((0.86, 0.7, 0.58), 0.3), ((0.9, 0.76, 0.68), 0.3), ((0.84, 0.77, 0.66), 0.1), ((0.62, 0.45, 0.35), 0.3),
          ((0.93, 0.92, 0.9), 0.45), ((0.56, 0.56, 0.57), 0.35), ((0.12, 0.12, 0.13), 0.45)]


class UnknownSceneKind(ValueError):
    pass


def check_kind(kind: str) -> str:
    if kind not in SCENE_KINDS:
        raise UnknownSceneKind(f"unknown scene kind {kind!r}: expected one of {', '.join(SCENE_KINDS)}")
    return kind


def training_kind(seed: int) -> str:
    """The kind of training render `seed` draws (its own stream, so kinds and views are independent)."""
    rng = np.random.default_rng([int(seed), 8])
    return str(rng.choice(list(TRAINING_MIX), p=list(TRAINING_MIX.values())))


def _near(colour: tuple[float, float, float], rng: np.random.Generator, spread: float) -> tuple[float, float, float]:
    return tuple(float(np.clip(c * rng.uniform(1 - spread, 1 + spread), 0.02, 0.98)) for c in colour)


def _pale_skirt_colour(rng: np.random.Generator) -> tuple[float, float, float]:
    """Pale pink, blush, beige, nude, cream: the skirts whose torso above was taken as garment."""
    h = rng.choice([0.98, 0.02, 0.06, 0.09, 0.11])
    return hsv(float(h), float(rng.uniform(0.12, 0.35)), float(rng.uniform(0.78, 0.95)))


def apply_kind(spec: GarmentSpec, studio: Studio, kind: str, seed: int) -> tuple[GarmentSpec, Studio]:
    """The seed's classic garment and studio changed into `kind`."""
    check_kind(kind)
    if kind == "classic":
        return spec, studio
    rng = np.random.default_rng([int(seed), 7])
    form, max_gloss = _FORMS[int(rng.integers(len(_FORMS)))]
    m = studio.mannequin
    m = dataclasses.replace(m, colour=_near(form, rng, 0.04), gloss=float(rng.uniform(0.0, max_gloss)),
                            matte_noise=float(rng.uniform(0.005, 0.04)))
    if kind == "open_front":
        garment = str(rng.choice(["jacket", "cardigan", "vest"], p=[0.45, 0.35, 0.2]))
        spec = dataclasses.replace(
            spec, kind="top" if garment == "cardigan" else "jacket", buttons=False,
            sleeves={"jacket": str(rng.choice(["long", "three_quarter"], p=[0.8, 0.2])), "cardigan": "long",
                     "vest": "none"}[garment],
            neckline="v" if garment == "cardigan" else "lapel",
            length=float(rng.uniform(0.44, m.bottom - 0.015)), open_front=float(rng.uniform(0.3, 0.85)),
            ease=float(rng.uniform(0.012, 0.028)), hem="straight", hem_amount=0.0)
    elif kind == "bare_neck":
        spec = dataclasses.replace(
            spec, kind=str(rng.choice(["top", "dress"])), neckline=str(rng.choice(["v", "boat", "round"], p=[0.5, 0.3, 0.2])),
            sleeves=str(rng.choice(["none", "short", "long"], p=[0.5, 0.3, 0.2])))
        if rng.random() < 0.7:
            m = dataclasses.replace(m, style="form", arms=str(rng.choice(["none", "stubs"])))
    elif kind == "torso_above_skirt":
        spec = dataclasses.replace(spec, kind=str(rng.choice(["skirt", "trousers"], p=[0.7, 0.3])))
        if spec.kind == "trousers":
            spec = dataclasses.replace(spec, length=float(rng.uniform(0.8, 0.875)))
            m = dataclasses.replace(m, style="full")
        if rng.random() < 0.6:
            tone = _pale_skirt_colour(rng)
            spec = dataclasses.replace(spec, colour=tone, pattern="plain" if rng.random() < 0.7 else spec.pattern)
            m = dataclasses.replace(m, colour=_near(tone, rng, 0.06), gloss=float(rng.uniform(0.0, 0.2)))
    elif kind == "tone_match":
        spec = dataclasses.replace(spec, colour=_near(m.colour, rng, 0.06),
                                   pattern=str(rng.choice(["plain", "knit"], p=[0.6, 0.4])))
    elif kind == "flat":
        white = rng.random() < 0.35  # white on white, the other case flat shots miss
        colour = hsv(float(rng.random()), float(rng.uniform(0, 0.06)), float(rng.uniform(0.88, 0.97))) if white else spec.colour
        spec = dataclasses.replace(spec, colour=colour, logo=bool(rng.random() < 0.45),
                                   kind="top" if spec.kind == "trousers" and rng.random() < 0.5 else spec.kind)
        m = dataclasses.replace(m, arms="none", style="form")
        # Shop photos fill the frame with the garment: zoom to its height, centre it.
        top = 0.355 if spec.kind in ("skirt", "trousers") else 0.14
        zoom = float(np.clip(rng.uniform(0.72, 0.86) / (spec.length - top), 1.0, 2.0))
        y_tt = 0.5 + rng.normal(0, 0.02) - ((top + spec.length) / 2 - Y_TURNTABLE) * zoom
        studio = dataclasses.replace(studio, flat=float(rng.uniform(0.88, 0.97)), sheet_edge=None, stands=(),
                                     cables=(), tapes=(), checker=None, vignette=float(rng.uniform(0.0, 0.05)),
                                     zoom=zoom, y_tt=float(y_tt))
    elif kind == NEW_LOOK:
        tint = [(0.55, 0.75, 1.25), (1.2, 0.95, 0.75), (0.85, 1.15, 0.9), (1.0, 1.0, 1.0)][int(rng.integers(4))]
        studio = dataclasses.replace(studio, brightness=float(rng.uniform(0.22, 0.38)),
                                     tint=tuple(float(t * rng.uniform(0.97, 1.03)) for t in tint),
                                     light_jitter=float(rng.normal(0.25, 0.1)))
    return spec, dataclasses.replace(studio, mannequin=m)
