"""Keras losses and metrics of the seed: Dice, IoU, bce+dice, pixel accuracy; and the body head's.

All are registered as Keras serialisables so a compiled model round-trips through a
`.keras` file. Dice uses the seed's smoothing of 1 over the flattened batch.

A body-head model (`train --body-head`) predicts two channels, garment then body, and
learns from three: garment, body and "body known" (1 where the photo has body labels).
Its loss is the seed's on the garment channel plus `body_weight` times the body
channel's BCE over the known pixels only; its metrics, like a binary model's, look at
the garment channel alone (`garment_only`), so both kinds of run compare number for number.
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


@keras.saving.register_keras_serializable(package=PACKAGE)
def body_bce(y_true, y_pred):
    """The body channel's BCE averaged over the pixels whose body is known.

    `y_true` (B, h, w, 3): garment, body, known (0..1); `y_pred` (B, h, w, 2). An unknown
    pixel (a studio cutout folder has no body labels) adds nothing, whatever is
    predicted there; a batch with no known pixel gives 0, not NaN.
    """
    y_true = ops.cast(y_true, y_pred.dtype)
    bce = keras.losses.binary_crossentropy(y_true[..., 1:2], y_pred[..., 1:2])  # (B, h, w)
    known = y_true[..., 2]
    return ops.divide_no_nan(ops.sum(bce * known), ops.sum(known))


def garment_only(fn):
    """`fn(y_true, y_pred)` on channel 0 of both, under `fn`'s own name (the name Keras logs)."""

    def on_garment(y_true, y_pred):
        return fn(y_true[..., :1], y_pred[..., :1])

    on_garment.__name__ = getattr(fn, "__name__", None) or getattr(fn, "name", "garment")
    return on_garment


@keras.saving.register_keras_serializable(package=PACKAGE)
class BodyHeadLoss(BceDiceLoss):
    """w_bce * BCE - w_dice * Dice on the garment channel (the seed's loss, unchanged)
    + body_weight * `body_bce`."""

    def __init__(self, bce_weight: float = 0.5, dice_weight: float = 2.0, body_weight: float = 0.5,
                 name: str = "body_head_loss", **kwargs):
        super().__init__(bce_weight, dice_weight, name=name, **kwargs)
        self.body_weight = float(body_weight)

    def call(self, y_true, y_pred):
        garment = super().call(y_true[..., :1], y_pred[..., :1])
        return garment + self.body_weight * body_bce(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "body_weight": self.body_weight}
