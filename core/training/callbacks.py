"""The Keras callbacks of a training run: validation, best checkpoint, early stopping, progress.

Each of them can take up a resumed run where it left off: the best checkpoint and early
stopping replay the epochs the backup holds (`history`, one logs dict per epoch), so a
run resumed at epoch k stops, and keeps, what an unbroken one would have.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from core.files.atomic import atomic_path
from core.network.backend import keras
from core.network.card import ModelCard, card_path
from core.training.config import TrainConfig, TrainStatus
from core.training.data import make_dataset
from core.training.schedules import cosine_lr, plateau_then_decl_triangular_lr


class StopNow(Exception):
    """Raised inside Keras by the cancel check so a cancel does not wait for the epoch's end."""


def scheduled_rate(config: TrainConfig, epoch: int, factor: float = 1.0) -> float:
    """The learning rate of a 0-based `epoch`: the schedule's, times the replicas' `factor`.
    Every schedule is linear in its rates, so scaling them scales the whole curve."""
    if config.lr_schedule == "cyclic":
        rate = plateau_then_decl_triangular_lr(epoch, config.plateau_steps, config.step_size,
                                               config.min_lr, config.max_lr)
    elif config.lr_schedule == "cosine":
        rate = cosine_lr(epoch, config.epochs, config.learning_rate, config.min_lr)
    else:
        rate = config.learning_rate
    return rate * factor


class Validation(keras.callbacks.Callback):
    """Loss and metrics on the whole validation set after each epoch, on this worker alone.

    Keras' own validation would split the set over the replicas, where the last, partial
    batch leaves some replicas empty (NaN loss). Here every worker scores every photo
    with the same weights, so val_loss, and every decision taken on it, is the same on
    all of them and for any number of replicas. Adds val_loss and val_<metric> to the
    epoch's logs, as Keras does: the loss weighted by batch size, metrics per batch.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, card: ModelCard, batch_size: int, loss,
                 metrics: dict[str, Callable], cancelled: Callable[[], bool] | None = None) -> None:
        super().__init__()
        self.dataset = make_dataset(x, y, card, batch_size)
        self.loss, self.metrics, self.cancelled = loss, metrics, cancelled
        self._forward = None

    def on_epoch_end(self, epoch, logs=None):
        from core.network.backend import tf

        if self._forward is None:
            self._forward = tf.function(lambda inputs: self.model(inputs, training=False), reduce_retracing=True)
        loss_sum, count = 0.0, 0
        metric_sums = dict.fromkeys(self.metrics, 0.0)
        batches = 0
        for inputs, targets in self.dataset:
            if self.cancelled is not None and self.cancelled():
                raise StopNow()
            predicted = tf.cast(self._forward(inputs), tf.float32)
            size = int(inputs.shape[0])
            loss_sum += float(self.loss(targets, predicted)) * size
            count += size
            batches += 1
            for name, fn in self.metrics.items():
                metric_sums[name] += float(fn(targets, predicted))
        if logs is not None and count:
            logs["val_loss"] = loss_sum / count
            logs.update({f"val_{name}": total / batches for name, total in metric_sums.items()})


class BestCheckpoint(keras.callbacks.Callback):
    """Save the model when val_loss improves: to a temporary file, then os.replace.

    `export()` gives the model to save (a float32 twin of a mixed-precision one);
    `writes` is False on a multi-worker run's other workers. `history` holds the epochs
    a resumed run restored: their best is the one to beat.
    """

    def __init__(self, config: TrainConfig, card: ModelCard, export: Callable[[], Any], writes: bool = True,
                 history: list[dict[str, float]] | None = None) -> None:
        super().__init__()
        self.config, self.card, self.export, self.writes = config, card, export, writes
        self.best, self.best_epoch = math.inf, 0
        self._logs: dict[str, float] = {}
        self.resumed_from = len(history or [])
        for epoch, logs in enumerate(history or []):
            self._note(epoch, logs)

    def _note(self, epoch: int, logs: dict) -> bool:
        loss = logs.get("val_loss")
        if loss is None or not loss < self.best:
            return False
        self.best, self.best_epoch = float(loss), epoch + 1
        self._logs = dict(logs)
        return True

    def on_train_begin(self, logs=None):
        # A kill between the backup of the best epoch and this callback's save leaves an
        # older model on disk; the weights just restored are that epoch's: save them now.
        if self.resumed_from and self.best_epoch == self.resumed_from:
            self._save(self._logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._note(epoch, logs or {}):
            self._save(logs or {})

    def _save(self, logs: dict) -> None:
        if not self.writes:
            return
        with atomic_path(self.config.out) as tmp:
            self.export().save(tmp)
        # The card follows each checkpoint so a crash still leaves a loadable pair;
        # the threshold sweep after training replaces its threshold and Dice.
        interim = dataclasses.replace(self.card, val_dice=None, training={
            **self.card.training, "best_epoch": self.best_epoch,
            "val_loss": self.best, "val_soft_dice": float(logs.get("val_dice_coeff", float("nan")))})
        interim.save(card_path(self.config.out))


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras' EarlyStopping, its patience counter restored by replaying `history`."""

    def __init__(self, history: list[dict[str, float]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.history = list(history)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        for epoch, epoch_logs in enumerate(self.history):
            super().on_epoch_end(epoch, dict(epoch_logs))

    def stopped_during_history(self, model) -> bool:
        """Whether the restored epochs already ended the run (a kill after an early stop)."""
        self.set_model(model)
        self.on_train_begin()
        stopped = bool(model.stop_training)
        model.stop_training = False
        return stopped


class Relay(keras.callbacks.Callback):
    """Relay progress and check cancellation after every training batch."""

    def __init__(self, epochs: int, steps: int, progress, cancelled, status) -> None:
        super().__init__()
        self.epochs, self.steps = epochs, steps
        self.progress, self.cancelled, self.status = progress, cancelled, status
        self.epoch = 0
        self.logs: dict[str, float] = {}

    def _check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            self.model.stop_training = True
            raise StopNow()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self._check()

    def on_train_batch_end(self, batch, logs=None):
        # (1,) under MultiWorkerMirroredStrategy (core.training.model), scalars otherwise.
        self.logs.update({k: float(np.asarray(v).reshape(-1)[0]) for k, v in (logs or {}).items()})
        if self.progress is not None:
            self.progress(self.epoch * self.steps + batch + 1, self.epochs * self.steps)
        if self.status is not None:
            self.status(TrainStatus("training", self.epoch + 1, self.epochs, batch + 1, self.steps, dict(self.logs)))
        self._check()

    def on_epoch_end(self, epoch, logs=None):
        self.logs.update({k: float(v) for k, v in (logs or {}).items()})
        if self.status is not None:
            self.status(TrainStatus("epoch_done", epoch + 1, self.epochs, self.steps, self.steps, dict(self.logs)))
