"""Score a model on photo/mask pairs at native resolution (`garment-cutout evaluate`).

Every photo is predicted at its own size and compared with its mask there: Dice, IoU
and boundary F (2 px) per image, mean and median, IQR outliers, a threshold sweep from
per-image histograms (one pass, however many thresholds) and seconds per prediction.
A pair that cannot be read is recorded as failed, not fatal.
"""

from __future__ import annotations

import heapq
import json
import time
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from core.common.errors import Cancelled, DataError, GarmentCutoutError
from core.evaluation import metrics
from core.evaluation.report import write_report
from core.evaluation.summary import BOUNDARY_TOLERANCE_PX, EvaluationSummary, FailedPair, ImageResult
from core.files.atomic import write_text_atomic
from core.files.pairs import load_pair

Progress = Callable[[int, int], None]


IsCancelled = Callable[[], bool]


class PredictorLike(Protocol):
    """What evaluation needs of a predictor (core.prediction.Predictor fits)."""

    card: Any

    def predict(self, rgb: np.ndarray) -> np.ndarray: ...


def find_pairs(data_dir: str | Path, limit: int | None = None, split: str | Path | None = None,
               part: str = "test") -> list:
    """The data folder's photo/mask pairs (core.data layouts), the first `limit` by name.

    With `split` (a split JSON as training reads it) only the names of one part are
    kept: "test", the held-out photos no model choice ever saw (evaluation), or "val",
    the validation photos that choices such as the threshold are made on (calibration).

    Raises DataError for a missing folder or an unknown layout, before any model loads.
    """
    from core.files.pairs import discover_pairs

    if not Path(data_dir).is_dir():
        raise DataError(f"data folder {data_dir} does not exist")
    pairs = discover_pairs(data_dir)
    if split is not None:
        from core.files.pairs import read_split_file

        if part not in ("test", "val"):
            raise DataError(f"split part must be \"test\" or \"val\", got {part!r}")
        spec = read_split_file(split)
        wanted = set(spec.held_out if part == "test" else spec.val)
        if not wanted:
            raise DataError(f"split file {split} has no \"{part}\" list")
        pairs = [p for p in pairs if p.name in wanted]
        if not pairs:
            raise DataError(f"none of the {part} names of {split} are in {data_dir}")
        missing = sorted(wanted - {p.name for p in pairs})
        if missing:  # figures over fewer photos than the split names would pass for the split's
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise DataError(f"{len(missing)} {part} name(s) of {split} are not in {data_dir} ({shown})")
    if limit is not None:
        if limit < 1:
            raise DataError(f"--limit must be at least 1, got {limit}")
        pairs = pairs[:limit]
    return pairs


