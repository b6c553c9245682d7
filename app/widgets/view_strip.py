"""The strip above the canvas: one button per view of the garment, with a thumbnail and a
tooltip saying how far the view is, and the garment's id."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QWidget

from app.document.garment_session import GarmentSession
from core.files.shoots import VIEWS

THUMB_HEIGHT = 56


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
        self._thumbs: dict[str, QIcon] = {}

    def set_garment(self, session: GarmentSession) -> None:
        """A newly opened garment: its id and its views' thumbnails."""
        self._thumbs = {view: _thumbnail(state.rgb) for view, state in session.states.items()}
        self.garment_label.setText(session.garment_id)

    def show_session(self, session: GarmentSession | None, current_view: str | None) -> None:
        for view, button in self.buttons.items():
            has = session is not None and view in session.garment.views
            button.setVisible(has or session is None or not session.garment.is_single_image)
            state = session.states.get(view) if session else None
            broken = session.broken.get(view) if session else None
            button.setEnabled(state is not None)
            button.setChecked(view == current_view)
            button.setIcon(self._thumbs.get(view, QIcon()))
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
                button.setText(f"{VIEWS.index(view) + 1}  {view}" + ("  \u2713" if state.approved else ""))
        # A single image of no standard view name gets no view strip.
        self.setVisible(session is None or not session.garment.is_single_image)

    def _on_button_clicked(self) -> None:
        self.view_clicked.emit(self.sender().property("view"))


def _thumbnail(rgb: np.ndarray) -> QIcon:
    """A small icon of the (H, W, 3) uint8 photo for the view strip."""
    h, w = rgb.shape[:2]
    th = THUMB_HEIGHT
    tw = max(1, round(w * th / h))
    small = np.ascontiguousarray(cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA))
    image = QImage(small.data, tw, th, 3 * tw, QImage.Format.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(image))
