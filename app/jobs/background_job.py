"""A background job of the main window: one TaskWorker at a time, progress in the
window's status bar, its Cancel button stops it. Subclasses give the task and the
`_on_worker_*` slots (partial, progressed, succeeded, failed, cancelled)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject

from app.jobs.tasks import export_folder_problem
from app.jobs.workers import TaskWorker

if TYPE_CHECKING:
    from app.window.main_window import MainWindow


class WindowJob(QObject):
    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.window = window
        self._worker: TaskWorker | None = None

    @property
    def running(self) -> bool:
        return self._worker is not None

    def _start_worker(self, task: Callable, name: str, progress_label: str, total: int) -> None:
        worker = TaskWorker(task, name, self)
        worker.partial.connect(self._on_worker_partial)
        worker.progressed.connect(self._on_worker_progressed)
        worker.succeeded.connect(self._on_worker_succeeded)
        worker.failed.connect(self._on_worker_failed)
        worker.was_cancelled.connect(self._on_worker_cancelled)
        self._worker = worker
        self.window._show_progress(progress_label, total=total)
        worker.start()

    def _accept_export_options(self, out_dir: Path, feather_px: int, write_mask: bool) -> bool:
        """Check the export folder (a message when it won't do) and remember the options."""
        problem = export_folder_problem(out_dir)
        if problem:
            self.window.show_error(problem)
            return False
        self.window.settings.export_folder = str(out_dir)
        self.window.export_feather, self.window.export_masks = feather_px, write_mask
        return True

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def detach(self) -> None:
        if self._worker is not None:
            self._worker.detach()
            self._worker = None

    # Slots every job defines.
    def _on_worker_partial(self, item) -> None:
        raise NotImplementedError

    def _on_worker_progressed(self, done: int, total: int) -> None:
        raise NotImplementedError

    def _on_worker_succeeded(self, result) -> None:
        raise NotImplementedError

    def _on_worker_failed(self, message: str) -> None:
        raise NotImplementedError

    def _on_worker_cancelled(self) -> None:
        raise NotImplementedError
