"""What an evaluation found: per-image scores, unreadable pairs, and the summary over them."""

from __future__ import annotations

import dataclasses
import json
import statistics
from typing import Any

import numpy as np

# Boundary F is scored within this many pixels of the true edge.
BOUNDARY_TOLERANCE_PX = 2


@dataclasses.dataclass(frozen=True)
class ImageResult:
    """Scores of one photo; `seconds` is its prediction time (photo in memory to
    full-resolution probability map; decoding the files is not counted)."""

    name: str
    dice: float
    iou: float
    boundary_f: float
    seconds: float
    # Triage (core.evaluation.triage): the card's estimate that the view needs review
    # (None without a triage in the card), the baseline score and the view's features.
    estimate: float | None = None
    baseline: float | None = None
    features: dict[str, float] | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class FailedPair:
    name: str
    reason: str


@dataclasses.dataclass
class EvaluationSummary:
    model_name: str
    threshold: float
    results: list[ImageResult]
    failed: list[FailedPair]
    sweep: dict[float, float]
    outliers: list[str]
    data_dir: str = ""
    report_dir: str | None = None
    total_seconds: float = 0.0
    precision: str = "float32"  # what the model computed in (core.precision)
    # core.evaluation.triage_fit.triage_report of the card's estimate (or of the baseline
    # alone without a triage): AUROC for Dice below target, Brier score, reliability bins.
    triage: dict[str, Any] | None = None

    @property
    def n(self) -> int:
        return len(self.results)

    def _values(self, field: str) -> list[float]:
        return [getattr(r, field) for r in self.results]

    @property
    def mean_dice(self) -> float:
        return float(np.mean(self._values("dice")))

    @property
    def median_dice(self) -> float:
        return float(statistics.median(self._values("dice")))

    @property
    def mean_iou(self) -> float:
        return float(np.mean(self._values("iou")))

    @property
    def mean_boundary_f(self) -> float:
        return float(np.mean(self._values("boundary_f")))

    @property
    def median_boundary_f(self) -> float:
        return float(statistics.median(self._values("boundary_f")))

    @property
    def seconds_per_image(self) -> float:
        return float(np.mean(self._values("seconds")))

    @property
    def best_threshold(self) -> float:
        # First of equal maxima: the sweep runs upwards, so ties favour the lower cut.
        return max(self.sweep, key=lambda t: self.sweep[t])

    @property
    def best_threshold_dice(self) -> float:
        return self.sweep[self.best_threshold]

    def to_dict(self) -> dict[str, Any]:
        """Everything but the per-image rows (those go to per_image.csv)."""
        return {
            "model": self.model_name,
            "precision": self.precision,
            "data": self.data_dir,
            "threshold": self.threshold,
            "n": self.n,
            "mean_dice": self.mean_dice,
            "median_dice": self.median_dice,
            "mean_iou": self.mean_iou,
            "mean_boundary_f": self.mean_boundary_f,
            "median_boundary_f": self.median_boundary_f,
            "boundary_tolerance_px": BOUNDARY_TOLERANCE_PX,
            "best_threshold": self.best_threshold,
            "best_threshold_dice": self.best_threshold_dice,
            "seconds_per_image": self.seconds_per_image,
            "total_seconds": self.total_seconds,
            "outliers": self.outliers,
            "failed": [dataclasses.asdict(f) for f in self.failed],
            "triage": self.triage,
        }

    def to_json_line(self) -> str:
        """One line of JSON for stdout: headline numbers rounded, counts not lists."""
        line = {
            "n": self.n,
            "mean_dice": round(self.mean_dice, 4),
            "median_dice": round(self.median_dice, 4),
            "mean_iou": round(self.mean_iou, 4),
            "mean_boundary_f": round(self.mean_boundary_f, 4),
            "threshold": round(self.threshold, 4),
            "best_threshold": self.best_threshold,
            "best_threshold_dice": round(self.best_threshold_dice, 4),
            "outliers": len(self.outliers),
            "failed": len(self.failed),
            "seconds_per_image": round(self.seconds_per_image, 3),
            "model": self.model_name,
            "precision": self.precision,
        }
        if self.triage:
            for key in ("auroc", "baseline_auroc", "brier", "missed_share", "fine_passed_share"):
                if key in self.triage:
                    line[f"triage_{key}"] = self.triage[key]
        return json.dumps(line, separators=(", ", ": "))
