"""File > Export cutouts: the garment on screen, in a background job.

The masks are snapshots taken when the export starts (editing may go on meanwhile);
core.files.export writes each view's files atomically.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from app.document.garment_session import GarmentSession
from app.jobs.background_job import BackgroundJob
from app.jobs.tasks import EXPORT_FAILURE, ExportJob, ModelInfo, export_views


class GarmentExporter(BackgroundJob):
    """Exports one garment's predicted views on a TaskWorker; progress through the feedback."""

    finished_export = Signal(list)  # written paths (successful exports only)
    view_exported = Signal(str)  # a view's files are written (also when a later view then fails)

    def __init__(self, feedback, parent=None):
        super().__init__(feedback, parent)
        self._session: GarmentSession | None = None
        self._digests: dict[str, str | None] = {}  # view -> the mask digest its job exports

    def start(self, session: GarmentSession, out_dir: Path, feather_px: int = 0, write_mask: bool = False,
              refine_edge_px: int = 0, decontaminate: bool = True, model: ModelInfo | None = None) -> bool:
        """Export the predicted views of `session` into `out_dir` (checked by the caller); False if refused.
        `model` (what predicted the views) lets the export record how much each was corrected."""
        if self.running:
            return False
        jobs = [ExportJob(view, state.rgb, state.mask(), state.path, state.fingerprint, state.deep,
                          state.probability, state.seconds_on_view, state.adjustments, state.widen_snapshot(),
                          state.painted_snapshot(), state.mask_digest())
                for view, state in session.states.items() if state.predicted]
        if not jobs:
            self.feedback.show_error("Nothing to export yet: the model has not predicted any view")
            return False
        gid = session.garment_id
        self._session = session
        self._digests = {job.view: job.digest for job in jobs}

        def task(progress, cancelled, partial):
            return export_views(gid, jobs, out_dir, feather_px, write_mask, progress, cancelled, partial,
                                record=session.record_export, refine_edge_px=refine_edge_px,
                                decontaminate=decontaminate, model=model)

        self._start_worker(task, "export", "Exporting", total=len(jobs))
        return True

    def _on_worker_partial(self, view: str) -> None:
        state = self._session.states.get(view) if self._session else None
        if state is not None:
            state.set_exported(self._digests.get(view))
        self.view_exported.emit(view)

    def _on_worker_progressed(self, done: int, total: int) -> None:
        self.feedback.set_progress(done, total)

    def _end(self) -> None:
        super()._end()
        self._session = None

    def _on_worker_succeeded(self, written: list) -> None:
        self._end()
        folder = Path(written[0]).parent if written else ""
        self.feedback.status_message(f"Exported {len(written)} files to {folder}", 8000)
        self.finished_export.emit(written)

    def _on_worker_failed(self, message: str) -> None:
        self._end()
        self.feedback.show_error(f"Export failed: {message}", about=EXPORT_FAILURE)

    def _on_worker_cancelled(self) -> None:
        self._end()
        self.feedback.status_message("Export cancelled", 4000)
