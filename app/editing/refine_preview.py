"""The live preview of a view's refine edge: closed-form matting takes seconds on a
1152x1728 view, so it runs on a worker while the canvas shows the edge without it; the
newest request wins and a result for a view, mask or setting that changed meanwhile is
dropped."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.document.view_state import ViewState
from app.jobs.workers import TaskWorker


class RefinePreview(QObject):
    """`ready(key, alpha)` when the alpha asked for last is computed; `key` says what it is
    of. `busy(bool)` while a matting runs, so the window can say the edge shown is not yet
    the refined one (a 30 px band takes seconds on a 1152x1728 view)."""

    ready = Signal(object, object)
    busy = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._worker: TaskWorker | None = None
        self._key: tuple | None = None

    @staticmethod
    def key_of(state: ViewState) -> tuple:
        return (state.key, state.adjustments, state.mask_digest())

    def request(self, state: ViewState) -> None:
        """Compute `state`'s cutout alpha (refine included) in the background."""
        key = self.key_of(state)
        if key == self._key and self._worker is not None:
            return  # already on it
        self.cancel()
        self._key = key
        rgb, mask, adjustments = state.rgb, state.hard_mask(), state.adjustments  # soft strokes go on top
        widen = state.widen_snapshot()

        def task(progress, cancelled, partial):
            return adjustments.cutout_alpha(rgb, mask, widen)

        worker = TaskWorker(task, "refine edge preview", self)
        worker.succeeded.connect(self._on_worker_succeeded)
        worker.failed.connect(self._on_worker_ended)
        worker.was_cancelled.connect(self._on_worker_ended)
        self._worker = worker
        worker.start()
        self.busy.emit(True)

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.detach()  # cancels it, and keeps the thread alive until it ends
            self._worker = None
            self.busy.emit(False)
        self._key = None

    @property
    def running(self) -> bool:
        return self._worker is not None

    def _on_worker_succeeded(self, alpha: np.ndarray) -> None:
        if self.sender() is not self._worker:
            return  # an older request's result
        key, self._worker, self._key = self._key, None, None
        self.busy.emit(False)
        self.ready.emit(key, alpha)

    def _on_worker_ended(self, *_args) -> None:
        if self.sender() is self._worker:
            self._worker, self._key = None, None
            self.busy.emit(False)
