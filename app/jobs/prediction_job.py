"""Prediction of a garment's views in a background job (the model never runs on the UI thread).

Unlike an export, a prediction is replaced rather than refused: opening another garment
or loading another model detaches the running worker and starts a new one. A detached
worker may still deliver a signal already queued, so every slot first checks that its
sender is the current worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.document.garment_session import GarmentSession
from app.jobs.tasks import predict_views
from app.jobs.background_job import WindowJob

if TYPE_CHECKING:
    pass


class PredictionJob(WindowJob):
    """Predicts a garment's views on a TaskWorker; each view shows as soon as it is ready."""

    def start(self, session: GarmentSession, predictor, views: list[str]) -> None:
        """Predict `views` of `session` (replacing any prediction still running)."""
        self.stop()

        def task(progress, cancelled, partial):
            return predict_views(session, predictor, views, progress, cancelled, partial)

        self._start_worker(task, "prediction", "Predicting", total=len(views))

    def stop(self) -> None:
        """Drop the running prediction, if any, and hide its progress."""
        if self._worker is not None:
            self.detach()
            self.window._show_progress(None)

    def _is_current(self) -> bool:
        return self._worker is not None and self.sender() is self._worker

    def _end(self) -> None:
        self._worker = None
        self.window._show_progress(None)

    def _on_worker_partial(self, item) -> None:
        session, view, probability = item
        if not self._is_current() or session is not self.window.session:
            return  # the user moved on to another garment
        session.states[view].set_probability(probability)
        self.window._on_view_probability_ready(view)

    def _on_worker_progressed(self, done: int, total: int) -> None:
        if self._is_current():
            bar = self.window.progress_bar
            bar.setRange(0, total)
            bar.setValue(done)
            bar.setFormat(f"Predicting {done}/{total}")

    def _on_worker_succeeded(self, session) -> None:
        if self._is_current():
            self._end()
            self.window.predictions_finished.emit()

    def _on_worker_failed(self, message: str) -> None:
        if self._is_current():
            self._end()
            self.window.show_error(message)

    def _on_worker_cancelled(self) -> None:
        if self._is_current():
            self._end()
            self.window.statusBar().showMessage("Prediction cancelled", 4000)
