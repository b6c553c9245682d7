"""Autosave: the views changed since the last save go to the garment's sidecar about a
second after the last change (debounced), and at once when the garment is left, an
export of all garments starts or the window closes."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.document.workspace import Workspace
from app.feedback import Feedback
from core.common.errors import GarmentCutoutError

AUTOSAVE_DELAY_MS = 1000


class Autosave(QObject):
    """Keeps the set of changed views of the open garment; emits `saved` after writing them."""

    saved = Signal()

    def __init__(self, workspace: Workspace, feedback: Feedback, parent: QObject | None = None):
        super().__init__(parent)
        self._workspace = workspace
        self._feedback = feedback
        self.dirty: set[str] = set()  # views of the open garment changed since the last save
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)

    def mark_dirty(self, view: str) -> None:
        """`view` of the open garment changed: its cutouts are stale, and a save is due."""
        self.dirty.add(view)
        session = self._workspace.session
        state = session.states.get(view) if session else None
        if state is not None:
            state.exported = False
        self._timer.start()

    def save_now(self) -> None:
        """Write the changed views' thresholds and corrections to the sidecar."""
        self._timer.stop()
        session = self._workspace.session
        if session is None or not self.dirty:
            return
        dirty, self.dirty = self.dirty, set()
        for view in sorted(dirty):
            try:
                session.save_view(view)
            except GarmentCutoutError as exc:
                self._feedback.show_error(f"Could not save corrections: {exc}")
                return
        self.saved.emit()
