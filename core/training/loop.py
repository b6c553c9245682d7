"""Train one of the seed's U-Nets and write `.keras` + card (`garment-cutout train`).

The recipe is the seed's: colour input at model resolution (INTER_AREA), per-channel
mean/std from the training photos, 0.5 BCE - 2 Dice loss, RMSprop 3e-4, early stopping
on validation loss, the best checkpoint kept, then a threshold sweep on the validation
set whose winner becomes the card's default threshold. With `--focus-margin PX` it trains
the double pass's second model on the seed's focus images instead (see
`core.training.data.load_arrays`); the card's `training["focus_margin"]` then tells
`DoublePassPredictor` the margin to use. With `--init-from MODEL` it starts from a trained
model's weights and normalisation instead of random ones (a fine-tune, possibly at
another input size); `--lr-schedule cosine` suits that.

Files written beside `OUT.keras`: `OUT.json` (card), `OUT.history.csv` (per-epoch
metrics), `OUT.logs/` (TensorBoard). The model is saved atomically at each improvement,
so a crash or a cancel leaves the best model so far, never half a file.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Callable

import numpy as np

from core.common.errors import Cancelled, DataError, GarmentCutoutError
from core.evaluation.metrics import best_threshold
from core.files.atomic import atomic_path
from core.files.pairs import Pair, apply_split, discover_many, read_split_file, split_pairs
from core.network.card import ModelCard, card_path
from core.training.config import TrainConfig, TrainResult, TrainStatus
from core.training.data import load_arrays, make_dataset
from core.training.schedules import cosine_lr, make_optimizer, plateau_then_decl_triangular_lr


def _select_pairs(config: TrainConfig) -> tuple[list[Pair], list[Pair]]:
    pairs = discover_many(config.data_dirs)
    if config.val_split_file is not None:
        train, val = apply_split(pairs, read_split_file(config.val_split_file))
    else:
        train, val = split_pairs(pairs, config.val_fraction, config.split_seed)
    if not val:
        raise DataError("training needs a validation set: give --val-fraction > 0 or --val-split "
                        f"(found {len(pairs)} pair(s))")
    if config.max_train_images is not None and config.max_train_images < len(train):
        keep = np.random.default_rng(config.split_seed).permutation(len(train))[: config.max_train_images]
        train = [train[i] for i in sorted(keep)]
    if not train and config.studio_renders == 0:
        raise DataError("no training pairs left after the validation split")
    return train, val


def _studio_arrays(count: int, size_hw: tuple[int, int], seed: int,
                   focus_margin: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` procedural studio renders at model size: X (n, h, w, 3) uint8, Y (n, h, w, 1) uint8.

    With `focus_margin` > 0 each render becomes a focus image. Renders are drawn at model
    size, standing in for studio photos (DEFAULT_SIZE) shrunk to it, so the margin, given
    in studio pixels, is scaled by the same factor; rendering at full studio size only to
    shrink it again would cost seconds per render for the same picture.
    """
    try:
        from core.renders.composition import DEFAULT_SIZE, render_training_pair
    except ImportError:
        raise DataError("--studio-renders needs core.sample_shoot.render_training_pair, "
                        "which this installation lacks") from None
    from core.network.preprocessing import resize_mask_to_model, resize_to_model
    from core.prediction.double_pass import focus_image

    h, w = size_hw
    x = np.empty((count, h, w, 3), np.uint8)
    y = np.empty((count, h, w, 1), np.uint8)
    render_margin = max(1, round(focus_margin * h / DEFAULT_SIZE[1])) if focus_margin > 0 else 0
    for i in range(count):
        # Seeds far from the sample shoot's so renders differ from the bundled shoot.
        rgb, mask = render_training_pair(1_000_000 + seed * 10_000 + i, size=(w, h))
        rgb = np.asarray(rgb)[..., :3]
        if render_margin:
            rgb = focus_image(rgb, np.asarray(mask) > 0, render_margin)
        x[i] = resize_to_model(rgb, (h, w))
        y[i, ..., 0] = np.round(resize_mask_to_model(np.asarray(mask), (h, w)) * 255.0).astype(np.uint8)
    return x, y


