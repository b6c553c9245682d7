"""The double pass (seed section "Minimizing noisy background"): two models chained.

The first finds the garment, the photo is blanked outside a dilated first mask, and the
second predicts on that.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.prediction.predictor import IsCancelled, Predictor, Progress


def focus_image(rgb: np.ndarray, mask: np.ndarray, margin_px: int = 50) -> np.ndarray:
    """The seed's focus image: keep the photo within `margin_px` of the (H, W) bool
    `mask` and blank (black) the rest; returns a new (H, W, 3) uint8 image."""
    region = dilate(mask, margin_px)
    return np.where(region[..., None], rgb, 0).astype(np.uint8)


def dilate(mask: np.ndarray, px: int) -> np.ndarray:
    """(H, W) bool mask grown by `px` pixels with a round kernel."""
    if px <= 0:
        return mask.astype(bool)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel) > 0


class DoublePassPredictor:
    """First model finds the garment; the second predicts on the focus image.

    Outside the dilated first mask the probability is 0: the second model never saw
    that region, and that background is exactly the noise the double pass removes.
    `margin_px` (photo pixels) defaults to the margin the second model was trained with
    (its card's `training["focus_margin"]`), or the seed's 50 when the card has none."""

    def __init__(self, first: Predictor, second: Predictor, margin_px: int | None = None):
        self.first = first
        self.second = second
        if margin_px is None:
            # `or`: a card with focus_margin 0 is an ordinary model, not a trained margin.
            margin_px = int(second.card.training.get("focus_margin") or 50)
        self.margin_px = margin_px
        self.card = second.card
        self.model_id = f"{first.model_id}+{second.model_id}"

    @property
    def threshold(self) -> float:
        return float(self.second.card.threshold)

    def predict(self, rgb: np.ndarray, progress: Progress | None = None,
                cancelled: IsCancelled | None = None) -> np.ndarray:
        return self.predict_many([rgb], progress=progress, cancelled=cancelled)[0]

    def predict_many(self, images, batch_size: int = 4, progress: Progress | None = None,
                     cancelled: IsCancelled | None = None) -> list[np.ndarray]:
        images = list(images)
        first = self.first.predict_many(images, batch_size, cancelled=cancelled)
        from core.masks.compose import threshold_level

        level = threshold_level(self.first.threshold)
        masks = [p >= level for p in first]
        focused = [focus_image(im, m, self.margin_px) for im, m in zip(images, masks)]
        second = self.second.predict_many(focused, batch_size, progress=progress, cancelled=cancelled)
        regions = [dilate(m, self.margin_px) for m in masks]
        return [np.where(r, p, 0).astype(np.uint8) for p, r in zip(second, regions)]
