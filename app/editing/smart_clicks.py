"""Smart clicks: the keep or remove tool in smart mode re-segments the region it is
clicked in (core.masks.smart_refine), on a worker thread so the canvas never stalls.

The result is written as KEEP/REMOVE overrides like a stroke (one undo step, kept across
threshold moves). One click is worked on at a time; a click while one is in flight is
turned away with a status message rather than queued behind it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from app.document.view_state import ViewState
from app.feedback import Feedback
from app.jobs.workers import TaskWorker
from core.masks import compose


class SmartClicks(QObject):
    """`click(state, x, y, positive)`; calls `apply(state, edit)` on the UI thread when done."""

    def __init__(self, feedback: Feedback, apply: Callable[[ViewState, object], None], parent=None):
        super().__init__(parent)
        self._feedback = feedback
        self._apply = apply
        self._worker: TaskWorker | None = None
        self._state: ViewState | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def click(self, state: ViewState, x: float, y: float, positive: bool) -> bool:
        """Start refining around image point (x, y); False when turned away."""
        if self._worker is not None:
            self._feedback.status_message("Still refining the last click", 1500)
            return False
        if state.probability is None:
            return False
        from core.masks.smart_refine import smart_click

        # Snapshots: the user may paint on while the worker runs.
        mask = state.mask()
        probability, rgb = state.probability, state.rgb
        row, col = int(round(y)), int(round(x))

        def task(progress, cancelled, partial):
            return smart_click(rgb, probability, mask, row, col, positive)

        self._state = state
        worker = TaskWorker(task, "smart click", self)
        worker.succeeded.connect(self._on_worker_succeeded)
        worker.failed.connect(self._on_worker_failed)
        worker.finished.connect(self._on_worker_finished)
        self._worker = worker
        worker.start()
        return True

    def _on_worker_succeeded(self, edit) -> None:
        state = self._state
        if state is not None:
            self._apply(state, edit)

    def _on_worker_failed(self, message: str) -> None:
        self._feedback.show_error(message)

    def _on_worker_finished(self) -> None:
        self._worker = None
        self._state = None

    def detach(self) -> None:
        if self._worker is not None:
            self._worker.detach()


def override_value(positive: bool) -> int:
    return compose.KEEP if positive else compose.REMOVE
