"""`garment-cutout calibrate`: its arguments, and what it prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.cli.arguments import positive_int
from core.common.errors import GarmentCutoutError
from core.common.progress import TextProgress
from core.evaluation.calibration import DEFAULT_TRIAGE_FEATURES, DEFAULT_TRIAGE_L2, calibrate, calibrate_triage
from core.evaluation.triage import FEATURE_NAMES
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
    parser.add_argument("--triage", action="store_true",
                        help="fit the auto-triage estimate (P(Dice < 0.97) per view) on the validation photos "
                             "instead of the threshold, and store it in the card")
    parser.add_argument("--triage-features", metavar="A,B", type=_names,
                        help="comma-separated triage features (default: %s)" % ",".join(DEFAULT_TRIAGE_FEATURES))
    parser.add_argument("--triage-l2", type=float, metavar="L2",
                        help=f"L2 penalty of the triage's logistic regression (default {DEFAULT_TRIAGE_L2:g})")
    parser.add_argument("--limit", type=positive_int, metavar="N",
                        help="with --triage: fit on only the first N validation photos")


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in FEATURE_NAMES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"unknown feature(s) {', '.join(unknown) or text!r}; "
                                         f"known: {', '.join(FEATURE_NAMES)}")
    return names


def run_cli(args: argparse.Namespace) -> int:
    """Progress on stderr, a JSON line on stdout; 0 ok, 2 bad input, 130 interrupted."""
    if getattr(args, "triage", False):
        return _run_triage(args)
    only_triage = [option for option, name in (("--limit", "limit"), ("--triage-features", "triage_features"),
                                               ("--triage-l2", "triage_l2")) if getattr(args, name, None) is not None]
    if only_triage:  # the threshold is chosen on every validation photo, or not at all
        print(f"error: {', '.join(only_triage)} only go with --triage", file=sys.stderr)
        return 2
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


def _run_triage(args: argparse.Namespace) -> int:
    if args.upsampling is not None or args.tta_flip is not None or args.precision is not None:
        print("error: --triage fits the card as it is; set --upsampling/--tta-flip/--precision "
              "in a calibrate run without --triage first", file=sys.stderr)
        return 2
    l2 = getattr(args, "triage_l2", None)
    l2 = DEFAULT_TRIAGE_L2 if l2 is None else l2
    if not (l2 >= 0):
        print(f"error: --triage-l2 must be 0 or more, got {l2}", file=sys.stderr)
        return 2
    try:
        triage = calibrate_triage(args.model, args.data, args.split, args.triage_features or DEFAULT_TRIAGE_FEATURES,
                                  l2, args.limit, write=not args.dry_run,
                                  progress=TextProgress("fitting triage"))
    except KeyboardInterrupt:
        print("\ntriage fit interrupted; the card is unchanged", file=sys.stderr)
        return 130
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    line = {"triage": triage.to_dict(),
            "card": "unchanged (dry run)" if args.dry_run else str(card_path(args.model))}
    print(json.dumps(line))
    return 0
