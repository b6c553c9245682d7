"""`garment-cutout`: the command line. Each subcommand's module owns its arguments.

Errors the user can fix end in one line on stderr and a non-zero exit, never a
traceback. Heavy modules (TensorFlow, Qt) are imported only by the subcommand run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

from core import __version__

# subcommand -> (module with add_cli_arguments/run_cli, one-line help)
COMMANDS = {
    "predict": ("core.cli.predict", "write <stem>_cutout.png for photos and folders"),
    "evaluate": ("core.cli.evaluate", "Dice, boundary F and a report for a model on a data folder"),
    "train": ("core.cli.train", "train a U-Net from image + mask/cutout pairs"),
    "calibrate": ("core.cli.calibrate", "choose a model's threshold on validation photos at native resolution"),
    "bench": ("core.cli.bench", "time prediction and mask edits at 1152x1728 (JSON)"),
    "robot": ("core.cli.robot", "clicks a correction tool needs to reach Dice 0.97 and 0.99 (RITM's NoC, JSON)"),
    "collect": ("core.cli.collect", "add exported (corrected) views to a training folder for train --init-from"),
}


def _quiet_tensorflow() -> None:
    # TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notes) is noise for users.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class Terminated(KeyboardInterrupt):
    """SIGTERM (a `kill`, a batch scheduler, a closing terminal session), taken the way
    Ctrl+C is: what was written stays, whole; predict's review.csv keeps the rows of the
    cutouts written; train keeps its backup for a resume. Python's default for SIGTERM
    was to end at once, without a word or those rows."""


def _terminate_like_an_interrupt() -> None:
    def on_sigterm(signum, frame):
        raise Terminated

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread (main() called from a test's worker): leave it
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="garment-cutout", description="Garment cutouts from studio photos.")
    parser.add_argument("--version", action="version", version=f"garment-cutout {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser("gui", help="open the desktop app (default: the bundled sample shoot)")
    gui.add_argument("gui_args", nargs=argparse.REMAINDER, help="PATH... [--model M]")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module_name).add_cli_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _quiet_tensorflow()
    # `gui` is dispatched by the `garment-cutout` launcher (app.command_line) before it
    # calls this: core never imports the app, and the app has its own parser.
    if argv and argv[0] == "gui":
        print("error: the gui subcommand belongs to the garment-cutout command (app.command_line), "
              "not to python -m core.cli", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    _terminate_like_an_interrupt()
    try:
        return int(module.run_cli(args) or 0)
    except Terminated:
        print("terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: one clear line, details only on request
        from core.common.errors import GarmentCutoutError

        if isinstance(exc, GarmentCutoutError):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if os.environ.get("GARMENT_CUTOUT_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set GARMENT_CUTOUT_DEBUG=1 for details)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
