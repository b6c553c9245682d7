"""Segmentation metrics in numpy at the photo's native resolution.

Pure functions on boolean masks `(H, W) bool` and probability maps `(H, W) uint8`
(p = v / 255). Conventions shared by every function here:

* an empty prediction of an empty truth is perfect (1.0), so garment-free photos do
  not drag a mean down for the right answer;
* a probability map is binarised as garment where p >= threshold, i.e. where
  v >= `cut_value(threshold)` (core.masks' rule); the threshold sweep counts alike.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import cv2
import numpy as np

from core.masks.compose import threshold_level

# 256 possible uint8 values, plus one "nothing is garment" cut (v >= 256).
_LEVELS = 256

# Thresholds every sweep tries (training's card threshold, evaluate's report): 0.05..0.95.
SWEEP_THRESHOLDS: tuple[float, ...] = tuple(round(0.05 + 0.01 * i, 2) for i in range(91))


def _check_pair(pred: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred = np.asarray(pred, dtype=bool)
    true = np.asarray(true, dtype=bool)
    if pred.shape != true.shape:
        raise ValueError(f"prediction shape {pred.shape} differs from truth shape {true.shape}")
    return pred, true


def dice(pred: np.ndarray, true: np.ndarray) -> float:
    """Dice coefficient 2|P∩T| / (|P|+|T|) of two `(H, W) bool` masks; both empty -> 1.0."""
    pred, true = _check_pair(pred, true)
    total = int(np.count_nonzero(pred)) + int(np.count_nonzero(true))
    if total == 0:
        return 1.0
    return 2.0 * int(np.count_nonzero(pred & true)) / total


def iou(pred: np.ndarray, true: np.ndarray) -> float:
    """Intersection over union of two `(H, W) bool` masks; both empty -> 1.0."""
    pred, true = _check_pair(pred, true)
    union = int(np.count_nonzero(pred | true))
    if union == 0:
        return 1.0
    return int(np.count_nonzero(pred & true)) / union


def pixel_accuracy(pred: np.ndarray, true: np.ndarray) -> float:
    """Fraction of pixels where two `(H, W) bool` masks agree (1.0 for 0-pixel masks)."""
    pred, true = _check_pair(pred, true)
    if pred.size == 0:
        return 1.0
    return float(np.count_nonzero(pred == true)) / pred.size


def mask_edges(mask: np.ndarray) -> np.ndarray:
    """Inner boundary of a `(H, W) bool` mask: the mask XOR its 3x3 erosion.

    Pixels beyond the image count as garment during the erosion (OpenCV's default
    border), so a garment cut by the frame has no edge along the frame: the frame is
    not a boundary the model drew.
    """
    mask = np.asarray(mask, dtype=bool)
    eroded = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    return mask & ~eroded.astype(bool)


def _fraction_within(edges: np.ndarray, other_edges: np.ndarray, tolerance_px: float) -> float:
    """Fraction of `edges` pixels at Euclidean distance <= tolerance of an `other_edges` pixel."""
    # distanceTransform measures to the nearest zero pixel, so the other edge set is 0.
    source = np.where(other_edges, 0, 1).astype(np.uint8)
    distance = cv2.distanceTransform(source, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return float(np.count_nonzero(distance[edges] <= tolerance_px + 1e-6)) / int(np.count_nonzero(edges))


def boundary_f_score(pred: np.ndarray, true: np.ndarray, tolerance_px: float = 2) -> float:
    """Boundary F score of two `(H, W) bool` masks.

    Precision: fraction of the prediction's edge pixels within `tolerance_px` (Euclidean)
    of the truth's edge; recall the other way round; F is their harmonic mean. Both edge
    sets empty -> 1.0 when the masks agree (both empty or both the whole frame), else
    0.0; exactly one edge set empty -> 0.0.
    """
    pred, true = _check_pair(pred, true)
    pred_edges = mask_edges(pred)
    true_edges = mask_edges(true)
    has_pred, has_true = bool(pred_edges.any()), bool(true_edges.any())
    if not has_pred and not has_true:
        # Each mask is then empty or the whole frame; a full mask against an empty one
        # has no boundary to compare but is entirely wrong.
        return 1.0 if np.array_equal(pred, true) else 0.0
    if not has_pred or not has_true:
        return 0.0
    # Only the neighbourhood of the edges matters: crop to their joint bounding box
    # (padded by the tolerance) so large photos with small garments stay cheap. Every
    # edge pixel stays inside the crop, so distances are unchanged.
    rows = np.flatnonzero((pred_edges | true_edges).any(axis=1))
    cols = np.flatnonzero((pred_edges | true_edges).any(axis=0))
    pad = int(math.ceil(tolerance_px)) + 1
    r0, r1 = max(rows[0] - pad, 0), min(rows[-1] + pad + 1, pred.shape[0])
    c0, c1 = max(cols[0] - pad, 0), min(cols[-1] + pad + 1, pred.shape[1])
    pred_edges = pred_edges[r0:r1, c0:c1]
    true_edges = true_edges[r0:r1, c0:c1]
    precision = _fraction_within(pred_edges, true_edges, tolerance_px)
    recall = _fraction_within(true_edges, pred_edges, tolerance_px)
    if precision + recall == 0:
        return 0.0
    return 2.0 * precision * recall / (precision + recall)


# ---------------------------------------------------------------------------
# Thresholds and the threshold sweep
# ---------------------------------------------------------------------------


def cut_value(threshold: float) -> int:
    """Smallest uint8 probability value counted as garment at `threshold` (v / 255 >= threshold).

    Returns 0..256; 256 means no value qualifies. The same rule as the app's
    `core.masks.threshold_level`, so evaluation scores what the retoucher would see.
    """
    return threshold_level(threshold)


def binarise(probability: np.ndarray, threshold: float) -> np.ndarray:
    """Garment mask `(H, W) bool` of a probability map `(H, W) uint8` (or float in [0, 1])."""
    probability = np.asarray(probability)
    if probability.dtype == np.uint8:
        return probability >= cut_value(threshold)
    return probability >= threshold


def dice_histograms(probability: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Counts of each probability value on the garment and on the background.

    `probability` is `(H, W) uint8`, `true` `(H, W) bool`. Returns `(2, 256) int64`:
    row 0 garment pixels, row 1 background pixels. Enough to get Dice at any threshold.
    """
    probability = np.asarray(probability)
    if probability.dtype != np.uint8:
        raise ValueError(f"dice_histograms needs a uint8 probability map, got {probability.dtype}")
    true = np.asarray(true, dtype=bool)
    if probability.shape != true.shape:
        raise ValueError(f"probability shape {probability.shape} differs from truth shape {true.shape}")
    garment = np.bincount(probability[true], minlength=_LEVELS)
    everything = np.bincount(probability.ravel(), minlength=_LEVELS)
    return np.stack([garment, everything - garment]).astype(np.int64)


