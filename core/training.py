"""`garment-cutout train`: train one of the seed's U-Nets and write `.keras` + card.

The recipe is the seed's: colour input at model resolution (INTER_AREA), per-channel
mean/std from the training photos, 0.5 BCE - 2 Dice loss, RMSprop 3e-4, early stopping
on validation loss, the best checkpoint kept, then a threshold sweep on the validation
set whose winner becomes the card's default threshold. With `--focus-margin PX` it trains
the double pass's second model on the seed's focus images instead (see
`core.data.load_arrays`); the card's `training["focus_margin"]` then tells
`DoublePassPredictor` the margin to use. With `--init-from MODEL` it starts from a trained
model's weights and normalisation instead of random ones (a fine-tune, possibly at
another input size); `--lr-schedule cosine` suits that.

Files written beside `OUT.keras`: `OUT.json` (card), `OUT.history.csv` (per-epoch
metrics), `OUT.logs/` (TensorBoard). The model is saved atomically at each improvement,
so a crash or a cancel leaves the best model so far, never half a file.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from core.atomic import atomic_path
from core.augment import AugmentConfig
from core.data import (Pair, apply_split, discover_many, load_arrays, make_dataset, read_split_file,
                       split_pairs)
from core.errors import Cancelled, DataError, GarmentCutoutError
from core.model_card import ModelCard, card_path

ARCHITECTURES = ("simple", "basic", "final")
OPTIMIZERS = ("rmsprop", "adam", "sgd", "adadelta")
SCHEDULES = ("fixed", "cyclic", "cosine")
CONTRASTS = ("none", "stretch", "equalize")


@dataclasses.dataclass
class TrainConfig:
    """Everything one training run needs; defaults are the seed's choices at CPU size."""

    data_dirs: list[Path]
    out: Path
    architecture: str = "final"
    width: float = 0.5
    input_size: tuple[int, int] = (384, 256)  # (height, width): 2:3 portrait like the studio shots
    channels: int = 3
    contrast: str = "none"
    epochs: int = 50
    batch_size: int = 8
    optimizer: str = "rmsprop"
    learning_rate: float = 3e-4
    nesterov: bool = False
    lr_schedule: str = "fixed"
    plateau_steps: int = 2
    step_size: int = 10
    min_lr: float = 5e-5
    max_lr: float = 5e-4
    w_bce: float = 0.5
    w_dice: float = 2.0
    flip: bool = True
    hsv: bool = False
    shift_scale_rotate: bool = False
    val_fraction: float = 0.15
    split_seed: int = 0
    val_split_file: Path | None = None
    patience: int = 20
    min_delta: float = 1e-4
    max_train_images: int | None = None
    studio_renders: int = 0
    # > 0: train the double pass's second model on focus images (the photo within this
    # many native pixels of its true mask, black beyond); recorded in the card.
    focus_margin: int = 0
    # Warm start: begin from this model's weights (same architecture, width and channels;
    # the input size may differ, the U-Nets are fully convolutional) and its normalisation.
    init_from: Path | None = None
    seed: int = 0
    log_dir: Path | None = None
    name: str | None = None
    licence: str = ""

    def __post_init__(self) -> None:
        self.data_dirs = [Path(d) for d in self.data_dirs]
        self.out = Path(self.out)
        self.input_size = (int(self.input_size[0]), int(self.input_size[1]))
        if self.val_split_file is not None:
            self.val_split_file = Path(self.val_split_file)
        if self.init_from is not None:
            self.init_from = Path(self.init_from)
        if self.log_dir is not None:
            self.log_dir = Path(self.log_dir)

    @property
    def logs_path(self) -> Path:
        return self.log_dir if self.log_dir is not None else self.out.with_name(self.out.name[: -len(".keras")] + ".logs")

    @property
    def history_path(self) -> Path:
        return self.out.with_name(self.out.name[: -len(".keras")] + ".history.csv")

    @property
    def augment(self) -> AugmentConfig:
        return AugmentConfig(hsv=self.hsv, shift_scale_rotate=self.shift_scale_rotate, flip=self.flip)

    def validate(self) -> None:
        """Raise DataError for settings that cannot work, before any data is loaded."""
        from core.models import STRIDE

        problems = []
        if self.out.suffix != ".keras":
            problems.append(f"the model file must end in .keras, got {self.out.name}")
        elif not self.out.parent.is_dir():
            problems.append(f"output folder {self.out.parent} does not exist")
        if self.architecture not in ARCHITECTURES:
            problems.append(f"architecture must be one of {', '.join(ARCHITECTURES)}")
        else:
            stride = STRIDE[self.architecture]
            h, w = self.input_size
            if h <= 0 or w <= 0 or h % stride or w % stride:
                problems.append(f"input size {h}x{w}: the {self.architecture} U-Net needs both sides to be "
                                f"positive multiples of {stride}")
        if self.channels not in (1, 3):
            problems.append("channels must be 1 (gray) or 3 (colour)")
        if self.contrast not in CONTRASTS:
            problems.append(f"contrast must be one of {', '.join(CONTRASTS)}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if self.lr_schedule not in SCHEDULES:
            problems.append(f"learning-rate schedule must be one of {', '.join(SCHEDULES)}")
        if self.epochs < 1 or self.batch_size < 1:
            problems.append("epochs and batch size must be at least 1")
        if self.width <= 0 or self.learning_rate <= 0:
            problems.append("width and learning rate must be positive")
        if self.max_train_images is not None and self.max_train_images < 1:
            problems.append("--limit must be at least 1")
        if self.studio_renders < 0:
            problems.append("--studio-renders cannot be negative")
        if self.focus_margin < 0:
            problems.append("--focus-margin cannot be negative")
        if self.lr_schedule == "cosine" and not 0 < self.min_lr <= self.learning_rate:
            problems.append("the cosine schedule needs 0 < --min-lr <= --lr")
        if self.init_from is not None and not self.init_from.is_file():
            problems.append(f"--init-from: {self.init_from} not found")
        if problems:
            raise DataError("; ".join(problems))

    def describe(self) -> dict[str, Any]:
        """JSON-friendly hyper-parameters for the card's `training` entry."""
        out = dataclasses.asdict(self)
        for key, value in out.items():
            if isinstance(value, Path):
                out[key] = str(value)
        out["data_dirs"] = [str(d) for d in self.data_dirs]
        out["input_size"] = list(self.input_size)
        return out


@dataclasses.dataclass
class TrainStatus:
    """What a progress display shows: where training is and its latest numbers.

    phase: "loading" (batch/batches then count photos), "training", "epoch_done" (after
    validation) or "sweeping"; epoch and batch are 1-based; `logs` holds the Keras
    metrics seen last (loss, dice_coeff, val_loss, val_dice_coeff, learning_rate...).
    """

    phase: str
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    logs: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class TrainResult:
    model_path: Path
    card: ModelCard
    history: dict[str, list[float]]
    best_epoch: int            # 1-based epoch whose weights were kept
    epochs_run: int
    cancelled: bool            # stopped by `cancelled`; the best model so far was kept
    history_path: Path
    log_dir: Path | None       # TensorBoard logs; None without the tensorboard package
    sweep: dict[float, float]  # validation Dice per threshold
    train_count: int
    val_count: int


def plateau_then_decl_triangular_lr(
    epoch: int, plateau_steps: int = 2, step_size: int = 10, min_lr: float = 5e-5, max_lr: float = 5e-4
) -> float:
    """The seed's declining cyclic learning rate for a 0-based `epoch`.

    The mean of min and max for the first `plateau_steps` epochs, then a triangle wave
    of period 2 * step_size between min_lr and a peak that shrinks by 1.2x per cycle.
    """
    if epoch < plateau_steps:
        return (min_lr + max_lr) / 2
    cycle = math.floor(1 + epoch / (2 * step_size))
    x = abs(epoch / step_size - 2 * cycle + 1)
    return min_lr + (max_lr - min_lr) * max(0.0, 1 - x) / 1.2 ** (cycle - 1)


def cosine_lr(epoch: int, epochs: int, start: float, end: float) -> float:
    """Half a cosine from `start` at epoch 0 down to `end` at the last epoch (0-based).

    Used to fine-tune a warm-started model: large steps first, then ever smaller ones,
    so the last epochs settle instead of bouncing as a fixed rate does."""
    if epochs <= 1:
        return start
    t = min(max(epoch / (epochs - 1), 0.0), 1.0)
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * t))


