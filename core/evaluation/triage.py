"""Auto-triage: how likely a predicted view needs correction, from its probability map.

At prediction time there is no true mask, only what the model says about itself. A view
the model is sure of has a thin uncertain band along a clean outline; a view it gets
wrong tends to have a wide band, a ragged edge, stray specks and holes. `view_features`
measures those on the map brought to a fixed working size (so a 550 px CCP photo and a
100 MP studio view are measured alike and the cost stays bounded), and a `Triage` (a
logistic regression fitted on validation photos by `garment-cutout calibrate --triage`,
stored in the model card) turns them into the probability that the view's Dice is below
`dice_target` (0.97). Views at or above the card's `operating_point` need review.

The plain baseline the issue measures against is `baseline_score`: the share of pixels
with 0.1 < p < 0.9, divided by the mask's area. Measured with the bundled model on the
200 CCP test photos (never fitted on): baseline AUROC 0.854, the card's triage (baseline
+ the band further than FAR_PX from the outline) 0.878. No single other feature, the
flip-averaged pair's disagreement included (0.876 alone), nor any larger set added to
that on the 60 validation photos, so the card keeps two weights.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

import cv2
import numpy as np

# The map is measured at about this many pixels (the bundled model's 512x352 input).
WORK_PIXELS = 512 * 352
# "Uncertain" probabilities, as in the baseline.
BAND_LOW, BAND_HIGH = 0.1, 0.9
# A component (or hole) smaller than this share of the mask's area is a speck.
SPECK_SHARE = 0.002
DICE_TARGET = 0.97

# Every feature `view_features` computes, in its order. A card's triage names the ones it
# uses, so features can be added later without breaking stored coefficients.
FEATURE_NAMES = (
    "log_band_per_area",   # the baseline, log(band / mask area)
    "band_per_edge",       # band pixels per pixel of outline: the band's mean width (work px)
    "log_edge_per_area",   # outline length against sqrt(area): a ragged edge is long
    "self_dice_gap",       # 1 - the Dice the map expects of its own mask (truth ~ Bernoulli(p))
    "log_components",      # log(1 + garment components beyond the largest)
    "log_specks",          # log(1 + specks: small components and small holes)
    "log_holes",           # log(1 + holes inside the garment)
    "largest_share",       # the largest component's share of the mask
    "area_fraction",       # the mask's share of the photo
    "border_share",        # share of the frame's pixels that are garment
    "soft_spread",         # mean min(p, 1 - p) inside the band
    "log_far_band_per_area",   # log(band pixels over FAR_PX from the outline / mask area): doubt away from the edge
    "log_core_band_per_area",  # log(pixels with 0.3 < p < 0.7 / mask area): the band's core
)
# Band pixels further than this (working pixels) from the mask's outline are doubt about
# a region, not about where an edge runs.
FAR_PX = 3


def working_map(probability: np.ndarray) -> np.ndarray:
    """(H, W) uint8 probability map (p = v / 255) -> (h, w) float32 in [0, 1] of about
    WORK_PIXELS pixels, aspect kept (INTER_AREA down; a small map is left at its size)."""
    probability = np.asarray(probability)
    if probability.ndim != 2 or probability.dtype != np.uint8:
        raise ValueError(f"expected an (H, W) uint8 probability map, got {probability.dtype} {probability.shape}")
    h, w = probability.shape
    scale = math.sqrt(WORK_PIXELS / max(h * w, 1))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        probability = cv2.resize(probability, size, interpolation=cv2.INTER_AREA)
    return probability.astype(np.float32) / 255.0


def baseline_score(probability: np.ndarray, threshold: float = 0.5) -> float:
    """The issue's baseline on an (H, W) uint8 map: pixels with 0.1 < p < 0.9 divided by
    the mask's pixels (at `threshold`), at the map's own resolution. Higher = worse."""
    p = np.asarray(probability)
    band = np.count_nonzero((p > BAND_LOW * 255) & (p < BAND_HIGH * 255))
    area = np.count_nonzero(p >= _level(threshold))
    return float((band + 1) / (area + 1))


def _level(threshold: float) -> int:
    from core.masks.compose import threshold_level

    return threshold_level(threshold)


def view_features(probability: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """The FEATURE_NAMES of one view, from its (H, W) uint8 probability map and the
    threshold its mask is cut at. Pure numpy/OpenCV, deterministic, no true mask needed."""
    q = working_map(probability)
    mask = q >= _level(threshold) / 255.0
    area = int(np.count_nonzero(mask))
    total = q.size
    in_band = (q > BAND_LOW) & (q < BAND_HIGH)
    band = int(np.count_nonzero(in_band))
    mask8 = mask.astype(np.uint8)
    eroded = cv2.erode(mask8, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE)
    edge = int(np.count_nonzero(mask & ~eroded.astype(bool)))
    qsum = float(q.sum())
    overlap = float(q[mask].sum())
    self_dice = 2.0 * overlap / (qsum + area) if qsum + area > 0 else 1.0

    count, _, stats, _ = cv2.connectedComponentsWithStats(mask8, connectivity=8)
    sizes = np.sort(stats[1:, cv2.CC_STAT_AREA])[::-1] if count > 1 else np.zeros(0, np.int64)
    speck_px = max(1.0, SPECK_SHARE * area)
    holes = _holes(mask8)
    outline = (mask & ~eroded.astype(bool)).astype(np.uint8)
    distance = cv2.distanceTransform(1 - outline, cv2.DIST_L2, 3)
    far_band = int(np.count_nonzero(in_band & (distance > FAR_PX)))
    core_band = int(np.count_nonzero((q > 0.3) & (q < 0.7)))
    border = np.concatenate([mask[0], mask[-1], mask[1:-1, 0], mask[1:-1, -1]])
    return {
        "log_band_per_area": math.log((band + 1) / (area + 1)),
        "band_per_edge": band / max(edge, 1),
        "log_edge_per_area": math.log((edge + 1) / math.sqrt(area + 1)),
        "self_dice_gap": 1.0 - self_dice,
        "log_components": math.log1p(max(0, len(sizes) - 1)),
        "log_specks": math.log1p(int(np.count_nonzero(sizes[1:] < speck_px)) + int(np.count_nonzero(holes < speck_px))),
        "log_holes": math.log1p(len(holes)),
        "largest_share": float(sizes[0] / area) if area else 0.0,
        "area_fraction": area / total,
        "border_share": float(border.mean()) if border.size else 0.0,
        "soft_spread": float(np.minimum(q[in_band], 1.0 - q[in_band]).mean()) if band else 0.0,
        "log_far_band_per_area": math.log((far_band + 1) / (area + 1)),
        "log_core_band_per_area": math.log((core_band + 1) / (area + 1)),
    }


def _holes(mask8: np.ndarray) -> np.ndarray:
    """Areas of the background components of a (h, w) uint8 0/1 mask that do not touch
    the frame (holes in the garment)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(1 - mask8, connectivity=4)
    if count <= 1:
        return np.zeros(0, np.int64)
    h, w = mask8.shape
    x, y = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    right, bottom = x + stats[1:, cv2.CC_STAT_WIDTH], y + stats[1:, cv2.CC_STAT_HEIGHT]
    inside = (x > 0) & (y > 0) & (right < w) & (bottom < h)
    return stats[1:, cv2.CC_STAT_AREA][inside]


