"""File > Add corrected views to training set: core.files.training_set on a worker.

Copies every view of the catalogue exported into the export folder (from its photo as it
is now) into a training folder the user picks; `garment-cutout train --init-from` reads
that folder as it is.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from app.jobs.background_job import BackgroundJob
from core.files.shoots import Garment
from core.files.training_set import CollectReport, add_corrected_views


class TrainingSetCollector(BackgroundJob):
    finished_collect = Signal(object)  # CollectReport

    def start(self, garments: list[Garment], export_folders: dict[Path, Path], target: Path) -> bool:
        """Copy the views exported (each shoot into its own export folder) into `target`."""
        if self.running:
            return False

        def task(progress, cancelled, partial):
            return add_corrected_views(garments, export_folders, target, progress, cancelled)

        self._target = target
        self._start_worker(task, "adding views to the training set", "Adding to training set",
                           total=sum(len(g.views) for g in garments))
        return True

    def _on_worker_partial(self, item) -> None:
        pass

    def _on_worker_progressed(self, done: int, total: int) -> None:
        self.feedback.set_progress(done, total)

    def _on_worker_succeeded(self, report: CollectReport) -> None:
        self._end()
        for line in report.skipped:
            self.feedback.note(f"not added to the training set: {line}", error=False)
        text = f"Added {len(report.added)} corrected view(s) to {self._target}"
        if report.skipped:
            text += f"; {len(report.skipped)} skipped (see Messages)"
        self.feedback.status_message(text, 10000)
        self.finished_collect.emit(report)

    def _on_worker_failed(self, message: str) -> None:
        self._end()
        self.feedback.show_error(f"Adding to the training set failed: {message}")

    def _on_worker_cancelled(self) -> None:
        self._end()
        self.feedback.status_message("Adding to the training set cancelled", 4000)