def make_optimizer(name: str, learning_rate: float, nesterov: bool = False):
    import keras

    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=learning_rate)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9, nesterov=nesterov)
    if name == "adadelta":
        return keras.optimizers.Adadelta(learning_rate=learning_rate)
    raise DataError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")


def best_threshold(sweep: dict[float, float]) -> tuple[float, float]:
    """(threshold, Dice) with the highest Dice; ties go to the threshold nearest 0.5."""
    return max(sweep.items(), key=lambda item: (round(item[1], 12), -abs(item[0] - 0.5)))


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


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
        from core.sample_shoot import DEFAULT_SIZE, render_training_pair
    except ImportError:
        raise DataError("--studio-renders needs core.sample_shoot.render_training_pair, "
                        "which this installation lacks") from None
    from core.prediction import focus_image
    from core.preprocessing import resize_mask_to_model, resize_to_model

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


# ---------------------------------------------------------------------------
# Keras callbacks (built lazily: keras is imported only when training)
# ---------------------------------------------------------------------------


def tensorboard_available() -> bool:
    """tf.summary needs the tensorboard package, which TensorFlow no longer pulls in;
    without it the CSV history still records every epoch."""
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


class _StopNow(Exception):
    """Raised inside Keras by the cancel callback so a cancel does not wait for validation."""


