"""Undo commands: one QUndoCommand per brush stroke, band stroke or clean-up, over core
ChangeRecords, and one per burst of threshold or edge-adjustment changes.

A ChangeRecord holds only the touched bounding box's old and new override values, so
a hundred strokes cost little memory. Each view has its own QUndoStack (gathered in a
QUndoGroup by app.editing.view_editor), so Ctrl+Z undoes the edits of the view on screen.
"""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from app.document.view_state import ViewState

UNDO_LIMIT = 200


def make_undo_stack(parent=None) -> QUndoStack:
    stack = QUndoStack(parent)
    stack.setUndoLimit(UNDO_LIMIT)
    return stack


class OverrideEditCommand(QUndoCommand):
    """An override edit already applied to `state` (a stroke is painted live).

    The first redo() that QUndoStack.push() calls is therefore skipped; later ones
    re-apply the record. `changed(state, bbox)` lets the editor redraw the box.
    """

    def __init__(self, state: ViewState, record, text: str, changed: Callable[[ViewState, object], None],
                 target: str = "override"):
        super().__init__(text)
        self.state = state
        self.record = record
        self._changed = changed
        self._applied = True
        self._target = target  # "override", or "widen" for the band brush

    def redo(self) -> None:
        if self._applied:
            self._applied = False  # push() calls redo() right away: the stroke is already there
            return
        self.state.redo(self.record, self._target)
        self._changed(self.state, self.record.bbox)

    def undo(self) -> None:
        self.state.undo(self.record, self._target)
        self._changed(self.state, self.record.bbox)


class MergingCommand(QUndoCommand):
    """A change of one of a view's settings: the values `apply(state, *values)` takes,
    before and after. Changes of the same kind to the same view less than MERGE_SECONDS
    apart merge into one step, so a slider drag or a run of key or spin box presses is
    undone at once, while a later, separate adjustment is a step of its own."""

    MERGE_SECONDS = 1.0
    _ID = -1  # each kind its own, so only commands of one kind merge

    def __init__(self, state: ViewState, before: tuple, after: tuple, apply: Callable[..., None],
                 mergeable: bool = True):
        super().__init__()
        self.state = state
        self.before = before
        self.after = after
        self._apply = apply
        self._mergeable = mergeable
        self._time = time.monotonic()
        self.setText(self.describe(after))

    def describe(self, values: tuple) -> str:
        raise NotImplementedError

    def id(self) -> int:
        return self._ID if self._mergeable else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if type(other) is not type(self) or other.state is not self.state or not other._mergeable \
                or other._time - self._time > self.MERGE_SECONDS:
            return False
        self.after = other.after
        self._time = other._time
        self.setText(self.describe(self.after))
        return True

    def redo(self) -> None:
        self._apply(self.state, *self.after)

    def undo(self) -> None:
        self._apply(self.state, *self.before)


class ThresholdCommand(MergingCommand):
    """A view's threshold change: (threshold, threshold_changed) before and after;
    `apply(state, threshold, changed)` sets the values and redraws."""

    _ID = 1001

    def describe(self, values: tuple) -> str:
        # From and to, as the threshold box shows them (3 decimals): one step is 1/255, and
        # "threshold 0.40" for every step of a run told the retoucher nothing.
        return f"threshold {self.before[0]:.3f} \u2192 {values[0]:.3f}"


class AdjustmentsCommand(MergingCommand):
    """A view's edge adjustments (core.masks.adjustments) before and after;
    `apply(state, adjustments)` sets them and redraws."""

    _ID = 1002

    def __init__(self, state: ViewState, before, after, apply: Callable[[ViewState, object], None]):
        super().__init__(state, (before,), (after,), apply)

    def describe(self, values: tuple) -> str:
        return "edge adjustments"
