"""Save a screenshot of the app on a shoot once the model has predicted.

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python -m app.screenshot docs/screenshot.png [PATH]

PATH defaults to the bundled sample shoot. The shoot is copied to a temporary folder
first (the sidecar must not land in the repository) and settings go to a temporary
folder too, so the picture shows the defaults a new user sees.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("path", type=Path, nargs="?", default=None)
    parser.add_argument("--view", default=None, help="Front, FrontRight or Back")
    parser.add_argument("--size", default="1500x950")
    parser.add_argument("--uncertain", action="store_true", help="turn on the uncertain-pixel highlight")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import pyqtgraph as pg
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from core.common import paths

    tmp = Path(tempfile.mkdtemp(prefix="gc-shot-"))
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
    window = MainWindow()
    w, h = (int(v) for v in args.size.split("x"))
    window.resize(w, h)
    window.show()
    window.open_paths([shoot])
    done: list[int] = []
    window.predictions_finished.connect(lambda: done.append(1))
    window.start()
    deadline = time.time() + 300
    while not done and time.time() < deadline:
        app.processEvents()
        time.sleep(0.02)
    if args.view:
        window.show_view(args.view)
    if args.uncertain:
        window.uncertain_check.setChecked(True)
    for _ in range(25):
        app.processEvents()
        time.sleep(0.02)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(args.out))
    window.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok and done else 1


if __name__ == "__main__":
    sys.exit(main())
