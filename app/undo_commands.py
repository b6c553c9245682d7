"""Undo commands: one QUndoCommand per brush stroke or clean-up, over core ChangeRecords.

A ChangeRecord holds only the touched bounding box's old and new override values, so
a hundred strokes cost little memory. Each view has its own QUndoStack (gathered in a
QUndoGroup by the main window), so Ctrl+Z undoes the edits of the view on screen.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from app.view_state import ViewState

UNDO_LIMIT = 200


def make_undo_stack(parent=None) -> QUndoStack:
    stack = QUndoStack(parent)
    stack.setUndoLimit(UNDO_LIMIT)
    return stack


class OverrideEditCommand(QUndoCommand):
    """An override edit already applied to `state` (a stroke is painted live).

    The first redo() that QUndoStack.push() calls is therefore skipped; later ones
    re-apply the record. `changed(state, bbox)` lets the window redraw the box.
    """

    def __init__(self, state: ViewState, record, text: str, changed: Callable[[ViewState, object], None]):
        super().__init__(text)
        self.state = state
        self.record = record
        self._changed = changed
        self._applied = True

    def redo(self) -> None:
        if self._applied:
            self._applied = False  # push() calls redo() right away: the stroke is already there
            return
        self.state.redo(self.record)
        self._changed(self.state, self.record.bbox)

    def undo(self) -> None:
        self.state.undo(self.record)
        self._changed(self.state, self.record.bbox)
