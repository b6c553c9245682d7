"""The garment being edited: its views' states, unreadable views, and its sidecar.

Qt-free. Opening reads each view's photo (a bad file is reported per view, never
fatal) and restores what the sidecar holds: thresholds, brush corrections, and the
probability maps cached for the current model, so reopening a shoot is instant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.document.view_state import ViewState
from core.common.errors import ExportError, GarmentCutoutError
from core.files.fingerprint import photo_fingerprint
from core.files.imageio import read_image
from core.files.shoots import Garment
from core.files.sidecar import NOTHING_SAVED, RESTORED, Sidecar, view_key
from core.masks.adjustments import EdgeAdjustments

log = logging.getLogger(__name__)

# A garment's state as the catalogue panel shows it: not started -> (partly) predicted
# -> corrected -> approved (every view's mask checked by the retoucher) -> exported (as
# far as the app knows), or unreadable. "Partly predicted": a prediction stopped before
# its last view, so the garment is not ready to look through.
NOT_STARTED = "not started"
PARTLY_PREDICTED = "partly predicted"
PREDICTED = "predicted"
CORRECTED = "corrected"
APPROVED = "approved"
EXPORTED = "exported"
BROKEN = "unreadable"


@dataclass
class GarmentSession:
    garment: Garment
    sidecar: Sidecar | None
    states: dict[str, ViewState] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # view -> message
    problems: list[str] = field(default_factory=list)
    # Views whose saved corrections could not be read or belong to another photo: exporting
    # them unattended would silently drop the retoucher's work.
    unreadable_corrections: list[str] = field(default_factory=list)
    # Why this window must not save the garment's corrections (another window holds the
    # shoot), or None; saving then fails with it, so the changes stay unsaved and flagged.
    read_only: str | None = None
    # What save_seconds last wrote: {key: (seconds, fingerprint)}.
    _seconds_recorded: dict[str, tuple[float, str]] = field(default_factory=dict, repr=False)

    @property
    def garment_id(self) -> str:
        """What names the garment's files (exports, sidecar keys)."""
        return self.garment.garment_id

    @property
    def key(self) -> str:
        """What tells the garment apart in the catalogue (Garment.key)."""
        return self.garment.key

    @classmethod
    def open(cls, garment: Garment, default_threshold: float, unattended: bool = False,
             read_only: str | None = None) -> "GarmentSession":
        """Read the photos and restore saved thresholds and corrections.

        Corrections that cannot be applied (damaged, made on another photo, the photo's
        size changed) are reported in `problems`. Unattended (an export of the whole
        catalogue), the view is listed in `unreadable_corrections`, which holds the
        garment back; opened by the user, who reads the message, the view starts clean
        and that is saved, so a later unattended export goes ahead."""
        sidecar = None
        problems: list[str] = []
        try:
            sidecar = Sidecar.for_shoot(garment.folder)
        except GarmentCutoutError as exc:
            problems.append(f"corrections of {garment.garment_id} cannot be saved: {exc}")
        session = cls(garment, sidecar, problems=problems, read_only=read_only)
        for view, path in garment.views.items():
            try:
                image = read_image(path)
            except GarmentCutoutError as exc:
                session.broken[view] = str(exc)
                continue
            state = ViewState(key=view_key(garment.garment_id, view), view=view, path=Path(path), rgb=image.rgb,
                              fingerprint=photo_fingerprint(image.rgb), deep=image.rgb16 is not None)
            state.set_threshold(default_threshold)
            session.states[view] = state
            session._restore(state, unattended)
        return session

    def _restore(self, state: ViewState, unattended: bool) -> None:
        if self.sidecar is None:
            return
        state.seconds_on_view = self.sidecar.seconds_on_view(state.key, state.fingerprint)
        name = f"{self.garment_id} {state.view}"
        try:
            restored = self.sidecar.restore_view(state.key, state.shape, state.fingerprint)
            refused_earlier = self.sidecar.unacknowledged_set_aside(state.key) if restored.status == NOTHING_SAVED \
                else None
        except (GarmentCutoutError, OSError) as exc:
            self.problems.append(f"saved corrections of {name} are unreadable and were ignored: {exc}")
            self.unreadable_corrections.append(state.view)
            return
        if restored.status in (RESTORED, NOTHING_SAVED):
            state.pending_approval = self.sidecar.approved_mask(state.key, state.fingerprint)
        if restored.status == RESTORED:
            if restored.threshold_set:  # else the model's own threshold, as for a view never saved
                state.set_threshold(restored.threshold)
            state.threshold_changed = restored.threshold_set
            state.set_override(restored.override)
            if restored.adjustments:
                state.adjustments = EdgeAdjustments.from_dict(restored.adjustments)
            if restored.widen is not None:
                state.widen = restored.widen
            return
        if restored.lost_corrections:
            message = restored.message(name)
        elif refused_earlier is not None:
            message = (f"{name}: corrections saved earlier could not be applied to this photo and were set "
                       f"aside ({refused_earlier}); open the garment to check it.")
        else:
            return
        self.problems.append(message)
        if unattended or self.read_only:
            self.unreadable_corrections.append(state.view)
        else:
            self._acknowledge(state)

    def _acknowledge(self, state: ViewState) -> None:
        """Save the view as it starts now (clean): the user has been told about the
        corrections set aside, so they no longer hold an unattended export back."""
        try:
            self.save_view(state.view)
        except GarmentCutoutError as exc:
            self.problems.append(f"{self.garment_id} {state.view}: {exc}")
            self.unreadable_corrections.append(state.view)

    def load_cached_probabilities(self, model_id: str) -> list[str]:
        """Install cached probability maps of `model_id`; returns the views still to predict."""
        missing = []
        for view, state in self.states.items():
            if state.predicted:
                continue
            probability = None
            if self.sidecar is not None:
                try:
                    probability = self.sidecar.load_probability(state.key, model_id, state.fingerprint)
                except (GarmentCutoutError, OSError) as exc:
                    log.warning("ignoring probability cache of %s: %s", state.key, exc)
            if probability is not None and probability.shape == state.shape:
                state.set_probability(probability)
            else:
                missing.append(view)
        return missing

    def mark_exported(self, export_folder: Path | None) -> None:
        """Views whose cutout in `export_folder` is the current one (Sidecar.is_exported)
        say so on reopening, as the catalogue list already did from the same files."""
        for state in self.states.values():
            if export_folder is not None and self.sidecar is not None \
                    and self.sidecar.is_exported(state.key, export_folder, state.path):
                state.set_exported(self.sidecar.export_digest(state.key))
            else:
                state.exported, state.export_digest = False, None

    def save_view(self, view: str) -> None:
        """Write one view's threshold and override to the sidecar (atomic)."""
        state = self.states.get(view)
        if state is None or self.sidecar is None:
            return
        if self.read_only:
            raise ExportError(self.read_only)
        # Taken once for both uses (55 ms at 24 MP), and only when an approval or an
        # export has something to compare it with.
        digest = state.mask_digest() if state.approved or state.export_digest is not None else None
        self.sidecar.save_view(state.key, state.threshold, state.override, state.fingerprint,
                               None if state.adjustments.is_identity else state.adjustments.to_dict(),
                               state.widen if state.has_widen() else None,
                               threshold_set=state.threshold_changed, corrected=state.corrected,
                               mask_digest=digest if state.export_digest is not None else None)
        if state.approved:
            self.sidecar.record_approval(state.key, state.fingerprint, digest or "")
        elif state.pending_approval is None:  # not yet checked against a probability: keep it
            self.sidecar.clear_approval(state.key)

    def record_export(self, view: str, cutout: Path, correction: dict | None = None,
                      mask_digest: str | None = None) -> None:
        """Remember the view's cutout, so the catalogue shows it exported, and how much it
        was corrected (app.jobs.tasks.correction_record); safe on a worker."""
        state = self.states.get(view)
        if self.sidecar is not None and state is not None and not self.read_only:
            try:
                self.sidecar.record_export(state.key, cutout, state.path, correction, mask_digest)
            except (GarmentCutoutError, OSError) as exc:
                log.warning("export of %s not recorded: %s", state.key, exc)

    def save_seconds(self) -> None:
        """Record the time spent on each view so far, so an export after the garment was
        left (or the app closed) still says how long each view took; views unchanged
        since the last record are not written again. A failure is logged: no correction
        is lost with it."""
        if self.sidecar is None or self.read_only:
            return
        seconds = {s.key: (round(s.seconds_on_view, 1), s.fingerprint) for s in self.states.values()
                   if s.seconds_on_view > 0}
        changed = {k: v for k, v in seconds.items() if self._seconds_recorded.get(k) != v}
        try:
            self.sidecar.record_seconds(changed)
        except (GarmentCutoutError, OSError) as exc:
            log.warning("time on the views of %s not recorded: %s", self.garment_id, exc)
        else:
            self._seconds_recorded.update(changed)

    def save_probability(self, view: str, model_id: str, probability: np.ndarray) -> None:
        """Cache a view's (H, W) uint8 probability for `model_id` (safe on a worker thread)."""
        state = self.states.get(view)
        if self.sidecar is not None and state is not None:
            self.sidecar.save_probability(state.key, model_id, probability, state.fingerprint)


