"""Edits of a view's override: brush strokes and whole-mask edits, each returning a ChangeRecord.

Edits write the override, never the mask, and return a ChangeRecord holding only the
touched bounding box, so undo is cheap and moving the threshold keeps every correction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import cv2
import numpy as np

from core.masks.codes import SOFT_BASE, stroke_codes
from core.masks.compose import (
    KEEP,
    NONE,
    REMOVE,
    BBox,
    bbox_of,
    clip_bbox,
    compose_mask,
)


@dataclass
class ChangeRecord:
    """One undoable override edit, limited to a bounding box.

    old, new: (h, w) uint8 override values inside the box before and after the edit.
    where: optional (h, w) bool; only those pixels belong to the edit (a merged stroke's
    union box holds pixels no dab touched, which undo must leave alone).
    """

    y0: int
    x0: int
    old: np.ndarray
    new: np.ndarray
    where: np.ndarray | None = None

    @property
    def bbox(self) -> BBox:
        h, w = self.old.shape
        return self.y0, self.x0, self.y0 + h, self.x0 + w

    @property
    def nbytes(self) -> int:
        return self.old.nbytes + self.new.nbytes + (0 if self.where is None else self.where.nbytes)

    def undo(self, override: np.ndarray) -> None:
        """Restore the values before the edit in `override` ((H, W) uint8, in place)."""
        self._write(override, self.old)

    def redo(self, override: np.ndarray) -> None:
        """Apply the edit again to `override` ((H, W) uint8, in place)."""
        self._write(override, self.new)

    def _write(self, override: np.ndarray, values: np.ndarray) -> None:
        y0, x0, y1, x1 = self.bbox
        if self.where is None:
            override[y0:y1, x0:x1] = values
        else:
            np.copyto(override[y0:y1, x0:x1], values, where=self.where)


def merge_records(records: Iterable[ChangeRecord | None]) -> ChangeRecord | None:
    """One record for many consecutive edits (the dabs of one stroke), oldest first.

    The merged box is the union; `old` keeps each pixel's value before the first edit that
    touched it, `new` its value after the last. None entries are skipped; None when
    nothing is left.
    """
    items = [r for r in records if r is not None]
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    y0 = min(r.y0 for r in items)
    x0 = min(r.x0 for r in items)
    y1 = max(r.bbox[2] for r in items)
    x1 = max(r.bbox[3] for r in items)
    old = np.zeros((y1 - y0, x1 - x0), np.uint8)
    new = np.zeros_like(old)
    covered = np.zeros(old.shape, bool)
    for r in items:  # later edits win for `new`
        _paste(new, covered, r, r.new, y0, x0)
    for r in reversed(items):  # earlier edits win for `old`
        _paste(old, None, r, r.old, y0, x0)
    return ChangeRecord(y0, x0, old, new, None if covered.all() else covered)


def _paste(canvas: np.ndarray, covered: np.ndarray | None, record: ChangeRecord,
           values: np.ndarray, y0: int, x0: int) -> None:
    ry0, rx0, ry1, rx1 = record.bbox
    sl = (slice(ry0 - y0, ry1 - y0), slice(rx0 - x0, rx1 - x0))
    if record.where is None:
        canvas[sl] = values
        if covered is not None:
            covered[sl] = True
    else:
        np.copyto(canvas[sl], values, where=record.where)
        if covered is not None:
            covered[sl] |= record.where


def paint_stroke(override: np.ndarray, points: Sequence[tuple[float, float]], radius: float,
                 value: int, hardness: float = 1.0) -> ChangeRecord | None:
    """Paint round discs along the polyline `points` into `override` (in place).

    override: (H, W) uint8. points: (x, y) in pixels, pixel centres at integers. Every
    pixel whose centre lies within `radius` of the polyline is painted, so a fast drag
    (points far apart) leaves no gaps. A radius under 0.71 still paints the nearest
    pixel(s). value: KEEP, REMOVE, or NONE (the eraser). Returns the change, or None when
    no pixel changed (stroke outside the image, or painting over the same value).

    hardness (0..1) below 1 makes a soft keep/remove brush: within `hardness * radius`
    of the polyline the pixel is painted as the hard brush does; further out a coverage
    falling linearly to 0 at `radius` says how far the pixel's alpha is pulled towards
    the tool's, written as soft codes (core.masks.codes.stroke_codes: a keep fade only
    ever raises alpha, a remove fade only lowers it, and going over the same place again
    changes nothing). The eraser ignores hardness (it returns pixels to the model).
    """
    if value not in (NONE, KEEP, REMOVE):
        raise ValueError(f"override value must be NONE, KEEP or REMOVE, not {value}")
    soft = hardness < 1.0 and value != NONE
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:
        return None
    h, w = override.shape
    r2 = max(float(radius) ** 2, 0.5) + 1e-9
    reach = math.sqrt(r2)
    box = clip_bbox((math.floor(pts[:, 1].min() - reach), math.floor(pts[:, 0].min() - reach),
                      math.ceil(pts[:, 1].max() + reach) + 1, math.ceil(pts[:, 0].max() + reach) + 1), (h, w))
    y0, x0, y1, x1 = box
    if y0 >= y1 or x0 >= x1:
        return None
    d2 = _distance2_to_polyline(pts, reach, box)
    region = override[y0:y1, x0:x1]
    if soft:
        wanted = _soft_values(region, d2, reach, hardness, value)
    else:
        wanted = np.where(d2 <= r2, np.uint8(value), region)
    return _write_changes(region, wanted, y0, x0)


def _write_changes(region: np.ndarray, wanted: np.ndarray, y0: int, x0: int) -> ChangeRecord | None:
    """Write `wanted` into `region` (a view of the override whose top left is (y0, x0))
    and return the change inside the tight box of what differed; None when nothing did."""
    tight = bbox_of(wanted != region)
    if tight is None:
        return None
    ty0, tx0, ty1, tx1 = tight
    sub = region[ty0:ty1, tx0:tx1]
    old = sub.copy()
    sub[...] = wanted[ty0:ty1, tx0:tx1]
    return ChangeRecord(y0 + ty0, x0 + tx0, old, sub.copy())


def _distance2_to_polyline(pts: np.ndarray, reach: float, box: BBox) -> np.ndarray:
    """(h, w) float64 squared distance of each pixel centre of `box` to the polyline,
    exact within `reach` (further pixels may keep +inf)."""
    y0, x0, y1, x1 = box
    h, w = y1 - y0, x1 - x0
    d2 = np.full((h, w), np.inf)
    for p, q in _short_segments(pts, max(4.0 * reach, 16.0)):
        # Only the segment's own box: a long polyline costs its length, not its area.
        sy0, sx0, sy1, sx1 = clip_bbox((math.floor(min(p[1], q[1]) - reach) - y0,
                                         math.floor(min(p[0], q[0]) - reach) - x0,
                                         math.ceil(max(p[1], q[1]) + reach) + 1 - y0,
                                         math.ceil(max(p[0], q[0]) + reach) + 1 - x0), (h, w))
        if sy0 >= sy1 or sx0 >= sx1:
            continue
        ys = np.arange(y0 + sy0, y0 + sy1, dtype=np.float64)[:, None] - p[1]
        xs = np.arange(x0 + sx0, x0 + sx1, dtype=np.float64)[None, :] - p[0]
        dx, dy = q[0] - p[0], q[1] - p[1]
        length2 = dx * dx + dy * dy
        if length2 > 0:
            t = np.clip((xs * dx + ys * dy) / length2, 0.0, 1.0)
            ex, ey = xs - t * dx, ys - t * dy
        else:
            ex, ey = xs, ys
        np.minimum(d2[sy0:sy1, sx0:sx1], ex * ex + ey * ey, out=d2[sy0:sy1, sx0:sx1])
    return d2


def _soft_values(region: np.ndarray, d2: np.ndarray, reach: float, hardness: float, value: int) -> np.ndarray:
    """The override values a soft dab leaves in `region` (see paint_stroke)."""
    inner = reach * max(0.0, float(hardness))
    coverage = np.clip((reach - np.sqrt(d2)) / max(reach - inner, 1e-6), 0.0, 1.0)
    core = coverage >= 1.0
    falloff = (coverage > 0.0) & ~core
    wanted = region.copy()
    wanted[core] = value
    if falloff.any():
        ask = np.round(255.0 * coverage[falloff]).astype(np.uint8)
        wanted[falloff] = stroke_codes(region[falloff], ask, keep=value == KEEP)
    return wanted


def _short_segments(pts: np.ndarray, max_len: float) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """Consecutive point pairs, long ones split: a diagonal segment's box is mostly empty,
    and short pieces keep the distance computation near the line."""
    if len(pts) == 1:
        yield pts[0], pts[0]
        return
    for p, q in zip(pts[:-1], pts[1:]):
        pieces = max(1, math.ceil(math.hypot(q[0] - p[0], q[1] - p[1]) / max_len))
        for i in range(pieces):
            yield p + (q - p) * (i / pieces), p + (q - p) * ((i + 1) / pieces)


def paint_region(override: np.ndarray, bbox: BBox, region: np.ndarray, value: int) -> ChangeRecord | None:
    """Write `value` (KEEP, REMOVE or NONE) into `override` where the (h, w) bool `region`
    inside `bbox` is set (a smart click's result); None when no pixel changes."""
    if value not in (NONE, KEEP, REMOVE):
        raise ValueError(f"override value must be NONE, KEEP or REMOVE, not {value}")
    y0, x0, y1, x1 = bbox
    sub = override[y0:y1, x0:x1]
    if region.shape != sub.shape:
        raise ValueError(f"region {region.shape} does not fit its box {sub.shape}")
    where = region & (sub != value)
    box = bbox_of(where)
    if box is None:
        return None
    by0, bx0, by1, bx1 = box
    where = where[by0:by1, bx0:bx1]
    target = sub[by0:by1, bx0:bx1]
    old = target.copy()
    target[where] = value
    return ChangeRecord(y0 + by0, x0 + bx0, old, target.copy(), where)


def apply_mask_edit(override: np.ndarray, probability: np.ndarray, threshold: float,
                    new_mask: np.ndarray) -> ChangeRecord | None:
    """Make the composed mask equal `new_mask` ((H, W) bool) by editing `override` in place.

    KEEP where the new mask gains a pixel, REMOVE where it loses one; pixels whose mask
    does not change keep their override, so a clean-up is one undo step and survives
    later threshold moves. A soft brush's pixels keep their painted fade (a hard code
    there would cut a notch or a spike into it), except a fade around a piece the edit
    takes away whole (a stray soft dab removed as a speck, a soft hole filled): that fade
    goes with it, or a faint ring would stay in the cutout. Returns None when nothing
    changes.
    """
    if new_mask.shape != override.shape:
        raise ValueError(f"new mask {new_mask.shape} and override {override.shape} differ in shape")
    current = compose_mask(probability, threshold, override)
    soft = override >= SOFT_BASE
    diff = (current != new_mask) & ~soft
    # A pixel whose mask differs is not yet what it gets, so the change is exactly `diff`.
    wanted = np.where(diff, np.where(new_mask, np.uint8(KEEP), np.uint8(REMOVE)), override)
    wanted[_stray_fades(soft, current & ~new_mask, new_mask)] = REMOVE
    wanted[_stray_fades(soft, new_mask & ~current, ~new_mask)] = KEEP
    return _write_changes(override, wanted, 0, 0)


def _stray_fades(soft: np.ndarray, changed: np.ndarray, other_side: np.ndarray) -> np.ndarray:
    """(H, W) bool: the soft pixels of each piece the edit changes that touch nothing it keeps.

    A piece is 8-connected over soft and changed pixels; it is stray when it holds a
    changed pixel and no pixel of it lies next to `other_side` (the garment a removal
    keeps, the backdrop a fill keeps), i.e. its fade belonged to what the edit takes."""
    if not changed.any() or not soft.any():
        return np.zeros(soft.shape, bool)
    region = (soft | changed).astype(np.uint8)
    count, labels = cv2.connectedComponents(region, connectivity=8)
    near_other = cv2.dilate(other_side.astype(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    touches = np.zeros(count, bool)
    touches[labels[near_other & (region > 0)]] = True
    holds_change = np.zeros(count, bool)
    holds_change[labels[changed]] = True
    stray = holds_change & ~touches
    stray[0] = False  # the label of everything outside the pieces
    return stray[labels] & soft
