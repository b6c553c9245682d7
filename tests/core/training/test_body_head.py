"""`train --body-head`: the body loss, the three-channel targets, the saved one-output model, --init-from."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from core.common.errors import DataError
from core.files.pairs import discover_pairs
from core.training.config import TrainConfig

H, W = 48, 32  # photo size of the fixture folder, also the model size of the tiny runs


def write_parts_folder(root: Path, n: int = 6, labelled: int = 5) -> Path:
    """images/ + masks/ + parts/ (the first `labelled` pairs only): a yellow garment block
    under a skin-coloured "head and neck" block, both learnable in a couple of epochs."""
    rng = np.random.default_rng(0)
    for sub in ("images", "masks", "parts"):
        (root / sub).mkdir(parents=True)
    for i in range(n):
        rgb = rng.integers(0, 80, size=(H, W, 3), dtype=np.uint8)
        parts = np.zeros((H, W), np.uint8)
        top, left = int(rng.integers(14, 20)), int(rng.integers(2, 10))
        parts[top:top + 24, left:left + 14] = 1
        parts[top - 10:top, left + 3:left + 11] = 2
        rgb[parts == 1] = (60, 180, 220)   # BGR, as cv2 writes it
        rgb[parts == 2] = (150, 170, 230)
        cv2.imwrite(str(root / "images" / f"{i:02d}.png"), rgb)
        cv2.imwrite(str(root / "masks" / f"{i:02d}.png"), np.where(parts == 1, 255, 0).astype(np.uint8))
        if i < labelled:
            cv2.imwrite(str(root / "parts" / f"{i:02d}.png"), parts)
    return root


def _tiny(tmp: Path, data: Path, name: str, **changes) -> TrainConfig:
    settings = dict(architecture="simple", width=0.25, input_size=(H, W), epochs=2, batch_size=2,
                    val_fraction=0.34, seed=3)
    settings.update(changes)
    return TrainConfig(data_dirs=[data], out=tmp / f"{name}.keras", **settings)


# ---------------------------------------------------------------------------
# The loss
# ---------------------------------------------------------------------------


def _bce(t, p):
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def test_body_loss_is_the_garment_loss_plus_the_body_bce_over_known_pixels_only():
    from core.network.losses import BceDiceLoss, BodyHeadLoss, body_bce

    # Two photos of 1x2 pixels. Photo 0 has body labels, photo 1 (a studio cutout) none:
    # its body predictions are wildly wrong and must not count.
    y_true = np.array([[[[1, 1, 1], [0, 0, 1]]],
                       [[[1, 1, 0], [0, 1, 0]]]], np.float32)          # garment, body, known
    y_pred = np.array([[[[0.9, 0.8], [0.2, 0.3]]],
                       [[[0.7, 0.01], [0.4, 0.02]]]], np.float32)      # garment, body
    g_t, g_p = y_true[..., 0], y_pred[..., 0]
    garment = 0.5 * _bce(g_t, g_p).mean() - 2.0 * (2 * (g_t * g_p).sum() + 1) / (g_t.sum() + g_p.sum() + 1)
    body = (_bce(1, 0.8) + _bce(0, 0.3)) / 2  # the two known pixels: 0.2893...
    assert float(body_bce(y_true, y_pred)) == pytest.approx(body, rel=1e-5)
    loss = BodyHeadLoss(0.5, 2.0, body_weight=0.7)
    assert float(loss(y_true, y_pred)) == pytest.approx(garment + 0.7 * body, rel=1e-5)
    # The garment term is the seed's loss on channel 0, exactly.
    assert float(BodyHeadLoss(0.5, 2.0, body_weight=0.0)(y_true, y_pred)) == pytest.approx(
        float(BceDiceLoss(0.5, 2.0)(y_true[..., :1], y_pred[..., :1])), abs=1e-7)
    # Unknown pixels may predict anything.
    other = y_pred.copy()
    other[1, ..., 1] = [0.99, 0.5]
    assert float(loss(y_true, other)) == pytest.approx(float(loss(y_true, y_pred)), abs=1e-7)
    # No known pixel at all: no body term, and no NaN.
    unknown = y_true.copy()
    unknown[..., 2] = 0
    assert float(body_bce(unknown, y_pred)) == 0.0


def test_body_head_loss_is_handed_to_keras_once_per_photo():
    from core.network.losses import BodyHeadLoss
    from core.training.model import ReplicaMeanBodyLoss

    rng = np.random.default_rng(1)
    y_true = (rng.random((3, 4, 4, 3)) > 0.5).astype(np.float32)
    y_pred = rng.uniform(0.05, 0.95, (3, 4, 4, 2)).astype(np.float32)
    batch = float(BodyHeadLoss(0.5, 2.0, 0.5)(y_true, y_pred))
    per_photo = np.asarray(ReplicaMeanBodyLoss(0.5, 2.0, 0.5).call(y_true, y_pred))
    assert per_photo.shape == (3,) and np.allclose(per_photo, batch)
    assert float(ReplicaMeanBodyLoss(0.5, 2.0, 0.5)(y_true, y_pred)) == pytest.approx(batch, rel=1e-6)


# ---------------------------------------------------------------------------
# Targets: loading, renders, augmentation
# ---------------------------------------------------------------------------


def test_targets_carry_body_and_known_channels(tmp_path):
    from core.files.pairs import load_body
    from core.network.preprocessing import resize_mask_to_model
    from core.training.data import load_arrays, load_arrays_cached

    pairs = discover_pairs(write_parts_folder(tmp_path / "data", n=3, labelled=2))
    x, y = load_arrays(pairs, (24, 16), body=True, workers=1)
    assert x.shape == (3, 24, 16, 3) and y.shape == (3, 24, 16, 3) and y.dtype == np.uint8
    body = load_body(pairs[0], (H, W))
    assert np.array_equal(y[0, ..., 1], np.round(resize_mask_to_model(body, (24, 16)) * 255).astype(np.uint8))
    assert (y[:2, ..., 2] == 255).all()
    assert (y[2, ..., 1:] == 0).all()  # no parts map: body unknown, not "no body"
    _, binary = load_arrays(pairs, (24, 16), workers=1)
    assert binary.shape == (3, 24, 16, 1) and np.array_equal(binary[..., 0], y[..., 0])
    # The cache keeps binary and body arrays apart.
    cache = tmp_path / "cache"
    assert load_arrays_cached(pairs, (24, 16), cache)[1].shape[-1] == 1
    assert load_arrays_cached(pairs, (24, 16), cache, body=True)[1].shape[-1] == 3
    assert len(list(cache.glob("arrays-*.npy"))) == 2


def test_augmentation_moves_every_target_channel_with_the_photo():
    from core.training.augment import AugmentConfig, augment_pair

    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 255, (24, 16, 3), dtype=np.uint8)
    targets = rng.integers(0, 255, (24, 16, 3), dtype=np.uint8)
    config = AugmentConfig(shift_scale_rotate=True, flip=True, p_shift_scale_rotate=1.0, p_flip=1.0,
                           shift_limit=(0.1, 0.1), rotate_limit=(10, 10), border="constant")
    image, moved = augment_pair(rgb, targets, config, np.random.default_rng(9))
    assert moved.shape == targets.shape and moved.dtype == np.uint8
    for c in range(3):  # each channel moves as a one-channel mask would, with the same draw
        alone_image, alone = augment_pair(rgb, targets[..., c:c + 1], config, np.random.default_rng(9))
        assert np.array_equal(alone[..., 0], moved[..., c]) and np.array_equal(alone_image, image)


def _fake_render(seed, size=(256, 384), with_body=False):
    w, h = size
    rgb = np.full((h, w, 3), seed % 200, np.uint8)
    mask = np.zeros((h, w), bool)
    mask[h // 2:, :] = True
    body = np.zeros((h, w), bool)
    body[: h // 4, w // 4: 3 * w // 4] = True
    return (rgb, mask, body) if with_body else (rgb, mask)


def test_studio_renders_ask_the_renderer_for_the_mannequins_body(monkeypatch):
    import core.renders.composition as composition
    from core.training.inputs import studio_arrays

    calls = []

    def fake(seed, size=(256, 384), with_body=False):
        calls.append(with_body)
        return _fake_render(seed, size, with_body)

    monkeypatch.setattr(composition, "render_training_pair", fake)
    x, y = studio_arrays(2, (16, 8), seed=0, body=True)
    assert calls == [True, True] and y.shape == (2, 16, 8, 3)
    assert (y[..., 2] == 255).all() and (y[:, :4, 2:6, 1] == 255).all() and (y[:, 4:, :, 1] == 0).all()
    _, binary = studio_arrays(1, (16, 8), seed=0)
    assert calls[-1] is False and binary.shape == (1, 16, 8, 1)

    def old(seed, size=(256, 384)):
        return _fake_render(seed, size)

    monkeypatch.setattr(composition, "render_training_pair", old)
    with pytest.raises(DataError, match="with_body=True"):
        studio_arrays(1, (16, 8), seed=0, body=True)


def test_the_real_renderer_gives_a_body_when_it_has_one():
    from core.renders.composition import render_training_pair

    if "with_body" not in inspect.signature(render_training_pair).parameters:
        pytest.skip("core.renders' render_training_pair(with_body=True) has not landed yet")
    rgb, mask, body = render_training_pair(1_000_000, size=(32, 48), with_body=True)
    assert rgb.shape == (48, 32, 3) and mask.shape == body.shape == (48, 32) and body.dtype == bool


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


def test_cli_body_flags_map_onto_the_config():
    from core.cli.train import add_cli_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_cli_arguments(parser)
    config = config_from_args(parser.parse_args(["--data", "d", "--out", "m.keras", "--body-head",
                                                 "--body-weight", "0.25"]))
    assert config.body_head is True and config.body_weight == 0.25
    plain = config_from_args(parser.parse_args(["--data", "d", "--out", "m.keras"]))
    assert plain.body_head is False and plain.body_weight == 0.5


@pytest.mark.parametrize("changes, message", [
    ({"body_weight": -1.0}, "body-weight"),
    ({"body_weight": float("nan")}, "body-weight"),
    ({"body_head": True, "focus_margin": 8}, "do not go together"),
])
def test_body_settings_are_checked(tmp_path, changes, message):
    with pytest.raises(DataError, match=message):
        TrainConfig(data_dirs=[tmp_path], out=tmp_path / "m.keras", **changes).validate()


def test_body_head_without_any_body_label_is_refused(tmp_path):
    from core.training.inputs import select_pairs

    data = write_parts_folder(tmp_path / "data", labelled=0)
    with pytest.raises(DataError, match="needs body labels"):
        select_pairs(_tiny(tmp_path, data, "m", body_head=True))
    assert select_pairs(_tiny(tmp_path, data, "m", body_head=True, studio_renders=2))[0]


def test_a_resumed_run_must_share_the_body_settings(tmp_path):
    from core.training.loop import _settings
    from core.training.resume import RunState, check_settings

    plan = SimpleNamespace(describe=dict, precision="float32")
    binary = _tiny(tmp_path, tmp_path, "m")
    body = _tiny(tmp_path, tmp_path, "m", body_head=True)
    assert "body_head" not in _settings(binary, plan)  # as in backups from before body heads
    assert _settings(body, plan)["body_head"] is True and _settings(body, plan)["body_weight"] == 0.5

    def state(config):
        return RunState(1, tmp_path / "w.h5", _settings(config, plan), [{}])

    check_settings(state(body), _settings(_tiny(tmp_path, tmp_path, "m", body_head=True), plan), tmp_path)
    for saved, rerun in ((binary, body), (body, binary),
                         (body, _tiny(tmp_path, tmp_path, "m", body_head=True, body_weight=1.0))):
        with pytest.raises(DataError, match="body_"):
            check_settings(state(saved), _settings(rerun, plan), tmp_path)


# ---------------------------------------------------------------------------
# The model: what is saved, --init-from, a tiny run
# ---------------------------------------------------------------------------


def _plan():
    return SimpleNamespace(precision="float32", learning_rate=1e-3)


@pytest.mark.parametrize("precision, tolerance", [("float32", 1e-6), ("mixed_float16", 2e-3)])
def test_the_saved_twin_is_the_garment_channel_of_the_two_channel_model(tmp_path, precision, tolerance):
    from core.network.backend import keras, tf
    from core.training.model import build_training_model, exporter

    config = _tiny(tmp_path, tmp_path, "m", body_head=True)
    plan = SimpleNamespace(precision=precision, learning_rate=1e-3)
    model, twin = build_training_model(config, plan, tf.distribute.get_strategy())
    assert model.output_shape[-1] == 2 and twin.output_shape[-1] == 1
    # Weights other than the initial ones, so a copy that missed a layer would show.
    model.set_weights([w + np.random.default_rng(i).normal(0, 0.05, w.shape).astype(w.dtype)
                       for i, w in enumerate(model.get_weights())])
    saved = exporter(model, twin)()
    x = np.random.default_rng(2).normal(0, 1, (2, H, W, 3)).astype(np.float32)
    # Under mixed precision the twin computes in float32, the model in float16: close, not equal.
    assert np.allclose(np.asarray(saved(x, training=False)), np.asarray(model(x, training=False))[..., :1],
                       atol=tolerance)
    assert [layer.name for layer in saved.layers] == [layer.name for layer in model.layers]
    assert isinstance(saved, keras.Model) and saved.get_layer("garment").filters == 1
    assert all(layer.dtype_policy.name == "float32" for layer in saved.layers)


@pytest.fixture(scope="module")
def binary_start(tmp_path_factory):
    """A one-epoch binary model on the parts folder: the --init-from start."""
    from core.training.loop import train

    root = tmp_path_factory.mktemp("start")
    data = write_parts_folder(root / "data")
    return train(_tiny(root, data, "binary", epochs=1))


@pytest.mark.slow
def test_init_from_a_binary_model_copies_the_garment_kernel_and_seeds_the_body(tmp_path, binary_start):
    from core.network.backend import tf
    from core.prediction.predictor import Predictor
    from core.training.inputs import load_start_model
    from core.training.model import build_training_model

    config = _tiny(tmp_path, tmp_path, "tuned", body_head=True, init_from=binary_start.model_path)
    start = load_start_model(config)
    model, _ = build_training_model(config, _plan(), tf.distribute.get_strategy(), start.model)
    x = np.random.default_rng(4).normal(0, 1, (2, H, W, 3)).astype(np.float32)
    both = np.asarray(model(x, training=False))
    assert np.allclose(both[..., :1], np.asarray(start.model(x, training=False)), atol=1e-6)
    kernel, bias = (np.asarray(v) for v in model.get_layer("garment").weights)
    start_kernel, start_bias = (np.asarray(v) for v in start.model.get_layer("garment").weights)
    assert np.array_equal(kernel[..., :1], start_kernel) and np.array_equal(bias[:1], start_bias)
    # The body part is the seeded initialisation: the same on a rebuild, not the garment's.
    again, _ = build_training_model(config, _plan(), tf.distribute.get_strategy(),
                                    Predictor.load(binary_start.model_path).model)
    assert np.array_equal(np.asarray(again.get_layer("garment").weights[0])[..., 1], kernel[..., 1])
    assert not np.allclose(kernel[..., 1], kernel[..., 0])


@pytest.mark.slow
def test_a_tiny_body_head_run_saves_a_one_output_model_the_predictor_loads(tmp_path, binary_start):
    from core.network.card import ModelCard, card_path
    from core.prediction.predictor import Predictor
    from core.training.loop import train

    data = Path(binary_start.card.training["data_dirs"][0])
    result = train(_tiny(tmp_path, data, "body", body_head=True, body_weight=0.5,
                         init_from=binary_start.model_path))
    card = ModelCard.load(card_path(result.model_path))
    assert card.training["body_head"] is True and card.training["body_weight"] == 0.5
    assert "body head" in card.trained_on and card.val_dice is not None
    # Garment-only numbers, as a binary run logs them, and the body's on the side.
    assert {"loss", "dice_coeff", "body_bce", "val_loss", "val_dice_coeff", "val_body_bce"} <= set(result.history)
    assert len(result.history["val_loss"]) == 2 and np.isfinite(result.history["val_body_bce"]).all()
    predictor = Predictor.load(result.model_path)
    assert predictor.model.output_shape == (None, H, W, 1)
    rgb = cv2.cvtColor(cv2.imread(str(data / "images" / "00.png")), cv2.COLOR_BGR2RGB)
    probability = predictor.predict(rgb)
    assert probability.shape == (H, W) and probability.dtype == np.uint8
    assert not result.model_path.with_name("body.backup").exists()