def tensorboard_available() -> bool:
    """tf.summary needs the tensorboard package, which TensorFlow no longer pulls in;
    without it the CSV history still records every epoch."""
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


class _StopNow(Exception):
    """Raised inside Keras by the cancel callback so a cancel does not wait for validation."""


def _callbacks(config: TrainConfig, card: ModelCard, steps: int, progress, cancelled, status) -> tuple[list, Any]:
    from core.network.backend import keras

    class BestCheckpoint(keras.callbacks.Callback):
        """Save the model when val_loss improves: to a temporary file, then os.replace."""

        def __init__(self) -> None:
            super().__init__()
            self.best = math.inf
            self.best_epoch = 0

        def on_epoch_end(self, epoch, logs=None):
            loss = (logs or {}).get("val_loss")
            if loss is None or not loss < self.best:
                return
            self.best, self.best_epoch = float(loss), epoch + 1
            with atomic_path(config.out) as tmp:
                self.model.save(tmp)
            # The card follows each checkpoint so a crash still leaves a loadable pair;
            # the threshold sweep after training replaces its threshold and Dice.
            interim = dataclasses.replace(card, val_dice=None, training={
                **card.training, "best_epoch": self.best_epoch,
                "val_loss": float(loss), "val_soft_dice": float(logs.get("val_dice_coeff", float("nan")))})
            interim.save(card_path(config.out))

    class Relay(keras.callbacks.Callback):
        """Relay progress and check cancellation after every training and validation batch."""

        def __init__(self) -> None:
            super().__init__()
            self.epoch = 0
            self.logs: dict[str, float] = {}

        def _check(self) -> None:
            if cancelled is not None and cancelled():
                self.model.stop_training = True
                raise _StopNow()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self._check()

        def on_train_batch_end(self, batch, logs=None):
            self.logs.update({k: float(v) for k, v in (logs or {}).items()})
            if progress is not None:
                progress(self.epoch * steps + batch + 1, config.epochs * steps)
            if status is not None:
                status(TrainStatus("training", self.epoch + 1, config.epochs, batch + 1, steps, dict(self.logs)))
            self._check()

        def on_test_batch_end(self, batch, logs=None):
            self._check()

        def on_epoch_end(self, epoch, logs=None):
            self.logs.update({k: float(v) for k, v in (logs or {}).items()})
            if status is not None:
                status(TrainStatus("epoch_done", epoch + 1, config.epochs, steps, steps, dict(self.logs)))

    def schedule(epoch: int, lr: float) -> float:
        if config.lr_schedule == "cyclic":
            return plateau_then_decl_triangular_lr(epoch, config.plateau_steps, config.step_size,
                                                   config.min_lr, config.max_lr)
        if config.lr_schedule == "cosine":
            return cosine_lr(epoch, config.epochs, config.learning_rate, config.min_lr)
        return config.learning_rate

    checkpoint = BestCheckpoint()
    callbacks = [
        # Also for a fixed rate: the scheduler records learning_rate in the logs, and it
        # must come before the CSV logger for the history to have that column.
        keras.callbacks.LearningRateScheduler(schedule),
        checkpoint,
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience, min_delta=config.min_delta),
        keras.callbacks.CSVLogger(str(config.history_path)),
    ]
    if tensorboard_available():
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(config.logs_path), write_graph=False,
                                                     profile_batch=0))
    callbacks.append(Relay())
    return callbacks, checkpoint


