"""The mask of a view from its probability map, threshold and override (DESIGN.md "The mask of a view").

    mask = (override == KEEP) | ((override == NONE) & (probability >= threshold))
           | what the soft brush's codes say (core.masks.codes)

Bounding boxes are (y0, x0, y1, x1) with exclusive ends, like slices. Everything here is
vectorised numpy: the GUI calls it on 1152x1728 views while the user drags.
"""

from __future__ import annotations

import math

import numpy as np

from core.masks.codes import (  # noqa: F401 - the override's codes are part of this module's vocabulary
    KEEP,
    NONE,
    REMOVE,
    SOFT_BASE,
    always_garment,
    apply_painted_alpha,
    follows_model,
    hard_part,
    has_soft,
)

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
    np.logical_and(out, follows_model(override), out=out)
    np.logical_or(out, always_garment(override), out=out)


def override_alpha(probability: np.ndarray, threshold: float, override: np.ndarray) -> np.ndarray:
    """The alpha the view's hard edge and soft strokes give, without edge adjustments:
    (h, w) uint8 (core.masks.codes.apply_painted_alpha over the hard part's mask)."""
    base = compose_mask(probability, threshold, hard_part(override))
    return apply_painted_alpha(np.where(base, np.uint8(255), np.uint8(0)), override)


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
