"""`garment-cutout`: the app's `gui` subcommand, every other subcommand from core.cli.

The launcher lives in app/ because core never imports the app; importing this module
loads neither Qt nor TensorFlow, so `garment-cutout predict` starts as fast as before.
"""

from __future__ import annotations

import sys

from core.cli.main import main as core_main


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "gui":
        # Dispatched before argparse: argparse.REMAINDER cannot pass options such as
        # --model through, and the app has its own parser.
        from app.main import main as gui_main

        return gui_main(argv[1:])
    return core_main(argv)


if __name__ == "__main__":
    sys.exit(main())
