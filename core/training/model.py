"""The compiled U-Net a run trains: built in the strategy's scope, at the run's precision.

In mixed_float16 every layer but the last computes in float16 with float32 weights; the
last layer, so the probabilities, the loss and the metrics, stays float32, and the
optimiser is wrapped in Keras' LossScaleOptimizer (dynamic loss scaling), which keeps
float16 gradients from flushing to zero. Checkpoints are written from a float32 twin
holding the same weights: a saved model computes in float32 wherever it is loaded, and
the card's `precision` alone decides what inference runs in.

The seed's loss is one number per batch (its Dice term is over the whole batch). Keras
divides a loss by the replica count before the gradients are summed over replicas only
when the loss comes per sample; a scalar is taken as it is, which under N replicas
multiplies every gradient by N (and the logged loss with it). `ReplicaMeanLoss` hands
Keras the batch's value once per photo, so it is averaged like any other loss.
"""

from __future__ import annotations

from typing import Any

from core.network.backend import keras
from core.network.losses import PACKAGE, BceDiceLoss
from core.training.config import TrainConfig
from core.training.distribution import RunPlan
from core.training.schedules import make_optimizer


@keras.saving.register_keras_serializable(package=PACKAGE)
class ReplicaMeanLoss(BceDiceLoss):
    """The seed's 0.5 BCE - 2 Dice per replica's batch, repeated for each of its photos: (B,)."""

    def call(self, y_true, y_pred):
        value = super().call(y_true, y_pred)
        return keras.ops.broadcast_to(value, keras.ops.shape(y_pred)[:1])


def build_training_model(config: TrainConfig, plan: RunPlan, strategy, start_weights: list[Any] | None = None):
    """(compiled model, float32 twin or None). `start_weights` replace the random ones
    (--init-from); ValueError when they do not fit."""
    from core.network.architectures import build_unet
    from core.network.losses import dice_coeff, iou_coeff, pixel_accuracy

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
        model.compile(optimizer=optimizer, loss=ReplicaMeanLoss(config.w_bce, config.w_dice),
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


def work_round_keras_multi_worker(model, batch_shape: tuple[int, ...]) -> None:
    """Make Keras 3.15's `fit` work under MultiWorkerMirroredStrategy (tensorflow#72388).

    Two of its steps call `strategy.reduce` in ways only MirroredStrategy accepts:
    * each step's logs are reduced with MEAN along axis 0 (whatever the model's
      `distribute_reduction_method` says), which scalars lack. So this model's
      `train_step` hands them on as (1,) vectors: every replica holds the same,
      already synchronised value, and their mean is that value.
    * before training, the first distributed batch is averaged only to learn the shapes
      the metrics are built for, and this reduce takes single values, not an (inputs,
      masks) pair. Keras takes a plain local batch through the same path, so it is
      handed one of zeros with those shapes.
    """
    import numpy as np

    from core.network.backend import keras

    train_step = model.train_step
    model.train_step = lambda data: {k: keras.ops.reshape(v, (1,)) for k, v in train_step(data).items()}
    sample = (np.zeros(batch_shape, np.float32), np.zeros(batch_shape[:-1] + (1,), np.float32))
    build = model._maybe_symbolic_build
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: build(data_batch=sample)
