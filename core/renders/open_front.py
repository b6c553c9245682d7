"""The bare torso between the fronts of an open jacket, cardigan or vest.

Studio photos of open-front garments show the mannequin's chest and belly between the
fronts, and a model trained only on closed garments fills that gap. The gap is painted
over the finished garment as the torso's own skin (a body layer, so it leaves the
garment mask), between surface angles -g(y) and +g(y) about the torso's front centre,
from the neckline's V down to the hem; a thin shadow runs along each front's edge.
Below the torso's end there is nothing behind the fronts to draw, so there the fronts
meet (as a coat fastened at its last button).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from core.renders.geometry import smoothstep

if TYPE_CHECKING:
    from core.renders.figure import DressedFigure

# The front centre must face the camera at least this much (cos theta) for the gap to
# show: the Front and FrontRight views, never the Back.
_FACING = 0.25


def gap_outline(fig: "DressedFigure", neck: np.ndarray, hem: np.ndarray) -> np.ndarray | None:
    """The gap as one polygon in screen body units, or None where it cannot be seen."""
    spec, m = fig.spec, fig.m
    if spec.open_front <= 0 or fig.cos < _FACING:
        return None
    rp = fig._torso_rp()
    y_top = float(neck[:, 1].max()) - 0.012  # overlaps the neck opening, so the two join
    y_hem = float(hem[len(hem) // 2, 1]) + 0.01
    y_torso = m.bottom - 0.012
    y_end = min(y_hem, y_torso)
    if y_end <= y_top + 0.02:
        return None
    ys = np.linspace(y_top, y_end, 64)
    g = 0.04 + (spec.open_front - 0.04) * ((ys - y_top) / (y_end - y_top)) ** 0.7
    if y_hem > y_torso:  # the fronts meet where the torso ends
        g = g * (1.0 - smoothstep(y_end - 0.05, y_end, ys)) + 0.004
    right = rp(ys) * np.sin(np.clip(g + fig.beta, -math.pi / 2, math.pi / 2))
    left = rp(ys) * np.sin(np.clip(-g + fig.beta, -math.pi / 2, math.pi / 2))
    return np.vstack([np.stack([right, ys], 1), np.stack([left, ys], 1)[::-1]])


def paint_gap(fig: "DressedFigure", neck: np.ndarray, hem: np.ndarray) -> None:
    """Paint the bare torso between the fronts, and the fronts' edge shadows."""
    poly = gap_outline(fig, neck, hem)
    if poly is None:
        return
    rp = fig._torso_rp()
    skin = fig._skin(lambda xs, ys: xs / np.maximum(rp(ys), 1e-3))
    fig.fr.paint([poly], skin, False, body=True)
    n = len(poly) // 2
    right, left = poly[:n], poly[n:][::-1]
    width = 0.006
    shadow = lambda xs, ys, box: skin(xs, ys, box) * 0.62  # noqa: E731 - the fabric's edge shades the skin
    for edge, inward in ((right, -1.0), (left, 1.0)):
        strip = np.vstack([edge, (edge + [inward * width, 0.0])[::-1]])
        fig.fr.paint([strip], shadow, False, body=True)
