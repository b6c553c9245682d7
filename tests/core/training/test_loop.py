"""Training: the cyclic learning rate, configuration checks, the CLI glue and tiny real runs."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.cli.train import add_cli_arguments, config_from_args, run_cli
from core.common.errors import Cancelled, DataError
from core.common.paths import SHARED_CCP
from core.evaluation.metrics import best_threshold
from core.network.card import ModelCard, card_path
from core.training.config import TrainConfig, TrainStatus
from core.training.loop import train
from core.training.schedules import cosine_lr, plateau_then_decl_triangular_lr

# ---------------------------------------------------------------------------
# Pure functions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("epoch, expected", [
    (0, 2.75e-4),                 # plateau: (5e-5 + 5e-4) / 2
    (1, 2.75e-4),
    (2, 5e-5 + 4.5e-4 * 0.2),     # cycle 1, x = |0.2 - 1| = 0.8
    (5, 5e-5 + 4.5e-4 * 0.5),
    (10, 5e-4),                   # first peak
    (15, 5e-5 + 4.5e-4 * 0.5),
    (20, 5e-5),                   # trough
    (30, 5e-5 + 4.5e-4 / 1.2),    # second peak, 1.2x lower
    (50, 5e-5 + 4.5e-4 / 1.44),   # third peak
])
def test_cyclic_learning_rate_matches_the_seed(epoch, expected):
    assert plateau_then_decl_triangular_lr(epoch) == pytest.approx(expected, rel=1e-12)


def test_cosine_learning_rate_falls_from_start_to_end():
    rates = [cosine_lr(e, 5, 1e-4, 1e-6) for e in range(5)]
    assert rates[0] == pytest.approx(1e-4) and rates[-1] == pytest.approx(1e-6)
    assert rates[2] == pytest.approx((1e-4 + 1e-6) / 2)  # halfway down at the middle epoch
    assert all(a > b for a, b in zip(rates, rates[1:]))
    assert cosine_lr(0, 1, 1e-4, 1e-6) == 1e-4  # a one-epoch run keeps the start rate


def test_best_threshold_prefers_highest_dice_then_nearest_half():
    assert best_threshold({0.3: 0.8, 0.45: 0.9, 0.7: 0.85}) == (0.45, 0.9)
    assert best_threshold({0.2: 0.9, 0.6: 0.9, 0.9: 0.9}) == (0.6, 0.9)


def _config(tmp_path: Path, **changes) -> TrainConfig:
    return TrainConfig(data_dirs=[tmp_path], out=tmp_path / "m.keras", **changes)


@pytest.mark.parametrize("changes, message", [
    ({"input_size": (40, 32)}, "multiples of 32"),
    ({"architecture": "huge"}, "architecture must be one of"),
    ({"optimizer": "lion"}, "optimizer must be one of"),
    ({"channels": 2}, "channels must be 1"),
    ({"epochs": 0}, "at least 1"),
    ({"patience": -1}, "patience must be 0 or more"),
    ({"lr_schedule": "cosine", "learning_rate": 1e-4, "min_lr": 1e-3}, "min-lr"),
    ({"init_from": Path("/nonexistent/start.keras")}, "start.keras not found"),
])
def test_config_validation_names_the_problem(tmp_path, changes, message):
    with pytest.raises(DataError, match=message):
        _config(tmp_path, **changes).validate()


def test_config_refuses_other_extensions_and_missing_folders(tmp_path):
    with pytest.raises(DataError, match="must end in .keras"):
        TrainConfig(data_dirs=[tmp_path], out=tmp_path / "m.h5").validate()
    with pytest.raises(DataError, match="does not exist"):
        TrainConfig(data_dirs=[tmp_path], out=tmp_path / "nope" / "m.keras").validate()


def test_paths_beside_the_model(tmp_path):
    config = _config(tmp_path)
    assert config.history_path == tmp_path / "m.history.csv"
    assert config.logs_path == tmp_path / "m.logs"


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_cli_arguments(parser)
    return parser.parse_args(argv)


def test_cli_arguments_map_onto_the_config():
    args = _parse(["--data", "a", "--data", "b", "--out", "x.keras", "--input-size", "64x32", "--no-flip",
                   "--hsv", "--gray", "--optimizer", "sgd", "--nesterov", "--lr", "0.01", "--lr-schedule", "cyclic",
                   "--limit", "20", "--val-split", "s.json", "--bce-weight", "1", "--dice-weight", "3"])
    config = config_from_args(args)
    assert config.data_dirs == [Path("a"), Path("b")] and config.out == Path("x.keras")
    assert config.input_size == (64, 32) and config.channels == 1
    assert (config.flip, config.hsv, config.shift_scale_rotate) == (False, True, False)
    assert (config.optimizer, config.nesterov, config.learning_rate, config.lr_schedule) == ("sgd", True, 0.01, "cyclic")
    assert config.max_train_images == 20 and config.val_split_file == Path("s.json")
    assert (config.w_bce, config.w_dice) == (1.0, 3.0)


def test_cli_defaults_are_the_seed_recipe():
    config = config_from_args(_parse(["--data", "d", "--out", "x.keras"]))
    assert (config.architecture, config.optimizer, config.learning_rate) == ("final", "rmsprop", 3e-4)
    assert (config.w_bce, config.w_dice, config.flip, config.hsv) == (0.5, 2.0, True, False)
    assert config.input_size == (384, 256) and config.channels == 3


def test_cli_focus_margin_defaults_to_an_ordinary_model():
    assert config_from_args(_parse(["--data", "d", "--out", "x.keras"])).focus_margin == 0
    config = config_from_args(_parse(["--data", "d", "--out", "x.keras", "--focus-margin", "50"]))
    assert config.focus_margin == 50 and config.describe()["focus_margin"] == 50


def test_negative_focus_margin_is_refused(tmp_path):
    with pytest.raises(DataError, match="--focus-margin cannot be negative"):
        _config(tmp_path, focus_margin=-1).validate()


def test_cli_rejects_a_malformed_input_size(capsys):
    with pytest.raises(SystemExit):
        _parse(["--data", "d", "--out", "x.keras", "--input-size", "384by256"])
    assert "HEIGHTxWIDTH" in capsys.readouterr().err


def test_cli_data_error_is_one_line_and_exit_2(tmp_path, capsys):
    args = _parse(["--data", str(tmp_path / "missing"), "--out", str(tmp_path / "m.keras")])
    assert run_cli(args) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "does not exist" in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# Tiny training runs
# ---------------------------------------------------------------------------


def _synthetic_folder(root: Path, n: int = 6, h: int = 48, w: int = 32) -> Path:
    """images/ + masks/ of bright rectangles on noise: learnable in an epoch or two."""
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(n):
        rgb = rng.integers(0, 80, size=(h, w, 3), dtype=np.uint8)
        mask = np.zeros((h, w), np.uint8)
        top, left = rng.integers(2, 12), rng.integers(2, 10)
        mask[top:top + 24, left:left + 14] = 255
        rgb[mask > 0] = (220, 180, 60)
        cv2.imwrite(str(root / "images" / f"{i:02d}.png"), rgb)
        cv2.imwrite(str(root / "masks" / f"{i:02d}.png"), mask)
    return root


# ---------------------------------------------------------------------------
# Focus images for the double pass's second model
# ---------------------------------------------------------------------------


def _focus_pair(root: Path) -> list:
    """One 200x100 noise photo whose mask is rows 80..119, cols 40..59 (native pixels)."""
    from core.files.pairs import discover_pairs

    rng = np.random.default_rng(3)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rgb = rng.integers(1, 256, size=(200, 100, 3), dtype=np.uint8)  # no black pixel of its own
    mask = np.zeros((200, 100), np.uint8)
    mask[80:120, 40:60] = 255
    cv2.imwrite(str(root / "images" / "a.png"), rgb)
    cv2.imwrite(str(root / "masks" / "a.png"), mask)
    return discover_pairs(root)


def test_focus_margin_blanks_the_photo_beyond_a_native_margin_before_resizing(tmp_path):
    from core.training.data import load_arrays

    pairs = _focus_pair(tmp_path)
    plain_x, plain_y = load_arrays(pairs, (40, 20), workers=1)
    x, y = load_arrays(pairs, (40, 20), workers=1, focus_margin=20)
    assert np.array_equal(y, plain_y)  # the target mask is untouched
    # 5x shrink: the mask is model rows 16..23, cols 8..11; 20 native px of margin keep
    # native rows 60..139 / cols 20..79, i.e. model rows 12..27 / cols 4..15.
    assert x[0, :12].max() == 0 and x[0, 28:].max() == 0
    assert x[0, :, :4].max() == 0 and x[0, :, 16:].max() == 0
    # Model row 10 is only 6 model px from the mask but 26+ native px: black, so the
    # margin was applied at native resolution, not at model size.
    assert x[0, 10].max() == 0
    # Within the mask's rows the whole kept band equals the ordinary photo.
    assert np.array_equal(x[0, 16:24, 4:16], plain_x[0, 16:24, 4:16])
    assert plain_x[0, :12].min() > 0  # the blanking above is the margin's doing


def test_negative_focus_margin_is_refused_by_load_arrays(tmp_path):
    from core.training.data import load_arrays

    with pytest.raises(DataError, match="cannot be negative"):
        load_arrays(_focus_pair(tmp_path), (40, 20), focus_margin=-5)


def test_studio_renders_become_focus_images_with_a_scaled_margin():
    from core.prediction.double_pass import dilate
    from core.training.loop import _studio_arrays

    plain_x, plain_y = _studio_arrays(1, (96, 64), seed=0)
    # 36 studio px at 1728 rows is 2 px at 96 rows.
    x, y = _studio_arrays(1, (96, 64), seed=0, focus_margin=36)
    assert np.array_equal(y, plain_y)
    kept = dilate(plain_y[0, ..., 0] > 127, 2)
    assert 0 < kept.mean() < 1
    assert np.array_equal(x[0], np.where(kept[..., None], plain_x[0], 0))


def test_double_pass_takes_its_margin_from_the_second_models_card():
    from types import SimpleNamespace

    from core.prediction.double_pass import DoublePassPredictor

    def stand_in(training):  # __init__ reads only the card and the model id
        return SimpleNamespace(card=ModelCard(training=training), model_id="m")

    first = stand_in({})
    assert DoublePassPredictor(first, stand_in({"focus_margin": 30})).margin_px == 30
    assert DoublePassPredictor(first, stand_in({"focus_margin": 30}), margin_px=7).margin_px == 7
    assert DoublePassPredictor(first, stand_in({})).margin_px == 50              # the seed's margin
    assert DoublePassPredictor(first, stand_in({"focus_margin": 0})).margin_px == 50  # an ordinary model


@pytest.mark.slow
def test_training_with_a_focus_margin_records_it_in_the_card(tmp_path, monkeypatch):
    import core.training.loop

    data = _synthetic_folder(tmp_path / "data")
    margins: list[int] = []
    real_load = core.training.loop.load_arrays

    def spy(*args, **kwargs):
        margins.append(kwargs.get("focus_margin", 0))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(core.training.loop, "load_arrays", spy)
    config = TrainConfig(data_dirs=[data], out=tmp_path / "second.keras", architecture="simple", width=0.25,
                         input_size=(48, 32), epochs=1, batch_size=2, val_fraction=0.34, focus_margin=8)
    result = train(config)
    assert margins == [8, 8]  # training and validation photos both focused
    card = ModelCard.load(card_path(config.out))
    assert card.training["focus_margin"] == 8 and result.card.training["focus_margin"] == 8
    assert "focus images (8 px margin)" in card.trained_on


# ---------------------------------------------------------------------------
# Warm start (--init-from) and the cosine schedule
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_warm_start_continues_from_the_start_model_at_another_input_size(tmp_path):
    import keras

    data = _synthetic_folder(tmp_path / "data")
    base = dict(data_dirs=[data], architecture="simple", width=0.25, batch_size=2, val_fraction=0.34)
    first = train(TrainConfig(out=tmp_path / "first.keras", input_size=(48, 32), epochs=1, **base))
    # Fine-tune at a larger input with a rate so small the weights cannot move measurably:
    # what comes out must then be the start model's weights, not a fresh initialisation.
    config = TrainConfig(out=tmp_path / "second.keras", input_size=(64, 64), epochs=2, lr_schedule="cosine",
                         learning_rate=1e-12, min_lr=1e-13, init_from=first.model_path, seed=7, **base)
    second = train(config)
    start = [np.asarray(v) for v in keras.models.load_model(first.model_path, compile=False).trainable_weights]
    tuned = keras.models.load_model(second.model_path, compile=False)
    assert tuned.input_shape[1:3] == (64, 64)
    # Trainable weights only: batch norm's moving statistics follow the data at any rate.
    assert len(start) == len(tuned.trainable_weights)
    assert all(np.allclose(a, np.asarray(b), atol=1e-6) for a, b in zip(start, tuned.trainable_weights))
    assert second.card.mean == first.card.mean and second.card.std == first.card.std
    assert second.card.training["init_from"] == str(first.model_path)
    assert second.card.training["init_from_card"] == first.card.name
    assert second.history["learning_rate"] == pytest.approx([1e-12, 1e-13])
    # The saved model carries no optimiser state (it would double the file).
    assert getattr(keras.models.load_model(second.model_path), "optimizer", None) is None


@pytest.mark.slow
def test_freeze_batchnorm_fine_tunes_the_convolutions_and_keeps_the_normalisation(tmp_path):
    import keras

    data = _synthetic_folder(tmp_path / "data")
    base = dict(data_dirs=[data], architecture="simple", width=0.25, input_size=(48, 32), batch_size=2,
                val_fraction=0.34)
    first = train(TrainConfig(out=tmp_path / "first.keras", epochs=1, **base))
    tuned = train(TrainConfig(out=tmp_path / "tuned.keras", epochs=2, learning_rate=1e-2, init_from=first.model_path,
                              freeze_batchnorm=True, seed=3, **base))
    start = keras.models.load_model(first.model_path, compile=False)
    after = keras.models.load_model(tuned.model_path, compile=False)
    norms = [layer.name for layer in start.layers if isinstance(layer, keras.layers.BatchNormalization)]
    convs = [layer.name for layer in start.layers if isinstance(layer, keras.layers.Conv2D)]
    assert norms and convs
    for name in norms:  # scale, offset and both moving statistics, exactly
        for a, b in zip(start.get_layer(name).get_weights(), after.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    moved = [name for name in convs if not np.allclose(start.get_layer(name).get_weights()[0],
                                                       after.get_layer(name).get_weights()[0])]
    assert moved == convs
    assert tuned.card.training["freeze_batchnorm"] is True


def test_freeze_batchnorm_without_a_start_model_is_refused(tmp_path):
    with pytest.raises(DataError, match="--freeze-batchnorm needs --init-from"):
        _config(tmp_path, freeze_batchnorm=True).validate()


def test_warm_start_from_another_width_is_refused_before_loading_photos(tmp_path):
    data = _synthetic_folder(tmp_path / "data")
    first = train(TrainConfig(data_dirs=[data], out=tmp_path / "first.keras", architecture="simple", width=0.25,
                              input_size=(48, 32), epochs=1, batch_size=2, val_fraction=0.34))
    config = TrainConfig(data_dirs=[data], out=tmp_path / "second.keras", architecture="simple", width=0.5,
                         input_size=(48, 32), init_from=first.model_path)
    loaded = []
    with pytest.raises(DataError, match=r"width 0.25 \(this run: 0.5\)"):
        train(config, status=loaded.append)
    assert not any(s.phase == "loading" for s in loaded)
    assert not config.out.exists()


def test_cancel_while_loading_raises_cancelled(tmp_path):
    data = _synthetic_folder(tmp_path / "data")
    config = TrainConfig(data_dirs=[data], out=tmp_path / "m.keras", architecture="simple", input_size=(48, 32))
    with pytest.raises(Cancelled):
        train(config, cancelled=lambda: True)
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.slow
def test_cancel_mid_epoch_keeps_the_best_checkpoint(tmp_path):
    data = _synthetic_folder(tmp_path / "data")
    config = TrainConfig(
        data_dirs=[data], out=tmp_path / "m.keras", architecture="simple", width=0.25, input_size=(48, 32),
        epochs=5, batch_size=2, val_fraction=0.34, lr_schedule="cyclic", plateau_steps=1, step_size=1,
    )
    seen: list[TrainStatus] = []
    stop = lambda: any(s.phase == "training" and s.epoch == 3 for s in seen)  # noqa: E731
    result = train(config, cancelled=stop, status=seen.append)
    assert result.cancelled
    assert result.epochs_run == 2 and 1 <= result.best_epoch <= 2
    assert (result.train_count, result.val_count) == (4, 2)
    # The cyclic schedule: plateau 2.75e-4 for epoch 0, then the first peak 5e-4.
    assert result.history["learning_rate"] == pytest.approx([2.75e-4, 5e-4])
    card = ModelCard.load(card_path(config.out))
    # A cancelled run still leaves a usable card: threshold swept on the validation set.
    assert card.val_dice is not None and card.threshold in result.sweep
    assert card.training["best_epoch"] == result.best_epoch
    assert config.out.exists() and not list(tmp_path.glob(".m.*"))  # no temporary leftovers


@pytest.mark.slow
def test_a_run_stopped_before_its_first_model_leaves_the_earlier_history(tmp_path):
    """Keras's CSVLogger emptied MODEL.history.csv as a new run into the same --out
    started; stopped before it saved a model, the run left the earlier model there with a
    0-byte history (found by a helper). Now the earlier history is put back."""
    data = _synthetic_folder(tmp_path / "data")
    config = TrainConfig(data_dirs=[data], out=tmp_path / "m.keras", architecture="simple", width=0.25,
                         input_size=(48, 32), epochs=1, batch_size=2, val_fraction=0.34)
    first = train(config)
    history, model = first.history_path.read_bytes(), config.out.read_bytes()
    assert history.count(b"\n") == 2  # a header and one epoch
    seen: list[TrainStatus] = []
    again = dataclasses.replace(config, epochs=3)
    with pytest.raises(Cancelled):  # within the first epoch: no model of its own yet
        train(again, cancelled=lambda: any(s.phase == "training" for s in seen), status=seen.append)
    assert first.history_path.read_bytes() == history
    assert config.out.read_bytes() == model
    fresh = dataclasses.replace(config, out=tmp_path / "new.keras", epochs=3)
    seen.clear()
    with pytest.raises(Cancelled):
        train(fresh, cancelled=lambda: any(s.phase == "training" for s in seen), status=seen.append)
    assert not fresh.history_path.exists(), "no model, no (empty) history beside it"


def test_a_disk_without_room_for_the_model_is_refused_before_the_first_epoch(tmp_path, small_disk):
    """A real 256 kB tmpfs: training into it crashed h5py mid-save (a segfault and
    tracebacks, found by a helper). Now one DataError before any epoch, nothing written."""
    small = small_disk("256k")
    data = _synthetic_folder(tmp_path / "data")
    config = TrainConfig(data_dirs=[data], out=small / "m.keras", architecture="simple", width=0.25,
                         input_size=(48, 32), epochs=1, batch_size=2, val_fraction=0.34)
    seen: list[TrainStatus] = []
    with pytest.raises(DataError, match=r"not enough free space for m.keras .* MB free, training needs about"):
        train(config, status=seen.append)
    assert not any(s.phase == "training" for s in seen)
    assert list(small.iterdir()) == []


@pytest.mark.slow
@pytest.mark.shared_data
def test_one_epoch_on_real_photos_writes_model_card_and_history(tmp_path):
    if not (SHARED_CCP / "images").is_dir():
        pytest.skip(f"shared CCP photos not found at {SHARED_CCP}")
    import keras

    from core.evaluation.metrics import threshold_sweep
    from core.network.preprocessing import probability_to_uint8
    from core.training.data import load_arrays, make_dataset

    split = tmp_path / "split.json"
    split.write_text(json.dumps({"val": ["0001", "0002"], "test": []}))
    config = TrainConfig(
        data_dirs=[SHARED_CCP], out=tmp_path / "ccp.keras", architecture="final", width=0.125,
        input_size=(64, 32), epochs=1, batch_size=2, val_split_file=split, max_train_images=4,
        licence="Apache-2.0",
    )
    calls: list[tuple[int, int]] = []
    result = train(config, progress=lambda done, total: calls.append((done, total)))

    assert not result.cancelled and result.epochs_run == 1 and result.best_epoch == 1
    assert (result.train_count, result.val_count) == (4, 2)
    assert calls[-1] == (2, 2)
    card = ModelCard.load(card_path(config.out))
    assert (card.architecture, card.width, card.input_height, card.input_width) == ("final", 0.125, 64, 32)
    assert len(card.mean) == 3 and all(0 < s < 1 for s in card.std)
    assert card.licence == "Apache-2.0" and card.trained_on.startswith("4 photo(s) from ccp-garments")
    assert card.threshold in result.sweep and card.val_dice == pytest.approx(result.sweep[card.threshold], abs=1e-6)
    with open(result.history_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1 and {"loss", "val_loss", "dice_coeff", "val_dice_coeff"} <= rows[0].keys()

    # The saved model reloads without custom objects and reproduces the card's Dice.
    model = keras.models.load_model(config.out, compile=False)
    from core.files.pairs import discover_pairs

    val_pairs = [p for p in discover_pairs(SHARED_CCP) if p.name in ("0001", "0002")]
    x, y = load_arrays(val_pairs, (64, 32))
    inputs = next(iter(make_dataset(x, y, card, batch_size=2)))[0]
    probabilities = probability_to_uint8(np.asarray(model(inputs, training=False))[..., 0])
    dice = threshold_sweep(list(probabilities), [m[..., 0] > 127 for m in y], [card.threshold])[card.threshold]
    assert dice == pytest.approx(card.val_dice, abs=1e-6)


@pytest.mark.slow
def test_cli_trains_and_draws_a_progress_line(tmp_path, capsys):
    data = _synthetic_folder(tmp_path / "data")
    out = tmp_path / "cli.keras"
    args = _parse(["--data", str(data), "--out", str(out), "--architecture", "simple", "--width", "0.25",
                   "--input-size", "48x32", "--epochs", "1", "--batch-size", "2", "--val-fraction", "0.34"])
    assert run_cli(args) == 0
    captured = capsys.readouterr()
    assert "epoch 1/1 [" in captured.err and "val_dice" in captured.err
    assert "validation Dice" in captured.out and "(4 train, 2 validation)" in captured.out
    assert out.exists() and card_path(out).exists() and (tmp_path / "cli.history.csv").exists()


def test_config_refuses_an_output_folder_it_cannot_write(tmp_path, read_only_folder):
    """Found at once, not by Keras' history logger once the photos had loaded ("unexpected
    PermissionError")."""
    with pytest.raises(DataError, match="cannot write into the output folder"):
        TrainConfig(data_dirs=[tmp_path], out=read_only_folder / "m.keras").validate()
