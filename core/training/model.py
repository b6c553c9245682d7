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
Keras the batch's value once per photo, so it is averaged like any other loss. The body
head's loss (`core.network.losses.BodyHeadLoss`) is one number per batch too, and is
handed over the same way (`ReplicaMeanBodyLoss`).

A body-head run (`--body-head`) trains a two-channel U-Net (garment, body) but saves,
at every checkpoint, a one-output twin whose last layer holds the garment kernel only:
what `Predictor.load`, the app and the card expect of any model, and indistinguishable
from a binary model. `--init-from` a binary model copies every layer and the garment
part of the last one; the body part starts from the seeded random initialisation.
"""

from __future__ import annotations

from typing import Any

from core.network.backend import keras
from core.network.losses import PACKAGE, BceDiceLoss, BodyHeadLoss
from core.training.config import TrainConfig
from core.training.distribution import RunPlan
from core.training.schedules import make_optimizer


@keras.saving.register_keras_serializable(package=PACKAGE)
class ReplicaMeanLoss(BceDiceLoss):
    """The seed's 0.5 BCE - 2 Dice per replica's batch, repeated for each of its photos: (B,)."""

    def call(self, y_true, y_pred):
        value = super().call(y_true, y_pred)
        return keras.ops.broadcast_to(value, keras.ops.shape(y_pred)[:1])


@keras.saving.register_keras_serializable(package=PACKAGE)
class ReplicaMeanBodyLoss(BodyHeadLoss):
    """The body head's loss per replica's batch, repeated for each of its photos: (B,)."""

    def call(self, y_true, y_pred):
        value = super().call(y_true, y_pred)
        return keras.ops.broadcast_to(value, keras.ops.shape(y_pred)[:1])


def training_loss(config: TrainConfig):
    """The loss `fit` minimises: the seed's, or the body head's (garment + weighted body)."""
    if config.body_head:
        return ReplicaMeanBodyLoss(config.w_bce, config.w_dice, config.body_weight)
    return ReplicaMeanLoss(config.w_bce, config.w_dice)


def build_training_model(config: TrainConfig, plan: RunPlan, strategy, start_model: Any = None):
    """(compiled model, float32 one-output twin to save). `start_model` (--init-from)
    gives the starting weights (`copy_weights`); ValueError when they do not fit."""
    from core.network.architectures import build_unet

    h, w = config.input_size
    shape = (h, w, config.channels)
    dtype = None if plan.precision == "float32" else plan.precision
    # Before building: the random kernels, a body head's body part among them, follow the seed.
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model = build_unet(config.architecture, shape, width=config.width, dtype=dtype,
                           outputs=2 if config.body_head else 1)
        if start_model is not None:
            copy_weights(start_model, model)
        if config.freeze_batchnorm:
            freeze_batch_normalisation(model)
        optimizer = make_optimizer(config.optimizer, plan.learning_rate, config.nesterov)
        if plan.precision == "mixed_float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        model.compile(optimizer=optimizer, loss=training_loss(config),
                      metrics=list(validation_metrics(config.body_head).values()))
    # What is saved is always an uncompiled float32 twin: a compiled model's file also holds
    # the optimiser's state (RMSprop doubles a 35 MB U-Net), which only a resume needs,
    # and a resume reads the backup (core.training.resume), not the checkpoint.
    twin = build_unet(config.architecture, shape, width=config.width, name=model.name)
    return model, twin


def freeze_batch_normalisation(model) -> None:
    """Make every BatchNormalization layer of `model` untrainable.

    In Keras 3 an untrainable BatchNormalization also runs in inference mode: it
    normalises by the moving statistics it holds and no longer updates them, and its
    scale and offset stay. Set before `compile`, which fixes the trainable weights."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def copy_weights(source, target) -> None:
    """Give `target` the weights of `source`, the same U-Net but for its last layer's
    output count: when the counts differ, layer by layer, and the last layer's leading
    channels (garment) from `source`, the others (body) left as `target` has them."""
    from core.network.architectures import OUTPUT_LAYER

    if source.output_shape[-1] == target.output_shape[-1]:
        target.set_weights(source.get_weights())
        return
    for layer in target.layers:
        mine = layer.get_weights()
        if not mine:
            continue
        theirs = source.get_layer(layer.name).get_weights()  # ValueError when it has no such layer
        if layer.name == OUTPUT_LAYER:
            merged = []
            for own, other in zip(mine, theirs):
                if own.shape[:-1] != other.shape[:-1]:
                    raise ValueError(f"layer {layer.name}: weights {other.shape} do not fit {own.shape}")
                own = own.copy()
                k = min(own.shape[-1], other.shape[-1])
                own[..., :k] = other[..., :k]
                merged.append(own)
            theirs = merged
        layer.set_weights(theirs)


def exporter(model, twin):
    """A function returning the model to save: `model` itself, or `twin` with its weights
    (a float32 copy of a mixed-precision model, the garment output of a body head's)."""
    if twin is None:
        return lambda: model

    def export():
        copy_weights(model, twin)
        return twin

    return export


def validation_metrics(body_head: bool = False) -> dict:
    """The compiled metrics by the names Keras logs them under: of the garment channel
    (a body head's included, so its numbers compare with a binary run's), and for a
    body head also `body_bce`, the body channel's loss on the known pixels."""
    from core.network.losses import body_bce, dice_coeff, garment_only, iou_coeff, pixel_accuracy

    metrics = {"dice_coeff": dice_coeff, "iou_coeff": iou_coeff, "pixel_accuracy": pixel_accuracy}
    if not body_head:
        return metrics
    return {**{name: garment_only(fn) for name, fn in metrics.items()}, "body_bce": body_bce}


def work_round_keras_multi_worker(model, batch_shape: tuple[int, ...], target_channels: int = 1) -> None:
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
    sample = (np.zeros(batch_shape, np.float32), np.zeros(batch_shape[:-1] + (target_channels,), np.float32))
    build = model._maybe_symbolic_build
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: build(data_batch=sample)
