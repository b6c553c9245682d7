"""Click to refine: one click adds (or removes) the region it belongs to, following the photo.

The smart keep/remove tool of issue 12. Around the click, GrabCut (OpenCV) re-segments a
window of the photo starting from the current mask: the current mask seeds "probably
garment" / "probably background", the model's confident pixels far from the click and
the window's frame are fixed, and a disc at the click (cut to the click's own colour)
is fixed to what the click says.
Only the connected change that touches the click is kept, so a click never edits
anything far from where it landed; the caller writes it as KEEP or REMOVE overrides, like
a brush stroke, so it survives threshold changes and is one undo step.

The window grows with the click's distance to the current mask's edge: a click deep in
a wrongly filled torso needs a large window; it is never smaller than a share of the
photo (a click beside the edge may lie in a large wrong region). GrabCut
runs on a copy of the window at most WORK_SIDE pixels on its longer side (about 0.1 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.masks.compose import BBox

WORK_SIDE = 200  # longest side of the window GrabCut works on (speed: ~0.1 s at 3 iterations)
ITERATIONS = 3
MIN_HALF = 24  # smallest half-window in photo pixels
# ... and at least this share of the photo's mean side. A click just inside a wrong
# region's border (where retouchers often click) is close to the mask's edge, so its
# window was the smallest one and the frame, fixed to the current answer, cut the region
# off: 611 of a 4,093 px false blob removed (found by a helper). Measured with the robot's
# edge clicks on the CCP validation photos (~550 x 830) and validation renders (1152 x
# 1728): half 24 -> 80 took the views starting below Dice 0.97 from a mean of 15.4 to 12.7
# clicks on CCP and 16.6 to 14.6 on renders (interior clicks 8.60 -> 8.45 and 5.1 -> 4.4);
# 120 and 160 were worse on CCP, 160 better on renders: so a share of the photo's size.
MIN_HALF_SHARE = 0.115
# ... but no more than this: GrabCut works on at most WORK_SIDE pixels, and a floor that
# grows with a 24 MP photo would work so coarsely that a small notch is fixed in part.
MAX_FLOOR = 200
SEED_SHARE = 0.9  # seed disc radius / the click's distance to the mask's edge
CONFIDENT = 0.1  # probability margin from 0 and 1 inside which the model's answer is fixed
CORE_RADIUS = 2.0  # the part of the seed fixed whatever the colours (work pixels)
SEED_COLOUR_RANGE = 40  # per channel, from the click's colour, on the blurred window
SEED_BLUR = 2.0  # Gaussian sigma (work pixels) before comparing colours


@dataclass
class SmartEdit:
    """The region a click adds (positive) or removes, as (h, w) bool inside `bbox`."""

    bbox: BBox
    region: np.ndarray
    positive: bool

    @property
    def area(self) -> int:
        return int(np.count_nonzero(self.region))


def click_window(mask: np.ndarray, y: int, x: int, positive: bool) -> tuple[BBox, float]:
    """The (y0, x0, y1, x1) window around a click, about three times the click's distance
    `d` to the mask's edge (at least MIN_HALF and MIN_HALF_SHARE of the photo's mean
    side), and `d`."""
    h, w = mask.shape
    # A positive click lies outside the mask (or should): how far is the garment?
    inside = mask if not positive else ~mask
    if inside[y, x]:
        dist = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 3)
        d = float(dist[y, x])
    else:
        d = 0.0
    half = int(max(MIN_HALF, min(MAX_FLOOR, MIN_HALF_SHARE * (h + w) / 2), 3.0 * d + 8))
    return (max(0, y - half), max(0, x - half), min(h, y + half + 1), min(w, x + half + 1)), d


def smart_click(rgb: np.ndarray, probability: np.ndarray | None, mask: np.ndarray, y: int, x: int,
                positive: bool) -> SmartEdit:
    """What a smart click at (y, x) changes.

    rgb: (H, W, 3) uint8 photo; probability: (H, W) uint8 (p = v / 255) or None; mask:
    (H, W) bool, the view's mask now. positive: add garment (keep tool) or remove it.
    """
    h, w = mask.shape
    y, x = int(min(max(y, 0), h - 1)), int(min(max(x, 0), w - 1))
    (y0, x0, y1, x1), d = click_window(mask, y, x, positive)
    win_mask = mask[y0:y1, x0:x1]
    wh, ww = win_mask.shape
    scale = min(1.0, WORK_SIDE / max(wh, ww))
    sh, sw = max(8, round(wh * scale)), max(8, round(ww * scale))
    small_rgb = cv2.resize(rgb[y0:y1, x0:x1], (sw, sh), interpolation=cv2.INTER_AREA)
    small_mask = cv2.resize(win_mask.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_NEAREST) > 0
    cy, cx = min(sh - 1, int((y - y0) * sh / wh)), min(sw - 1, int((x - x0) * sw / ww))

    labels = np.where(small_mask, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    yy, xx = np.ogrid[:sh, :sw]
    far = (yy - cy) ** 2 + (xx - cx) ** 2 > (0.35 * max(sh, sw)) ** 2
    if probability is not None:
        p = cv2.resize(probability[y0:y1, x0:x1], (sw, sh), interpolation=cv2.INTER_AREA)
        labels[far & small_mask & (p >= 255 * (1 - CONFIDENT))] = cv2.GC_FGD
        labels[far & ~small_mask & (p <= 255 * CONFIDENT)] = cv2.GC_BGD
    # The frame keeps its current answer: the edit must not leak out of the window.
    frame = np.zeros((sh, sw), bool)
    frame[0, :] = frame[-1, :] = frame[:, 0] = frame[:, -1] = True
    labels[frame & small_mask] = cv2.GC_FGD
    labels[frame & ~small_mask] = cv2.GC_BGD
    # The seed: a disc of SEED_SHARE of the click's distance to the edge, which lies
    # inside the region the click means when the click is near that region's middle. A
    # click on a thin strap (or a bare neck) far from the mask is not: the disc spilled
    # onto the backdrop, fixed as garment and put into the edit whatever GrabCut said.
    # So the seed is only the part of the disc joined to the click in the click's colour
    # (blurred, so a print or a weave still counts as one colour), and a small core.
    seed_radius = max(2.0, SEED_SHARE * d * scale)
    disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= seed_radius ** 2
    core = (yy - cy) ** 2 + (xx - cx) ** 2 <= min(seed_radius, CORE_RADIUS) ** 2
    seed = core | (disc & _same_colour(cv2.GaussianBlur(small_rgb, (0, 0), SEED_BLUR), cy, cx))
    labels[seed] = cv2.GC_FGD if positive else cv2.GC_BGD

    if (labels == cv2.GC_FGD).any() or (labels == cv2.GC_PR_FGD).any():
        if ((labels == cv2.GC_BGD) | (labels == cv2.GC_PR_BGD)).any():
            bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
            cv2.setRNGSeed(0)  # GrabCut's k-means: the same click gives the same edit, whatever came before
            cv2.grabCut(small_rgb, labels, None, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    garment = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    changed_small = garment & ~small_mask if positive else ~garment & small_mask
    changed_small |= seed & (~small_mask if positive else small_mask)
    # Back at the photo's resolution, the change follows GrabCut's edge (linear, then cut).
    changed = cv2.resize(changed_small.astype(np.float32), (ww, wh), interpolation=cv2.INTER_LINEAR) >= 0.5
    changed &= ~win_mask if positive else win_mask
    region = _component_at(changed, y - y0, x - x0)
    return SmartEdit((y0, x0, y1, x1), region, positive)


def _same_colour(rgb: np.ndarray, y: int, x: int) -> np.ndarray:
    """The pixels joined to (y, x) within SEED_COLOUR_RANGE of its colour (a flood fill)."""
    h, w = rgb.shape[:2]
    filled = np.zeros((h + 2, w + 2), np.uint8)
    tolerance = (SEED_COLOUR_RANGE,) * 3
    flags = 8 | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
    cv2.floodFill(np.ascontiguousarray(rgb), filled, (int(x), int(y)), 0, tolerance, tolerance, flags)
    return filled[1:-1, 1:-1] > 0


def _component_at(changed: np.ndarray, y: int, x: int) -> np.ndarray:
    """The 8-connected part of `changed` that holds (y, x), or the one nearest to it."""
    if not changed.any():
        return changed
    count, labels = cv2.connectedComponents(changed.astype(np.uint8), connectivity=8)
    label = labels[y, x]
    if label == 0:
        ys, xs = np.nonzero(labels)
        nearest = np.argmin((ys - y) ** 2 + (xs - x) ** 2)
        label = labels[ys[nearest], xs[nearest]]
    return labels == label
