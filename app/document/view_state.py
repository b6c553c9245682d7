"""One view of a garment as the app edits it: photo, probability, threshold, overrides.

Qt-free. The mask itself is never stored: it is core.masks.compose_mask of the three,
so moving the threshold keeps every brush correction. Alongside, the state keeps what
makes redrawing cheap: the effective probability image the canvas draws through a
lookup table (see app.document.overlay) and its histogram, from which the garment area at any
threshold is a sum over 256 bins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from app.document import overlay
from core.files.export import Painted
from core.files.fingerprint import mask_digest, photo_fingerprint
from core.masks import compose, edits
from core.masks.adjustments import EdgeAdjustments


@dataclass
class ViewState:
    """The editable state of one view.

    rgb: (H, W, 3) uint8 photo. probability: (H, W) uint8 or None until predicted.
    override: (H, W) uint8 codes (core.masks.codes: NONE/KEEP/REMOVE, soft-brush fades). threshold: float in (0, 1].
    fingerprint: core.files.fingerprint of the photo's pixels, which the cached probability
    belongs to.
    """

    key: str
    view: str
    path: Path
    rgb: np.ndarray
    threshold: float = 0.5
    probability: np.ndarray | None = None
    override: np.ndarray = field(default=None)  # type: ignore[assignment]
    effective: np.ndarray | None = None
    histogram: np.ndarray | None = None
    exported: bool = False
    # The mask_digest its cutout in the export folder was made from (None: unknown), so
    # that undoing every edit since the export makes the view exported again.
    export_digest: str | None = None
    threshold_changed: bool = False
    fingerprint: str = ""
    deep: bool = False  # the file has more than 8 bits a sample: export reads them again
    # The retoucher approved the mask as it is on screen. Any change of threshold,
    # probability or override withdraws it (the approval was of that exact mask).
    approved: bool = False
    # The sidecar's approved mask digest, checked once the probability is in (the
    # approval holds only if the mask composed now is the one approved).
    pending_approval: str | None = None
    seconds_on_view: float = 0.0  # on screen in this window, for the export's correction record
    # Smooth/feather/contrast/shift of the cutout's edge: applied when drawn and exported.
    adjustments: EdgeAdjustments = field(default_factory=EdgeAdjustments)
    # (H, W) uint8, 1 where the band brush widened the refine edge's band (fuzzy fabric);
    # None until painted.
    widen: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.override is None:
            self.override = np.zeros(self.rgb.shape[:2], np.uint8)
        self._overrides_count: int | None = None
        self._exported_at: tuple[float, int] | None = None  # (threshold, override count) at set_exported
        # Bumped by every change of the override or the probability map: what the mask is
        # made of besides the threshold, so a drawing of the mask can tell it is stale.
        self.revision = 0

    # -- basics --------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self.rgb.shape[0], self.rgb.shape[1]

    @property
    def predicted(self) -> bool:
        return self.probability is not None

    @property
    def cut(self) -> int:
        return overlay.threshold_cut(self.threshold)

    def set_threshold(self, threshold: float) -> None:
        """A new threshold withdraws the approval; the same one again does not (a model
        that finishes loading sets its threshold on every view left at the default)."""
        threshold = clamp_threshold(threshold)
        if threshold != self.threshold:
            self.approved = False
        self.threshold = threshold

    def mask_digest(self) -> str | None:
        """core.files.fingerprint.mask_digest of this view's mask; None before a prediction."""
        return view_digest(self.threshold, self.probability, self.override, self.adjustments, self.widen)

    def set_exported(self, digest: str | None) -> None:
        """The view's cutout was just written from the mask of `digest` (its mask_digest)."""
        self.exported = True
        self.export_digest = digest
        self._exported_at = (self.threshold, self.overrides_count())

    def refresh_exported(self) -> None:
        """After an edit: exported again only if the view is back to the mask its cutout
        was made from (a stroke undone), else no longer. The digest (55 ms at 24 MP) is
        taken only when threshold and override count are back to the export's."""
        if self.export_digest is None or (self.threshold, self.overrides_count()) != self._exported_at:
            self.exported = False
        else:
            self.exported = self.mask_digest() == self.export_digest

    def overrides_count(self) -> int:
        """How many pixels the overrides touch (cached until the next edit)."""
        self.has_corrections()
        return self._overrides_count

    def has_widen(self) -> bool:
        return self.widen is not None and bool(self.widen.any())

    def widen_snapshot(self) -> np.ndarray | None:
        """A (H, W) bool copy of the widen map for work on another thread (painting goes
        on meanwhile), or None when the band brush has not widened anything."""
        return self.widen.astype(bool) if self.has_widen() else None

    def has_soft(self) -> bool:
        """True when a soft brush painted somewhere (the override holds soft codes)."""
        return compose.has_soft(self.override)

    def hard_mask(self) -> np.ndarray:
        """(H, W) bool: the mask without the soft brush's strokes, which the edge (and
        its adjustments) is made from before the strokes go on top."""
        if self.probability is None:
            return np.zeros(self.shape, bool)
        return compose.compose_mask(self.probability, self.threshold, compose.hard_part(self.override))

    def painted_snapshot(self) -> Painted | None:
        """For the export on another thread, where a brush painted the view: a copy of the
        override and the hard part's mask; else None."""
        return Painted(self.override.copy(), self.hard_mask()) if self.override.any() else None

    def paint_widen(self, points: Sequence[tuple[float, float]], radius: float, value: int):
        """Widen (value 1) or narrow back (0) the refine band along a stroke: a ChangeRecord or None."""
        if self.widen is None:
            self.widen = np.zeros(self.shape, np.uint8)
        record = edits.paint_stroke(self.widen, list(points), radius, value)
        if record is not None:
            self.approved = False
        return record

    def set_adjustments(self, adjustments: EdgeAdjustments) -> None:
        self.adjustments = adjustments
        self.approved = False

    def approve(self, approved: bool = True) -> bool:
        """Mark the mask as it is approved (or not); False when there is no mask yet."""
        if approved and self.probability is None:
            return False
        self.approved = approved
        self.pending_approval = None
        return True

    def set_probability(self, probability: np.ndarray) -> None:
        """Install the model's (H, W) uint8 probability and rebuild the draw caches."""
        if probability.shape != self.shape:
            raise ValueError(f"probability {probability.shape} does not match photo {self.shape}")
        self.probability = np.ascontiguousarray(probability, dtype=np.uint8)
        self.revision += 1
        self._rebuild()
        pending, self.pending_approval = self.pending_approval, None
        self.approved = pending is not None and pending == self.mask_digest()

    def set_override(self, override: np.ndarray) -> None:
        """Replace the whole (H, W) uint8 override (restoring from the sidecar)."""
        if override.shape != self.shape:
            raise ValueError(f"override {override.shape} does not match photo {self.shape}")
        self.override = np.ascontiguousarray(override, dtype=np.uint8)
        self._overrides_count = None
        self.revision += 1
        self.approved = False
        if self.probability is not None:
            self._rebuild()

    def _rebuild(self) -> None:
        assert self.probability is not None
        self.effective = overlay.effective_probability(self.probability, self.override)
        self.histogram = np.bincount(self.effective.ravel(), minlength=256).astype(np.int64)

    # -- the mask ------------------------------------------------------------------
    def mask(self) -> np.ndarray:
        """(H, W) bool mask, exactly as core composes it."""
        if self.probability is None:
            return np.zeros(self.shape, bool)
        return compose.compose_mask(self.probability, self.threshold, self.override)

    def area(self) -> int:
        """Garment pixels at the current threshold (from the histogram: no full pass)."""
        if self.histogram is None:
            return 0
        return overlay.area_from_histogram(self.histogram, self.cut)

    def has_corrections(self) -> bool:
        if self._overrides_count is None:
            self._overrides_count = int(np.count_nonzero(self.override))
        return self._overrides_count > 0

    @property
    def corrected(self) -> bool:
        return self.has_corrections() or self.threshold_changed or not self.adjustments.is_identity

    # -- edits ---------------------------------------------------------------------
    def paint(self, points: Sequence[tuple[float, float]], radius: float, value: int, hardness: float = 1.0):
        """Paint a polyline of (x, y) pixel points (centres at integers) with a round brush
        of `hardness` (0..1; a soft edge below 1, core.masks.edits.paint_stroke).

        Returns core's ChangeRecord (None when nothing changed); the caller keeps it
        for undo.
        """
        record = edits.paint_stroke(self.override, list(points), radius, value, hardness)
        if record is not None:
            self.refresh_box(record.bbox)
        return record

    def paint_region(self, bbox, region: np.ndarray, value: int):
        """Write `value` over the (h, w) bool `region` inside core's `bbox` (a smart click)."""
        record = edits.paint_region(self.override, bbox, region, value)
        if record is not None:
            self.refresh_box(record.bbox)
        return record

    def apply_mask_edit(self, new_mask: np.ndarray):
        """Make the mask equal the (H, W) bool `new_mask` through overrides (clean-ups)."""
        if self.probability is None:
            return None
        record = edits.apply_mask_edit(self.override, self.probability, self.threshold, new_mask)
        if record is not None:
            self.refresh_box(record.bbox)
        return record

    def undo(self, record, target: str = "override") -> None:
        """Undo a ChangeRecord of the override map (or of the band brush's widen map)."""
        if target == "widen":
            record.undo(self.widen)
            self.approved = False
            return
        record.undo(self.override)
        self.refresh_box(record.bbox)

    def redo(self, record, target: str = "override") -> None:
        if target == "widen":
            record.redo(self.widen)
            self.approved = False
            return
        record.redo(self.override)
        self.refresh_box(record.bbox)

    def refresh_box(self, bbox) -> None:
        """Recompute the effective image and histogram inside core's bbox after an edit."""
        self._overrides_count = None
        self.revision += 1
        self.approved = False
        if self.probability is None or self.effective is None or self.histogram is None:
            return
        sl = bbox_slices(bbox)
        eff = self.effective[sl]
        self.histogram -= np.bincount(eff.ravel(), minlength=256)
        overlay.effective_probability(self.probability[sl], self.override[sl], out=eff)
        self.histogram += np.bincount(eff.ravel(), minlength=256)


def bbox_slices(bbox: tuple[int, int, int, int]) -> tuple[slice, slice]:
    """core's (y0, x0, y1, x1) bbox -> (row slice, column slice)."""
    y0, x0, y1, x1 = bbox
    return slice(y0, y1), slice(x0, x1)


def clamp_threshold(threshold: float) -> float:
    """Clamped to [1/255, 1]: below that every pixel is garment and the display cut
    (app.document.overlay.threshold_cut) could no longer tell REMOVE from NONE."""
    return float(min(1.0, max(1.0 / 255.0, threshold)))


def view_digest(threshold: float, probability: np.ndarray | None, override: np.ndarray,
                adjustments: EdgeAdjustments, widen: np.ndarray | None) -> str | None:
    """The digest of the mask (and edge) a view's threshold, model map, overrides, edge
    adjustments and band map make (core.files.fingerprint.mask_digest); None without a map."""
    if probability is None:
        return None
    extra = "" if adjustments.is_identity else repr(adjustments.to_dict())
    if widen is not None and widen.any():
        extra += ":widen" + photo_fingerprint(np.asarray(widen, dtype=np.uint8))
    return mask_digest(overlay.threshold_cut(threshold), probability, override, extra)
