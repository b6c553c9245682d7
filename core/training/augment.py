"""The seed's training augmentations (petrosgk's Carvana trio) as numpy/OpenCV functions.

Random hue/saturation/value shift, random shift-scale-rotate and horizontal flip, each
applied with its own probability and limits. The seed found that shift/scale/rotate
*lowered* Dice in a controlled studio (distance and alignment never vary) while flip and
mild colour changes are harmless, hence the defaults: flip on, the other two off.

Two deliberate differences from the seed's code:

* The seed's generator assigned the warped mask to an unused variable, so its
  shift-scale-rotate moved the photo but not the mask; here both move together.
* Hue wraps on OpenCV's 0..179 circle instead of overflowing uint8 past 180.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    """Which augmentations run, how often (p_*) and how far (limits are inclusive ranges).

    Hue is in OpenCV units (0..179 is the full colour wheel, so +-50 is +-100 degrees),
    saturation and value in 0..255 units, shift as a fraction of the image size, scale
    as a relative change (+-0.1 is a zoom of 0.9..1.1), rotation in degrees.
    """

    hsv: bool = False
    shift_scale_rotate: bool = False
    flip: bool = True
    p_hsv: float = 0.5
    p_shift_scale_rotate: float = 0.5
    p_flip: float = 0.5
    hue_shift_limit: tuple[float, float] = (-50, 50)
    sat_shift_limit: tuple[float, float] = (-5, 5)
    val_shift_limit: tuple[float, float] = (-15, 15)
    shift_limit: tuple[float, float] = (-0.01, 0.01)
    scale_limit: tuple[float, float] = (-0.1, 0.1)
    rotate_limit: tuple[float, float] = (-5, 5)
    # Reflect for image *and* mask: a garment cut by the frame edge is mirrored in both,
    # so the label stays true; a black border for the image only would teach nothing.
    border: str = "reflect"  # reflect | constant (black image, empty mask)

    @property
    def enabled(self) -> bool:
        return self.hsv or self.shift_scale_rotate or self.flip

    def describe(self) -> dict:
        """JSON-friendly summary for the model card."""
        return dataclasses.asdict(self)


def _uniform(rng: np.random.Generator, limits: tuple[float, float]) -> float:
    low, high = limits
    return float(low) if low == high else float(rng.uniform(low, high))


def shift_hsv(rgb: np.ndarray, hue: float, sat: float, val: float) -> np.ndarray:
    """Shift hue (OpenCV units, wrapping mod 180), saturation and value (clipped 0..255).

    `rgb` is (H, W, 3) uint8; returns a new (H, W, 3) uint8 array.
    """
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    levels = np.arange(256, dtype=np.float64)
    # One lookup table per channel: a single cv2.LUT pass is much faster than float maths.
    hue_lut = np.mod(np.round(levels + hue), 180)
    sat_lut = np.clip(np.round(levels + sat), 0, 255)
    val_lut = np.clip(np.round(levels + val), 0, 255)
    lut = np.stack([hue_lut, sat_lut, val_lut], axis=-1).astype(np.uint8).reshape(256, 1, 3)
    return cv2.cvtColor(cv2.LUT(hsv, lut), cv2.COLOR_HSV2RGB)


def shift_scale_rotate_matrix(
    size_hw: tuple[int, int], angle_deg: float, scale: float, dx: float, dy: float
) -> np.ndarray:
    """2x3 affine matrix: rotate by `angle_deg` and scale about the centre, then move by (dx, dy) px."""
    h, w = size_hw
    matrix = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), angle_deg, scale)
    matrix[0, 2] += dx
    matrix[1, 2] += dy
    return matrix


def warp_pair(
    rgb: np.ndarray, mask: np.ndarray, matrix: np.ndarray, border: str = "reflect"
) -> tuple[np.ndarray, np.ndarray]:
    """Warp an image (H, W, 3) uint8 and its mask (H, W) or (H, W, C) with the same matrix.

    bool masks are warped linearly and re-thresholded at 0.5; uint8/float masks keep the
    linear interpolation's soft edge, like the area-resized training masks. Every channel
    of a (H, W, C) mask (a body head's garment, body and body-known) moves alike.
    """
    h, w = rgb.shape[:2]
    mode = cv2.BORDER_REFLECT_101 if border == "reflect" else cv2.BORDER_CONSTANT
    image = cv2.warpAffine(rgb, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=mode, borderValue=0)

    def warp(m: np.ndarray) -> np.ndarray:
        source = m.astype(np.uint8) * 255 if m.dtype == bool else m
        warped = cv2.warpAffine(source, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=mode, borderValue=0)
        return warped >= 128 if m.dtype == bool else warped

    if mask.ndim == 2:
        return image, warp(mask)
    # One channel at a time: OpenCV drops a single channel's axis and caps channel counts.
    return image, np.stack([warp(np.ascontiguousarray(mask[..., c])) for c in range(mask.shape[2])], axis=-1)


def augment_pair(
    rgb: np.ndarray, mask: np.ndarray, config: AugmentConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Randomly augment one training pair; the mask follows every geometric change.

    `rgb` is (h, w, 3) uint8; `mask` (h, w) or (h, w, C), bool, uint8 0..255 or float 0..1.
    Returns arrays of the same shapes and dtypes (the inputs themselves when nothing ran).
    """
    if config.hsv and rng.random() < config.p_hsv:
        # The seed drew an integer hue and float saturation/value shifts.
        hue = round(_uniform(rng, config.hue_shift_limit))
        rgb = shift_hsv(rgb, hue, _uniform(rng, config.sat_shift_limit), _uniform(rng, config.val_shift_limit))
    if config.shift_scale_rotate and rng.random() < config.p_shift_scale_rotate:
        h, w = rgb.shape[:2]
        angle = _uniform(rng, config.rotate_limit)
        scale = 1.0 + _uniform(rng, config.scale_limit)
        dx = round(_uniform(rng, config.shift_limit) * w)
        dy = round(_uniform(rng, config.shift_limit) * h)
        rgb, mask = warp_pair(rgb, mask, shift_scale_rotate_matrix((h, w), angle, scale, dx, dy), config.border)
    if config.flip and rng.random() < config.p_flip:
        rgb = np.ascontiguousarray(rgb[:, ::-1])
        mask = np.ascontiguousarray(mask[:, ::-1])
    return rgb, mask
