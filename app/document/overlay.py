"""How a view's mask is drawn: lookup tables over the "effective probability".

The canvas never rebuilds an RGBA overlay when the threshold moves. Each view keeps an
(H, W) uint8 *effective probability*: the model's probability where the retoucher
painted nothing, 255 where they painted KEEP and 0 where they painted REMOVE (a soft brush's codes as core.masks.codes
says: garment always, never, or where the model says). For any
threshold cut c in 1..255,

    effective >= c  ==  (override == KEEP) | ((override == NONE) & (probability >= c))

which is exactly core.masks' mask. So a threshold, colour, opacity or view-mode change
only swaps a 256-entry colour table, and a brush dab only rewrites the dab's box of the
effective image. Qt-free: numpy only.
"""

from __future__ import annotations

import numpy as np

from core.masks import codes, compose

MODES = ("overlay", "checker", "white", "black", "photo")
MODE_LABELS = {
    "overlay": "Overlay",
    "checker": "Cutout on checkerboard",
    "white": "Cutout on white",
    "black": "Cutout on black",
    "photo": "Photo only",
}
UNCERTAIN_COLOUR = (255, 60, 200)  # magenta: rare in garments, distinct from the green overlay
UNCERTAIN_ALPHA = 170
CHECKER_SQUARE = 16
CHECKER_LIGHT = 204
CHECKER_DARK = 153


def threshold_cut(threshold: float) -> int:
    """The uint8 cut c with `probability >= c` == core's `probability >= threshold`.

    Clamped to 1..255 so the 0 (REMOVE) and 255 (KEEP) codes of the effective image
    always fall on the right side.
    """
    return int(min(255, max(1, compose.threshold_level(threshold))))


def effective_probability(probability: np.ndarray, override: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """(H, W) uint8 probability and override -> (H, W) uint8 effective probability.

    `out` (same shape) is filled in place when given; pass views of the arrays to
    update a bounding box only.
    """
    if out is None:
        out = np.empty_like(probability)
    # 0/255 bytes: the probability where the code follows the model, 255 where it is
    # garment regardless, 0 elsewhere - as bitwise and/or, which are fast on big views.
    np.bitwise_and(probability, codes.look_up(override, codes.FOLLOWS_BYTES), out=out)
    np.bitwise_or(out, codes.look_up(override, codes.ALWAYS_BYTES), out=out)
    return out


def area_from_histogram(histogram: np.ndarray, cut: int) -> int:
    """Number of mask pixels, from the (256,) int64 histogram of the effective image."""
    return int(histogram[cut:].sum())


def mask_lut(cut: int, mode: str, colour: tuple[int, int, int], opacity: float,
             uncertain_margin: int | None = None) -> np.ndarray:
    """(256, 4) uint8 RGBA table for the mask layer in `mode`.

    overlay: garment in `colour` at `opacity`; white/black: the background painted
    opaque; checker/photo: nothing (the checker layer or no layer does the work).
    `uncertain_margin` (uint8 levels) highlights probabilities within that distance
    of the cut; the 0 and 255 codes (painted pixels) are never uncertain.
    """
    lut = np.zeros((256, 4), np.uint8)
    if mode == "overlay":
        lut[cut:, :3] = colour
        lut[cut:, 3] = int(round(255 * min(1.0, max(0.0, opacity))))
    elif mode == "white":
        lut[:cut] = (255, 255, 255, 255)
    elif mode == "black":
        lut[:cut] = (0, 0, 0, 255)
    if uncertain_margin and mode != "photo":
        lo = max(1, cut - uncertain_margin)
        hi = min(254, cut + uncertain_margin - 1)
        if hi >= lo:
            lut[lo:hi + 1] = (*UNCERTAIN_COLOUR, UNCERTAIN_ALPHA)
    return lut


def checker_alpha_lut(cut: int) -> np.ndarray:
    """(256,) uint8: the checker layer is opaque over background, clear over garment."""
    lut = np.zeros(256, np.uint8)
    lut[:cut] = 255
    return lut


def make_checker_layer(height: int, width: int, square: int = CHECKER_SQUARE) -> np.ndarray:
    """(H, W, 4) uint8 grey checkerboard with alpha 0 (alpha is set per threshold)."""
    yy = (np.arange(height) // square)[:, None]
    xx = (np.arange(width) // square)[None, :]
    grey = np.where((yy + xx) % 2 == 0, CHECKER_LIGHT, CHECKER_DARK).astype(np.uint8)
    layer = np.zeros((height, width, 4), np.uint8)
    layer[..., 0] = grey
    layer[..., 1] = grey
    layer[..., 2] = grey
    return layer


# The corrections layer draws the override map itself through this table: the
# retoucher's keep strokes in green, remove strokes in magenta, the model's own decision
# clear. The mask layer cannot tell them apart (a KEEP pixel is 255, like a certain one).
CORRECTION_COLOURS = {compose.KEEP: (60, 220, 110, 110), compose.REMOVE: (235, 60, 200, 110)}


SOFT_COLOUR = (80, 170, 255, 120)  # where a soft brush left a painted alpha
BAND_COLOUR = (255, 210, 0, 90)  # the band brush's widened refine band


def band_lut() -> np.ndarray:
    """(256, 4) uint8 RGBA for the widen map: clear at 0, amber at 1."""
    lut = np.zeros((256, 4), np.uint8)
    lut[1] = BAND_COLOUR
    return lut


def corrections_lut() -> np.ndarray:
    """(256, 4) uint8 RGBA: transparent except at the KEEP and REMOVE codes, and the soft
    brush's codes, drawn in a colour of their own, strongest where the painted alpha is
    half way (a fade's ends blend into the hard stroke and into the model's mask)."""
    lut = np.zeros((256, 4), np.uint8)
    for code, rgba in CORRECTION_COLOURS.items():
        lut[code] = rgba
    soft = np.arange(codes.SOFT_BASE, codes.SOFT_END)
    alpha = codes.CODE_ALPHA[soft].astype(np.float32) / 255.0
    lut[soft, :3] = SOFT_COLOUR[:3]
    lut[soft, 3] = np.round(SOFT_COLOUR[3] * (4.0 * alpha * (1.0 - alpha))).astype(np.uint8)
    return lut
