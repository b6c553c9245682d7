"""`garment-cutout collect`: corrected views into a training folder (core.files.training_set).

    garment-cutout collect SHOOT_OR_CATALOGUE... --export DIR --to TRAIN_DIR

Prints a JSON summary on stdout; then `garment-cutout train --data TRAIN_DIR --init-from
MODEL` fine-tunes on it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="shoot or catalogue folders")
    parser.add_argument("--export", required=True, type=Path, metavar="DIR",
                        help="the folder the cutouts were exported into")
    parser.add_argument("--to", required=True, type=Path, metavar="DIR", dest="target",
                        help="training folder to add to (images/ + cutouts/ + provenance.jsonl)")


def run_cli(args: argparse.Namespace) -> int:
    from core.common.errors import GarmentCutoutError
    from core.files.shoots import discover
    from core.files.training_set import add_corrected_views

    try:
        catalogue = discover(args.paths)
        report = add_corrected_views(catalogue.garments, args.export, args.target)
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in report.skipped:
        print(f"skipped {line}", file=sys.stderr)
    print(json.dumps({"target": str(args.target), **report.to_dict()}))
    return 0 if report.added or not report.skipped else 1
