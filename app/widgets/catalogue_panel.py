"""The garment list of a catalogue folder, each with its state, and a message list.

States (app.document.garment_session): not started -> predicted -> corrected ->
exported (as far as the app knows), or unreadable.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.document.garment_session import BROKEN, CORRECTED, EXPORTED, NOT_STARTED, PREDICTED

STATE_COLOURS = {
    NOT_STARTED: QColor(140, 140, 140),
    PREDICTED: QColor(80, 150, 240),
    CORRECTED: QColor(240, 180, 40),
    EXPORTED: QColor(60, 200, 90),
    BROKEN: QColor(230, 60, 60),
}


def _dot(colour: QColor) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(colour)
    return QIcon(pix)


class CataloguePanel(QWidget):
    """Lists garments; emits `garment_selected(garment_id)` on a click or key move."""

    garment_selected = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAlternatingRowColors(True)
        # Studio garment ids can be long UUIDs: elide their middle (both ends identify a
        # garment) rather than scroll sideways and hide the state.
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setUniformItemSizes(True)
        self.summary = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self._states: dict[str, str] = {}
        self._updating = False
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)

    def set_garments(self, garment_ids: list[str], states: dict[str, str]) -> None:
        self._updating = True
        try:
            self.list.clear()
            self._states = {}
            for gid in garment_ids:
                item = QListWidgetItem(gid)
                item.setData(Qt.ItemDataRole.UserRole, gid)
                self.list.addItem(item)
                self.set_state(gid, states.get(gid, NOT_STARTED))
        finally:
            self._updating = False

    def set_state(self, garment_id: str, state: str) -> None:
        self._states[garment_id] = state
        item = self._item(garment_id)
        if item is not None:
            item.setText(f"{garment_id}\n{state}")
            item.setToolTip(f"{garment_id}: {state}")
            item.setIcon(_dot(STATE_COLOURS.get(state, STATE_COLOURS[NOT_STARTED])))
        self._update_summary()

    def state(self, garment_id: str) -> str | None:
        return self._states.get(garment_id)

    def select(self, garment_id: str) -> None:
        item = self._item(garment_id)
        if item is not None and self.list.currentItem() is not item:
            self._updating = True
            try:
                self.list.setCurrentItem(item)
            finally:
                self._updating = False

    def garment_ids(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def _item(self, garment_id: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == garment_id:
                return item
        return None

    def _update_summary(self) -> None:
        total = len(self._states)
        done = sum(1 for s in self._states.values() if s == EXPORTED)
        self.summary.setText(f"{total} garments, {done} exported")

    def _on_list_current_item_changed(self, current, _previous) -> None:
        if current is not None and not self._updating:
            self.garment_selected.emit(current.data(Qt.ItemDataRole.UserRole))


class MessagePanel(QListWidget):
    """Non-blocking messages (unreadable files, skipped files, failures), newest last."""

    def sizeHint(self) -> QSize:
        # About five lines when the dock first opens (QListWidget asks for 192 px, which
        # took a third of a laptop window's canvas); the user can drag it taller.
        return QSize(super().sizeHint().width(), 5 * self.fontMetrics().height() + 12)

    def add_message(self, text: str, error: bool = True) -> None:
        """Add `text` as the newest line; a line already listed (a broken photo met again on
        every visit to its garment) moves to the bottom instead of repeating."""
        for i in range(self.count()):
            if self.item(i).text() == text:
                self.takeItem(i)
                break
        item = QListWidgetItem(text)
        item.setIcon(_dot(STATE_COLOURS[BROKEN] if error else STATE_COLOURS[PREDICTED]))
        item.setToolTip(text)
        self.addItem(item)
        self.scrollToBottom()

    def messages(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]
