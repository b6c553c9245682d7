"""The mask of a view from its probability map, threshold and override (DESIGN.md "The mask of a view").

    mask = (override == KEEP) | ((override == NONE) & (probability >= threshold))
           | (override is a soft code whose alpha >= 0.5)

A soft brush (hardness below 100 %) paints the falloff of its dab as *soft codes*: the
override values SOFT_BASE..255 fix that pixel's alpha at (v - SOFT_BASE) / SOFT_SPAN,
whatever the threshold. The mask counts a soft pixel as garment from alpha 0.5 up; the
exported alpha takes the painted value itself (`apply_painted_alpha`). Keeping them in
the one override layer means undo, autosave, the sidecar and the mask digest carry them
with nothing added.

Bounding boxes are (y0, x0, y1, x1) with exclusive ends, like slices. Everything here is
vectorised numpy: the GUI calls it on 1152x1728 views while the user drags.
"""

from __future__ import annotations

import math

import numpy as np

NONE = 0


KEEP = 1


REMOVE = 2
SOFT_BASE = 3  # first soft code: alpha 0
SOFT_SPAN = 255 - SOFT_BASE  # 252 steps of alpha
SOFT_GARMENT = SOFT_BASE + (SOFT_SPAN + 1) // 2  # first soft code the mask counts as garment (alpha >= 0.5)


BBox = tuple[int, int, int, int]


def threshold_level(threshold: float) -> int:
    """The smallest uint8 v with v / 255 >= threshold (0..256; 256 means nothing passes).

    Computed against the float definition, not via round(), so threshold 0.5 keeps 128
    and drops 127, and threshold 128/255 keeps 128 despite float error in 128/255*255.
    """
    if threshold > 1.0:  # +inf included: nothing passes
        return 256
    if not math.isfinite(threshold) or threshold <= 0.0:
        return 0
    level = math.ceil(threshold * 255.0)
    while level > 0 and (level - 1) / 255.0 >= threshold:
        level -= 1
    while level <= 255 and level / 255.0 < threshold:
        level += 1
    return level


def _compose_into(probability: np.ndarray, level: int, override: np.ndarray, out: np.ndarray) -> None:
    if level <= 0:
        out[...] = True
    elif level > 255:
        out[...] = False
    else:
        np.greater_equal(probability, level, out=out)
    np.logical_and(out, override == NONE, out=out)
    np.logical_or(out, override == KEEP, out=out)
    np.logical_or(out, override >= SOFT_GARMENT, out=out)


def soft_code(alpha: np.ndarray) -> np.ndarray:
    """(...) uint8 alpha -> the soft override codes that hold it (SOFT_BASE..255)."""
    a = np.asarray(alpha, np.float32)
    return (SOFT_BASE + np.round(a * (SOFT_SPAN / 255.0))).astype(np.uint8)


def soft_alpha(code: np.ndarray) -> np.ndarray:
    """(...) soft override codes (SOFT_BASE..255) -> uint8 alpha."""
    c = np.asarray(code, np.float32) - SOFT_BASE
    return np.clip(np.round(c * (255.0 / SOFT_SPAN)), 0, 255).astype(np.uint8)


def override_alpha(override: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The alpha the override and (h, w) bool `mask` say: 255 / 0 from the mask, the
    painted value at soft codes. (h, w) uint8."""
    alpha = np.where(mask, np.uint8(255), np.uint8(0))
    return apply_painted_alpha(alpha, override)


def apply_painted_alpha(alpha: np.ndarray, override: np.ndarray) -> np.ndarray:
    """`alpha` ((H, W) uint8, edited in place and returned) with the soft brush's painted
    values where the override holds soft codes: what the retoucher painted is what the
    cutout gets, after every edge adjustment."""
    soft = override >= SOFT_BASE
    if soft.any():
        alpha[soft] = soft_alpha(override[soft])
    return alpha


def has_soft(override: np.ndarray) -> bool:
    """True when a soft brush has painted anywhere in the override."""
    return bool(override.size) and int(override.max()) >= SOFT_BASE


def compose_mask(probability: np.ndarray, threshold: float, override: np.ndarray,
                 out: np.ndarray | None = None) -> np.ndarray:
    """The view's mask, (H, W) bool.

    probability: (H, W) uint8, p = v / 255. threshold: 0..1. override: (H, W) uint8 of
    NONE/KEEP/REMOVE. out: optional (H, W) bool buffer to reuse (saves an allocation per
    slider move); returned.
    """
    if probability.shape != override.shape:
        raise ValueError(f"probability {probability.shape} and override {override.shape} differ in shape")
    if out is None:
        out = np.empty(probability.shape, dtype=bool)
    _compose_into(probability, threshold_level(threshold), override, out)
    return out


def compose_mask_region(probability: np.ndarray, threshold: float, override: np.ndarray,
                        bbox: BBox, out: np.ndarray) -> np.ndarray:
    """Recompute `out` ((H, W) bool, updated in place and returned) inside bbox only.

    For the GUI after a brush dab: the rest of the mask cannot have changed.
    """
    y0, x0, y1, x1 = clip_bbox(bbox, probability.shape)
    if y0 < y1 and x0 < x1:
        _compose_into(probability[y0:y1, x0:x1], threshold_level(threshold),
                      override[y0:y1, x0:x1], out[y0:y1, x0:x1])
    return out


def mask_area(mask: np.ndarray) -> int:
    """Number of garment pixels in a (H, W) bool mask."""
    return int(np.count_nonzero(mask))


def clip_bbox(bbox: BBox, shape: tuple[int, ...]) -> BBox:
    y0, x0, y1, x1 = bbox
    h, w = shape[0], shape[1]
    return max(int(y0), 0), max(int(x0), 0), min(int(y1), h), min(int(x1), w)


def bbox_of(flags: np.ndarray) -> BBox | None:
    """Tight (y0, x0, y1, x1) around the True pixels of a (h, w) bool array, or None."""
    rows = np.flatnonzero(flags.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(flags.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def correction_stats(probability: np.ndarray, model_threshold: float, final: np.ndarray) -> dict[str, float | int]:
    """How far the exported (H, W) bool mask `final` is from the model's own mask (its
    probability at the model's threshold, no overrides): the pixels changed, the
    model's garment area, and their ratio. What the retoucher's corrections cost, and
    what a better model would have saved."""
    model_mask = probability >= threshold_level(model_threshold)
    changed = int(np.count_nonzero(model_mask != final))
    area = int(np.count_nonzero(model_mask))
    return {"changed_pixels": changed, "model_garment_pixels": area,
            "changed_share": round(changed / max(1, area), 6)}
