"""Enter or Escape in a panel's number box hands the keyboard back to the canvas.

The app's one-key shortcuts ("." threshold up, "[" smaller brush, ...) are typed into
a spin box while it has focus: a retoucher who set Refine edge to 4 and pressed "."
replaced the 4. Photoshop's habit is followed: Enter commits the value and the keys
are the canvas's again; Escape does the same after putting the old value back.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QWidget

_DONE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)


class _FocusReturner(QObject):
    def __init__(self, target: QWidget, parent: QObject):
        super().__init__(parent)
        self._target = target
        self._value_on_entry: dict[QObject, float] = {}

    def eventFilter(self, spin, event) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            self._value_on_entry[spin] = spin.value()
        elif event.type() == QEvent.Type.KeyPress and event.key() in _DONE_KEYS:
            if event.key() == Qt.Key.Key_Escape and spin in self._value_on_entry:
                spin.setValue(self._value_on_entry[spin])
            else:
                spin.interpretText()
            self._target.setFocus(Qt.FocusReason.OtherFocusReason)  # editingFinished follows
            return True
        return False


def return_focus_on_enter(panel: QWidget, target: QWidget) -> None:
    """Every spin box under `panel` gives focus to `target` on Enter or Escape."""
    returner = _FocusReturner(target, panel)
    for spin in panel.findChildren(QAbstractSpinBox):
        spin.installEventFilter(returner)
