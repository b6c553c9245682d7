"""`garment-cutout calibrate`: its arguments, and what it prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.common.errors import GarmentCutoutError
from core.common.progress import TextProgress
from core.evaluation.calibration import calibrate
from core.network.card import UPSAMPLING_MODES, card_path
from core.network.precision import PRECISIONS


def on_off(text: str) -> bool:
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
    parser.add_argument("--tta-flip", type=on_off, metavar="{on,off}", help="set the card's flip averaging first")
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
