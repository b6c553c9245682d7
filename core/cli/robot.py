"""`garment-cutout robot`: clicks a correction tool needs to reach Dice 0.97 and 0.99 (JSON).

The RITM NoC protocol of core.evaluation.click_robot, on a data folder's photos with the
model's own masks as the starting point.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.cli.arguments import positive_int
from core.common.errors import GarmentCutoutError


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    from core.evaluation.click_robot import PLACEMENTS, TOOLS

    parser.add_argument("--data", required=True, type=Path, metavar="DIR",
                        help="folder with images/ + masks/ (or images/ + cutouts/, or *_cutout.png files)")
    parser.add_argument("--tool", choices=TOOLS, default="smart", help="smart click (default) or the plain brush")
    parser.add_argument("--model", type=Path, metavar="M", help="a .keras model with its JSON card (default: bundled)")
    parser.add_argument("--limit", type=positive_int, metavar="N", help="only the first N pairs by name")
    parser.add_argument("--split", type=Path, metavar="FILE",
                        help='only the held-out "test" names of this split file (e.g. resources/splits/ccp_split.json)')
    parser.add_argument("--per-view", action="store_true", help="also list every view's clicks")
    parser.add_argument("--click-at", choices=PLACEMENTS, default="interior",
                        help="where a click lands in the error region: its interior point (RITM's NoC, the "
                             "default) or 3 px inside its border, as retouchers often click")


def run_cli(args: argparse.Namespace) -> int:
    from core.common.progress import TextProgress
    from core.evaluation.click_robot import run_robot
    from core.evaluation.evaluate import find_pairs
    from core.files.pairs import load_pair

    try:
        pairs = find_pairs(args.data, args.limit, args.split)
        from core.prediction.predictor import Predictor

        predictor = Predictor.load(args.model)
        skipped = []

        def items():
            for pair in pairs:
                try:
                    rgb, truth = load_pair(pair)
                except GarmentCutoutError as exc:
                    skipped.append(pair.name)
                    print(f"error: skipped {pair.name}: {exc}", file=sys.stderr)
                    continue
                yield pair.name, rgb, predictor.predict(rgb), truth > 0

        summary = run_robot(items(), args.tool, predictor.threshold, progress=TextProgress("clicking"),
                            placement=args.click_at)
    except KeyboardInterrupt:
        print("\nrobot interrupted", file=sys.stderr)
        return 130
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.per_view:
        summary.pop("per_view")
    summary["skipped"] = len(skipped)
    print(json.dumps(summary))
    return 1 if skipped else 0  # as predict: figures over fewer pairs than asked for are not a success
