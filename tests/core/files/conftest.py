"""Helpers for the file tests (imported by package path: tests.core.files.conftest)."""

from __future__ import annotations

import cv2
import numpy as np


def overwritten_jpeg(bgr: np.ndarray, size: int = 2000, seed: int = 0) -> bytes:
    """`bgr` as a JPEG with `size` random bytes written over its middle, as a bad sector
    or a broken transfer leaves a file: libjpeg decodes it, garbage from there on."""
    data = bytearray(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes())
    start = len(data) // 2
    data[start:start + size] = np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
    return bytes(data)
