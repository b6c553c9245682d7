"""Select-and-Mask-style global adjustments of one view's edge: smooth, feather, contrast
and shift edge, non-destructive (the mask itself never changes; they are applied when the
cutout is drawn or exported) and stored with the view's corrections.

Applied in Photoshop's order: smooth (and, without refine, shift) moves the hard edge,
refine mattes a soft edge from the photo, shift moves the matted edge, feather and
contrast shape the soft alpha (the exported `_mask.png` is the alpha at 50 %):

    smooth   (px)   rounds off jaggies: a Gaussian of that radius over the mask, cut at 0.5
    shift    (px)   moves the edge outward (> 0) or inward (< 0): by distance transform on
                    the hard mask, by grey dilation or erosion on a matted alpha (shifting
                    the mask before matting did nothing: the matte follows the photo's own
                    edge wherever the band is)
    refine   (px)   closed-form matting in a band that wide either side of the edge
                    (core.masks.refine_edge; seconds, so the app previews it on a worker)
    feather  (px)   blurs the alpha across the edge (a Gaussian of sigma feather / 2)
    contrast (0-1)  hardens a soft alpha again: (a - 0.5) / (1 - contrast) + 0.5
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from core.masks.codes import apply_hard_codes

MAX_SMOOTH_PX = 20.0
MAX_FEATHER_PX = 30.0
MAX_SHIFT_PX = 30.0
MAX_CONTRAST = 0.95
MAX_REFINE_PX = 50  # core.masks.refine_edge.MAX_BAND_PX


class AdjustmentError(ValueError):
    pass


@dataclass(frozen=True)
class EdgeAdjustments:
    smooth: float = 0.0
    feather: float = 0.0
    contrast: float = 0.0
    shift: float = 0.0
    refine: float = 0.0  # whole pixels

    def __post_init__(self) -> None:
        for name, low, high in (("smooth", 0.0, MAX_SMOOTH_PX), ("feather", 0.0, MAX_FEATHER_PX),
                                ("contrast", 0.0, MAX_CONTRAST), ("shift", -MAX_SHIFT_PX, MAX_SHIFT_PX),
                                ("refine", 0.0, MAX_REFINE_PX)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or not low <= value <= high:
                raise AdjustmentError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
            object.__setattr__(self, name, float(round(value)) if name == "refine" else float(value))

    @property
    def is_identity(self) -> bool:
        return self == EdgeAdjustments()

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "EdgeAdjustments":
        """From a sidecar's stored dict; AdjustmentError for anything else."""
        if not isinstance(data, dict) or set(data) - {"smooth", "feather", "contrast", "shift", "refine"}:
            raise AdjustmentError(f"edge adjustments must be a dict of smooth/feather/contrast/shift/refine, "
                                  f"got {data!r}")
        return cls(**data)

    def adjust_mask(self, mask: np.ndarray, fixed: np.ndarray | None = None, shift: bool = True) -> np.ndarray:
        """The hard (H, W) bool mask after smooth and shift (the mask itself is untouched).
        fixed: the view's (H, W) uint8 override: smooth and shift move the model's edge, not
        a hard keep or remove stroke (a shifted edge used to spill over a removed cable).
        shift=False leaves the shift to shift_alpha, after a refine edge."""
        out = mask
        shifting = shift and self.shift != 0
        if self.smooth > 0:
            blurred = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), self.smooth / 2.0,
                                       borderType=cv2.BORDER_REPLICATE)
            out = blurred >= 0.5
        if shifting:
            out = _shift(out, self.shift)
        if fixed is not None and (self.smooth > 0 or shifting):  # `out` is a new array then
            out = apply_hard_codes(out, fixed)
        return out

    def shift_alpha(self, alpha: np.ndarray, fixed: np.ndarray | None = None) -> np.ndarray:
        """(H, W) uint8 matted alpha with its edge moved by `shift` px: grey dilation (out)
        or erosion (in) by a disc, a fractional shift blended between the two whole radii
        around it. Hard strokes in `fixed` keep their 255 and 0, as under adjust_mask."""
        if self.shift == 0:
            return alpha
        radius = abs(self.shift)
        low, high = int(math.floor(radius)), int(math.ceil(radius))
        morph = cv2.dilate if self.shift > 0 else cv2.erode
        near = _grey_shift(alpha, low, morph)
        # `out` is a new array: a radius below 1 blends (low 0 gives `alpha` itself as `near`).
        out = near if high == low else _blend(near, _grey_shift(alpha, high, morph), radius - low)
        return out if fixed is None else apply_hard_codes(out, fixed, 255, 0)

    def soften(self, alpha: np.ndarray) -> np.ndarray:
        """(H, W) uint8 alpha after feather and contrast."""
        if self.feather > 0:
            alpha = cv2.GaussianBlur(alpha, (0, 0), self.feather / 2.0, borderType=cv2.BORDER_REPLICATE)
        if self.contrast > 0:
            a = alpha.astype(np.float32) / 255.0
            a = (a - 0.5) / (1.0 - self.contrast) + 0.5
            alpha = np.clip(np.round(a * 255.0), 0, 255).astype(np.uint8)
        return alpha

    def alpha(self, mask: np.ndarray, fixed: np.ndarray | None = None) -> np.ndarray:
        """The cutout's (H, W) uint8 alpha from the (H, W) bool mask, without refine (which
        needs the photo: cutout_alpha); `fixed` as in adjust_mask."""
        return self.soften(self.adjust_mask(mask, fixed).astype(np.uint8) * 255)

    def cutout_alpha(self, rgb: np.ndarray, mask: np.ndarray, widen: np.ndarray | None = None,
                     fixed: np.ndarray | None = None) -> np.ndarray:
        """The cutout's (H, W) uint8 alpha with refine too: what the export writes. `fixed`,
        the view's override: its hard strokes are known garment / backdrop to the matting
        and stay put under smooth and shift; feather softens their edges like any other."""
        if self.refine <= 0:
            return self.alpha(mask, fixed)
        from core.masks.refine_edge import refine_alpha

        matted = refine_alpha(rgb, self.adjust_mask(mask, fixed, shift=False), int(self.refine), widen, fixed)
        return self.soften(self.shift_alpha(matted, fixed))


def _grey_shift(alpha: np.ndarray, radius: int, morph) -> np.ndarray:
    if radius == 0:
        return alpha
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return morph(alpha, disc, borderType=cv2.BORDER_REPLICATE)


def _blend(a: np.ndarray, b: np.ndarray, weight_b: float) -> np.ndarray:
    mixed = a.astype(np.float32) * (1.0 - weight_b) + b.astype(np.float32) * weight_b
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def _shift(mask: np.ndarray, px: float) -> np.ndarray:
    """Grow (px > 0) or shrink (px < 0) the mask's edge by |px| pixels (Euclidean)."""
    if px > 0:  # background pixels within px of the garment join it
        outside = (~mask).astype(np.uint8)
        return mask | (cv2.distanceTransform(outside, cv2.DIST_L2, 5) <= px)
    inside = mask.astype(np.uint8)
    return mask & (cv2.distanceTransform(inside, cv2.DIST_L2, 5) > -px)
