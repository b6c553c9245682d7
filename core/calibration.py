"""`garment-cutout calibrate`: choose a model's threshold the way it will be used.

Training sweeps the threshold on validation photos at model resolution, with plain
network output. A deployed model upsamples to the photo's own size, perhaps with the
guided filter and flip averaging, and those change where the best threshold lies (for
the bundled model: 0.21 from training, 0.50 calibrated). Calibration predicts the
split's validation photos at native resolution with the card's inference settings (or
the ones given), sweeps 0.05..0.95, and writes the winning threshold and its Dice into
the card.
The held-out test photos are never looked at: they stay a fair test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from core.errors import GarmentCutoutError
from core.evaluation import evaluate, find_pairs
from core.model_card import UPSAMPLING_MODES, ModelCard, card_path
from core.precision import PRECISIONS
from core.progress import TextProgress


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


def calibrate(model_path: str | Path, data_dir: str | Path, split: str | Path,
              upsampling: str | None = None, tta_flip: bool | None = None, precision: str | None = None,
              write: bool = True, progress=None, cancelled=None) -> Calibration:
    """Sweep the threshold on `split`'s validation photos with the model as configured
    (card settings, overridden by `upsampling` / `tta_flip` / `precision`); with `write`,
    save the winner, its Dice and those settings into the card (atomically). Raises
    DataError for bad data or split, ModelLoadError for a bad model, Cancelled when
    cancelled."""
    from core.prediction import Predictor
    from core.training import best_threshold

    find_pairs(data_dir, split=split, part="val")  # bad data fails before the model loads
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


# ---------------------------------------------------------------------------
# Command line (core.cli wires these into `garment-cutout calibrate`)
# ---------------------------------------------------------------------------


def _on_off(text: str) -> bool:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"expected on or off, got {text!r}")
    return text == "on"


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=Path, metavar="M.keras",
                        help="the model whose card gets the threshold")
    parser.add_argument("--data", required=True, type=Path, metavar="DIR", help="data folder the split names refer to")
    parser.add_argument("--split", required=True, type=Path, metavar="FILE",
                        help="split file; its \"val\" photos are used, never its \"test\" ones")
    parser.add_argument("--upsampling", choices=UPSAMPLING_MODES, help="set the card's upsampling first")
    parser.add_argument("--tta-flip", type=_on_off, metavar="{on,off}", help="set the card's flip averaging first")
    parser.add_argument("--precision", choices=PRECISIONS,
                        help="set the card's precision first (auto: bfloat16 on CPUs with native bfloat16)")
    parser.add_argument("--dry-run", action="store_true", help="print the result, leave the card as it is")


def run_cli(args: argparse.Namespace) -> int:
    """Progress on stderr, a JSON line on stdout; 0 ok, 2 bad input, 130 interrupted."""
    try:
        result = calibrate(args.model, args.data, args.split, args.upsampling, args.tta_flip, args.precision,
                           write=not args.dry_run, progress=TextProgress("calibrating"))
    except KeyboardInterrupt:
        print("\ncalibration interrupted; the card is unchanged", file=sys.stderr)
        return 130
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    line = result.to_dict()
    line["card"] = "unchanged (dry run)" if args.dry_run else str(card_path(args.model))
    print(json.dumps(line))
    return 0