def feature_matrix(rows: Sequence[dict[str, float]], names: Sequence[str]) -> np.ndarray:
    """(N, len(names)) float64 of the named features of each row."""
    return np.array([[float(row[name]) for name in names] for row in rows], np.float64).reshape(len(rows), len(names))


@dataclasses.dataclass(frozen=True)
class Triage:
    """A fitted estimate: P(Dice < dice_target) = sigmoid(intercept + sum(w * (x - mean) / scale)).

    `operating_point`: views whose estimate is at or above it need review. Stored in the
    model card (`ModelCard.triage`) as `to_dict` writes it."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    operating_point: float
    dice_target: float = DICE_TARGET
    fitted_on: str = ""
    # What fitting measured (counts, AUROC on the fitting photos, ...): for people, not code.
    fit: dict[str, Any] = dataclasses.field(default_factory=dict)

    def estimate_features(self, features: dict[str, float]) -> float:
        """P(Dice < dice_target) for one view's `view_features`."""
        return float(self.estimate_matrix(feature_matrix([features], self.features))[0])

    def estimate_matrix(self, x: np.ndarray) -> np.ndarray:
        """(N,) estimates for an (N, len(features)) matrix in `features` order."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return _sigmoid(self.intercept + z @ np.asarray(self.weights))

    def estimate(self, probability: np.ndarray, threshold: float = 0.5) -> float:
        """P(Dice < dice_target) for an (H, W) uint8 probability map cut at `threshold`."""
        return self.estimate_features(view_features(probability, threshold))

    def needs_review(self, estimate: float) -> bool:
        return estimate >= self.operating_point

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": [round(v, 8) for v in self.mean],
                "scale": [round(v, 8) for v in self.scale], "weights": [round(v, 8) for v in self.weights],
                "intercept": round(self.intercept, 8), "operating_point": round(self.operating_point, 6),
                "dice_target": self.dice_target, "fitted_on": self.fitted_on, "fit": dict(self.fit)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Triage":
        """Raises ValueError (with the reason) for anything a card must not hold."""
        problem = triage_problem(data)
        if problem is not None:
            raise ValueError(problem)
        return cls(tuple(data["features"]), tuple(float(v) for v in data["mean"]),
                   tuple(float(v) for v in data["scale"]), tuple(float(v) for v in data["weights"]),
                   float(data["intercept"]), float(data["operating_point"]),
                   float(data.get("dice_target", DICE_TARGET)), str(data.get("fitted_on", "")),
                   dict(data.get("fit", {})))


def triage_problem(data: Any) -> str | None:
    """Why `data` (a card's `triage` object) cannot drive an estimate, or None: the card's
    own checks (core.network.card), then the feature names, which only this module knows."""
    from core.network.card import triage_problem as card_problem

    problem = card_problem(data)
    if problem is None and not data:
        problem = "triage is empty"
    if problem is not None:
        return problem
    unknown = [f for f in data["features"] if f not in FEATURE_NAMES]
    if unknown:
        return (f"triage.features names feature(s) this version does not compute "
                f"({', '.join(map(repr, unknown))}); update Garment Cutout or run calibrate --triage again")
    return None


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


def triage_of(card: Any) -> Triage | None:
    """The card's fitted triage (a `ModelCard` or anything with a `triage` dict), or None."""
    data = getattr(card, "triage", None)
    return Triage.from_dict(data) if data else None
