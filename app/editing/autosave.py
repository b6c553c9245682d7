"""Autosave: the views changed since the last save go to the garment's sidecar about a
second after the last change (debounced), and at once when the garment is left, an
export of all garments starts or the window closes.

A save that fails (a full disk, a share gone, another window holding the shoot) loses
nothing: every view not written stays dirty, also after the user moves to another
garment, saving is retried every few seconds, and `failing` carries the reason until a
save goes through, for the window's lasting warning and its question on close.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.document.garment_session import GarmentSession
from app.document.workspace import Workspace
from app.feedback import Feedback
from core.common.errors import GarmentCutoutError

AUTOSAVE_DELAY_MS = 1000
RETRY_DELAY_MS = 5000


class Autosave(QObject):
    """Keeps the changed views of the open garment (and of garments left unsaved)."""

    saved = Signal()
    failing = Signal(str)  # why saving fails now; "" once a save goes through again

    def __init__(self, workspace: Workspace, feedback: Feedback, parent: QObject | None = None):
        super().__init__(parent)
        self._workspace = workspace
        self._feedback = feedback
        self.dirty: set[str] = set()  # views of the open garment changed since the last save
        # Garments the user moved away from while their saves failed: id -> (session, views).
        self._left_unsaved: dict[int, tuple[GarmentSession, set[str]]] = {}
        self.failure: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)

    @property
    def unsaved_views(self) -> list[str]:
        """'garment view' of every change not yet written."""
        session = self._workspace.session
        names = [f"{session.key} {v}" for v in sorted(self.dirty)] if session else []
        for left, views in self._left_unsaved.values():
            names += [f"{left.key} {v}" for v in sorted(views)]
        return names

    def mark_dirty(self, view: str) -> None:
        """`view` of the open garment changed: its cutouts are stale, and a save is due."""
        self.dirty.add(view)
        session = self._workspace.session
        state = session.states.get(view) if session else None
        if state is not None:
            state.refresh_exported()  # stale, unless the edit (an undo) went back to the exported mask
        if not self._timer.isActive() or self.failure is None:
            self._timer.start(AUTOSAVE_DELAY_MS if self.failure is None else RETRY_DELAY_MS)

    def leave_garment(self) -> None:
        """Save before the open garment is replaced; what fails stays queued for retries."""
        self.save_now()
        session = self._workspace.session
        if session is not None and self.dirty:
            self._left_unsaved[id(session)] = (session, self.dirty)
        self.dirty = set()

    def save_now(self) -> None:
        """Write every changed view; on failure keep the rest dirty and retry later."""
        self._timer.stop()
        problem = None
        for key, (session, views) in list(self._left_unsaved.items()):
            problem = _save(session, views) or problem
            if not views:
                del self._left_unsaved[key]
        session = self._workspace.session
        if session is not None and self.dirty:
            problem = _save(session, self.dirty) or problem
        if problem is not None:
            self._fail(problem)
            return
        if self.failure is not None:
            self.failure = None
            self.failing.emit("")
            self._feedback.status_message("Corrections saved again", 5000)
        self.saved.emit()

    def _fail(self, problem: str) -> None:
        if self.failure is None:  # one message box, not one per retry
            self._feedback.show_error(f"Could not save corrections: {problem}\n"
                                      "Your changes are kept and saving is retried every few seconds.")
        self.failure = problem
        self.failing.emit(problem)
        self._timer.start(RETRY_DELAY_MS)


def _save(session: GarmentSession, views: set[str]) -> str | None:
    """Save `views` of `session`, removing each one written; the first failure's reason."""
    for view in sorted(views):
        try:
            session.save_view(view)
        except GarmentCutoutError as exc:
            return str(exc)
        views.discard(view)
    return None
