"""File > Export all garments: every garment of a catalogue, in one background job.

A retoucher expects the whole catalogue exported, not only the garments opened today:
a garment never opened is read on the worker with its saved thresholds and corrections
(the sidecar), predicted where no probability is cached (and the result cached, so
opening it later is instant), then written. The garment on screen is exported as it is
in memory, from a snapshot taken when the export starts.

Per garment, every view is predicted before any file is written, so a failing
prediction leaves none of its files; each file is written atomically by core.files.export.
Failures are collected, one line each, and the export goes on with the next garment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
from PySide6.QtCore import Signal

from app.document.garment_session import EXPORTED, GarmentSession, session_state, state_on_disk
from app.document.view_state import view_digest
from app.document.workspace import Workspace
from app.jobs.background_job import BackgroundJob
from app.jobs.tasks import EXPORT_FAILURE, ExportJob, ModelInfo, export_job, write_corrections_report
from core.common.errors import Cancelled, GarmentCutoutError
from core.files.export import Painted
from core.files.shoots import Garment
from core.masks import compose
from core.masks.adjustments import EdgeAdjustments

log = logging.getLogger(__name__)


@dataclass
class ViewInput:
    """One view to export. rgb: (H, W, 3) uint8; override: (H, W) uint8 (a copy);
    probability: (H, W) uint8, or None when the model has still to predict it."""

    view: str
    path: Path
    rgb: np.ndarray
    threshold: float
    override: np.ndarray
    probability: np.ndarray | None
    fingerprint: str = ""
    deep: bool = False  # export re-reads its 16-bit pixels (core.files.export.deep_pixels)
    seconds: float = 0.0  # on screen in this window
    adjustments: EdgeAdjustments | None = None  # the view's edge adjustments (its sidecar's)
    widen: np.ndarray | None = None  # the band brush's widen map (a copy)


@dataclass
class GarmentInput:
    """A garment for the export: `views` filled in (the garment on screen), or None to
    open it from disk on the worker."""

    garment: Garment
    session: GarmentSession | None = None  # for caching new probabilities
    views: list[ViewInput] | None = None
    broken: dict[str, str] = field(default_factory=dict)  # view -> why it cannot be read


@dataclass
class CatalogueExportReport:
    written: list[Path] = field(default_factory=list)
    exported: list[str] = field(default_factory=list)  # garments with every view written
    partly: list[str] = field(default_factory=list)  # garments with some views written, one unreadable
    failures: list[str] = field(default_factory=list)  # one line per garment or view that failed
    missing_views: dict[str, list[str]] = field(default_factory=dict)  # garment -> views the shoot lacks


def snapshot(session: GarmentSession) -> GarmentInput:
    """The garment on screen as it is now (copies of the overrides: editing goes on)."""
    views = [ViewInput(view, state.path, state.rgb, state.threshold, state.override.copy(), state.probability,
                       state.fingerprint, state.deep, state.seconds_on_view, state.adjustments,
                       state.widen_snapshot())
             for view, state in session.states.items()]
    return GarmentInput(session.garment, session, views, dict(session.broken))


def _open(garment: Garment, predictor) -> GarmentInput:
    """Read a garment not on screen: photos, saved thresholds and corrections, cached probabilities."""
    session = GarmentSession.open(garment, predictor.threshold, unattended=True)
    if session.unreadable_corrections:
        views = ", ".join(session.unreadable_corrections)
        raise GarmentCutoutError(f"its saved corrections ({views}) could not be applied (damaged, or made on "
                                 "another photo); open it and check before export")
    session.load_cached_probabilities(predictor.model_id)
    return snapshot(session)


def export_catalogue(inputs: list[GarmentInput], predictor, out_dirs: Mapping[Path, Path], feather_px: int,
                     write_mask: bool, progress: Callable, cancelled: Callable, partial: Callable,
                     refine_edge_px: int = 0, decontaminate: bool = True) -> CatalogueExportReport:
    """Export every garment's views into its shoot's folder (`out_dirs`: {shoot folder:
    export folder}); partial(key) after each fully exported garment (Garment.key).

    progress counts two steps per view: its mask ready (predicted when needed), its
    files written. Raises Cancelled between steps; files already written are complete.
    """
    report = CatalogueExportReport()
    model = ModelInfo.of(predictor)
    total = 2 * sum(len(item.garment.views) for item in inputs)
    base = 0
    progress(0, total)
    for item in inputs:
        # gid names the files; key names the garment in the report (the catalogue's word for it).
        gid, key = item.garment.garment_id, item.garment.key
        out_dir = out_dirs[item.garment.folder]
        step = base
        try:
            if cancelled():
                raise Cancelled("export")
            if item.views is None:
                item = _open(item.garment, predictor)
            view_masks = []
            for view in item.views:
                if cancelled():
                    raise Cancelled("export")
                if view.probability is None:
                    view.probability = predictor.predict(view.rgb, cancelled=cancelled)
                    _cache(item, view, predictor)
                view_masks.append(compose.compose_mask(view.probability, view.threshold, view.override))
                step += 1
                progress(step, total)
            rows = []
            for view, mask in zip(item.views, view_masks):
                if cancelled():
                    raise Cancelled("export")
                job = ExportJob(view.view, view.rgb, mask, view.path, view.fingerprint, view.deep, view.probability,
                                view.seconds, view.adjustments, view.widen,
                                _painted(view), _digest(view))
                files, row = export_job(gid, job, out_dir, feather_px, write_mask, refine_edge_px, decontaminate,
                                        model, item.session.record_export if item.session is not None else None)
                if row is not None:
                    rows.append(row)
                report.written += files
                step += 1
                progress(step, total)
            write_corrections_report(out_dir, rows)
        except Cancelled:
            raise
        except GarmentCutoutError as exc:
            report.failures.append(f"{key}: not exported: {exc}")
        except Exception as exc:  # a bug on one garment must not cost the rest of the catalogue
            log.exception("exporting %s failed", key)
            report.failures.append(f"{key}: not exported: unexpected error {exc!r}")
        else:
            for view, message in item.broken.items():
                report.failures.append(f"{key} {view}: not exported: {message}")
            if not item.broken and item.views:
                report.exported.append(key)
                partial(key)
            elif item.views:
                report.partly.append(key)
            if item.garment.missing_views and item.views:  # "exported the views it has": only if it had one
                report.missing_views[key] = list(item.garment.missing_views)
        base += 2 * len(item.garment.views)
        progress(base, total)
    return report


def _cache(item: GarmentInput, view: ViewInput, predictor) -> None:
    if item.session is None:
        return
    try:
        item.session.save_probability(view.view, predictor.model_id, view.probability)
    except GarmentCutoutError as exc:
        log.warning("probability cache not written: %s", exc)


class CatalogueExporter(BackgroundJob):
    """Runs export_catalogue over the workspace's catalogue on a TaskWorker: progress and
    failures through the feedback (the status bar's Cancel button stops it), each
    garment's new state as `garment_state_changed(key, state)`."""

    finished_export = Signal(object)  # CatalogueExportReport; also after a cancel (what was done)
    garment_state_changed = Signal(str, str)
    garment_exported = Signal(str)  # a garment's files are all written (its key)

    def __init__(self, feedback, workspace: Workspace, parent=None):
        super().__init__(feedback, parent)
        self._workspace = workspace
        self._report = CatalogueExportReport()
        self._total = 0
        self._out_dirs: dict[Path, Path] = {}
        self._on_screen: GarmentInput | None = None  # the snapshot of the garment on screen

    def start(self, out_dirs: Mapping[Path, Path], feather_px: int = 0, write_mask: bool = False, refine_edge_px: int = 0,
              decontaminate: bool = True, previous: Mapping[Path, Path | None] | None = None) -> bool:
        """Export every garment of the catalogue into its shoot's folder (`out_dirs`:
        {shoot folder: export folder}, checked by the caller, the edits on screen saved)
        with the loaded model; False if refused. `previous`: each shoot's export folder
        before, which a shoot keeps when nothing of it was written (folders_after)."""
        ws = self._workspace
        if self.running or ws.catalogue is None or ws.predictor is None:
            return False
        current = ws.session.key if ws.session is not None else None
        inputs = [snapshot(ws.session) if garment.key == current else GarmentInput(garment)
                  for garment in ws.catalogue.garments]
        self._on_screen = next((i for i in inputs if i.views is not None), None)
        predictor = ws.predictor
        self._report = CatalogueExportReport()
        self._total = len(inputs)
        self._out_dirs = dict(out_dirs)
        self._previous = dict(previous or {})
        out_dirs = self._out_dirs

        def task(progress, cancelled, partial):
            return export_catalogue(inputs, predictor, out_dirs, feather_px, write_mask, progress, cancelled, partial,
                                    refine_edge_px, decontaminate)

        self._start_worker(task, "export of all garments", "Exporting all", total=2 * sum(len(i.garment.views) for i in inputs))
        return True

    def _on_worker_partial(self, key: str) -> None:
        session = self._workspace.session
        self._report.exported.append(key)
        self.garment_exported.emit(key)
        self.garment_state_changed.emit(key, EXPORTED)
        snap = self._on_screen
        if session is not None and session.key == key and snap is not None \
                and snap.garment is session.garment:
            # Edits made while the export ran are not in the files: those views stay unexported.
            exported = {v.view: v for v in snap.views}
            for view, state in session.states.items():
                done = exported.get(view)
                if done is not None and done.threshold == state.threshold \
                        and np.array_equal(done.override, state.override):
                    state.set_exported(state.mask_digest())
                else:
                    state.exported = False
            self.garment_state_changed.emit(key, session_state(session))

    def _on_worker_progressed(self, done: int, total: int) -> None:
        if not self.feedback.progress_shown():  # another job's end (a prediction) hid the shared bar
            self.feedback.show_progress("Exporting all", total=total)
        self.feedback.set_progress(done, total, f"Exporting all garments {100 * done // max(1, total)} %")

    def _on_worker_succeeded(self, report: CatalogueExportReport) -> None:
        self._end()
        self._report = report
        folders = list(dict.fromkeys(Path(f).parent for f in report.written))
        folder = f"{len(folders)} folders ({', '.join(map(str, folders))})" if len(folders) > 1 else \
            (folders[0] if folders else "")
        # A garment with an unreadable view is not "exported", but its other views are:
        # "2 of 4" alone read as if the rest had written nothing.
        partly = f", {len(report.partly)} in part" if report.partly else ""
        summary = (f"Exported {len(report.exported)} of {self._total} garments{partly} "
                   + (f"({len(report.written)} files) to {folder}" if report.written else "(nothing was written)"))
        if report.missing_views:
            # Not failures (nothing was there to export), but a shoot short of a view is
            # worth a look before the cutouts go to the shop.
            summary += f"; {len(report.missing_views)} lack a view ({missing_views_text(report.missing_views)})"
        for line in report.failures:
            self.feedback.note(line)
        for gid, views in report.missing_views.items():
            self.feedback.note(f"{gid}: no {', '.join(views)} photo in the shoot; exported the views it has",
                               error=False)
        self._refresh_unexported(set(report.exported))
        if report.failures:
            self.feedback.show_error(f"{summary}.\nNot exported ({len(report.failures)}):\n"
                                     + "\n".join(report.failures[:8]) + ("\n..." if len(report.failures) > 8 else ""))
        else:
            self.feedback.status_message(summary, 10000)
        self.finished_export.emit(report)

    def _on_worker_failed(self, message: str) -> None:
        self._end()
        self.feedback.show_error(f"Export of all garments failed: {message}", about=EXPORT_FAILURE)
        self.finished_export.emit(self._report)

    def _on_worker_cancelled(self) -> None:
        self._end()
        self.feedback.status_message(
            f"Export cancelled: {len(self._report.exported)} of {self._total} garments were exported", 8000)
        self.finished_export.emit(self._report)

    def _refresh_unexported(self, exported: set[str]) -> None:
        """Garments not exported now keep what the files say (a stale cutout is not
        'exported'), in the folder their shoot has after this export (folders_after)."""
        folders = folders_after(self._report, self._out_dirs, self._previous)
        ws = self._workspace
        for garment in ws.catalogue.garments if ws.catalogue else []:
            key = garment.key
            if key in exported:
                continue
            if ws.session is not None and key == ws.session.key:
                self.garment_state_changed.emit(key, session_state(ws.session))
            else:
                self.garment_state_changed.emit(key, state_on_disk(garment, folders.get(garment.folder)))


def folders_after(report: CatalogueExportReport, attempted: Mapping[Path, Path],
                  previous: Mapping[Path, Path | None]) -> dict[Path, Path | None]:
    """Each shoot's export folder after an export: the one it was exported into when
    anything of it was written there, else the one it had (a refused or failed export
    does not move a shoot's cutouts elsewhere)."""
    written = {Path(f).parent.resolve() for f in report.written}
    return {shoot: folder if Path(folder).resolve() in written else previous.get(shoot)
            for shoot, folder in attempted.items()}


def missing_views_text(missing: dict[str, list[str]], most: int = 3) -> str:
    """`b2: FrontRight; c3: FrontRight, Back` (the first `most` garments, then a count)."""
    parts = [f"{gid}: {', '.join(views)}" for gid, views in list(missing.items())[:most]]
    if len(missing) > most:
        parts.append(f"{len(missing) - most} more")
    return "; ".join(parts)


def _digest(view: ViewInput) -> str | None:
    """The mask digest the view's cutout is made from (ViewState.mask_digest's)."""
    return view_digest(view.threshold, view.probability, view.override, view.adjustments or EdgeAdjustments(),
                       view.widen)


def _painted(view: ViewInput) -> Painted | None:
    """The corrected view's override and hard mask for the export, or None."""
    if not view.override.any():
        return None
    return Painted(view.override, compose.compose_mask(view.probability, view.threshold,
                                                      compose.hard_part(view.override)))
