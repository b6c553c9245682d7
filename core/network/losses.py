"""Keras losses and metrics of the seed: Dice, IoU, bce+dice, pixel accuracy.

All are registered as Keras serialisables so a compiled model round-trips through a
`.keras` file. Dice uses the seed's smoothing of 1 over the flattened batch.
"""

from __future__ import annotations

from core.network.backend import keras

ops = keras.ops

PACKAGE = "garment_cutout"


@keras.saving.register_keras_serializable(package=PACKAGE)
def dice_coeff(y_true, y_pred, smooth: float = 1.0):
    """Soft Dice over the whole batch: (2 |X.Y| + s) / (|X| + |Y| + s)."""
    y_true = ops.reshape(ops.cast(y_true, y_pred.dtype), (-1,))
    y_pred = ops.reshape(y_pred, (-1,))
    intersection = ops.sum(y_true * y_pred)
    return (2.0 * intersection + smooth) / (ops.sum(y_true) + ops.sum(y_pred) + smooth)


@keras.saving.register_keras_serializable(package=PACKAGE)
def iou_coeff(y_true, y_pred, smooth: float = 1.0):
    """Soft IoU (Jaccard) over the whole batch."""
    y_true = ops.reshape(ops.cast(y_true, y_pred.dtype), (-1,))
    y_pred = ops.reshape(y_pred, (-1,))
    intersection = ops.sum(y_true * y_pred)
    union = ops.sum(y_true) + ops.sum(y_pred) - intersection
    return (intersection + smooth) / (union + smooth)


@keras.saving.register_keras_serializable(package=PACKAGE)
def pixel_accuracy(y_true, y_pred):
    """Fraction of pixels whose 0.5-thresholded prediction equals the (0.5-thresholded) truth."""
    y_true = ops.cast(y_true, "float32") >= 0.5
    y_pred = ops.cast(y_pred, "float32") >= 0.5
    return ops.mean(ops.cast(ops.equal(y_true, y_pred), "float32"))


@keras.saving.register_keras_serializable(package=PACKAGE)
class BceDiceLoss(keras.losses.Loss):
    """The seed's loss: w_bce * BCE - w_dice * Dice (default 0.5 and 2.0; can go negative)."""

    def __init__(self, bce_weight: float = 0.5, dice_weight: float = 2.0, name: str = "bce_dice_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.bce_weight = float(bce_weight)
        self.dice_weight = float(dice_weight)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        bce = ops.mean(keras.losses.binary_crossentropy(y_true, y_pred))
        return self.bce_weight * bce - self.dice_weight * dice_coeff(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "bce_weight": self.bce_weight, "dice_weight": self.dice_weight}


def make_bce_dice_loss(bce_weight: float = 0.5, dice_weight: float = 2.0) -> BceDiceLoss:
    return BceDiceLoss(bce_weight=bce_weight, dice_weight=dice_weight)