def session_state(session: GarmentSession) -> str:
    """The state of the garment being edited, from its views in memory."""
    states = list(session.states.values())
    if not states:
        return BROKEN
    if all(s.exported for s in states):
        return EXPORTED
    if all(s.approved for s in states):
        return APPROVED
    if any(s.corrected for s in states):
        return CORRECTED
    if all(s.predicted for s in states):
        return PREDICTED
    if any(s.predicted for s in states):
        return PARTLY_PREDICTED
    return NOT_STARTED


def state_on_disk(garment: Garment, export_folder: Path | None,
                  sidecars: dict[Path, Sidecar] | None = None) -> str:
    """What the files say about a garment not open: EXPORTED, APPROVED, CORRECTED,
    PREDICTED (a map cached for every view), PARTLY_PREDICTED or NOT_STARTED.

    Exported: every view's cutout in the remembered export folder is the one the app last
    exported from this very photo (Sidecar.is_exported), with no correction saved since.
    A cheap stat-only check, so listing a catalogue stays instant; `sidecars` shares one
    Sidecar per folder across calls (finding it probes the folder with a test write).
    """
    try:
        if sidecars is None:
            sidecar = Sidecar.for_shoot(garment.folder)
        elif garment.folder in sidecars:
            sidecar = sidecars[garment.folder]
        else:
            sidecar = sidecars[garment.folder] = Sidecar.for_shoot(garment.folder)
        keys = {v: view_key(garment.garment_id, v) for v in garment.views}
        if export_folder is not None and keys and all(
                sidecar.is_exported(keys[v], export_folder, path) for v, path in garment.views.items()):
            return EXPORTED
        if keys and all(sidecar.is_approved_on_disk(k) for k in keys.values()):
            return APPROVED
        if any(sidecar.holds_correction(k) for k in keys.values()):
            return CORRECTED
        cached = [sidecar.probability_path(k).is_file() for k in keys.values()]
        if cached and all(cached):
            return PREDICTED
        if any(cached):
            return PARTLY_PREDICTED
    except (OSError, GarmentCutoutError):
        pass
    return NOT_STARTED
