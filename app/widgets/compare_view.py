"""View > Compare views: the garment's views side by side as cutouts, sharing zoom and pan.

A retoucher checks that the three views of one garment agree (a sleeve kept in one and
cut in another, a neck blob in one view only) without flicking between them. The panes
are pyqtgraph ViewBoxes whose ranges are linked: a wheel zoom or a drag in one moves all.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.document.garment_session import GarmentSession
from core.files.shoots import VIEWS


def cutout_on_checker(rgb: np.ndarray, mask: np.ndarray, square: int = 16) -> np.ndarray:
    """(H, W, 3) uint8: the photo where `mask` is garment, a grey checkerboard elsewhere."""
    h, w = mask.shape
    yy, xx = np.ogrid[0:h, 0:w]
    board = np.where(((yy // square + xx // square) % 2 == 0), 225, 180).astype(np.uint8)
    out = np.repeat(board[..., None], 3, axis=2)
    out[mask] = rgb[mask]
    return out


class CompareWindow(QWidget):
    """A tool window with one pane per view of a garment."""

    def __init__(self, parent=None):
        super().__init__(parent, Qt.WindowType.Tool)
        self.setWindowTitle("Compare views")
        self.resize(1100, 600)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(QColor(48, 48, 52))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.panes: dict[str, pg.ViewBox] = {}
        self.images: dict[str, pg.ImageItem] = {}
        self.labels: dict[str, pg.LabelItem] = {}
        first = None
        for column, view in enumerate(VIEWS):
            label = self.graphics.addLabel(view, row=0, col=column)
            box = self.graphics.addViewBox(row=1, col=column, lockAspect=True, invertY=True, enableMenu=False)
            image = pg.ImageItem(axisOrder="row-major")
            box.addItem(image)
            if first is None:
                first = box
            else:  # one zoom and pan for all panes
                box.setXLink(first)
                box.setYLink(first)
            self.panes[view], self.images[view], self.labels[view] = box, image, label
        self._session: GarmentSession | None = None

    def keyPressEvent(self, event) -> None:
        # A tool window has no title-bar close on some desktops: Escape closes it (and V,
        # through the main window's Compare views action).
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        # The keys go back to the main window (under some window managers nothing was active).
        if self.parentWidget() is not None:
            self.parentWidget().activateWindow()
        super().closeEvent(event)

    def show_session(self, session: GarmentSession | None) -> None:
        """Draw every view of `session` (a view not yet predicted shows its photo)."""
        fresh = session is not self._session
        self._session = session
        for view in VIEWS:
            state = session.states.get(view) if session is not None else None
            if state is None:
                self.images[view].clear()
                self.labels[view].setText(f"{view}: {'no photo' if session is not None else ''}")
                continue
            rgb = cutout_on_checker(state.rgb, state.mask()) if state.predicted else state.rgb
            self.images[view].setImage(rgb, autoLevels=False, levels=None)
            self.labels[view].setText(view if state.predicted else f"{view} (waiting for the model)")
        if fresh:
            self.fit()

    def refresh(self) -> None:
        if self.isVisible():
            self.show_session(self._session)

    def fit(self) -> None:
        boxes = [self.panes[v] for v in VIEWS if self.images[v].image is not None]
        if boxes:
            boxes[0].autoRange(padding=0.02)