def train(
    config: TrainConfig,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    status: Callable[[TrainStatus], None] | None = None,
) -> TrainResult:
    """Train, keep the best checkpoint, sweep the threshold, write model + card + history.

    `progress(done, total)` counts training batches over all epochs; `status` gets a
    TrainStatus after each batch and epoch (for text bars and loss plots). When
    `cancelled()` turns true the run stops within a batch; if a checkpoint exists it
    is kept, its threshold still swept on the validation set (seconds, and it leaves a
    card ready to use) and returned with `cancelled=True`; otherwise Cancelled is raised.
    """
    config.validate()
    train_pairs, val_pairs = _select_pairs(config)
    # Loaded before the photos so a wrong --init-from fails in seconds, not minutes.
    start = _load_start_model(config) if config.init_from is not None else None
    h, w = config.input_size
    load_total = len(train_pairs) + len(val_pairs)
    loaded = [0]

    def load_progress(done: int, total: int) -> None:
        if status is not None:
            status(TrainStatus("loading", batch=loaded[0] + done, batches=load_total))

    x_train, y_train = load_arrays(train_pairs, (h, w), load_progress, cancelled, focus_margin=config.focus_margin)
    loaded[0] = len(train_pairs)
    x_val, y_val = load_arrays(val_pairs, (h, w), load_progress, cancelled, focus_margin=config.focus_margin)
    if config.studio_renders:
        x_extra, y_extra = _studio_arrays(config.studio_renders, (h, w), config.seed, config.focus_margin)
        x_train = np.concatenate([x_train, x_extra])
        y_train = np.concatenate([y_train, y_extra])
        del x_extra, y_extra
    if cancelled is not None and cancelled():
        raise Cancelled("training")

    if start is not None:
        # The start weights learned on inputs normalised by their own card's statistics.
        mean, std = list(start.card.mean), list(start.card.std)
    else:
        from core.network.preprocessing import compute_normalisation

        mean, std = compute_normalisation(x_train, config.channels, config.contrast)
    card = ModelCard(
        name=config.name or config.out.stem,
        architecture=config.architecture,
        width=config.width,
        input_height=h,
        input_width=w,
        channels=config.channels,
        mean=mean,
        std=std,
        contrast=config.contrast,
        threshold=0.5,
        trained_on=_trained_on(config, train_pairs),
        licence=config.licence,
        training={**config.describe(), "train_count": len(x_train), "val_count": len(x_val)},
    )

    from core.network.architectures import build_unet
    from core.network.backend import keras
    from core.network.losses import dice_coeff, iou_coeff, make_bce_dice_loss, pixel_accuracy

    keras.utils.set_random_seed(config.seed)
    model = build_unet(config.architecture, (h, w, config.channels), width=config.width)
    if start is not None:
        try:
            model.set_weights(start.model.get_weights())
        except ValueError as exc:
            raise DataError(f"--init-from {config.init_from.name}: its weights do not fit a {config.architecture} "
                            f"U-Net of width {config.width} ({exc})") from None
        card.training["init_from_card"] = start.card.name
        del start
    model.compile(
        optimizer=make_optimizer(config.optimizer, config.learning_rate, config.nesterov),
        loss=make_bce_dice_loss(config.w_bce, config.w_dice),
        metrics=[dice_coeff, iou_coeff, pixel_accuracy],
    )
    train_ds = make_dataset(x_train, y_train, card, config.batch_size, config.augment, shuffle=True, seed=config.seed)
    val_ds = make_dataset(x_val, y_val, card, config.batch_size)
    steps = math.ceil(len(x_train) / config.batch_size)
    callbacks, checkpoint = _callbacks(config, card, steps, progress, cancelled, status)

    log_dir = config.logs_path if tensorboard_available() else None
    was_cancelled = False
    history: dict[str, list[float]] = {}
    try:
        fitted = model.fit(train_ds, validation_data=val_ds, epochs=config.epochs, callbacks=callbacks,
                           shuffle=False, verbose=0)
        history = {k: [float(v) for v in vs] for k, vs in fitted.history.items()}
    except _StopNow:
        was_cancelled = True
        for cb in callbacks:  # close the CSV and TensorBoard files Keras would have closed
            if isinstance(cb, (keras.callbacks.CSVLogger, keras.callbacks.TensorBoard)):
                cb.on_train_end()
        history = _read_history(config.history_path)
    epochs_run = len(next(iter(history.values()), []))

    if checkpoint.best_epoch == 0:
        raise Cancelled("training") if was_cancelled else GarmentCutoutError(
            "training produced no model: validation loss was never finite")
    if status is not None:
        status(TrainStatus("sweeping", epochs_run, config.epochs, 0, 0))
    best = keras.models.load_model(config.out, compile=False)
    sweep = _threshold_sweep(best, x_val, y_val, card, config.batch_size)
    threshold, val_dice = best_threshold(sweep)
    card.threshold = float(threshold)
    card.val_dice = round(float(val_dice), 6)
    card.training.update({"best_epoch": checkpoint.best_epoch, "epochs_run": epochs_run,
                          "val_loss": checkpoint.best, "threshold_sweep": {str(t): round(d, 6) for t, d in sweep.items()}})
    card.save(card_path(config.out))
    return TrainResult(config.out, card, history, checkpoint.best_epoch, epochs_run, was_cancelled,
                       config.history_path, log_dir, sweep, len(x_train), len(x_val))


