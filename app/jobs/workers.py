"""Background work for the GUI: one QThread per task, typed signals, cooperative cancel.

The work itself is a plain function from core-facing code that takes
`(progress, cancelled, partial)` callbacks, so it stays testable without Qt; the
worker only relays those callbacks as queued signals to the UI thread. Connect the
signals to methods of QObjects living in the UI thread (not to lambdas) so Qt queues
them there.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QThread, Signal

from core.common.errors import Cancelled, GarmentCutoutError

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
CancelledFn = Callable[[], bool]
PartialFn = Callable[[Any], None]
TaskFn = Callable[[ProgressFn, CancelledFn, PartialFn], Any]

# Workers still running when their owner went away are parked here so Python does not
# destroy a running QThread (which aborts the process).
_ORPHANS: set["TaskWorker"] = set()


class TaskWorker(QThread):
    """Runs `task(progress, cancelled, partial)` on its own thread.

    Exactly one of `succeeded(result)`, `failed(message)` or `was_cancelled()` is
    emitted at the end; `progressed(done, total)` and `partial(item)` along the way.
    """

    progressed = Signal(int, int)
    partial = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    was_cancelled = Signal()

    def __init__(self, task: TaskFn, name: str = "task", parent=None):
        super().__init__(parent)
        self._task = task
        self.name = name
        self._cancel = threading.Event()
        self.finished.connect(self._on_finished)

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # runs on the worker thread
        try:
            result = self._task(self.progressed.emit, self.is_cancelled, self.partial.emit)
        except Cancelled:
            self.was_cancelled.emit()
        except GarmentCutoutError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug: report it, never kill the app
            log.error("%s failed:\n%s", self.name, traceback.format_exc())
            self.failed.emit(f"{self.name} failed unexpectedly: {exc!r}")
        else:
            if self._cancel.is_set():
                self.was_cancelled.emit()
            else:
                self.succeeded.emit(result)

    def detach(self) -> None:
        """Cancel and let the thread finish on its own after the owner is gone."""
        self.cancel()
        if self.isRunning():
            self.setParent(None)
            _ORPHANS.add(self)

    def _on_finished(self) -> None:
        _ORPHANS.discard(self)


def wait_for_orphans(timeout_ms: int = 30000) -> None:
    """Block until detached workers stop (called once at application exit)."""
    for worker in list(_ORPHANS):
        worker.wait(timeout_ms)
