"""Inference-time experiments for a trained model (issue: default-model quality push).

Columns: model | variant | threshold | CCP mean Dice | median Dice | mean boundary F
(2 px) | best swept threshold (its mean Dice) | studio mean Dice | studio boundary F |
seconds per 1152x1728 view.

For each variant (threshold, edge-aware upsampling, test-time flip averaging, double
pass) it scores the held-out CCP test split at native resolution (Dice mean/median,
boundary F at 2 px) and times a whole 1152x1728 view (PNG read to probability map),
and prints one Markdown table row per variant. The sample shoot (studio domain) is
scored separately against its true cutouts.

    python scripts/model_experiments.py MODEL.keras [--second SECOND.keras] [--out rows.md]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.common import paths  # noqa: E402
from core.evaluation.bench import bench_prediction  # noqa: E402
from core.evaluation.evaluate import evaluate  # noqa: E402
from core.evaluation.metrics import binarise, boundary_f_score, dice  # noqa: E402
from core.files.imageio import read_image, read_mask  # noqa: E402
from core.prediction.double_pass import DoublePassPredictor  # noqa: E402
from core.prediction.predictor import Predictor  # noqa: E402

SPLIT = paths.REPO_ROOT / "resources" / "splits" / "ccp_split.json"


def studio_scores(predictor, threshold: float) -> tuple[float, float]:
    """Mean Dice and boundary F of the sample shoot's views against their true cutouts."""
    dices, bfs = [], []
    for photo in sorted(paths.SAMPLE_SHOOT.glob("*.png")):
        truth = read_mask(paths.SAMPLE_SHOOT / "truth" / f"{photo.stem}_cutout.png")
        pred = binarise(predictor.predict(read_image(photo).rgb), threshold)
        dices.append(dice(pred, truth))
        bfs.append(boundary_f_score(pred, truth, 2))
    return (float(np.mean(dices)), float(np.mean(bfs))) if dices else (float("nan"), float("nan"))


def variant(predictor: Predictor, **card_changes) -> Predictor:
    clone = Predictor.__new__(Predictor)
    clone.__dict__.update(predictor.__dict__)
    clone.card = dataclasses.replace(predictor.card, **card_changes)
    return clone


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--second", type=Path, help="second model for the double pass")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only", nargs="*", help="variant names to run")
    parser.add_argument("--split", type=Path, default=SPLIT,
                        help="split file whose \"test\" names are scored (default: the CCP test split)")
    parser.add_argument("--studio-data", type=Path,
                        help="a folder of studio *_cutout.png renders to score as a second domain")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()

    base = Predictor.load(args.model)
    studio_view = read_image(sorted(paths.SAMPLE_SHOOT.glob("*.png"))[0]).rgb if any(paths.SAMPLE_SHOOT.glob("*.png")) else None
    cubic = dict(upsampling="cubic", tta_flip=False)
    variants = {
        "card threshold, cubic": variant(base, **cubic),
        "threshold 0.5, cubic": variant(base, **cubic, threshold=0.5),
        "card threshold, guided": variant(base, upsampling="guided", tta_flip=False),
        "card threshold, cubic, flip TTA": variant(base, upsampling="cubic", tta_flip=True),
        "card threshold, guided, flip TTA": variant(base, upsampling="guided", tta_flip=True),
    }
    if args.second:
        variants["double pass (cubic)"] = DoublePassPredictor(base, Predictor.load(args.second))
    rows = []
    for name, predictor in variants.items():
        if args.only and name not in args.only:
            continue
        summary = evaluate(paths.SHARED_CCP, predictor, split=args.split, threshold=predictor.card.threshold)
        timing = {}
        if studio_view is not None and not args.no_timing:
            timing, _ = bench_prediction(predictor, studio_view, repeats=3)
        if args.studio_data:
            studio = evaluate(args.studio_data, predictor, threshold=predictor.card.threshold)
            s_dice, s_bf = studio.mean_dice, studio.mean_boundary_f
        else:
            s_dice, s_bf = studio_scores(predictor, predictor.card.threshold)
        row = (f"| {args.model.stem} | {name} | {predictor.card.threshold:.2f} | {summary.mean_dice:.4f} | "
               f"{summary.median_dice:.4f} | {summary.mean_boundary_f:.3f} | "
               f"{summary.best_threshold:.2f} ({summary.best_threshold_dice:.4f}) | {s_dice:.4f} | {s_bf:.3f} | "
               f"{timing.get('seconds_per_view_median', float('nan')):.3f} |")
        print(row, flush=True)
        rows.append(row)
        print(json.dumps({"variant": name, **summary.to_dict()} if hasattr(summary, "to_dict") else {}, default=str)[:300],
              file=sys.stderr)
    if args.out:
        with open(args.out, "a") as fh:
            fh.write("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
