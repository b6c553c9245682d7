"""`garment-cutout bench`: its arguments, and what it prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.cli.arguments import positive_int
from core.common.errors import GarmentCutoutError
from core.evaluation.bench import run_bench
from core.files.atomic import write_text_atomic


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, metavar="M", help="a .keras model with its JSON card (default: bundled)")
    parser.add_argument("--repeats", type=positive_int, default=5, metavar="N",
                        help="timed predictions after one warm-up (default 5)")
    parser.add_argument("--json-out", type=Path, metavar="FILE", help="also write the JSON here")


def run_cli(args: argparse.Namespace) -> int:
    """JSON on stdout (and --json-out); 0 ok, 2 when the model failed to load (the mask
    figures are still printed) or the JSON file cannot be written."""
    result = run_bench(args.model, repeats=args.repeats,
                       log=lambda message: print(f"bench: {message}...", file=sys.stderr, flush=True))
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
