"""`garment-cutout predict`: its arguments, and what it prints."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.arguments import bounded_number, folder_path, positive_int, probability
from core.cli.out_folders import make_output_folder, take_back
from core.common.errors import GarmentCutoutError
from core.masks.cleanups import MAX_FEATHER_PX
from core.prediction.batch_cutout import cutout_files, gather_inputs


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="photos or folders of photos")
    parser.add_argument("--out", required=True, type=folder_path, help="folder for the cutouts (created if missing)")
    parser.add_argument("--model", type=Path, default=None, help="a .keras model (default: the bundled model)")
    parser.add_argument("--threshold", type=probability, default=None,
                        help="garment if probability >= T (default: the model card's threshold)")
    parser.add_argument("--masks", action="store_true", help="also write <stem>_mask.png")
    parser.add_argument("--feather", type=bounded_number(MAX_FEATHER_PX), default=0, metavar="PX",
                        help=f"feather the alpha edge by PX pixels (0 to {MAX_FEATHER_PX})")
    parser.add_argument("--refine-edge", type=bounded_number(50), default=0, metavar="PX",
                        help="matted soft alpha in a band of PX pixels either side of the edge, with the garment's "
                             "own colour at soft pixels (0 to 50; 0, the default: off)")
    parser.add_argument("--no-decontaminate", action="store_true",
                        help="with --refine-edge: keep the photo's colours at soft pixels")
    parser.add_argument("--batch-size", type=positive_int, default=4, metavar="N",
                        help="photos predicted together (default 4; fewer when they are large)")
    parser.add_argument("--double-pass", type=Path, default=None, metavar="SECOND_MODEL",
                        help="a second model trained on focus images (the seed's double pass)")


def card_triage(card):
    """(the card's fitted Triage or None, a note for the user or None)."""
    from core.evaluation.triage import Triage

    data = getattr(card, "triage", None)
    if not data:
        return None, ("the model card has no triage (garment-cutout calibrate --triage fits one): "
                      "review.csv lists the views without estimates")
    try:
        return Triage.from_dict(data), None
    except ValueError as exc:
        return None, f"the model card's triage cannot be used ({exc}): review.csv lists the views without estimates"


def run_cli(args: argparse.Namespace) -> int:
    from core.common.progress import TextProgress
    from core.prediction.double_pass import DoublePassPredictor
    from core.prediction.predictor import Predictor

    if args.no_decontaminate and not args.refine_edge:
        print("note: --no-decontaminate changes nothing without --refine-edge (only a matted edge is "
              "decontaminated)", file=sys.stderr)
    files, errors = gather_inputs(args.paths)
    created, problem = make_output_folder(args.out)  # found before any photo is predicted
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if not files:
        for line in errors:
            print(f"error: {line}", file=sys.stderr)
        take_back(created)
        return 2
    try:
        predictor = Predictor.load(args.model)
        if args.double_pass is not None:
            second = Predictor.load(args.double_pass)
            if not second.card.training.get("focus_margin"):
                # Trained on whole photos, it sees the focus image's black surround as a
                # backdrop it never met; the run goes on, as asked, with the seed's margin.
                print(f"warning: {args.double_pass.name} was not trained on focus images (its card has no "
                      f"focus_margin): the second pass may do worse than the first; train it with "
                      f"--focus-margin", file=sys.stderr)
            predictor = DoublePassPredictor(predictor, second)
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        take_back(created)
        return 2
    triage, note = card_triage(predictor.card)
    if note:
        print(f"note: {note}", file=sys.stderr)
    progress = TextProgress("predict")
    try:
        result = cutout_files(files, predictor, args.out, threshold=args.threshold, write_masks=args.masks,
                              feather_px=args.feather, batch_size=args.batch_size,
                              refine_edge_px=int(round(args.refine_edge)), decontaminate=not args.no_decontaminate,
                              progress=progress, triage=triage)
    finally:
        progress.end()
    for line in errors + result.failures:
        print(f"error: {line}", file=sys.stderr)
    flagged = sum(1 for row in result.review if row.needs_review)
    if triage is not None and result.review:
        print(f"{flagged} of {len(result.review)} views need review (review.csv)", file=sys.stderr)
    print(f"wrote {len(result.written)} files to {args.out}", file=sys.stderr)
    return 0 if not (errors or result.failures) else 1
