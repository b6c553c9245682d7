"""Prediction of a garment's views in a background job (the model never runs on the UI thread).

Unlike an export, a prediction is replaced rather than refused: opening another garment
or loading another model detaches the running worker and starts a new one. A detached
worker may still deliver a signal already queued, so every slot first checks that its
sender is the current worker.
"""

from __future__ import annotations

from PySide6.QtCore import Signal

from app.document.garment_session import GarmentSession
from app.jobs.background_job import BackgroundJob
from app.jobs.tasks import predict_views


class PredictionJob(BackgroundJob):
    """Predicts a garment's views on a TaskWorker; each view's probability is emitted as
    soon as it is ready, for the receiver to install if that garment is still open."""

    probability_ready = Signal(object, str, object)  # GarmentSession, view, (H, W) uint8 probability
    finished_predictions = Signal()

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
            self.feedback.show_progress(None)

    def _is_current(self) -> bool:
        return self._worker is not None and self.sender() is self._worker

    def _on_worker_partial(self, item) -> None:
        if self._is_current():
            self.probability_ready.emit(*item)

    def _on_worker_progressed(self, done: int, total: int) -> None:
        if self._is_current():
            self.feedback.set_progress(done, total, f"Predicting {done}/{total}")

    def _on_worker_succeeded(self, session) -> None:
        if self._is_current():
            self._end()
            self.finished_predictions.emit()

    def _on_worker_failed(self, message: str) -> None:
        if self._is_current():
            self._end()
            self.feedback.show_error(message)

    def _on_worker_cancelled(self) -> None:
        if self._is_current():
            self._end()
            self.feedback.status_message("Prediction cancelled", 4000)