def _callbacks(config: TrainConfig, card: ModelCard, steps: int, progress, cancelled, status) -> tuple[list, Any]:
    import keras

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


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------


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
        from core.preprocessing import compute_normalisation

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

    import keras

    from core.losses import dice_coeff, iou_coeff, make_bce_dice_loss, pixel_accuracy
    from core.models import build_unet

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
    from core.errors import ModelLoadError
    from core.prediction import Predictor

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
    from core.metrics import SWEEP_THRESHOLDS, threshold_sweep
    from core.preprocessing import probability_to_uint8

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


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _input_size(text: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTH such as 384x256, got {text!r}") from None
    return h, w


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TrainConfig(data_dirs=[], out=Path("model.keras"))
    p = parser.add_argument
    p("--data", action="append", required=True, metavar="DIR", type=Path,
      help="data folder (images/+masks/, images/+cutouts/ or *_cutout.png); repeatable")
    p("--out", required=True, type=Path, metavar="MODEL.keras", help="model to write (card, history and logs beside it)")
    p("--architecture", choices=ARCHITECTURES, default=defaults.architecture)
    p("--width", type=float, default=defaults.width, help="filter multiplier (default %(default)s)")
    p("--input-size", type=_input_size, default=defaults.input_size, metavar="HxW",
      help="model input, height x width (default 384x256)")
    p("--epochs", type=int, default=defaults.epochs)
    p("--batch-size", type=int, default=defaults.batch_size)
    p("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer)
    p("--lr", type=float, default=defaults.learning_rate, help="learning rate (default %(default)s)")
    p("--nesterov", action="store_true", help="Nesterov momentum for sgd")
    p("--lr-schedule", choices=SCHEDULES, default=defaults.lr_schedule,
      help="cyclic: the seed's plateau then declining triangle, 5e-5..5e-4; "
           "cosine: half a cosine from --lr down to --min-lr over the epochs (for fine-tuning)")
    p("--min-lr", type=float, default=defaults.min_lr, help="lowest rate of the cyclic and cosine schedules "
      "(default %(default)s)")
    p("--bce-weight", type=float, default=defaults.w_bce)
    p("--dice-weight", type=float, default=defaults.w_dice)
    p("--no-flip", action="store_true", help="no random horizontal flips")
    p("--hsv", action="store_true", help="random hue/saturation/value shifts")
    p("--shift-scale-rotate", action="store_true", help="random shift/scale/rotation (the seed found it hurt)")
    p("--gray", action="store_true", help="one gray channel instead of colour")
    p("--contrast", choices=CONTRASTS, default=defaults.contrast)
    p("--val-fraction", type=float, default=defaults.val_fraction)
    p("--val-split", type=Path, metavar="FILE", help='JSON split ({"val": [...], "test": [...]}) instead of a random one')
    p("--split-seed", type=int, default=defaults.split_seed, help="seed of the random validation split")
    p("--patience", type=int, default=defaults.patience, help="epochs without val_loss improvement before stopping")
    p("--limit", type=int, metavar="N", help="train on at most N photos (validation set unchanged)")
    p("--studio-renders", type=int, default=0, metavar="N", help="add N procedural studio renders to training")
    p("--focus-margin", type=int, default=defaults.focus_margin, metavar="PX",
      help="train a double pass's second model: photos blanked beyond PX native pixels of their true "
           "mask (the seed used 50; 0, the default, trains an ordinary model)")
    p("--init-from", type=Path, metavar="MODEL.keras",
      help="start from this model's weights and normalisation (same architecture, width and channels; "
           "any input size), e.g. to fine-tune the bundled model at a larger input")
    p("--seed", type=int, default=defaults.seed, help="seed of weights, shuffling and augmentation")
    p("--log-dir", type=Path, help="TensorBoard folder (default MODEL.logs/ beside the model)")
    p("--licence", default="", help="licence of the training data, recorded in the card")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(
        data_dirs=args.data, out=args.out, architecture=args.architecture, width=args.width,
        input_size=args.input_size, channels=1 if args.gray else 3, contrast=args.contrast,
        epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer, learning_rate=args.lr,
        nesterov=args.nesterov, lr_schedule=args.lr_schedule, min_lr=args.min_lr, w_bce=args.bce_weight, w_dice=args.dice_weight,
        flip=not args.no_flip, hsv=args.hsv, shift_scale_rotate=args.shift_scale_rotate,
        val_fraction=args.val_fraction, split_seed=args.split_seed, val_split_file=args.val_split,
        patience=args.patience, max_train_images=args.limit, studio_renders=args.studio_renders,
        focus_margin=args.focus_margin, init_from=args.init_from,
        seed=args.seed, log_dir=args.log_dir, licence=args.licence,
    )


class _TextStatus:
    """One redrawn stderr line per epoch: `epoch 3/50 [####....] 12/40 loss -1.62 val_dice 0.91`."""

    def __init__(self, stream=None, width: int = 24):
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._last = 0.0
        self._epoch = 0

    def __call__(self, s: TrainStatus) -> None:
        now = time.monotonic()
        final = s.phase in ("epoch_done", "sweeping") or (s.phase == "loading" and s.batch == s.batches)
        if not final and now - self._last < 0.2:
            return
        self._last = now
        if s.phase == "loading":
            line = f"loading {s.batch}/{s.batches} photos"
        elif s.phase == "sweeping":
            line = "sweeping thresholds on the validation set"
        else:
            filled = int(round(self.width * s.batch / max(s.batches, 1)))
            line = (f"epoch {s.epoch}/{s.epochs} [{'#' * filled}{'.' * (self.width - filled)}] "
                    f"{s.batch}/{s.batches}")
            if "loss" in s.logs:
                line += f" loss {s.logs['loss']:.4f}"
            if "val_dice_coeff" in s.logs:
                line += f" val_dice {s.logs['val_dice_coeff']:.4f}"
        self.stream.write("\r" + line.ljust(78))
        if final:
            self.stream.write("\n")
        self.stream.flush()


def run_cli(args: argparse.Namespace) -> int:
    """Train from parsed arguments; 0 on success, 2 on a data problem, 130 when interrupted.

    The first Ctrl+C stops training cleanly (the best model so far is kept); a second
    one interrupts at once.
    """
    interrupted = [False]
    previous = None

    def on_sigint(signum, frame):
        if interrupted[0]:
            raise KeyboardInterrupt
        interrupted[0] = True
        sys.stderr.write("\nstopping after this batch (Ctrl+C again to abort)\n")

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: no clean-stop handler
        previous = None
    try:
        config = config_from_args(args)
        result = train(config, cancelled=lambda: interrupted[0], status=_TextStatus())
    except GarmentCutoutError as exc:
        if isinstance(exc, Cancelled):
            print("training stopped before any model was saved", file=sys.stderr)
            return 130
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    card = result.card
    if result.cancelled:
        print(f"training stopped at epoch {result.epochs_run}; best model (epoch {result.best_epoch}) kept at "
              f"{result.model_path} with threshold 0.5", file=sys.stderr)
        return 130
    print(f"{result.model_path}: best epoch {result.best_epoch}/{result.epochs_run}, "
          f"validation Dice {card.val_dice:.4f} at threshold {card.threshold:.2f} "
          f"({result.train_count} train, {result.val_count} validation)")
    return 0


__all__ = ["TrainConfig", "TrainResult", "TrainStatus", "add_cli_arguments", "config_from_args",
           "plateau_then_decl_triangular_lr", "run_cli", "train"]
