"""`garment-cutout bench`: its arguments, and what it prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.cli.arguments import positive_int
from core.cli.train import parse_input_size
from core.common.errors import GarmentCutoutError
from core.evaluation.bench import run_bench
from core.files.atomic import write_text_atomic


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    from core.network.precision import TRAINING_PRECISIONS
    from core.training.config import STRATEGIES

    parser.add_argument("--training", action="store_true",
                        help="time training instead: images/s of decode + resize, of the input pipeline alone "
                             "and of a training step on this machine")
    training = parser.add_argument_group("with --training")
    training.add_argument("--input-size", type=parse_input_size, default=(384, 256), metavar="HxW",
                          help="model input (default 384x256)")
    training.add_argument("--batch-size", type=positive_int, default=8, metavar="N", help="per replica (default 8)")
    training.add_argument("--steps", type=positive_int, default=5, metavar="N",
                          help="timed training steps after one warm-up (default 5)")
    training.add_argument("--width", type=float, default=0.5, help="U-Net filter multiplier (default 0.5)")
    training.add_argument("--strategy", choices=STRATEGIES, default="auto")
    training.add_argument("--precision", choices=TRAINING_PRECISIONS, default="auto")
    parser.add_argument("--model", type=Path, metavar="M", help="a .keras model with its JSON card (default: bundled)")
    parser.add_argument("--repeats", type=positive_int, default=5, metavar="N",
                        help="timed predictions after one warm-up (default 5)")
    parser.add_argument("--json-out", type=Path, metavar="FILE", help="also write the JSON here")


def _log(message: str) -> None:
    print(f"bench: {message}...", file=sys.stderr, flush=True)


def run_cli(args: argparse.Namespace) -> int:
    """JSON on stdout (and --json-out); 0 ok, 2 when the model failed to load (the mask
    figures are still printed) or the JSON file cannot be written."""
    if args.training:
        return _run_training(args)
    result = run_bench(args.model, repeats=args.repeats, log=_log)
    text = json.dumps(result, indent=2)
    print(text)
    code = 0
    if args.json_out is not None:
        try:
            write_text_atomic(args.json_out, text + "\n")
        except GarmentCutoutError as exc:
            print(f"error: {exc}", file=sys.stderr)
            code = 2
    if result["model_error"]:
        print(f"error: {result['model_error']} (mask timings only)", file=sys.stderr)
        code = 2
    return code


def _run_training(args: argparse.Namespace) -> int:
    from core.training.bench import run_training_bench

    try:
        result = run_training_bench(args.input_size, args.batch_size, args.steps, args.width,
                                    strategy=args.strategy, precision=args.precision, log=_log)
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(result, indent=2)
    print(text)
    print(f"bench: decode + resize {result['decode_resize_images_per_s']} images/s, pipeline "
          f"{result['pipeline_images_per_s']} images/s, training step {result['train_step_images_per_s']} images/s "
          f"({result['strategy']}, {result['replicas']} replica(s), {result['precision']})", file=sys.stderr)
    if args.json_out is not None:
        try:
            write_text_atomic(args.json_out, text + "\n")
        except GarmentCutoutError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0
