"""Whole-mask clean-ups on boolean masks: fill holes, remove specks, grow/shrink, feather."""

from __future__ import annotations

import cv2
import numpy as np


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool with every background region not connected to the image border filled.

    Background connects 4-way (the garment 8-way), so a hole closed only diagonally
    still counts as a hole.
    """
    h, w = mask.shape
    padded = np.zeros((h + 2, w + 2), np.uint8)
    padded[1:-1, 1:-1] = mask
    # The 1-pixel frame joins all border background into one region reached from (0, 0).
    cv2.floodFill(padded, None, (0, 0), 2, flags=4)
    return padded[1:-1, 1:-1] != 2


def remove_specks(mask: np.ndarray, min_area: int, holes: bool = False) -> np.ndarray:
    """(H, W) bool without garment components (8-connected) smaller than min_area pixels.

    holes: also fill background regions (4-connected, not touching the border) smaller
    than min_area.
    """
    out = mask.copy()
    if min_area <= 1:
        return out
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count > 1:
        keep = stats[:, cv2.CC_STAT_AREA] >= min_area
        keep[0] = False  # label 0 is the background
        out = keep[labels]
    if holes:
        count, labels, stats, _ = cv2.connectedComponentsWithStats((~out).astype(np.uint8), connectivity=4)
        small = stats[:, cv2.CC_STAT_AREA] < min_area
        small[0] = False  # label 0 is the garment
        border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
        small[np.unique(border)] = False
        out |= small[labels]
    return out


def grow_shrink(mask: np.ndarray, n_px: float) -> np.ndarray:
    """(H, W) bool grown (n_px > 0) or shrunk (n_px < 0) by a round brush of radius |n_px|.

    A Euclidean distance transform gives the exact disc an elliptical kernel approximates,
    in constant time whatever the radius. The image border counts as far from everything,
    so a garment cut by the frame does not shrink away from the frame.
    """
    if n_px == 0:
        return mask.copy()
    if n_px > 0:
        if not mask.any():
            return mask.copy()
        dist = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        return dist <= n_px
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return dist > -n_px


# A soft edge wider than this is no cutout edge any more, and the blur's kernel grows with
# it: 1e5 px ran for minutes and 1e9 ended in an OpenCV assertion.
MAX_FEATHER_PX = 200


def feather(mask: np.ndarray, px: float) -> np.ndarray:
    """(H, W) uint8 alpha from a (H, W) bool mask, its edge softened over about px pixels.

    A Gaussian of sigma px / 2 (so the ramp is roughly px pixels each side of the edge);
    px <= 0 gives a hard 0/255 alpha; px is capped at MAX_FEATHER_PX and at half the
    mask's shorter side (a wider ramp would only blur the whole photo). The border is
    replicated so a garment touching the frame stays opaque there.
    """
    # Any nonzero is garment: astype(uint8) * 255 turned a 0/255 uint8 mask into alpha 1.
    alpha = np.where(mask, np.uint8(255), np.uint8(0))
    if not px > 0:  # also NaN
        return alpha
    px = min(float(px), MAX_FEATHER_PX, max(1.0, min(mask.shape[:2]) / 2))
    return cv2.GaussianBlur(alpha, (0, 0), sigmaX=px / 2.0, sigmaY=px / 2.0, borderType=cv2.BORDER_REPLICATE)
