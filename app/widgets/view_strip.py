"""The strip above the canvas: one button per view of the garment, with a thumbnail of its
cutout (the photo until the model has predicted it), the view's state under its name
(waiting / predicted / needs review / corrected / approved / exported) and a tooltip, and
the garment's id."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QWidget

from app.document.garment_session import GarmentSession
from app.widgets.thumbnails import THUMB_HEIGHT, cutout_thumbnail, icon_of, shrink
from core.files.shoots import VIEWS


class ViewStrip(QWidget):
    """Emits `view_clicked(view)`; `show_session` keeps the buttons in step with the garment."""

    view_clicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        strip = QHBoxLayout(self)
        strip.setContentsMargins(4, 4, 4, 0)
        self.buttons: dict[str, QToolButton] = {}
        self.button_group = QButtonGroup(self)
        self.button_group.setExclusive(True)
        for i, view in enumerate(VIEWS):
            button = QToolButton()
            button.setText(f"{i + 1}  {view}")
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QSize(THUMB_HEIGHT * 2 // 3, THUMB_HEIGHT))
            button.setMinimumWidth(96)
            button.clicked.connect(self._on_button_clicked)
            button.setProperty("view", view)
            self.button_group.addButton(button)
            self.buttons[view] = button
            strip.addWidget(button)
        strip.addStretch(1)
        self.garment_label = QLabel()
        self.garment_label.setStyleSheet("font-weight: bold; padding-right: 8px")
        strip.addWidget(self.garment_label)
        self._small: dict[str, np.ndarray] = {}  # each view's photo at thumbnail size
        self._review: dict[str, bool] = {}  # views the triage flags for review
        self.thumbnails: dict[str, np.ndarray | None] = {}  # what each button shows, (h, w, 3) uint8
        # What each thumbnail was drawn from: an edit redraws the strip, but only the view
        # it changed needs its full-resolution mask composed again.
        self._drawn_from: dict[str, tuple] = {}

    def set_garment(self, session: GarmentSession) -> None:
        """A newly opened garment: its id and its views' photos at thumbnail size."""
        self._small = {view: shrink(state.rgb) for view, state in session.states.items()}
        self._drawn_from = {}
        self._review = {}
        self.garment_label.setText(session.key)

    def set_review(self, flags: dict[str, bool]) -> None:
        """Which views the triage flags for review (app.catalogue: the loaded model's estimates)."""
        self._review = dict(flags)

    def flagged_for_review(self) -> list[str]:
        """The views the triage flags for review and nobody approved."""
        return [view for view, flagged in self._review.items() if flagged]

    def show_session(self, session: GarmentSession | None, current_view: str | None) -> None:
        for view, button in self.buttons.items():
            has = session is not None and view in session.garment.views
            button.setVisible(has or session is None or not session.garment.is_single_image)
            state = session.states.get(view) if session else None
            broken = session.broken.get(view) if session else None
            button.setEnabled(state is not None)
            button.setChecked(view == current_view)
            self._draw_thumbnail(view, button, state)
            word = "unreadable" if broken else "no photo" if state is None else view_state_word(
                state, self._review.get(view, False))
            button.setText(f"{VIEWS.index(view) + 1}  {view}\n{word}")
            if broken:
                button.setToolTip(broken)
            elif state is None:
                button.setToolTip(f"{view}: no photo")
            else:
                status = "predicted" if state.predicted else "waiting for the model"
                if state.has_corrections():
                    status += ", corrected"
                if state.approved:
                    status += ", approved"
                button.setToolTip(f"{view} ({status})")
        # A single image of no standard view name gets no view strip.
        self.setVisible(session is None or not session.garment.is_single_image)

    def _draw_thumbnail(self, view: str, button: QToolButton, state) -> None:
        small = self._small.get(view)
        source = None if small is None or state is None else (
            id(state), id(small), state.predicted, state.threshold, state.revision)
        if view in self._drawn_from and self._drawn_from[view] == source:
            return
        thumb = None if source is None else small if not state.predicted else cutout_thumbnail(small, state.mask())
        self.thumbnails[view] = thumb
        self._drawn_from[view] = source
        button.setIcon(QIcon() if thumb is None else icon_of(thumb))

    def _on_button_clicked(self) -> None:
        self.view_clicked.emit(self.sender().property("view"))


def view_state_word(state, needs_review: bool) -> str:
    """What the view's button says under its name: how far the view is."""
    if state.exported:
        return "exported"
    if state.approved:
        return "approved \u2713"
    if not state.predicted:
        return "waiting"
    if state.corrected:
        return "corrected"
    return "needs review" if needs_review else "predicted"