def dice_from_histograms(histograms: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Dice of each image at each threshold, from stacked `dice_histograms`.

    `histograms` is `(N, 2, 256) int64`. Returns `(N, len(thresholds)) float64`.
    Cumulative counts from the top give, for every cut value c, the garment pixels
    (true positives) and background pixels (false positives) with v >= c in one pass.
    """
    histograms = np.asarray(histograms, dtype=np.int64)
    if histograms.ndim == 2:
        histograms = histograms[None]
    # at_least[..., c] = number of pixels with value >= c, for c in 0..256.
    at_least = np.zeros(histograms.shape[:-1] + (_LEVELS + 1,), np.int64)
    at_least[..., :_LEVELS] = np.cumsum(histograms[..., ::-1], axis=-1)[..., ::-1]
    cuts = np.array([cut_value(t) for t in thresholds], dtype=np.intp)
    tp = at_least[:, 0, cuts]
    fp = at_least[:, 1, cuts]
    truth = at_least[:, 0, :1]  # all garment pixels
    denominator = tp + fp + truth
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(denominator == 0, 1.0, 2.0 * tp / denominator)
    return scores


def threshold_sweep(
    probabilities: Iterable[np.ndarray],
    truths: Iterable[np.ndarray],
    thresholds: Sequence[float],
) -> dict[float, float]:
    """Mean Dice over images at each threshold.

    `probabilities`: `(H, W) uint8` maps (or float in [0, 1]), `truths`: `(H, W) bool`
    masks, paired in order. uint8 maps are reduced to per-image histograms, so the whole
    sweep costs one pass over the pixels whatever the number of thresholds; float maps
    are binarised at every threshold.
    """
    thresholds = [float(t) for t in thresholds]
    histograms: list[np.ndarray] = []
    direct: list[list[float]] = []
    for probability, true in zip(probabilities, truths, strict=True):
        probability = np.asarray(probability)
        if probability.dtype == np.uint8:
            histograms.append(dice_histograms(probability, true))
        else:
            direct.append([dice(probability >= t, true) for t in thresholds])
    rows = []
    if histograms:
        rows.append(dice_from_histograms(np.stack(histograms), thresholds))
    if direct:
        rows.append(np.array(direct, dtype=np.float64))
    if not rows:
        raise ValueError("threshold_sweep needs at least one image")
    means = np.concatenate(rows).mean(axis=0)
    return {t: float(m) for t, m in zip(thresholds, means)}


def iqr_outliers(values: Sequence[float]) -> list[int]:
    """Indices of values below Q1 - 1.5 IQR or above Q3 + 1.5 IQR (linear quartiles)."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return []
    q1, q3 = np.percentile(array, [25, 75])
    spread = q3 - q1
    low, high = q1 - 1.5 * spread, q3 + 1.5 * spread
    return [int(i) for i in np.flatnonzero((array < low) | (array > high))]


def best_threshold(sweep: dict[float, float]) -> tuple[float, float]:
    """(threshold, Dice) with the highest Dice; ties go to the threshold nearest 0.5."""
    return max(sweep.items(), key=lambda item: (round(item[1], 12), -abs(item[0] - 0.5)))
