"""Threshold controls: slider + spin box + the view's probability histogram.

The slider works in the probability's own uint8 steps (1..255), so every position is
a distinct mask and nothing is lost to rounding; the spin box shows the same value as
a probability 0..1. The histogram (log counts) shows where the model hesitated: a
threshold in an empty valley changes little, one on a slope changes a lot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QPushButton, QSlider, QVBoxLayout, QWidget

from app.document.overlay import threshold_cut

HIST_BINS = 64


class ThresholdPanel(QWidget):
    """Emits `threshold_changed(t)` while the slider moves; t is a probability in (0, 1]."""

    threshold_changed = Signal(float)
    apply_to_all_requested = Signal()
    reset_requested = Signal()
    typing_finished = Signal()  # Enter in the number box: the window hands the keys back to the canvas

    def __init__(self, parent=None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, 255)
        self.slider.setTracking(True)
        self.slider.setToolTip("Threshold: pixels whose garment probability is at least this are kept "
                               "(, and . step it)")
        self.spin = QDoubleSpinBox()
        self.spin.setRange(1 / 255, 1.0)
        self.spin.setDecimals(3)
        self.spin.setSingleStep(1 / 255)
        self.spin.setKeyboardTracking(False)
        self.apply_all_button = QPushButton("Apply to all views")
        self.apply_all_button.setToolTip("Use this threshold for every view of the garment")
        self.reset_button = QPushButton("Model default")
        self.reset_button.setToolTip("Back to the model's recommended threshold")

        self.plot = pg.PlotWidget(background=None)
        self.plot.setFixedHeight(90)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.getPlotItem().hideAxis("left")
        self.plot.getPlotItem().getAxis("bottom").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")]])
        self.plot.setXRange(0, 1, padding=0.04)
        self.curve = pg.PlotCurveItem(x=np.array([0.0, 1.0]), y=np.array([0.0]), stepMode="center", fillLevel=0, brush=QColor(120, 160, 230, 150),
                                      pen=QColor(120, 160, 230))
        self.plot.addItem(self.curve)
        self.line = pg.InfiniteLine(pos=0.5, angle=90, movable=True, pen=pg.mkPen(QColor(255, 80, 80), width=2))
        self.line.setToolTip("Drag to change the threshold")
        self.plot.addItem(self.line)

        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_all_button)
        buttons.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(row)
        layout.addWidget(self.plot)
        layout.addLayout(buttons)

        self._updating = False
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.spin.valueChanged.connect(self._on_spin_value_changed)
        # A number box keeps the keyboard after Enter, and eats K, R, E, 1-3, comma and
        # period until the mouse next enters the canvas: hand it back at once.
        self.spin.lineEdit().returnPressed.connect(self.typing_finished)
        self.line.sigPositionChanged.connect(self._on_line_moved)
        self.apply_all_button.clicked.connect(self.apply_to_all_requested)
        self.reset_button.clicked.connect(self.reset_requested)
        self.show_none()  # until a view is shown

    # -- public ------------------------------------------------------------------
    def threshold(self) -> float:
        return self.spin.value()

    def set_threshold(self, threshold: float) -> None:
        """Show `threshold` without emitting threshold_changed."""
        self._show(threshold)

    def show_none(self) -> None:
        """No view to cut: a dash in the number box (it showed its lowest value, 0.004, as
        if that were a threshold), the slider and line back at the middle, no histogram."""
        self._updating = True
        try:
            self.spin.setSpecialValueText("\u2013")  # shown while the box holds its minimum
            self.spin.setValue(self.spin.minimum())
            self.slider.setValue(threshold_cut(0.5))
            self.line.setValue(0.5)
        finally:
            self._updating = False
        self.set_histogram(None)

    def set_histogram(self, probability: np.ndarray | None) -> None:
        """Histogram of the (H, W) uint8 probability; None clears it."""
        if probability is None:
            self.curve.setData(np.array([0.0, 1.0]), np.array([0.0]))
            return
        counts = np.bincount((probability >> 2).ravel(), minlength=HIST_BINS)[:HIST_BINS]
        edges = np.linspace(0.0, 1.0, HIST_BINS + 1)
        self.curve.setData(edges, np.log10(1.0 + counts.astype(np.float64)))

    def step(self, delta: int) -> None:
        """Move the threshold by `delta` uint8 steps (emits)."""
        self.slider.setValue(self.slider.value() + delta)

    # -- internals ---------------------------------------------------------------
    def _show(self, threshold: float) -> None:
        self._updating = True
        try:
            self.spin.setSpecialValueText("")  # a real threshold of 1/255 reads as a number
            self.slider.setValue(threshold_cut(threshold))
            self.spin.setValue(threshold)
            self.line.setValue(threshold)
        finally:
            self._updating = False

    def _emit(self, threshold: float) -> None:
        if self._updating:
            return
        self._show(threshold)
        self.threshold_changed.emit(threshold)

    def _on_slider_value_changed(self, value: int) -> None:
        self._emit(value / 255.0)

    def _on_spin_value_changed(self, value: float) -> None:
        self._emit(value)

    def _on_line_moved(self) -> None:
        value = float(min(1.0, max(1 / 255, self.line.value())))
        # Snap to the uint8 step the slider shows, so slider, line and mask agree.
        self._emit(threshold_cut(value) / 255.0)
