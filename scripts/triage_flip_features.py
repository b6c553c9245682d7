"""Does the flip pair's disagreement tell a view that needs review better than the map?

Issue 13 lists "the disagreement of the flip-averaged pair" among the triage's possible
inputs. The bundled card averages the U-Net's answers on a photo and its mirror image, so
the two answers are there at prediction time for free. This script measures three numbers
of the pair (at model size, per pixel of the mask at the card's threshold):

- log_flip_switch_per_area: pixels where the two answers fall on opposite sides of the threshold;
- log_flip_absdiff_per_area: the sum of |p - p_mirrored|;
- log_flip_far_per_area: switched pixels more than 3 px from the averaged mask's outline;

beside the map's own features (core.evaluation.triage), fits the triage on the CCP
validation photos as `calibrate --triage` does, and scores each feature set on the CCP
test photos and on failure-kind renders (scripts/failure_kinds.py render).

    python scripts/triage_flip_features.py --data ../shared/data/ccp-garments \
        --split resources/splits/ccp_split.json --renders /tmp/fkval --test-renders /tmp/fk

It prints each feature's own AUROC for "Dice < 0.97" (direction-free) per set, then per
feature set: leave-one-out AUROC on the validation photos, and on each test set the AUROC,
the share of passed views below 0.97 and the share of fine views passed at the fitted
operating point. Measured, not kept (docs/MODEL.md): the flip numbers did not beat the
map's far band on CCP.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FLIP_FEATURES = ("log_flip_switch_per_area", "log_flip_absdiff_per_area", "log_flip_far_per_area")
FEATURE_SETS = (
    ("log_far_band_per_area", "soft_spread"),  # the bundled card's
    ("log_far_band_per_area", "soft_spread", "log_flip_switch_per_area"),
    ("log_far_band_per_area", "soft_spread", "log_flip_absdiff_per_area"),
    ("log_far_band_per_area", "soft_spread", "log_flip_far_per_area"),
    ("log_far_band_per_area", "log_flip_switch_per_area"),
    ("log_flip_switch_per_area",),
    ("log_flip_absdiff_per_area",),
    ("log_flip_far_per_area",),
)


def flip_features(p: np.ndarray, p_mirrored: np.ndarray, threshold: float) -> dict[str, float]:
    """The pair's numbers from the (h, w) answer on the photo and the un-mirrored answer on
    its mirror image."""
    mask = 0.5 * (p + p_mirrored) >= threshold
    area = float(np.count_nonzero(mask))
    switched = (p >= threshold) != (p_mirrored >= threshold)
    mask8 = mask.astype(np.uint8)
    outline = mask8 - cv2.erode(mask8, np.ones((3, 3), np.uint8))
    far = cv2.distanceTransform(1 - outline, cv2.DIST_L2, 3) > 3
    return {
        "log_flip_switch_per_area": math.log((np.count_nonzero(switched) + 1) / (area + 1)),
        "log_flip_absdiff_per_area": math.log((float(np.abs(p - p_mirrored).sum()) + 1) / (area + 1)),
        "log_flip_far_per_area": math.log((np.count_nonzero(switched & far) + 1) / (area + 1)),
    }


def measure(predictor, pairs, set_name: str) -> list[dict]:
    """Per pair: its true Dice at the card's threshold (the app's pipeline: flip average,
    the card's upsampling) and every feature."""
    from core.evaluation.metrics import binarise, dice
    from core.evaluation.triage import view_features
    from core.files.pairs import load_pair
    from core.network.preprocessing import resize_to_model, to_model_input

    threshold = predictor.threshold
    rows = []
    for pair in pairs:
        rgb, truth = load_pair(pair)
        x = to_model_input(resize_to_model(rgb, predictor.card.input_size)[None], predictor.card)
        with predictor._lock:  # the predictor's own compiled call, on the photo and its mirror image
            out = predictor._run(np.concatenate([x, x[:, :, ::-1]])).numpy()[..., 0]
        p, p_mirrored = out[0], out[1][:, ::-1]
        full = predictor._to_photo((0.5 * (p + p_mirrored)).astype(np.float32), rgb)
        rows.append({"set": set_name, "name": pair.name, "dice": float(dice(binarise(full, threshold), truth)),
                     **view_features(full, threshold), **flip_features(p, p_mirrored, threshold)})
    print(f"{set_name}: {len(rows)} views", file=sys.stderr, flush=True)
    return rows


