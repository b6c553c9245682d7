"""Thumbnails of a view: the photo shrunk once, and the cutout drawn from it and the mask
(what a retoucher checks at a glance), as Qt icons for the view strip and the catalogue."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QIcon, QImage, QPixmap

THUMB_HEIGHT = 56


def shrink(rgb: np.ndarray, height: int = THUMB_HEIGHT) -> np.ndarray:
    """The (H, W, 3) uint8 photo at thumbnail height."""
    h, w = rgb.shape[:2]
    tw = max(1, round(w * height / h))
    return np.ascontiguousarray(cv2.resize(rgb, (tw, height), interpolation=cv2.INTER_AREA))


def cutout_thumbnail(small: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The thumbnail-size photo where the (H, W) bool mask is garment, a light checkerboard
    elsewhere: the cutout, which is what the retoucher checks, not the photo."""
    th, tw = small.shape[:2]
    alpha = cv2.resize(mask.astype(np.float32), (tw, th), interpolation=cv2.INTER_AREA)[..., None]
    yy, xx = np.mgrid[0:th, 0:tw]
    board = np.where(((yy // 6 + xx // 6) % 2 == 0)[..., None], 236, 200).astype(np.float32)
    return np.ascontiguousarray(np.round(small * alpha + board * (1 - alpha)).astype(np.uint8))


def icon_of(small: np.ndarray, strip: tuple[int, int, int] | None = None) -> QIcon:
    """A QIcon of the (h, w, 3) uint8 thumbnail; `strip` paints a state colour down its left edge."""
    if strip is not None:
        small = small.copy()
        small[:, : max(2, small.shape[1] // 10)] = strip
    th, tw = small.shape[:2]
    image = QImage(small.data, tw, th, 3 * tw, QImage.Format.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(image))
