"""`garment-cutout evaluate`: its arguments, a progress bar, the summary and the report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.arguments import positive_int, probability
from core.cli.out_folders import make_output_folder, take_back
from core.common.errors import GarmentCutoutError
from core.evaluation.evaluate import ReportError, evaluate, find_pairs


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=Path, metavar="DIR",
                        help="folder with images/ + masks/ (or images/ + cutouts/, or *_cutout.png files)")
    parser.add_argument("--model", type=Path, metavar="M", help="a .keras model with its JSON card (default: bundled)")
    parser.add_argument("--report", type=Path, metavar="DIR",
                        help="write CSVs, summary.json, a Dice histogram and the worst cases here")
    parser.add_argument("--threshold", type=probability, metavar="T", help="binarising threshold (default: the card's)")
    parser.add_argument("--limit", type=positive_int, metavar="N", help="evaluate only the first N pairs by name")
    parser.add_argument("--split", type=Path, metavar="FILE",
                        help="evaluate only the held-out \"test\" names of this split file (e.g. resources/splits/ccp_split.json)")


def run_cli(args: argparse.Namespace) -> int:
    """Progress on stderr, the one-line JSON summary on stdout; 0 ok, 1 when pairs were
    skipped (the figures are over fewer than asked for), 2 bad input, 130 cancelled."""
    from core.common.progress import TextProgress

    created: list = []
    if args.report is not None:  # found before the evaluation, not after it
        created, problem = make_output_folder(args.report, "report folder")
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
    try:
        find_pairs(args.data, args.limit, args.split)  # a bad folder should fail before a slow model load
        from core.prediction.predictor import Predictor

        predictor = Predictor.load(args.model)
        summary = evaluate(args.data, predictor, report_dir=args.report, threshold=args.threshold,
                           progress=TextProgress("evaluating"), limit=args.limit,
                           split=args.split)
    except KeyboardInterrupt:
        print("\nevaluation interrupted", file=sys.stderr)
        take_back(created)
        return 130
    except ReportError as exc:  # the figures were computed: they are printed all the same
        _print(exc.summary)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        take_back(created)  # a run that wrote no report leaves no report folder
        return 2
    _print(summary)
    return 1 if summary.failed else 0


def _print(summary) -> None:
    for failure in summary.failed:
        print(f"error: skipped {failure.name}: {failure.reason}", file=sys.stderr)
    print(summary.to_json_line())
