"""The garment list of a catalogue folder, each with its state, and a message list.

States (app.document.garment_session): not started -> predicted -> corrected ->
approved -> exported (as far as the app knows), or unreadable. A garment whose views have been
predicted also shows its worst view's triage estimate (core.evaluation.triage: the
chance that the view's Dice is below 0.97); the list can put the worst first and show
only the garments that need review. Garments not yet predicted have no estimate: they
sort after the others and count as not needing review.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.document.garment_session import APPROVED, BROKEN, CORRECTED, EXPORTED, NOT_STARTED, PARTLY_PREDICTED, PREDICTED
from app.widgets.thumbnails import icon_of

STATE_COLOURS = {
    NOT_STARTED: QColor(140, 140, 140),
    PARTLY_PREDICTED: QColor(150, 175, 215),  # the predicted blue, paled
    PREDICTED: QColor(80, 150, 240),
    CORRECTED: QColor(240, 180, 40),
    APPROVED: QColor(40, 180, 170),
    EXPORTED: QColor(60, 200, 90),
    BROKEN: QColor(230, 60, 60),
}


def _dot(colour: QColor) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(colour)
    return QIcon(pix)


class CataloguePanel(QWidget):
    """Lists garments; emits `garment_selected(key)` (Garment.key) on a click or key move."""

    garment_selected = Signal(str)
    stop_estimating_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAlternatingRowColors(True)
        # Studio garment ids can be long UUIDs: elide their middle (both ends identify a
        # garment) rather than scroll sideways and hide the state.
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setUniformItemSizes(True)
        self.list.setIconSize(QSize(28, 42))
        self.summary = QLabel()
        self.worst_first = QCheckBox("Worst first")
        self.worst_first.setToolTip("Sort garments by their worst view's estimate, highest first")
        self.review_only = QCheckBox("Needs review")
        self.review_only.setToolTip("Show only garments with a view the triage flags for review")
        toggles = QHBoxLayout()
        toggles.setContentsMargins(0, 0, 0, 0)
        toggles.addWidget(self.worst_first)
        toggles.addWidget(self.review_only)
        toggles.addStretch(1)
        # The background estimate of the whole catalogue (app.jobs.catalogue_estimates):
        # its own line, so the status bar's progress stays the open garment's and exports'.
        self.estimating = QLabel()
        self.stop_estimating = QPushButton("Stop")
        self.stop_estimating.setToolTip("Stop estimating the garments not opened yet (each keeps its estimate "
                                        "once opened)")
        self.stop_estimating.clicked.connect(self.stop_estimating_requested)
        # The row keeps its height when idle: appearing as the model loaded, it pushed the
        # list down under a click aimed at it.
        policy = self.stop_estimating.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.stop_estimating.setSizePolicy(policy)
        estimating = QHBoxLayout()
        estimating.setContentsMargins(0, 0, 0, 0)
        estimating.addWidget(self.estimating, 1)
        estimating.addWidget(self.stop_estimating)
        self.show_estimating(None)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addLayout(estimating)
        layout.addLayout(toggles)
        layout.addWidget(self.list, 1)
        self._states: dict[str, str] = {}
        # garment id -> (worst view's estimate, whether any view needs review)
        self._estimates: dict[str, tuple[float, bool]] = {}
        self._order: list[str] = []  # the catalogue's own order
        self._known: set[str] = set()
        # garment id -> its first view's cutout at list size, once it was open and predicted
        self._thumbnails: dict[str, np.ndarray] = {}
        self._updating = False
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.worst_first.toggled.connect(self._on_worst_first_toggled)
        self.review_only.toggled.connect(self._on_review_only_toggled)

    def set_garments(self, keys: list[str], states: dict[str, str]) -> None:
        self._updating = True
        try:
            self.list.clear()
            self._states = {}
            self._estimates = {}
            self._order = list(keys)
            self._known = set(keys)
            for gid in keys:
                item = QListWidgetItem(gid)
                item.setData(Qt.ItemDataRole.UserRole, gid)
                self.list.addItem(item)
                self.set_state(gid, states.get(gid, NOT_STARTED))
        finally:
            self._updating = False

    def set_thumbnail(self, key: str, small_rgb: np.ndarray | None) -> None:
        """The garment's cutout thumbnail ((h, w, 3) uint8), shown with its state's colour
        down the left edge; None goes back to the state's dot."""
        if small_rgb is None:
            self._thumbnails.pop(key, None)
        else:
            self._thumbnails[key] = small_rgb
        self._show_item(key)

    def has_thumbnail(self, key: str) -> bool:
        return key in self._thumbnails

    def set_state(self, key: str, state: str) -> None:
        if key not in self._known:
            # A late word about the previous catalogue's garment (its export or autosave
            # ending after another catalogue was opened) must not count in this one's summary.
            return
        self._states[key] = state
        self._show_item(key)
        self._update_summary()

    def set_estimate(self, key: str, worst: float | None, needs_review: bool = False) -> None:
        """The garment's worst view estimate (0..1) and whether a view needs review; None
        forgets it (another model, or no triage in its card)."""
        if key not in self._known:
            return
        if worst is None:
            self._estimates.pop(key, None)
        else:
            self._estimates[key] = (float(worst), bool(needs_review))
        self._show_item(key)
        self._update_summary()
        if self.worst_first.isChecked():
            self._arrange()
        elif self.review_only.isChecked():
            self._apply_filter()

    def clear_estimates(self) -> None:
        self._estimates = {}
        for gid in self._order:
            self._show_item(gid)
        self._update_summary()
        self._arrange()

    def estimate(self, key: str) -> tuple[float, bool] | None:
        return self._estimates.get(key)

    def visible_garment_ids(self) -> list[str]:
        """The garments listed, in their order, without those the filter hides."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if not self.list.item(i).isHidden()]

    def neighbour(self, key: str, step: int) -> str | None:
        """The garment next to `key` (step 1: below, -1: above, wrapping round) as the list
        shows them, sorted and filtered; from a garment the filter has just hidden (approved
        under "Needs review"), the next one shown after its place. None when none is shown."""
        order = self.garment_keys()
        shown = set(self.visible_garment_ids())
        start = order.index(key) if key in order else 0
        direction = 1 if step > 0 else -1
        for i in range(1, len(order) + 1):
            candidate = order[(start + i * direction) % len(order)]
            if candidate in shown:
                return candidate
        return None

    def _show_item(self, key: str) -> None:
        item = self._item(key)
        if item is None:
            return
        state = self._states.get(key, NOT_STARTED)
        estimate = self._estimates.get(key)
        # A percentage named "risk": "worst 0.92" read as 92 % good (found by a helper).
        line = state if estimate is None else f"{state} · risk {estimate[0]:.0%}" + (" · review" if estimate[1] else "")
        item.setText(f"{key}\n{line}")
        item.setToolTip(f"{key}: {line}" + ("" if estimate is None else
                                            " (the chance that its worst view needs correcting: Dice below 0.97)"))
        colour = STATE_COLOURS.get(state, STATE_COLOURS[NOT_STARTED])
        thumb = self._thumbnails.get(key)
        item.setIcon(_dot(colour) if thumb is None else icon_of(thumb, (colour.red(), colour.green(), colour.blue())))

    def _sorted_ids(self) -> list[str]:
        if not self.worst_first.isChecked():
            return list(self._order)
        position = {gid: i for i, gid in enumerate(self._order)}
        # Highest estimate first; garments without one keep the catalogue order after them.
        return sorted(self._order, key=lambda gid: (gid not in self._estimates,
                                                    -self._estimates.get(gid, (0.0, False))[0], position[gid]))

    def _arrange(self) -> None:
        """Reorder the items (keeping the current one current) and reapply the filter."""
        current = self.list.currentItem()
        current_id = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self._updating = True
        try:
            items = {}
            while self.list.count():
                item = self.list.takeItem(0)
                items[item.data(Qt.ItemDataRole.UserRole)] = item
            for gid in self._sorted_ids():
                if gid in items:
                    self.list.addItem(items.pop(gid))
            for item in items.values():
                self.list.addItem(item)
            if current_id is not None:
                self.list.setCurrentItem(self._item(current_id))
        finally:
            self._updating = False
        self._apply_filter()

    def _apply_filter(self) -> None:
        only = self.review_only.isChecked()
        for i in range(self.list.count()):
            item = self.list.item(i)
            estimate = self._estimates.get(item.data(Qt.ItemDataRole.UserRole))
            item.setHidden(only and not (estimate is not None and estimate[1]))

    def _on_worst_first_toggled(self, _checked: bool) -> None:
        self._arrange()

    def _on_review_only_toggled(self, _checked: bool) -> None:
        self._apply_filter()
        self._update_summary()

    def state(self, key: str) -> str | None:
        return self._states.get(key)

    def select(self, key: str) -> None:
        item = self._item(key)
        if item is not None and self.list.currentItem() is not item:
            self._updating = True
            try:
                self.list.setCurrentItem(item)
            finally:
                self._updating = False

    def garment_keys(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def _item(self, key: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                return item
        return None

    def show_estimating(self, done: int | None, total: int = 0) -> None:
        """"Estimating garments: done of total" with its Stop button; None hides both."""
        shown = done is not None
        self.stop_estimating.setVisible(shown)
        self.estimating.setText(f"Estimating garments: {done} of {total}" if shown else "")

    def _update_summary(self) -> None:
        total = len(self._states)
        done = sum(1 for s in self._states.values() if s == EXPORTED)
        flagged = sum(1 for _, review in self._estimates.values() if review)
        text = f"{total} garments, {done} exported"
        if self._estimates:
            text += f", {flagged} of {len(self._estimates)} predicted need review"
        self.summary.setText(text)

    def _on_list_current_item_changed(self, current, _previous) -> None:
        if current is not None and not self._updating:
            self.garment_selected.emit(current.data(Qt.ItemDataRole.UserRole))


class MessagePanel(QListWidget):
    """Non-blocking messages (unreadable files, skipped files, failures), newest last."""

    def sizeHint(self) -> QSize:
        # About five lines when the dock first opens (QListWidget asks for 192 px, which
        # took a third of a laptop window's canvas); the user can drag it taller.
        return QSize(super().sizeHint().width(), 5 * self.fontMetrics().height() + 12)

    def add_message(self, text: str, error: bool = True, about: str | None = None) -> None:
        """Add `text` as the newest line; a line already listed (a broken photo met again on
        every visit to its garment) moves to the bottom instead of repeating, and so does a
        line `about` the same thing (a photo's path), replaced by the newer word on it: the
        listing's "looks truncated" by what reading the photo found."""
        self._take_first(lambda old: old.text() == text
                         or (about is not None and old.data(Qt.ItemDataRole.UserRole) == about))
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, about)
        item.setIcon(_dot(STATE_COLOURS[BROKEN] if error else STATE_COLOURS[PREDICTED]))
        item.setToolTip(text)
        self.addItem(item)
        self.scrollToBottom()

    def forget(self, about: str) -> None:
        """Take away the line about `about` (a photo the listing doubted, read whole since)."""
        self._take_first(lambda old: old.data(Qt.ItemDataRole.UserRole) == about)

    def _take_first(self, matches) -> None:
        """Remove the first line for which `matches(item)` holds (a message is listed once)."""
        for i in range(self.count()):
            if matches(self.item(i)):
                self.takeItem(i)
                return

    def messages(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]
