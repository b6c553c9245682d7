"""The app with the bundled model on the bundled sample shoot (slow: loads TensorFlow)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from core import masks, paths


def _sample_photos():
    return sorted(p for p in paths.SAMPLE_SHOOT.glob("*.png")) if paths.SAMPLE_SHOOT.is_dir() else []


@pytest.mark.slow
@pytest.mark.skipif(not paths.DEFAULT_MODEL.is_file(), reason=f"bundled model {paths.DEFAULT_MODEL} not present")
@pytest.mark.skipif(not _sample_photos(), reason=f"sample shoot {paths.SAMPLE_SHOOT} not present")
def test_sample_shoot_with_the_bundled_model(qtbot, tmp_path):
    from app.main_window import MainWindow

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
        truths = sorted(truth_dir.glob(f"*{view}*")) if truth_dir.is_dir() else []
        exact = [t for t in truths if t.stem.lower().endswith(view.lower()) or f"_{view}_" in t.name]
        if exact:
            from core.imageio import read_image
            loaded = read_image(exact[0])
            truth = loaded.alpha > 127 if loaded.alpha is not None else loaded.rgb[..., 0] > 127
            if truth.shape == mask.shape:
                dice = 2 * (mask & truth).sum() / max(1, mask.sum() + truth.sum())
                assert dice > 0.7, f"{view}: Dice {dice:.3f} against the true cutout"
    # Moving the threshold gives core's mask at full resolution.
    window.threshold_panel.slider.setValue(200)
    np.testing.assert_array_equal(window.state.mask(),
                                  masks.compose_mask(window.state.probability, 200 / 255, window.state.override))
