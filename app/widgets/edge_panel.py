"""The Edge box of the tools panel: the view's global adjustments (core.masks.adjustments):
smooth, feather, contrast and shift edge, non-destructive, previewed live in the cutout
view modes and applied at export."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QPushButton, QToolButton, QWidget

from core.masks.adjustments import (
    MAX_CONTRAST,
    MAX_FEATHER_PX,
    MAX_REFINE_PX,
    MAX_SHIFT_PX,
    MAX_SMOOTH_PX,
    EdgeAdjustments,
)


class EdgePanel(QWidget):
    """Emits `adjustments_changed(EdgeAdjustments)` when the user changes a value."""

    adjustments_changed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.spins: dict[str, QDoubleSpinBox] = {}
        for name, label, low, high, step, suffix, tip in (
            ("smooth", "Smooth", 0.0, MAX_SMOOTH_PX, 1.0, " px", "Round off a jagged edge"),
            ("feather", "Feather", 0.0, MAX_FEATHER_PX, 0.5, " px", "Soften the alpha across the edge"),
            ("contrast", "Contrast", 0.0, MAX_CONTRAST * 100, 5.0, " %", "Harden a soft edge again"),
            ("shift", "Shift edge", -MAX_SHIFT_PX, MAX_SHIFT_PX, 1.0, " px",
             "Move the edge outward (+) or inward (-)"),
            ("refine", "Refine edge", 0.0, float(MAX_REFINE_PX), 1.0, " px",
             "Matte a soft edge from the photo in a band this wide (fuzzy or sheer fabric; takes seconds)"),
        ):
            spin = QDoubleSpinBox()
            spin.setRange(low, high)
            spin.setSingleStep(step)
            spin.setDecimals(1)
            spin.setSuffix(suffix)
            spin.setToolTip(tip + " (this view; applied when the cutout is drawn and exported)")
            spin.setKeyboardTracking(False)  # typed values count when Enter is pressed
            spin.valueChanged.connect(self._on_spin_value_changed)
            form.addRow(label, spin)
            self.spins[name] = spin
        # The band brush: a brush tool (the tools panel's tool buttons include it) painting
        # where the refine edge's band widens, for fuzzy fabric (W; right drag narrows).
        self.band_button = QToolButton()
        self.band_button.setText("Band brush")
        self.band_button.setCheckable(True)
        self.band_button.setProperty("tool", "band")
        self.band_button.setToolTip("Paint where the refine edge's band widens over fuzzy fabric "
                                    "(W; right drag narrows it back)")
        self.band_button.setStyleSheet("QToolButton:checked { background: rgb(255, 210, 0); color: black; }")
        form.addRow(self.band_button)
        self.reset_button = QPushButton("Reset edge")
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        form.addRow(self.reset_button)
        self._showing = False

    def adjustments(self) -> EdgeAdjustments:
        values = {name: spin.value() for name, spin in self.spins.items()}
        values["contrast"] /= 100.0
        return EdgeAdjustments(**values)

    def show_adjustments(self, adjustments: EdgeAdjustments) -> None:
        """Show a view's values without emitting a change."""
        self._showing = True
        try:
            for name, spin in self.spins.items():
                value = getattr(adjustments, name)
                spin.setValue(value * 100.0 if name == "contrast" else value)
        finally:
            self._showing = False

    def _on_spin_value_changed(self, _value: float) -> None:
        if not self._showing:
            self.adjustments_changed.emit(self.adjustments())

    def _on_reset_button_clicked(self) -> None:
        self.show_adjustments(EdgeAdjustments())
        self.adjustments_changed.emit(EdgeAdjustments())
