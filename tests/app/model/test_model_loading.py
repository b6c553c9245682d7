"""The model loads behind the window: a cached shoot shows its overlay at once, and the
load can be cancelled."""

from __future__ import annotations

import pytest

from app.window.main_window import MainWindow
from tests.app.conftest import FakePredictor, SlowFactory


def _cache_probabilities(qtbot, shoot, model_id):
    """Open the shoot once with a model of `model_id`, so its sidecar caches the maps."""
    predictor = FakePredictor(model_id=model_id)
    window = MainWindow(predictor_factory=lambda _p: predictor)
    qtbot.addWidget(window)
    window.show()
    window.open_paths([shoot])
    with qtbot.waitSignal(window.predictions_finished, timeout=10000):
        window.start()
    assert predictor.calls == 3
    window.close()


def _slow_window(qtbot, factory, peek):
    window = MainWindow(predictor_factory=factory, model_peek=peek)
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_a_cached_shoot_shows_its_overlay_before_the_model_has_loaded(qtbot, shoot):
    _cache_probabilities(qtbot, shoot, "model-A")
    predictor = FakePredictor(threshold=0.4, model_id="model-A")
    factory = SlowFactory(predictor)
    window = _slow_window(qtbot, factory, lambda _p: ("model-A", 0.4))
    window.open_paths([shoot])
    window.start()
    try:
        # The model is still loading, yet every view has its map, at the card's threshold,
        # and the canvas draws the overlay over the photo.
        assert window.model_controller.loading and window.predictor is None
        assert all(s.predicted for s in window.session.states.values())
        assert window.state.threshold == pytest.approx(0.4, abs=1e-3)
        assert window.canvas.mask_item.isVisible() and window.canvas.mask_item.image is not None
        assert window.threshold_panel.isEnabled()
        assert window.status_bar.cancel_button.isVisible()
    finally:
        factory.release.set()
    qtbot.waitUntil(lambda: window.predictor is predictor, timeout=10000)
    assert predictor.calls == 0  # the cache was the loaded model's own: nothing predicted again


def test_a_cache_of_another_model_is_replaced_once_the_model_loads(qtbot, shoot):
    _cache_probabilities(qtbot, shoot, "model-A")
    predictor = FakePredictor(model_id="model-B")  # the file changed between the peek and the load
    factory = SlowFactory(predictor)
    window = _slow_window(qtbot, factory, lambda _p: ("model-A", 0.5))
    window.open_paths([shoot])
    with qtbot.waitSignal(window.predictions_finished, timeout=10000):
        window.start()
        factory.release.set()
    assert predictor.calls == 3


def test_cancel_stops_waiting_for_the_model_and_a_new_load_works(qtbot, shoot):
    factory = SlowFactory(FakePredictor())
    window = _slow_window(qtbot, factory, lambda _p: None)
    window.open_paths([shoot])
    window.start()
    assert window.status_bar.progress_shown() and window.status_bar.cancel_button.isVisible()
    qtbot.mouseClick(window.status_bar.cancel_button, qtbot_button())
    assert not window.status_bar.progress_shown()
    assert "cancelled" in window.model_label.text()
    assert not window.model_controller.loading
    factory.release.set()
    from app.jobs.workers import wait_for_orphans

    wait_for_orphans(10000)
    qtbot.wait(50)
    assert window.predictor is None  # the cancelled load's answer is not taken
    with qtbot.waitSignal(window.predictions_finished, timeout=10000):
        window.model_controller.load_model(None)
    assert window.predictor is factory.predictor and factory.calls == 2


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_a_message_met_again_is_not_repeated(qtbot):
    from app.widgets.catalogue_panel import MessagePanel

    panel = MessagePanel()
    qtbot.addWidget(panel)
    for text in ("g2 Back: cannot read the photo", "other", "g2 Back: cannot read the photo"):
        panel.add_message(text)
    assert panel.messages() == ["other", "g2 Back: cannot read the photo"]


def test_a_model_that_fails_to_load_is_no_longer_expected(qtbot, shoot):
    """Its kept estimates and triage were still used after the failure (found in review)."""
    from core.common.errors import ModelLoadError

    def broken(_path):
        raise ModelLoadError("m.keras", "not a readable Keras model")

    window = _slow_window(qtbot, broken, lambda _p: ("model-A", 0.4, {"features": []}))
    window.open_paths([shoot])
    assert window.model_controller.expected is not None
    window.start()
    qtbot.waitUntil(lambda: not window.model_controller.loading, timeout=10000)
    assert window.predictor is None and window.model_controller.expected is None
