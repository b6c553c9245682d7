"""Learning-rate schedules (the seed's plateau-then-triangular, cosine) and optimisers by name."""

from __future__ import annotations

import math

from core.common.errors import DataError
from core.training.config import OPTIMIZERS


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
    from core.network.backend import keras

    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=learning_rate)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9, nesterov=nesterov)
    if name == "adadelta":
        return keras.optimizers.Adadelta(learning_rate=learning_rate)
    raise DataError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
