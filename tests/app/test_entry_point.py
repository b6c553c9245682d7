"""`garment-cutout-gui PATH --model M` starts, shows the shoot and exits cleanly."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app import main as app_main
from app.main_window import MainWindow


def test_main_opens_the_path_and_returns_zero(qtbot, shoot, tmp_path):
    seen = {}

    def inspect_and_quit():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if not windows or windows[0].message_box is None:  # wait for the model to fail
            QTimer.singleShot(50, inspect_and_quit)
            return
        window = windows[0]
        seen["garment"] = window.session.garment_id if window.session else None
        seen["message"] = window.message_box.text()
        window.message_box.close()
        window.close()
        QApplication.instance().quit()

    QTimer.singleShot(50, inspect_and_quit)
    code = app_main.main([str(shoot), "--model", str(tmp_path / "missing.keras")])
    assert code == 0
    assert seen["garment"] == "g1"
    assert "missing.keras" in seen["message"] and "file not found" in seen["message"]


def test_parse_args():
    args = app_main.parse_args(["a", "b", "--model", "m.keras"])
    assert [str(p) for p in args.paths] == ["a", "b"] and str(args.model) == "m.keras"
    assert app_main.parse_args([]).paths == []
