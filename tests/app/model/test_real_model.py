"""The app with the bundled model on the bundled sample shoot (slow: loads TensorFlow)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from core.common import paths
from core.files.imageio import read_image
from core.masks import compose


def _sample_photos():
    return sorted(p for p in paths.SAMPLE_SHOOT.glob("*.png")) if paths.SAMPLE_SHOOT.is_dir() else []


needs_model = pytest.mark.skipif(not paths.DEFAULT_MODEL.is_file(),
                                 reason=f"bundled model {paths.DEFAULT_MODEL} not present")


@pytest.mark.slow
@needs_model
def test_bundled_model_predicts_in_the_background(qtbot, tmp_path):
    """The real Predictor through the window's default factory, on drawn photos."""
    import cv2

    from app.window.main_window import MainWindow

    shoot = tmp_path / "drawn"
    shoot.mkdir()
    for i, view in enumerate(("Front", "Back")):
        photo = np.full((300, 200, 3), 235, np.uint8)
        cv2.rectangle(photo, (60 + 5 * i, 60), (140, 230), (30, 40, 160), -1)  # a dark shirt on a light wall
        cv2.imwrite(str(shoot / f"drawn_{view}.png"), photo)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_paths([shoot])
    with qtbot.waitSignal(window.predictions_finished, timeout=180_000):
        window.start()
    card = window.predictor.card
    assert window.state.threshold == pytest.approx(card.threshold)
    assert f"{card.threshold:.2f}" in window.model_label.text()
    assert f"Computes in: {window.predictor.precision}" in window.model_label.text()
    for state in window.session.states.values():
        assert state.probability.shape == (300, 200) and state.probability.dtype == np.uint8
    window.threshold_panel.slider.setValue(100)
    np.testing.assert_array_equal(window.state.mask(),
                                  compose.compose_mask(window.state.probability, 100 / 255, window.state.override))


@pytest.mark.slow
@needs_model
@pytest.mark.skipif(not _sample_photos(), reason=f"sample shoot {paths.SAMPLE_SHOOT} not present")
def test_sample_shoot_with_the_bundled_model(qtbot, tmp_path):
    from app.window.main_window import MainWindow

    shoot = tmp_path / "sample"
    shoot.mkdir()
    for photo in _sample_photos():  # a copy: the sidecar must not land in the repository
        shutil.copy2(photo, shoot / photo.name)
    truth_dir = paths.SAMPLE_SHOOT / "truth"

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.open_paths([shoot])
    assert window.canvas.photo_item.image is not None  # the photo shows before the model
    with qtbot.waitSignal(window.predictions_finished, timeout=180_000):
        window.start()
    assert window.predictor.card.threshold == pytest.approx(window.state.threshold)
    for view, state in window.session.states.items():
        assert state.probability.shape == state.shape
        mask = state.mask()
        area = mask.mean()
        assert 0.02 < area < 0.8, f"{view}: implausible garment area {area:.3f}"
        truth_path = truth_dir / f"{window.session.garment_id}_{view}_cutout.png"
        if truth_path.is_file():
            truth = read_image(truth_path).alpha > 127
            dice = 2 * (mask & truth).sum() / max(1, mask.sum() + truth.sum())
            print(f"{view}: Dice {dice:.3f} against the true cutout")
            assert dice > 0.6, f"{view}: Dice {dice:.3f} against the true cutout"
    # Moving the threshold gives core's mask at full resolution.
    window.threshold_panel.slider.setValue(200)
    np.testing.assert_array_equal(window.state.mask(),
                                  compose.compose_mask(window.state.probability, 200 / 255, window.state.override))
