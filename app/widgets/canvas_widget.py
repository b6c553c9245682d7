"""The image canvas: photo, mask layers, brush cursor, zoom and pan.

The canvas draws and turns mouse input into signals in image coordinates; it never
edits masks itself (app.editing.view_editor turns strokes into edits of the view's
state). Layers, in z order: the photo (RGB), the mask layer (uint8 "effective
probability" drawn through a 256-entry lookup table, so a threshold or colour change
only swaps the table) and the checkerboard layer (RGBA, used by the
cutout-on-checkerboard mode).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem

ZOOM_STEP = 1.0015  # per wheel angle unit (1/8 degree): 120 units = about 20 %
MIN_PIXEL_SIZE = 0.02  # screen px per image px, fully zoomed out
MAX_PIXEL_SIZE = 64.0  # fully zoomed in


class CanvasWidget(pg.GraphicsView):
    """Shows one view of a garment; emits strokes and cursor moves in image pixels.

    Signals carry core's pixel coordinates: x = column, y = row, with pixel centres at
    integers (pyqtgraph draws pixel (r, c) over [c, c+1) x [r, r+1), hence the 0.5).
    """

    stroke_started = Signal(float, float, bool, bool)  # x, y, alternate (right button), line (Shift)
    stroke_moved = Signal(float, float)
    stroke_finished = Signal()
    cursor_moved = Signal(float, float)
    cursor_left = Signal()
    zoom_changed = Signal(float)  # screen pixels per image pixel

    def __init__(self, parent=None):
        super().__init__(parent, background=QColor(48, 48, 52))
        self.view_box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False, defaultPadding=0.02)
        self.view_box.setMouseEnabled(False, False)
        self.setCentralItem(self.view_box)

        self.photo_item = pg.ImageItem(axisOrder="row-major")
        self.mask_item = pg.ImageItem(axisOrder="row-major")
        self.checker_item = pg.ImageItem(axisOrder="row-major")
        self.corrections_item = pg.ImageItem(axisOrder="row-major")
        self.band_item = pg.ImageItem(axisOrder="row-major")  # where the band brush widened refine edge
        for z, item in enumerate((self.photo_item, self.mask_item, self.checker_item, self.corrections_item,
                                  self.band_item)):
            item.setZValue(z)
            self.view_box.addItem(item)
        self.checker_item.setVisible(False)

        self.cursor_item = QGraphicsEllipseItem()
        pen = QPen(QColor(255, 255, 255, 230))
        pen.setCosmetic(True)
        pen.setWidthF(1.5)
        self.cursor_item.setPen(pen)
        self.cursor_item.setZValue(10)
        self.cursor_item.setVisible(False)
        self.view_box.addItem(self.cursor_item, ignoreBounds=True)
        self._cursor_dark = QGraphicsEllipseItem(self.cursor_item)  # a dark ring keeps the outline visible on white
        dark = QPen(QColor(0, 0, 0, 200))
        dark.setCosmetic(True)
        dark.setWidthF(1.0)
        self._cursor_dark.setPen(dark)
        # A soft brush shows where its hard core ends: a dotted inner ring.
        self._cursor_core = QGraphicsEllipseItem(self.cursor_item)
        core = QPen(QColor(255, 255, 255, 200))
        core.setCosmetic(True)
        core.setStyle(Qt.PenStyle.DotLine)
        self._cursor_core.setPen(core)
        self._cursor_core.setVisible(False)
        self._brush_hardness = 1.0

        self._brush_radius = 10.0
        self._image_size: tuple[int, int] | None = None  # (H, W)
        self._painting = False
        self._panning = False
        self._space_down = False
        self._pan_last: QPointF | None = None
        self.brush_enabled = True
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(False)  # drops go to the main window
        self._update_cursor_shape()

    # -- content -----------------------------------------------------------------
    def set_photo(self, rgb: np.ndarray | None) -> None:
        """Show (H, W, 3) uint8 `rgb`; None clears the canvas."""
        if rgb is None:
            self.photo_item.clear()
            self._image_size = None
            return
        # Zoom and pan stay for a photo of the same size (another view, the next garment of
        # the shoot: the same detail compared); a photo of another size (another camera or
        # shoot) is fitted, or the old zoom would show a corner of it or a small patch.
        resized = self._image_size != rgb.shape[:2]
        self._image_size = rgb.shape[:2]
        self.photo_item.setImage(rgb, autoLevels=False, levels=None)
        if resized:
            self.fit()

    def set_mask_layer(self, index: np.ndarray | None, lut: np.ndarray | None) -> None:
        """Mask layer: (H, W) uint8 `index` drawn through the (256, 4) uint8 RGBA `lut`."""
        if index is None:
            self.mask_item.clear()
            return
        self.mask_item.setImage(index, autoLevels=False, levels=None, lut=lut)

    def set_mask_lut(self, lut: np.ndarray) -> None:
        self.mask_item.setLookupTable(lut)

    def refresh_mask_layer(self) -> None:
        """Redraw after the index array was edited in place."""
        self.mask_item.updateImage()

    def set_checker_layer(self, rgba: np.ndarray | None) -> None:
        """(H, W, 4) uint8 layer drawn above the mask layer; None hides it."""
        if rgba is None:
            self.checker_item.setVisible(False)
            return
        self.checker_item.setImage(rgba, autoLevels=False, levels=None)
        self.checker_item.setVisible(True)

    def refresh_checker_layer(self) -> None:
        if self.checker_item.isVisible():
            self.checker_item.updateImage()

    def set_mask_visible(self, visible: bool) -> None:
        self.mask_item.setVisible(visible)

    def set_corrections_layer(self, index: np.ndarray | None, lut: np.ndarray | None) -> None:
        """The override map (H, W) uint8 drawn through `lut` above the mask; None hides it."""
        _set_index_layer(self.corrections_item, index, lut)

    def set_band_layer(self, index: np.ndarray | None, lut: np.ndarray | None) -> None:
        """The band brush's (H, W) uint8 widen map through `lut`; None hides it."""
        _set_index_layer(self.band_item, index, lut)

    def refresh_corrections_layer(self) -> None:
        """Redraw the corrections and band layers after their arrays were edited in place."""
        for item in (self.corrections_item, self.band_item):
            if item.isVisible():
                item.updateImage()

    # -- zoom --------------------------------------------------------------------
    def fit(self) -> None:
        """Show the whole image."""
        if self._image_size is None:
            return
        h, w = self._image_size
        self.view_box.setRange(QRectF(0, 0, w, h), padding=0.02)
        self.zoom_changed.emit(self.pixel_size())

    def actual_pixels(self) -> None:
        """100 %: one image pixel per screen pixel, keeping the current centre."""
        rect = self.view_box.viewRect()
        centre = rect.center()
        vw = max(1, self.view_box.width())
        vh = max(1, self.view_box.height())
        self.view_box.setRange(QRectF(centre.x() - vw / 2, centre.y() - vh / 2, vw, vh), padding=0)
        self.zoom_changed.emit(self.pixel_size())

    def pixel_size(self) -> float:
        """Screen pixels per image pixel."""
        rect = self.view_box.viewRect()
        if rect.width() <= 0:
            return 1.0
        return self.view_box.width() / rect.width()

    def zoom_at(self, factor: float, view_point: QPointF) -> None:
        """Zoom by `factor` (>1 zooms in) keeping `view_point` (image coords) still."""
        current = self.pixel_size()
        target = min(MAX_PIXEL_SIZE, max(MIN_PIXEL_SIZE, current * factor))
        factor = target / current
        if abs(factor - 1.0) < 1e-6:
            return
        self.view_box.scaleBy((1 / factor, 1 / factor), center=view_point)
        self.zoom_changed.emit(self.pixel_size())

    # -- brush cursor ------------------------------------------------------------
    def set_brush_radius(self, radius: float) -> None:
        self._brush_radius = float(radius)
        self._place_cursor(self.cursor_item.rect().center() if self.cursor_item.isVisible() else None)

    def set_brush_hardness(self, hardness: float) -> None:
        """0..1; below 1 the cursor shows the hard core as an inner ring."""
        self._brush_hardness = float(min(1.0, max(0.0, hardness)))
        self._place_cursor(self.cursor_item.rect().center() if self.cursor_item.isVisible() else None)

    def set_cursor_colour(self, rgb: tuple[int, int, int]) -> None:
        pen = self.cursor_item.pen()
        pen.setColor(QColor(*rgb, 230))
        self.cursor_item.setPen(pen)

    def _place_cursor(self, centre: QPointF | None) -> None:
        if centre is None:
            return
        r = self._brush_radius
        rect = QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)
        self.cursor_item.setRect(rect)
        self._cursor_dark.setRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
        core = r * self._brush_hardness
        self._cursor_core.setRect(QRectF(centre.x() - core, centre.y() - core, 2 * core, 2 * core))
        self._cursor_core.setVisible(self._brush_hardness < 1.0)

    def _update_cursor_shape(self) -> None:
        if self._panning:
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._space_down:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif self.brush_enabled:
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)

    # -- coordinates -------------------------------------------------------------
    def widget_to_image(self, pos) -> QPointF:
        """Widget (viewport) position -> image coordinates (x = column, y = row)."""
        return self.view_box.mapSceneToView(self.mapToScene(pos.toPoint() if hasattr(pos, "toPoint") else pos))

    def image_to_widget(self, x: float, y: float):
        """Pixel (x = column, y = row; centres at integers) -> viewport QPoint.

        Tests use it to aim real mouse events at pixels.
        """
        return self.mapFromScene(self.view_box.mapViewToScene(QPointF(x + 0.5, y + 0.5)))

    # -- events ------------------------------------------------------------------
    def mousePressEvent(self, ev):
        button = ev.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space_down):
            self._panning = True
            self._pan_last = ev.position()
            self._update_cursor_shape()
            ev.accept()
            return
        if button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton) and self.brush_enabled \
                and self._image_size is not None:
            p = self.widget_to_image(ev.position())
            self._painting = True
            line = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.stroke_started.emit(p.x() - 0.5, p.y() - 0.5, button == Qt.MouseButton.RightButton, line)
            ev.accept()
            return
        ev.ignore()

    def mouseMoveEvent(self, ev):
        pos = ev.position()
        if self._panning and self._pan_last is not None:
            a = self.widget_to_image(self._pan_last)
            b = self.widget_to_image(pos)
            self.view_box.translateBy(QPointF(a.x() - b.x(), a.y() - b.y()))
            self._pan_last = pos
            ev.accept()
            return
        p = self.widget_to_image(pos)
        self.cursor_item.setVisible(self.brush_enabled and not self._space_down)
        self._place_cursor(p)
        self.cursor_moved.emit(p.x() - 0.5, p.y() - 0.5)
        if self._painting:
            self.stroke_moved.emit(p.x() - 0.5, p.y() - 0.5)
        ev.accept()

    def mouseReleaseEvent(self, ev):
        if self._panning:
            self._panning = False
            self._pan_last = None
            self._update_cursor_shape()
        elif self._painting:
            self._painting = False
            self.stroke_finished.emit()
        ev.accept()

    def mouseDoubleClickEvent(self, ev):
        # Qt delivers the second press of a quick double click only as this event: it is
        # a second dab (or pan), never a pyqtgraph auto-range.
        self.mousePressEvent(ev)

    def wheelEvent(self, ev):
        delta = ev.angleDelta().y() or ev.angleDelta().x()
        if delta == 0:
            ev.ignore()
            return
        self.zoom_at(math.pow(ZOOM_STEP, delta), self.widget_to_image(ev.position()))
        ev.accept()

    def keyPressEvent(self, ev):
        if ev.key() == Qt.Key.Key_Space and not ev.isAutoRepeat():
            self._space_down = True
            self.cursor_item.setVisible(False)
            self._update_cursor_shape()
            ev.accept()
            return
        if ev.key() == Qt.Key.Key_Space:
            ev.accept()
            return
        super().keyPressEvent(ev)

    def keyReleaseEvent(self, ev):
        if ev.key() == Qt.Key.Key_Space and not ev.isAutoRepeat():
            self._space_down = False
            self._update_cursor_shape()
            ev.accept()
            return
        super().keyReleaseEvent(ev)

    def enterEvent(self, ev):
        self.setFocus(Qt.FocusReason.MouseFocusReason)  # so space-drag works without a click first
        super().enterEvent(ev)

    def leaveEvent(self, ev):
        self.cursor_item.setVisible(False)
        self.cursor_left.emit()
        super().leaveEvent(ev)

    def set_brush_enabled(self, enabled: bool) -> None:
        self.brush_enabled = enabled
        if not enabled:
            self.cursor_item.setVisible(False)
        self._update_cursor_shape()


def _set_index_layer(item: pg.ImageItem, index: np.ndarray | None, lut: np.ndarray | None) -> None:
    """Show the (H, W) uint8 `index` through the (256, 4) RGBA `lut` on `item`; None hides it."""
    if index is None:
        item.clear()
        item.setVisible(False)
        return
    item.setImage(index, autoLevels=False, levels=None, lut=lut)
    item.setVisible(True)
