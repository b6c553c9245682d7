"""`garment-cutout calibrate`: choose a model's threshold the way it will be used.

Training sweeps the threshold on validation photos at model resolution, with plain
network output. A deployed model upsamples to the photo's own size, perhaps with the
guided filter and flip averaging, and those change where the best threshold lies (for
the bundled model: 0.21 from training, 0.50 calibrated). Calibration predicts the
split's validation photos at native resolution with the card's inference settings (or
the ones given), sweeps 0.05..0.95, and writes the winning threshold and its Dice into
the card.
The held-out test photos are never looked at: they stay a fair test.

`calibrate_triage` (`garment-cutout calibrate --triage`) fits the auto-triage estimate
(core.evaluation.triage) on the same validation photos at the card's threshold and
writes it into the card's `triage`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from core.evaluation.evaluate import evaluate, find_pairs
from core.network.card import ModelCard, card_path


@dataclasses.dataclass(frozen=True)
class Calibration:
    threshold: float
    val_dice: float            # mean Dice at `threshold`, native resolution
    previous_threshold: float
    sweep: dict[float, float]  # mean Dice per threshold
    count: int                 # validation photos scored

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "val_dice": round(self.val_dice, 6),
                "previous_threshold": self.previous_threshold, "count": self.count}


def check_card_writable(model_path: str | Path) -> None:
    """ExportError unless the model's card can be replaced (it is written atomically, so
    its folder must take a new file): said before minutes of predicting, not after."""
    import tempfile

    from core.common.errors import ExportError

    card = card_path(model_path)
    try:
        with tempfile.NamedTemporaryFile(dir=card.parent, prefix=f".{card.name}.", suffix=".check"):
            pass
    except OSError as exc:
        raise ExportError(f"cannot write {card}: {exc.strerror or exc} (nothing was predicted; "
                          "--dry-run measures without writing)") from exc


def calibrate(model_path: str | Path, data_dir: str | Path, split: str | Path,
              upsampling: str | None = None, tta_flip: bool | None = None, precision: str | None = None,
              write: bool = True, progress=None, cancelled=None) -> Calibration:
    """Sweep the threshold on `split`'s validation photos with the model as configured
    (card settings, overridden by `upsampling` / `tta_flip` / `precision`); with `write`,
    save the winner, its Dice and those settings into the card (atomically). Raises
    DataError for bad data or split, ModelLoadError for a bad model, Cancelled when
    cancelled."""
    from core.evaluation.metrics import best_threshold
    from core.prediction.predictor import Predictor

    find_pairs(data_dir, split=split, part="val")  # bad data fails before the model loads
    if write:
        check_card_writable(model_path)
    predictor = Predictor.load(model_path, precision=precision)
    card = predictor.card
    changes = {}
    if precision is not None:
        changes["precision"] = precision
    if upsampling is not None:
        changes["upsampling"] = upsampling
    if tta_flip is not None:
        changes["tta_flip"] = tta_flip
    card = dataclasses.replace(card, **changes)
    predictor.card = card
    summary = evaluate(data_dir, predictor, split=split, split_part="val", progress=progress, cancelled=cancelled)
    threshold, dice = best_threshold(summary.sweep)
    result = Calibration(float(threshold), float(dice), float(card.threshold), summary.sweep, len(summary.results))
    if write:
        calibrated = dataclasses.replace(card, threshold=result.threshold, val_dice=round(result.val_dice, 6),
                                         training={**card.training, "calibration": {
                                             **result.to_dict(), "split": str(split), "data": str(data_dir),
                                             "resolution": "native", "upsampling": card.upsampling,
                                             "tta_flip": card.tta_flip, "computed_in": predictor.precision}})
        calibrated.save(card_path(model_path))
    return result



# The features a triage is fitted on unless told otherwise: the baseline and the band away
# from the outline. Chosen by leave-one-out AUROC on the 60 CCP validation photos among a
# handful of candidate sets (bigger sets scored lower there: 60 views fit few weights).
DEFAULT_TRIAGE_FEATURES = ("log_band_per_area", "log_far_band_per_area")
DEFAULT_TRIAGE_L2 = 5.0


def calibrate_triage(model_path: str | Path, data_dir: str | Path, split: str | Path,
                     features: tuple[str, ...] = DEFAULT_TRIAGE_FEATURES, l2: float = DEFAULT_TRIAGE_L2,
                     limit: int | None = None, write: bool = True, progress=None, cancelled=None):
    """Fit the triage on `split`'s validation photos (the first `limit` by name if given)
    with the model as its card says; with `write`, store it in the card (atomically).
    Returns the fitted core.evaluation.triage.Triage. Raises DataError for bad data, split
    or features, ModelLoadError for a bad model, Cancelled when cancelled."""
    from core.common.errors import DataError
    from core.evaluation.triage import FEATURE_NAMES, feature_matrix
    from core.evaluation.triage_fit import fit_triage
    from core.prediction.predictor import Predictor

    unknown = [f for f in features if f not in FEATURE_NAMES]
    if unknown or not features:
        raise DataError(f"unknown triage feature(s) {', '.join(unknown) or '(none given)'}; "
                        f"known: {', '.join(FEATURE_NAMES)}")
    find_pairs(data_dir, limit=limit, split=split, part="val")  # bad data fails before the model loads
    if write:
        check_card_writable(model_path)
    predictor = Predictor.load(model_path)
    predictor.card = dataclasses.replace(predictor.card, triage={})  # an old triage plays no part
    summary = evaluate(data_dir, predictor, split=split, split_part="val", limit=limit,
                       progress=progress, cancelled=cancelled)
    if len(summary.results) < 10:
        raise DataError(f"only {len(summary.results)} validation photos could be scored; a triage needs 10 or more")
    x = feature_matrix([r.features for r in summary.results], features)
    triage = fit_triage(x, [r.dice for r in summary.results], features, l2,
                        fitted_on=f"{len(summary.results)} validation photos of {data_dir} ({split}, \"val\"), "
                                  f"threshold {summary.threshold:g}, computed in {predictor.precision}")
    if write:
        card = ModelCard.load(card_path(model_path))
        dataclasses.replace(card, triage=triage.to_dict()).save(card_path(model_path))
    return triage
