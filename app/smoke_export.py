"""A scripted run of the app, for the desktop bundle's smoke test: open a shoot, let the
model predict, export the garment's cutouts, quit.

    garment-cutout gui --smoke-export OUTDIR [PATH] [--model M]    (the bundle: packaging/launcher.py)
    python -m app.smoke_export --smoke-export OUTDIR [PATH]        (the source tree)

PATH defaults to the bundled sample shoot. The shoot is copied to a temporary folder
first (its sidecar must not land beside the bundle) and settings go there too. Writes
the cutouts and OUTDIR/smoke.json: wall-clock timestamps (time.time()) of the window
shown, the first overlay (the view on screen predicted), all views predicted and the
export written, plus the written files, the window's font family and any error. Exit 0 when the export wrote files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="garment-cutout gui --smoke-export")
    parser.add_argument("--smoke-export", dest="out", type=Path, required=True)
    parser.add_argument("path", type=Path, nargs="?", default=None)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    report: dict = {"started": time.time(), "pid": os.getpid()}

    import pyqtgraph as pg
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from core.common import paths

    tmp = Path(tempfile.mkdtemp(prefix="gc-smoke-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    source = args.path or paths.SAMPLE_SHOOT
    shoot = tmp / "shoot"
    shoot.mkdir()
    for photo in (sorted(source.iterdir()) if source.is_dir() else [source]):
        if photo.is_file():
            shutil.copy2(photo, shoot / photo.name)

    from app.window.main_window import MainWindow

    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(model_path=args.model)
    window.resize(1400, 900)
    window.show()
    window.open_paths([shoot])
    window.canvas.viewport().repaint()
    report["window_shown"] = time.time()
    from PySide6.QtGui import QFontInfo

    report["font"] = QFontInfo(window.font()).family()  # empty: no font, text drawn as boxes
    events: dict = {}

    def first_overlay(view: str) -> None:
        if view == window.current_view and "first_overlay" not in events:
            window.canvas.viewport().repaint()  # the overlay is on screen, not just computed
            events["first_overlay"] = time.time()
            events["first_view"] = view

    window.view_predicted.connect(first_overlay)
    window.predictions_finished.connect(lambda: events.setdefault("predicted", time.time()))
    window.export_finished.connect(lambda written: events.setdefault("written", [str(p) for p in written]))
    window.start()

    def wait_for(key: str) -> bool:
        deadline = time.time() + args.timeout
        while key not in events and time.time() < deadline:
            if window.message_box is not None:
                events["error"] = window.message_box.text()
                return False
            app.processEvents()
            time.sleep(0.01)
        return key in events

    if wait_for("predicted"):
        if window.export(args.out.resolve()):
            if wait_for("written"):
                events["exported"] = time.time()
        else:
            events.setdefault("error", "the export was refused")
    report.update(events)
    report.setdefault("error", None if events.get("written") else "timed out")
    window.close()
    app.processEvents()
    shutil.rmtree(tmp, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "smoke.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report))
    return 0 if report.get("written") else 1


if __name__ == "__main__":
    sys.exit(main())
