"""File > Export cutouts: the garment on screen, in a background job.

The masks are snapshots taken when the export starts (editing may go on meanwhile);
core.export writes each view's files atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from app.document.garment_session import GarmentSession
from app.jobs.tasks import ExportJob, export_views
from app.jobs.background_job import WindowJob

if TYPE_CHECKING:
    from app.window.main_window import MainWindow


class GarmentExporter(WindowJob):
    """Exports `window`'s current garment on a TaskWorker; progress in its status bar."""

    finished_export = Signal(list)  # written paths (successful exports only)

    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self._session: GarmentSession | None = None

    def start(self, out_dir: Path, feather_px: int = 0, write_mask: bool = False) -> bool:
        """Export the current garment's predicted views into `out_dir`; False if refused."""
        w = self.window
        session = w.session
        if session is None or self.running:
            return False
        out_dir = Path(out_dir)
        if not self._accept_export_options(out_dir, feather_px, write_mask):
            return False
        jobs = [ExportJob(view, state.rgb, state.mask(), state.path)
                for view, state in session.states.items() if state.predicted]
        if not jobs:
            w.show_error("Nothing to export yet: the model has not predicted any view")
            return False
        gid = session.garment_id
        self._session = session

        def task(progress, cancelled, partial):
            return export_views(gid, jobs, out_dir, feather_px, write_mask, progress, cancelled, partial)

        self._start_worker(task, "export", "Exporting", total=len(jobs))
        return True

    def _on_worker_partial(self, view: str) -> None:
        state = self._session.states.get(view) if self._session else None
        if state is not None:
            state.exported = True

    def _on_worker_progressed(self, done: int, total: int) -> None:
        self.window.progress_bar.setRange(0, total)
        self.window.progress_bar.setValue(done)

    def _end(self) -> None:
        self._worker = None
        self._session = None
        self.window._show_progress(None)

    def _on_worker_succeeded(self, written: list) -> None:
        self._end()
        self.window._refresh_garment_state()
        folder = Path(written[0]).parent if written else ""
        self.window.statusBar().showMessage(f"Exported {len(written)} files to {folder}", 8000)
        self.finished_export.emit(written)

    def _on_worker_failed(self, message: str) -> None:
        self._end()
        self.window.show_error(f"Export failed: {message}")

    def _on_worker_cancelled(self) -> None:
        self._end()
        self.window.statusBar().showMessage("Export cancelled", 4000)
