"""Preprocessing shared by training and prediction, as the seed found best.

Resize with INTER_AREA when shrinking and INTER_CUBIC when enlarging (the seed's single
biggest cheap win), colour input, mean/std normalisation whose values live in the model
card. Contrast stretching and histogram equalisation are options the seed measured.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np


def _interpolation(src_hw: tuple[int, int], dst_hw: tuple[int, int]) -> int:
    shrinking = dst_hw[0] * dst_hw[1] < src_hw[0] * src_hw[1]
    return cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC


def resize_to_model(rgb: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Resize a photo (H, W, 3) uint8 to the model's (h, w); returns (h, w, 3) uint8."""
    h, w = size_hw
    if rgb.shape[:2] == (h, w):
        return rgb
    return cv2.resize(rgb, (w, h), interpolation=_interpolation(rgb.shape[:2], (h, w)))


def resize_mask_to_model(mask: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Resize a (H, W) bool/uint8 mask to (h, w) float32 in 0..1 (area-averaged soft edge)."""
    m = mask.astype(np.float32)
    if m.max(initial=0.0) > 1.0:
        m /= 255.0
    h, w = size_hw
    if m.shape[:2] == (h, w):
        return m
    return cv2.resize(m, (w, h), interpolation=_interpolation(m.shape[:2], (h, w)))


def resize_probability_to_photo(probability: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Resize a (h, w) float probability map to the photo's (H, W), clipped to 0..1."""
    h, w = size_hw
    if probability.shape[:2] != (h, w):
        probability = cv2.resize(probability, (w, h), interpolation=_interpolation(probability.shape[:2], (h, w)))
    return np.clip(probability, 0.0, 1.0, out=probability)


def probability_to_uint8(probability: np.ndarray) -> np.ndarray:
    """(H, W) float 0..1 -> (H, W) uint8 0..255 (p = v / 255), rounded."""
    return (probability * 255.0 + 0.5).astype(np.uint8)


def contrast_stretch(rgb: np.ndarray, low_pct: float = 2.0, high_pct: float = 98.0) -> np.ndarray:
    """Stretch each channel so its low..high percentiles span 0..255; (H, W, C) uint8."""
    out = np.empty_like(rgb)
    for c in range(rgb.shape[2]):
        lo, hi = np.percentile(rgb[..., c], (low_pct, high_pct))
        scale = 255.0 / max(hi - lo, 1.0)
        out[..., c] = np.clip((rgb[..., c].astype(np.float32) - lo) * scale, 0, 255).astype(np.uint8)
    return out


def equalize_histogram(rgb: np.ndarray) -> np.ndarray:
    """Equalise the luma histogram, keeping colours; (H, W, 3) or (H, W, 1) uint8."""
    if rgb.shape[2] == 1:
        return cv2.equalizeHist(rgb[..., 0])[..., None]
    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    ycrcb[..., 0] = cv2.equalizeHist(ycrcb[..., 0])
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (H, W, 1) uint8."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[..., None]


def apply_colour_and_contrast(rgb: np.ndarray, channels: int, contrast: str) -> np.ndarray:
    """Colour mode and contrast option of one (h, w, 3) uint8 image -> (h, w, C) uint8."""
    img = to_gray(rgb) if channels == 1 else rgb
    if contrast == "stretch":
        img = contrast_stretch(img)
    elif contrast == "equalize":
        img = equalize_histogram(img)
    elif contrast != "none":
        raise ValueError(f"unknown contrast option {contrast!r}")
    return img


def normalise(images: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """(N, h, w, C) uint8 -> float32 (x / 255 - mean) / std per channel."""
    x = images.astype(np.float32) * (1.0 / 255.0)
    x -= np.asarray(mean, np.float32)
    x /= np.asarray(std, np.float32)
    return x


def to_model_input(images: np.ndarray, card) -> np.ndarray:
    """(N, h, w, 3) uint8 RGB at model size -> (N, h, w, C) float32 normalised per `card`.

    `card` is a ModelCard or anything with channels, contrast, mean and std attributes.
    """
    if card.channels != 3 or card.contrast != "none":
        images = np.stack([apply_colour_and_contrast(im, card.channels, card.contrast) for im in images])
    return normalise(images, card.mean, card.std)


def compute_normalisation(images: np.ndarray, channels: int = 3, contrast: str = "none") -> tuple[list[float], list[float]]:
    """Per-channel mean and std of (N, h, w, 3) uint8 training images, on 0..1 pixels."""
    if channels != 3 or contrast != "none":
        images = np.stack([apply_colour_and_contrast(im, channels, contrast) for im in images])
    # Running sums in chunks: a float64 copy of 800 photos would need gigabytes.
    total = np.zeros(images.shape[-1], np.float64)
    total_sq = np.zeros(images.shape[-1], np.float64)
    count = 0
    for start in range(0, len(images), 32):
        x = images[start:start + 32].reshape(-1, images.shape[-1]).astype(np.float64) / 255.0
        total += x.sum(axis=0)
        total_sq += (x * x).sum(axis=0)
        count += x.shape[0]
    mean = total / max(count, 1)
    std = np.sqrt(np.maximum(total_sq / max(count, 1) - mean * mean, 1e-6))
    return [round(float(v), 6) for v in mean], [round(float(v), 6) for v in std]
