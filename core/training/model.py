"""The compiled U-Net a run trains: built in the strategy's scope, at the run's precision.

In mixed_float16 every layer but the last computes in float16 with float32 weights; the
last layer, so the probabilities, the loss and the metrics, stays float32, and the
optimiser is wrapped in Keras' LossScaleOptimizer (dynamic loss scaling), which keeps
float16 gradients from flushing to zero. Checkpoints are written from a float32 twin
holding the same weights: a saved model computes in float32 wherever it is loaded, and
the card's `precision` alone decides what inference runs in.
"""

from __future__ import annotations

from typing import Any

from core.training.config import TrainConfig
from core.training.distribution import RunPlan
from core.training.schedules import make_optimizer


def build_training_model(config: TrainConfig, plan: RunPlan, strategy, start_weights: list[Any] | None = None):
    """(compiled model, float32 twin or None). `start_weights` replace the random ones
    (--init-from); ValueError when they do not fit."""
    from core.network.architectures import build_unet
    from core.network.backend import keras
    from core.network.losses import dice_coeff, iou_coeff, make_bce_dice_loss, pixel_accuracy

    h, w = config.input_size
    shape = (h, w, config.channels)
    dtype = None if plan.precision == "float32" else plan.precision
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model = build_unet(config.architecture, shape, width=config.width, dtype=dtype)
        if start_weights is not None:
            model.set_weights(start_weights)
        optimizer = make_optimizer(config.optimizer, plan.learning_rate, config.nesterov)
        if plan.precision == "mixed_float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        model.compile(optimizer=optimizer, loss=make_bce_dice_loss(config.w_bce, config.w_dice),
                      metrics=[dice_coeff, iou_coeff, pixel_accuracy])
    twin = None
    if dtype is not None:
        twin = build_unet(config.architecture, shape, width=config.width, name=model.name)
    return model, twin


def exporter(model, twin):
    """A function returning the model to save: `model` itself, or `twin` with its weights."""
    if twin is None:
        return lambda: model

    def export():
        twin.set_weights(model.get_weights())
        return twin

    return export


def validation_metrics() -> dict:
    """The compiled metrics by the names Keras logs them under."""
    from core.network.losses import dice_coeff, iou_coeff, pixel_accuracy

    return {"dice_coeff": dice_coeff, "iou_coeff": iou_coeff, "pixel_accuracy": pixel_accuracy}
