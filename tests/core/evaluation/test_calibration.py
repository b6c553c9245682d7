"""`garment-cutout calibrate`: the threshold sweep on validation photos written into the card."""

from __future__ import annotations

import argparse
import json

import cv2
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from core.cli import calibrate as calibrate_cli  # noqa: E402
from core.common.errors import DataError  # noqa: E402
from core.evaluation import calibration  # noqa: E402
from core.network.card import ModelCard, card_path  # noqa: E402

# Gray levels and the probabilities the hand-set model gives them (see _brightness_model).
GARMENT, DECOY, BACKGROUND = 200, 120, 20  # -> p = 0.85, 0.535, ~0.14


@pytest.fixture(autouse=True)
def _hand_set_model_passes_for_a_u_net(monkeypatch):
    # The 1x1 model below stands in for a U-Net so its probabilities are known exactly;
    # the check that a model is the U-Net its card names has its own tests
    # (tests/core/prediction/test_predictor.py).
    monkeypatch.setattr("core.prediction.predictor.weights_problem", lambda model, card: None)


def _brightness_model(folder):
    """A 1x1 convolution + sigmoid whose probability rises with brightness: garment 0.85,
    a bright decoy patch 0.535 (between two swept thresholds), background ~0.14. Every threshold in (0.535, 0.85] is perfect;
    the one nearest 0.5 of those is 0.54."""
    inputs = keras.Input((64, 32, 3))
    outputs = keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs)
    slope = np.log(0.85 / 0.15) - np.log(0.535 / 0.465)
    slope /= (GARMENT - DECOY) / 255.0
    offset = np.log(0.535 / 0.465) - slope * DECOY / 255.0
    model.layers[-1].set_weights([np.full((1, 1, 3, 1), slope / 3, np.float32), np.array([offset], np.float32)])
    path = folder / "bright.keras"
    model.save(path)
    # mean 0 / std 1: the network sees rgb / 255. The trained-at-model-size threshold is 0.5.
    ModelCard(name="bright", input_height=64, input_width=32, mean=[0.0] * 3, std=[1.0] * 3,
              threshold=0.5, training={"epochs": 1}).save(card_path(path))
    return path


def _data(folder, names):
    """64x32 photos: a garment rectangle and a decoy patch on a dark background."""
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    for name in names:
        rgb = np.full((64, 32, 3), BACKGROUND, np.uint8)
        mask = np.zeros((64, 32), np.uint8)
        rgb[10:40, 6:26] = GARMENT
        mask[10:40, 6:26] = 255
        rgb[48:58, 4:14] = DECOY
        cv2.imwrite(str(folder / "images" / f"{name}.png"), rgb)
        cv2.imwrite(str(folder / "masks" / f"{name}.png"), mask)
    return folder


def test_calibrate_writes_the_best_native_threshold_from_validation_photos_only(tmp_path):
    model = _brightness_model(tmp_path)
    data = _data(tmp_path / "data", ["v1", "v2", "t1"])
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"val": ["v1", "v2"], "test": ["t1"]}))

    result = calibration.calibrate(model, data, split)

    assert result.count == 2  # the test photo was not looked at
    assert result.threshold == pytest.approx(0.54) and result.val_dice == pytest.approx(1.0)
    # At 0.5 the 100 px decoy counts as garment: Dice = 2 * 600 / (700 + 600).
    assert result.sweep[0.5] == pytest.approx(1200 / 1300)
    card = ModelCard.load(card_path(model))
    assert card.threshold == pytest.approx(0.54) and card.val_dice == pytest.approx(1.0)
    assert card.training["epochs"] == 1  # what training recorded is kept
    assert card.training["calibration"]["previous_threshold"] == 0.5
    assert card.training["calibration"]["count"] == 2


def test_calibrate_can_set_the_inference_options_and_dry_run_leaves_the_card(tmp_path, capsys):
    model = _brightness_model(tmp_path)
    data = _data(tmp_path / "data", ["v1"])
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"val": ["v1"], "test": []}))
    before = card_path(model).read_text()
    args = argparse.Namespace(model=model, data=data, split=split, upsampling="guided", tta_flip=True,
                              precision=None, dry_run=True)
    assert calibrate_cli.run_cli(args) == 0
    assert card_path(model).read_text() == before
    assert json.loads(capsys.readouterr().out)["card"] == "unchanged (dry run)"

    args.dry_run = False
    args.precision = "bfloat16"
    assert calibrate_cli.run_cli(args) == 0
    card = ModelCard.load(card_path(model))
    assert card.upsampling == "guided" and card.tta_flip is True and card.precision == "bfloat16"
    assert card.training["calibration"]["upsampling"] == "guided"
    # This hand-made net is no U-Net the card describes, so it could not run in bfloat16.
    assert card.training["calibration"]["computed_in"] == "float32"


def test_calibrate_needs_validation_names_and_says_so(tmp_path, capsys):
    model = _brightness_model(tmp_path)
    data = _data(tmp_path / "data", ["v1"])
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"val": [], "test": ["v1"]}))
    with pytest.raises(DataError, match="no \"val\" list"):
        calibration.calibrate(model, data, split)
    args = argparse.Namespace(model=model, data=data, split=split, upsampling=None, tta_flip=None, precision=None,
                              dry_run=False)
    assert calibrate_cli.run_cli(args) == 2
    assert "error:" in capsys.readouterr().err