def _load_start_model(config: TrainConfig):
    """The --init-from model, checked against the run's architecture, width, channels and contrast."""
    from core.common.errors import ModelLoadError
    from core.prediction.predictor import Predictor

    try:
        start = Predictor.load(config.init_from, precision="float32")  # only its weights are needed
    except ModelLoadError as exc:
        raise DataError(f"--init-from: {exc}") from None
    card = start.card
    mismatches = [f"{label} {theirs} (this run: {ours})" for label, theirs, ours in (
        ("architecture", card.architecture, config.architecture), ("width", card.width, config.width),
        ("channels", card.channels, config.channels), ("contrast", card.contrast, config.contrast),
    ) if theirs != ours]
    if mismatches:
        raise DataError(f"--init-from {config.init_from.name} has " + ", ".join(mismatches))
    return start


def _trained_on(config: TrainConfig, train_pairs: list[Pair]) -> str:
    folders = ", ".join(d.name or str(d) for d in config.data_dirs)
    text = f"{len(train_pairs)} photo(s) from {folders}"
    if config.studio_renders:
        text += f" + {config.studio_renders} procedural studio render(s)"
    if config.focus_margin:
        text += f", as focus images ({config.focus_margin} px margin) for a double pass's second model"
    return text


def _threshold_sweep(model, x_val: np.ndarray, y_val: np.ndarray, card: ModelCard, batch_size: int) -> dict[float, float]:
    """Validation Dice at each threshold, at model resolution."""
    from core.evaluation.metrics import SWEEP_THRESHOLDS, threshold_sweep
    from core.network.preprocessing import probability_to_uint8

    probabilities = []
    for start in range(0, len(x_val), batch_size):
        batch = make_dataset(x_val[start:start + batch_size], y_val[start:start + batch_size], card, batch_size)
        inputs = next(iter(batch))[0]
        probabilities.extend(probability_to_uint8(np.asarray(model(inputs, training=False))[..., 0]))
    truths = [m[..., 0] > 127 for m in y_val]
    return threshold_sweep(probabilities, truths, SWEEP_THRESHOLDS)


def _read_history(path: Path) -> dict[str, list[float]]:
    """Per-epoch metrics from the CSV history (for a run that stopped inside Keras)."""
    import csv

    if not path.exists():
        return {}
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    keys = [k for k in (rows[0] if rows else {}) if k != "epoch"]
    # A metric missing in a row (blank cell, cut-off line) reads as NaN, not a crash.
    return {k: [_to_float(r.get(k)) for r in rows] for k in keys}


def _to_float(text: str | None) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")

