"""Entry point of both bundled executables (packaging/garment_cutout.spec).

One script, two executables in one folder: `garment-cutout` (console) runs the command
line, `garment-cutout-gui` (windowed: no console window on Windows) opens the app. The
executable's own name decides which, so both share one analysis and one library folder.

Hidden, for scripted smoke runs (scripts/smoke_test_bundle.sh):
    garment-cutout gui --smoke-export OUTDIR [PATH]
    garment-cutout-gui --smoke-export OUTDIR [PATH]
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path


def main() -> int:
    multiprocessing.freeze_support()
    argv = sys.argv[1:]
    if Path(sys.executable).stem.lower().endswith("-gui"):
        argv = ["gui", *argv]
    if argv[:1] == ["gui"] and "--smoke-export" in argv[1:]:
        from app.smoke_export import main as smoke_main

        return smoke_main([a for a in argv[1:] if a != "--smoke-export"])
    from app.command_line import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
