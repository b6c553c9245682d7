"""GUI speed benchmark at studio size (1152 x 1728): `python -m app.bench_gui`.

Times what a retoucher feels, each including a synchronous repaint of the canvas:
a threshold change, a brush dab, an undo, a view switch; and, in a fresh process, the
time until the window is on screen with the photo (TensorFlow not imported), and until
a shoot cached by the bundled model shows its overlay while that model still loads. A
fake model with a smooth blob probability stands in for the interactions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HEIGHT, WIDTH = 1728, 1152
TARGETS_MS = {"threshold_ms": 16.0, "dab_ms": 8.0, "undo_ms": 16.0, "view_switch_ms": 50.0, "window_shown_ms": 2000.0,
              "cached_overlay_ms": 1500.0}


class BlobPredictor:
    """A soft elliptical 'garment' (probabilities 0..255 with long ramps)."""

    def __init__(self):
        from core.network.card import ModelCard

        self.card = ModelCard(name="bench-blob", threshold=0.5)
        self.model_id = "bench-blob"
        self.threshold = 0.5

    def predict(self, rgb, progress=None, cancelled=None):
        h, w = rgb.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        d = np.sqrt(((yy - h / 2) / (0.4 * h)) ** 2 + ((xx - w / 2) / (0.3 * w)) ** 2)
        return np.clip((1.3 - d) * 255 / 0.6, 0, 255).astype(np.uint8)


def write_shoot(folder: Path) -> None:
    import cv2

    rng = np.random.default_rng(0)
    for view in ("Front", "FrontRight", "Back"):
        rgb = rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f"bench_{view}.png"), rgb)


def _median_ms(fn, repeats: int) -> float:
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench_interactions(folder: Path, repeats: int = 30) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from app.window.main_window import MainWindow

    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication([])
    predictor = BlobPredictor()
    window = MainWindow(predictor_factory=lambda _p: predictor)
    window.resize(1400, 900)
    window.show()
    window.open_paths([folder])
    window.start()
    deadline = time.time() + 60
    while not all(s.predicted for s in window.session.states.values()) and time.time() < deadline:
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()
    viewport = window.canvas.viewport()

    def threshold(i):
        window.editor.set_threshold((100 + (i % 50)) / 255)
        viewport.repaint()

    def dab(i):
        x, y = 300 + 7 * i, 500 + 3 * i
        window.editor.continue_stroke(float(x), float(y))
        viewport.repaint()

    def undo(i):
        window.menu_actions.undo.trigger() if i % 2 == 0 else window.menu_actions.redo.trigger()
        viewport.repaint()

    def switch(i):
        window.show_view(("FrontRight", "Back", "Front")[i % 3])
        viewport.repaint()

    results = {"threshold_ms": _median_ms(threshold, repeats)}
    window.editor.set_brush_radius(20)
    window.editor.start_stroke(300.0, 500.0, False)
    results["dab_ms"] = _median_ms(dab, repeats)
    window.editor.finish_stroke()
    for mode in ("checker",):
        window.mode_combo.setCurrentIndex(window.mode_combo.findData(mode))
        results[f"threshold_{mode}_ms"] = _median_ms(threshold, repeats)
        window.mode_combo.setCurrentIndex(0)
    results["undo_ms"] = _median_ms(undo, repeats)
    results["view_switch_ms"] = _median_ms(switch, repeats)
    window.autosave.dirty.clear()
    window.close()
    return results


def bench_window_shown(folder: Path) -> float:
    """A fresh interpreter: imports, window, first photo painted (ms)."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import os, sys; os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n"
        "import pyqtgraph as pg; from PySide6.QtWidgets import QApplication\n"
        "from app.window.main_window import MainWindow\n"
        "pg.setConfigOptions(imageAxisOrder='row-major')\n"
        "app = QApplication([]); w = MainWindow(); w.show()\n"
        f"w.open_paths([{str(folder)!r}]); w.canvas.viewport().repaint(); app.processEvents()\n"
        "assert 'tensorflow' not in sys.modules\n"
        "print((time.perf_counter() - t0) * 1000)\n"
    )
    env = dict(os.environ, XDG_CONFIG_HOME=tempfile.mkdtemp())
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1], env=env)
    return float(out.stdout.strip().splitlines()[-1])


def bench_cached_overlay(folder: Path) -> float:
    """A shoot whose probabilities the bundled model cached: a fresh interpreter, the
    window, and the first view painted with its overlay (ms), while the real model is
    still loading behind it. A first process predicts the shoot once to fill the cache."""
    env = dict(os.environ, XDG_CONFIG_HOME=tempfile.mkdtemp(), XDG_CACHE_HOME=tempfile.mkdtemp())
    setup = (
        "import os; os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n"
        "import pyqtgraph as pg; from PySide6.QtWidgets import QApplication\n"
        "from app.window.main_window import MainWindow\n"
        "pg.setConfigOptions(imageAxisOrder='row-major')\n"
        "app = QApplication([]); w = MainWindow(); w.show()\n"
        f"w.open_paths([{str(folder)!r}]); w.predictions_finished.connect(app.quit); w.start(); app.exec()\n"
        "assert all(s.predicted for s in w.session.states.values())\n"
    )
    subprocess.run([sys.executable, "-c", setup], capture_output=True, text=True, check=True,
                   cwd=Path(__file__).resolve().parents[1], env=env, timeout=600)
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import os, sys; os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n"
        "import pyqtgraph as pg; from PySide6.QtWidgets import QApplication\n"
        "from app.window.main_window import MainWindow\n"
        "pg.setConfigOptions(imageAxisOrder='row-major')\n"
        "app = QApplication([]); w = MainWindow(); w.show()\n"
        f"w.open_paths([{str(folder)!r}]); w.start(); w.canvas.viewport().repaint(); app.processEvents()\n"
        "assert w.state.predicted and w.canvas.mask_item.image is not None, 'no overlay from the cache'\n"
        "print((time.perf_counter() - t0) * 1000)\n"
        "os._exit(0)\n"  # the model is still loading: no need to wait for it
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1], env=env, timeout=600)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_shoot(folder)
        results = bench_interactions(folder, args.repeats)
        results["window_shown_ms"] = bench_window_shown(folder)
        results["cached_overlay_ms"] = bench_cached_overlay(folder)
    for key, value in results.items():
        target = TARGETS_MS.get(key)
        verdict = "" if target is None else ("  ok" if value < target else f"  SLOW (target {target:.0f})")
        print(f"{key:24s} {value:8.1f}{verdict}")
    print(json.dumps({k: round(v, 2) for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
