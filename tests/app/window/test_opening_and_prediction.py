"""Opening catalogues, photos and folders, and the prediction around them: states read
from disk, a model that fails to load, cancelling, switching garments mid-prediction."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.app.conftest import drag, ramp, write_photo


def test_catalogue_lists_each_garments_state_from_disk(make_window, tmp_path, qtbot):
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for gid in ("a1", "b2", "c3"):
        for view in ("Front", "Back"):
            write_photo(folder / f"{gid}_{view}.png")
    window = make_window([folder])
    assert window.catalogue_panel.state("a1") == "predicted"
    assert window.catalogue_panel.state("b2") == "not started"
    window.catalogue_panel.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: window.state.predicted, timeout=5000)
    window.editor.set_brush_radius(1)
    drag(window, [(3, 3), (3, 4)])
    assert window.catalogue_panel.state("b2") == "corrected"
    with qtbot.waitSignal(window.autosaved, timeout=5000):
        pass
    window.hide()

    again = make_window([folder])
    assert [again.catalogue_panel.state(g) for g in ("a1", "b2", "c3")] == ["predicted", "corrected", "not started"]
    assert again.catalogue_panel.summary.text() == "3 garments, 0 exported"


def test_model_that_fails_to_load_shows_a_message_and_photos_stay(qtbot, shoot):
    from app.window.main_window import MainWindow
    from core.common.errors import ModelLoadError

    def broken(_path):
        raise ModelLoadError("x.keras", "not a readable Keras model")

    window = MainWindow(predictor_factory=broken)
    qtbot.addWidget(window)
    window.show()
    window.open_paths([shoot])
    window.start()
    qtbot.waitUntil(lambda: window.message_box is not None, timeout=5000)
    assert "cannot load model" in window.message_box.text()
    assert window.canvas.photo_item.image is not None
    assert "No model" in window.model_label.text()
    window.message_box.close()


def test_cancel_stops_prediction(qtbot, shoot):
    import threading

    from app.window.main_window import MainWindow
    from tests.app.conftest import FakePredictor

    gate = threading.Event()

    class SlowPredictor(FakePredictor):
        def predict(self, rgb, progress=None, cancelled=None):
            gate.wait(5)
            return super().predict(rgb)

    window = MainWindow(predictor_factory=lambda _p: SlowPredictor())
    qtbot.addWidget(window)
    window.show()
    window.open_paths([shoot])
    window.start()
    # Cancel also shows while the model loads (it cancels the load): wait for prediction.
    qtbot.waitUntil(lambda: window.model_controller.prediction_job.running
                    and window.status_bar.cancel_button.isVisible(), timeout=5000)
    worker = window.model_controller.prediction_job._worker
    window.status_bar.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: not window.model_controller.prediction_job.running, timeout=5000)
    assert worker.wait(5000)
    assert "cancelled" in window.statusBar().currentMessage()
    assert not window.status_bar.progress_bar.isVisible()
    assert sum(s.predicted for s in window.session.states.values()) <= 1


def test_a_prediction_stopped_before_its_last_view_leaves_the_garment_partly_predicted(make_window, shoot, qtbot):
    """It was listed "predicted", as ready to look through as a whole one."""
    import threading

    from tests.app.conftest import FakePredictor

    gate = threading.Event()

    class SecondViewWaits(FakePredictor):
        calls = 0

        def predict(self, rgb, progress=None, cancelled=None):
            SecondViewWaits.calls += 1
            if SecondViewWaits.calls > 1:
                gate.wait(5)
            return super().predict(rgb)

    window = make_window([shoot], wait=False, predictor=SecondViewWaits())
    window.start()
    qtbot.waitUntil(lambda: window.session is not None
                    and sum(s.predicted for s in window.session.states.values()) == 1, timeout=5000)
    qtbot.waitUntil(lambda: window.status_bar.cancel_button.isVisible(), timeout=5000)
    window.status_bar.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: not window.model_controller.prediction_job.running, timeout=5000)
    assert 0 < sum(s.predicted for s in window.session.states.values()) < 3  # the view in flight may finish
    assert window.catalogue_panel.state("g1") == "partly predicted"
    window.hide()

    from app.document.garment_session import state_on_disk
    from core.files.shoots import discover

    garment = discover([shoot]).garments[0]
    assert state_on_disk(garment, None) == "partly predicted", "read back from the files"
    window.close()

    again = make_window([shoot])  # opened, its other views are predicted
    assert again.catalogue_panel.state("g1") == "predicted"


def test_switching_garments_mid_prediction_drops_the_old_prediction(make_window, qtbot, tmp_path):
    import threading

    from tests.app.conftest import FakePredictor

    folder = tmp_path / "catalogue"
    folder.mkdir()
    for i, view in enumerate(("Front", "Back")):
        write_photo(folder / f"a1_{view}.png", h=100, seed=i)  # a1's photos are 100 px high
        write_photo(folder / f"b2_{view}.png", h=120, seed=i + 5)
    gate = threading.Event()

    class SlowOnA1(FakePredictor):
        def predict(self, rgb, progress=None, cancelled=None):
            if rgb.shape[0] == 100:  # a1: held back, then all zero
                gate.wait(5)
                return np.zeros(rgb.shape[:2], np.uint8)
            return super().predict(rgb)

    window = make_window([folder], wait=False, predictor=SlowOnA1())
    window.start()
    qtbot.waitUntil(lambda: window.model_controller.prediction_job.running, timeout=5000)
    old_worker = window.model_controller.prediction_job._worker
    with qtbot.waitSignal(window.predictions_finished, timeout=10000):
        window.catalogue_panel.list.setCurrentRow(1)  # b2, while a1 is still predicting
    assert window.session.garment_id == "b2"
    gate.set()
    assert old_worker.wait(5000)
    qtbot.wait(50)  # let any signal the old worker queued arrive
    # b2 has its own (ramp) predictions; a1's late zero maps went nowhere.
    assert all(np.array_equal(state.probability, ramp(120, 80)) for state in window.session.states.values())
    assert not window.model_controller.prediction_job.running and not window.status_bar.progress_bar.isVisible()
    assert window.message_box is None


def test_dropping_a_folder_opens_it(make_window, shoot, tmp_path):
    from PySide6.QtCore import QMimeData, QPoint, QUrl
    from PySide6.QtGui import QDropEvent

    other = tmp_path / "other"
    other.mkdir()
    write_photo(other / "z9_Front.png")
    window = make_window([shoot])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.session.garment_id == "z9"
    assert str(other.resolve()) in window.settings.recent_paths()[0]


def test_single_image_opens_as_a_one_view_garment_and_exports(make_window, tmp_path, qtbot):
    photo = write_photo(tmp_path / "portrait.png", h=60, w=40)
    window = make_window([photo])
    assert window.session.garment_id == "portrait"
    assert list(window.session.states) == ["Image"]
    assert not window.view_strip.isVisible()
    out = tmp_path / "out"
    with qtbot.waitSignal(window.export_finished, timeout=10000) as blocker:
        window.export(out)
    assert [Path(p).name for p in blocker.args[0]] == ["portrait_cutout.png"]
    assert cv2.imread(str(out / "portrait_cutout.png"), cv2.IMREAD_UNCHANGED).shape == (60, 40, 4)


def test_recent_menu_and_display_settings_are_remembered(make_window, shoot, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    write_photo(other / "z9_Front.png")
    window = make_window([shoot])
    window.open_paths([other])
    window.mode_combo.setCurrentIndex(3)  # on black
    window.tools.opacity_slider.setValue(70)
    window.close()

    again = make_window([other])
    recent = [a.data() for a in again.recent_menu.actions()]
    assert recent[:2] == [str(other.resolve()), str(shoot.resolve())]
    assert again.display.view_mode == "black" and again.display.opacity == pytest.approx(0.7)
    [a for a in again.recent_menu.actions() if a.data() == str(shoot.resolve())][0].trigger()
    assert again.session.garment_id == "g1"