def evaluate(
    data_dir: str | Path,
    predictor: PredictorLike,
    report_dir: str | Path | None = None,
    threshold: float | None = None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
    gallery_size: int = 12,
    limit: int | None = None,
    split: str | Path | None = None,
    split_part: str = "test",
) -> EvaluationSummary:
    """Score `predictor` on every pair of `data_dir` (first `limit` pairs by name if given;
    with `split`, only the names of its `split_part`, see find_pairs).

    `threshold` defaults to the model card's. Raises DataError when the folder holds no
    pairs or none could be evaluated, Cancelled when `cancelled()` turns true.
    """
    started = time.perf_counter()
    card = getattr(predictor, "card", None)
    if threshold is None:
        threshold = float(getattr(card, "threshold", 0.5))
    if not 0.0 <= threshold <= 1.0:
        raise DataError(f"threshold must be between 0 and 1, got {threshold}")
    pairs = find_pairs(data_dir, limit, split, split_part)
    from core.evaluation.triage import baseline_score, triage_of, view_features

    triage = triage_of(card) if isinstance(getattr(card, "triage", None), dict) else None

    results: list[ImageResult] = []
    failed: list[FailedPair] = []
    histograms: list[np.ndarray] = []
    # The worst cases' probability maps, kept as a bounded heap so memory stays at
    # `gallery_size` maps whatever the data size: entries (-dice, -order, name, pair, prob),
    # so among equal Dice the earlier names stay.
    worst: list[tuple[float, int, str, Any, np.ndarray]] = []
    for done, pair in enumerate(pairs, 1):
        if cancelled is not None and cancelled():
            raise Cancelled("evaluation")
        try:
            rgb, truth = load_pair(pair)
            t0 = time.perf_counter()
            probability = np.asarray(predictor.predict(rgb))
            seconds = time.perf_counter() - t0
        except Cancelled:
            raise
        except GarmentCutoutError as exc:
            failed.append(FailedPair(pair.name, str(exc)))
        else:
            if probability.shape != truth.shape or probability.dtype != np.uint8:
                failed.append(FailedPair(
                    pair.name,
                    f"prediction is {probability.dtype} {probability.shape}, expected uint8 {truth.shape}"))
            else:
                pred = metrics.binarise(probability, threshold)
                features = view_features(probability, threshold)
                result = ImageResult(
                    pair.name,
                    metrics.dice(pred, truth),
                    metrics.iou(pred, truth),
                    metrics.boundary_f_score(pred, truth, BOUNDARY_TOLERANCE_PX),
                    seconds,
                    None if triage is None else triage.estimate_features(features),
                    baseline_score(probability, threshold),
                    features,
                )
                results.append(result)
                histograms.append(metrics.dice_histograms(probability, truth))
                if report_dir is not None and gallery_size > 0:
                    entry = (-result.dice, -done, pair.name, pair, probability)
                    if len(worst) < gallery_size:
                        heapq.heappush(worst, entry)
                    elif entry > worst[0]:
                        heapq.heapreplace(worst, entry)
        if progress is not None:
            progress(done, len(pairs))

    if not results:
        reason = failed[0].reason if failed else "no pairs"
        raise DataError(f"none of the {len(pairs)} pair(s) in {data_dir} could be evaluated (first: {reason})")
    sweep_scores = metrics.dice_from_histograms(np.stack(histograms), metrics.SWEEP_THRESHOLDS).mean(axis=0)
    summary = EvaluationSummary(
        model_name=str(getattr(card, "name", "unknown")),
        precision=str(getattr(predictor, "precision", "float32")),
        threshold=float(threshold),
        results=results,
        failed=failed,
        sweep={t: float(s) for t, s in zip(metrics.SWEEP_THRESHOLDS, sweep_scores)},
        outliers=[results[i].name for i in metrics.iqr_outliers([r.dice for r in results])],
        data_dir=str(data_dir),
        report_dir=str(report_dir) if report_dir is not None else None,
        triage=_triage_summary(results, triage),
    )
    try:
        if report_dir is not None:
            gallery = sorted(worst, reverse=True)  # worst Dice first
            write_report(summary, Path(report_dir), [(name, pair, prob) for _, _, name, pair, prob in gallery])
        summary.total_seconds = time.perf_counter() - started
        if report_dir is not None:  # now with the total time
            write_text_atomic(Path(report_dir) / "summary.json", json.dumps(summary.to_dict(), indent=2) + "\n")
    except (GarmentCutoutError, OSError) as exc:  # a full disk: the figures are not lost with the report
        summary.total_seconds = time.perf_counter() - started
        raise ReportError(summary, exc) from exc
    return summary


class ReportError(GarmentCutoutError):
    """The evaluation ran but its report could not be written whole; `summary` holds the figures."""

    def __init__(self, summary: EvaluationSummary, cause: Exception):
        super().__init__(f"the report in {summary.report_dir} is incomplete: "
                         f"{getattr(cause, 'strerror', None) or cause}")
        self.summary = summary


def _triage_summary(results: list[ImageResult], triage) -> dict[str, Any]:
    """How well the card's triage estimate (or, without one, the baseline alone) tells the
    views below the Dice target from the rest (core.evaluation.triage_fit.triage_report)."""
    from core.evaluation.triage import DICE_TARGET
    from core.evaluation.triage_fit import auroc, triage_report

    dice = [r.dice for r in results]
    baseline = [r.baseline for r in results]
    if triage is None:
        labels = [d < DICE_TARGET for d in dice]
        value = auroc(baseline, labels)
        return {"dice_target": DICE_TARGET, "views": len(dice), "needing_review": sum(labels),
                "baseline_auroc": None if value is None else round(value, 4),
                "note": "the model card has no triage (garment-cutout calibrate --triage fits one)"}
    return triage_report([r.estimate for r in results], dice, triage.operating_point, baseline,
                         triage.dice_target)
