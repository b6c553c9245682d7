"""`garment-cutout-gui [PATH...] [--model M]`: start the desktop app.

The window shows before TensorFlow is imported: the model loads on a worker thread
once the event loop runs, and the photos display meanwhile.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="garment-cutout gui", description="Open the Garment Cutout app.")
    parser.add_argument("paths", nargs="*", type=Path,
                        help="shoot or catalogue folder, or image files (default: the bundled sample shoot)")
    parser.add_argument("--model", type=Path, default=None, help=".keras model (default: the bundled model)")
    return parser.parse_args(argv)


def _name_missing_qt_libraries() -> None:
    """On Linux, say which system libraries Qt's xcb plugin lacks, as one apt-get line,
    before Qt aborts with its own message that names no package (`garment-cutout gui`
    only gave that; `make run` gave the line: found by a helper). It only speaks: a
    library found where ldconfig does not look must not keep the window from opening."""
    import subprocess

    check = Path(__file__).resolve().parents[1] / "scripts" / "check_qt_libraries.sh"
    if sys.platform.startswith("linux") and check.is_file():  # a source checkout, not a bundle
        try:
            subprocess.run(["bash", str(check)], check=False, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    import pyqtgraph as pg
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.jobs.workers import wait_for_orphans
    from app.window.main_window import MainWindow
    from core.common import paths as core_paths

    pg.setConfigOptions(imageAxisOrder="row-major")
    if QApplication.instance() is None:
        _name_missing_qt_libraries()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Garment Cutout")
    app.setOrganizationName("GarmentCutout")

    window = MainWindow(model_path=args.model)
    window.show()
    targets = args.paths or [core_paths.SAMPLE_SHOOT]
    missing = [p for p in targets if not p.exists()]
    if missing:
        window.show_error(f"{missing[0]} does not exist")
    else:
        window.open_paths(targets)
    # Start the model only once the window is on screen: importing TensorFlow holds
    # the interpreter for a while and the user should see the photo first.
    QTimer.singleShot(0, window.start)
    code = app.exec()
    wait_for_orphans()
    return code


if __name__ == "__main__":
    sys.exit(main())
