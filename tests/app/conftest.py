"""Fixtures for the GUI tests: offscreen Qt, settings and caches in tmp_path, a fake model."""

from __future__ import annotations

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.network.card import ModelCard  # noqa: E402

pg.setConfigOptions(imageAxisOrder="row-major")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Keep every test away from the user's settings and cache folders."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield


class FakePredictor:
    """Probability = a left-to-right ramp: p[r, c] = round(255 * c / (W - 1)).

    So at threshold t the mask is exactly the columns c with that value >= level(t).
    """

    def __init__(self, threshold: float = 0.5, model_id: str = "fake-1"):
        self.card = ModelCard(name="fake", threshold=threshold, val_dice=0.9, trained_on="nothing")
        self.model_id = model_id
        self.calls = 0

    @property
    def threshold(self) -> float:
        return float(self.card.threshold)

    def predict(self, rgb, progress=None, cancelled=None):
        self.calls += 1
        h, w = rgb.shape[:2]
        ramp = np.round(255 * np.arange(w) / max(1, w - 1)).astype(np.uint8)
        return np.ascontiguousarray(np.broadcast_to(ramp, (h, w)))


class SlowFactory:
    """A model load that waits until released (as importing TensorFlow holds the window's
    worker for seconds), counting its calls."""

    def __init__(self, predictor):
        self.predictor = predictor
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, _path):
        self.calls += 1
        assert self.release.wait(20), "the test never released the model"
        return self.predictor


def opened_while_the_model_loads(qtbot, predictor, folder):
    """A window on `folder` whose model (`predictor`) loads only once factory.release is set."""
    from app.window.main_window import MainWindow

    factory = SlowFactory(predictor)
    expected = (predictor.model_id, predictor.threshold, predictor.card.triage)
    window = MainWindow(predictor_factory=factory, model_peek=lambda _path: expected)
    qtbot.addWidget(window)
    window.show()
    window.open_paths([folder])
    window.start()
    return window, factory


def drag(window, points, button=Qt.MouseButton.LeftButton):
    """A real mouse drag over pixel (x, y) points of the canvas."""
    QApplication.processEvents()  # let pending layout settle before aiming
    viewport = window.canvas.viewport()
    positions = [window.canvas.image_to_widget(x, y) for x, y in points]
    QTest.mouseMove(viewport, positions[0])
    QTest.mousePress(viewport, button, Qt.KeyboardModifier.NoModifier, positions[0])
    for pos in positions[1:]:
        QTest.mouseMove(viewport, pos)
    QTest.mouseRelease(viewport, button, Qt.KeyboardModifier.NoModifier, positions[-1])


def ramp(h: int, w: int) -> np.ndarray:
    return FakePredictor().predict(np.zeros((h, w, 3), np.uint8))


def write_photo(path: Path, h: int = 120, w: int = 80, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def front_only_catalogue(tmp_path: Path, seed: int, ids=("a1", "b2")) -> Path:
    """tmp_path/catalogue: garments `ids`, each a single Front photo, all the same picture."""
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for gid in ids:
        write_photo(folder / f"{gid}_Front.png", seed=seed)
    return folder


def triage_card(predictor) -> None:
    """Give `predictor`'s card a triage that flags the fake ramp's views for review."""
    from core.evaluation.triage import Triage

    # The fake ramp's band is wide: log(band / area) is about log(0.8 / 0.5) = 0.47 > 0.
    predictor.card.triage = Triage(("log_band_per_area",), (0.0,), (1.0,), (4.0,), 0.0, 0.5).to_dict()


def ramp_catalogue(tmp_path: Path, ids=("a1", "b2", "c3")) -> Path:
    """tmp_path/catalogue: garments `ids` of a Front and a Back each, of other widths."""
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for n, gid in enumerate(ids):
        for i, view in enumerate(("Front", "Back")):
            write_photo(folder / f"{gid}_{view}.png", w=60 + 20 * n, seed=i)  # ramps of other widths
    return folder


@pytest.fixture
def shoot(tmp_path) -> Path:
    """A folder with one garment g1 in three small views (120 x 80)."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    for i, view in enumerate(("Front", "FrontRight", "Back")):
        write_photo(folder / f"g1_{view}.png", seed=i)
    return folder


@pytest.fixture
def fake_predictor() -> FakePredictor:
    return FakePredictor()


@pytest.fixture
def make_window(qtbot, fake_predictor):
    """make_window(paths) -> a shown MainWindow on a fake model, predictions finished."""
    from app.window.main_window import MainWindow

    def make(paths, wait: bool = True, predictor=None):
        predictor = predictor or fake_predictor
        window = MainWindow(predictor_factory=lambda _path: predictor)
        qtbot.addWidget(window)
        window.resize(1000, 700)
        window.show()
        qtbot.waitExposed(window)
        window.open_paths([Path(p) for p in paths])
        if wait:
            with qtbot.waitSignal(window.predictions_finished, timeout=10000):
                window.start()
        return window

    return make