def render_folders(root: Path | None) -> list[Path]:
    return sorted(d for d in root.iterdir() if d.is_dir()) if root is not None else []


def report(rows: list[dict], l2: float) -> None:
    from core.evaluation.triage_fit import auroc, fit_triage, operating_figures

    groups = {"ccp_val": [r for r in rows if r["set"] == "ccp_val"],
              "ccp_test": [r for r in rows if r["set"] == "ccp_test"],
              "renders_val": [r for r in rows if r["set"].startswith("renders_val/")],
              "renders_test": [r for r in rows if r["set"].startswith("renders_test/")]}
    groups = {k: v for k, v in groups.items() if v}

    def labels(rs):
        return (np.array([r["dice"] for r in rs]) < 0.97).astype(int)

    def matrix(rs, names):
        return np.array([[r[n] for n in names] for r in rs], np.float64)

    names = [k for k in rows[0] if k not in ("set", "name", "dice")]
    print("feature AUROC (direction-free): " + " ".join(groups))
    for name in names:
        values = []
        for rs in groups.values():
            a = auroc([r[name] for r in rs], labels(rs))
            values.append("-" if a is None else f"{max(a, 1 - a):.3f}")
        print(f"  {name:28s} " + " ".join(values))
    tests = [k for k in groups if k != "ccp_val"]
    print("fitted on ccp_val: leave-one-out AUROC | per test set: AUROC, passed below 0.97, fine passed")
    for feature_set in FEATURE_SETS:
        val = groups["ccp_val"]
        triage = fit_triage(matrix(val, feature_set), [r["dice"] for r in val], feature_set, l2)
        cells = [f"{triage.fit['leave_one_out_auroc']:.3f}"]
        for key in tests:
            estimate, y = triage.estimate_matrix(matrix(groups[key], feature_set)), labels(groups[key])
            figures = operating_figures(estimate, y, triage.operating_point)
            cells.append(f"{key} {auroc(estimate, y):.3f} {figures['missed_share']:.3f} "
                         f"{figures['fine_passed_share']:.3f}")
        print(f"  {' + '.join(feature_set)}: " + " | ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="default: the bundled model")
    parser.add_argument("--data", required=True, type=Path, help="the CCP data folder")
    parser.add_argument("--split", required=True, type=Path, help="its split file (val to fit, test to score)")
    parser.add_argument("--renders", type=Path, default=None, help="validation renders, one folder per kind")
    parser.add_argument("--test-renders", type=Path, default=None, help="test renders, one folder per kind")
    parser.add_argument("--json-out", type=Path, default=None, help="also write every view's row here")
    args = parser.parse_args()

    from core.common import paths
    from core.evaluation.calibration import DEFAULT_TRIAGE_L2
    from core.evaluation.evaluate import find_pairs
    from core.files.pairs import discover_pairs
    from core.prediction.predictor import Predictor

    predictor = Predictor.load(args.model or paths.DEFAULT_MODEL)
    rows = []
    for part in ("val", "test"):
        rows += measure(predictor, find_pairs(args.data, split=args.split, part=part), f"ccp_{part}")
    for prefix, root in (("renders_val", args.renders), ("renders_test", args.test_renders)):
        for folder in render_folders(root):
            rows += measure(predictor, discover_pairs(folder), f"{prefix}/{folder.name}")
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(rows))
    report(rows, DEFAULT_TRIAGE_L2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
