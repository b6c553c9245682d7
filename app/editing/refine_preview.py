"""The live preview of a view's refine edge and of the colours the export decontaminates:
closed-form matting and foreground estimation take seconds on a 1152x1728 view, so they
run on a worker while the canvas shows the edge without them; the newest request wins
and a result for a view, mask or setting that changed meanwhile is dropped."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.document.view_state import ViewState
from app.jobs.workers import TaskWorker
from core.masks import compose


class RefinePreview(QObject):
    """`ready(key, alpha, clean)` when what was asked for last is computed: `alpha` the
    cutout's alpha before the brushes' painted codes, `clean` with `decontaminate` the
    photo with the export's estimated garment colours where the final alpha is soft (else
    None); `key` says what it is of. `busy(bool)` while it runs, so the window can say the
    edge shown is not yet the final one (a 30 px band takes seconds on a 1152x1728 view)."""

    ready = Signal(object, object, object)
    busy = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._worker: TaskWorker | None = None
        self._key: tuple | None = None

    @staticmethod
    def key_of(state: ViewState, decontaminate: bool) -> tuple:
        return (state.key, state.adjustments, state.mask_digest(), decontaminate)

    def request(self, state: ViewState, decontaminate: bool, key: tuple | None = None) -> None:
        """Compute `state`'s cutout alpha (refine included) in the background, and with
        `decontaminate` the colours core.files.export writes where the alpha is soft;
        `key`: key_of(state, decontaminate) when the caller has it already."""
        key = key if key is not None else self.key_of(state, decontaminate)
        if key == self._key and self._worker is not None:
            return  # already on it
        self.cancel()
        self._key = key
        rgb, mask, adjustments = state.rgb, state.hard_mask(), state.adjustments  # painted codes go on top
        widen, override = state.widen_snapshot(), state.override.copy()

        def task(progress, cancelled, partial):
            alpha = adjustments.cutout_alpha(rgb, mask, widen, override)
            if not decontaminate:
                return alpha, None
            final = compose.apply_painted_alpha(alpha.copy(), override)
            if not ((final > 0) & (final < 255)).any():
                return alpha, None
            from core.masks.refine_edge import decontaminate as decontaminate_colours

            return alpha, decontaminate_colours(rgb, final)

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

    def keep_only(self, view_key: str | None) -> None:
        """Cancel a run for any view but `view_key` (another view is on screen now: its
        "Refining edge..." must not stay up over a view that has no refine)."""
        if self._key is not None and self._key[0] != view_key:
            self.cancel()

    @property
    def running(self) -> bool:
        return self._worker is not None

    def _on_worker_succeeded(self, result: tuple[np.ndarray, np.ndarray | None]) -> None:
        if self.sender() is not self._worker:
            return  # an older request's result
        key, self._worker, self._key = self._key, None, None
        self.busy.emit(False)
        self.ready.emit(key, *result)

    def _on_worker_ended(self, *_args) -> None:
        if self.sender() is self._worker:
            self._worker, self._key = None, None
            self.busy.emit(False)
