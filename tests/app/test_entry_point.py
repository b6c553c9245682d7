"""`garment-cutout-gui PATH --model M` starts, shows the shoot and exits cleanly.

main() runs QApplication.exec(), and quitting it leaves Qt refusing nested event loops
in the same process, so it runs in a child interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app import main as app_main

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app import main as app_main
from app.main_window import MainWindow
seen = {}

def inspect_and_quit():
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    if not windows or windows[0].message_box is None:  # wait until the missing model is reported
        QTimer.singleShot(50, inspect_and_quit)
        return
    window = windows[0]
    seen["garment"] = window.session.garment_id if window.session else None
    seen["message"] = window.message_box.text()
    seen["visible"] = window.isVisible()
    window.message_box.close()
    window.close()

QTimer.singleShot(50, inspect_and_quit)
seen["code"] = app_main.main(sys.argv[1:])
print(json.dumps(seen))
"""


def test_main_opens_the_path_and_returns_zero(shoot, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", CHILD, str(shoot), "--model", str(tmp_path / "missing.keras")],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["code"] == 0 and seen["visible"]
    assert seen["garment"] == "g1"
    assert "missing.keras" in seen["message"] and "file not found" in seen["message"]


def test_parse_args():
    args = app_main.parse_args(["a", "b", "--model", "m.keras"])
    assert [str(p) for p in args.paths] == ["a", "b"] and str(args.model) == "m.keras"
    assert app_main.parse_args([]).paths == []
