"""A background job: one TaskWorker at a time, progress shown through app.feedback (the
window's status bar, whose Cancel button stops it). Subclasses give the task and the
`_on_worker_*` slots (partial, progressed, succeeded, failed, cancelled)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject

from app.feedback import Feedback
from app.jobs.workers import TaskWorker


class BackgroundJob(QObject):
    def __init__(self, feedback: Feedback, parent: QObject | None = None):
        super().__init__(parent)
        self.feedback = feedback
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
        self.feedback.show_progress(progress_label, total=total)
        worker.start()

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def detach(self) -> None:
        if self._worker is not None:
            self._worker.detach()
            self._worker = None

    def _end(self) -> None:
        """The worker is done (whichever way): forget it and hide the progress."""
        self._worker = None
        self.feedback.show_progress(None)

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
