"""The right-hand panel: brush, threshold, display, clean-ups and the model's card.

Widgets only; it emits what the user asked for and the controllers act on it (the
window wires them).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.document import overlay
from app.widgets.edge_panel import EdgePanel
from app.widgets.threshold_panel import ThresholdPanel
from core.common.paths import ICONS

MIN_RADIUS, MAX_RADIUS = 1, 400
HARDNESS_STEP = 25  # percent per Shift+[ / Shift+], as Photoshop steps it
TOOL_COLOURS = {"keep": (60, 200, 90), "remove": (230, 70, 70), "erase": (200, 200, 200)}
CLEANUPS = (("fill", "Fill holes", "Fill background enclosed by the garment"),
            ("specks", "Remove specks", "Drop small islands and fill small holes"),
            ("grow", "Grow 1 px", "Grow the garment edge by one pixel"),
            ("shrink", "Shrink 1 px", "Shrink the garment edge by one pixel"))


def icon(name: str) -> QIcon:
    """resources/icons/<name>.svg (an empty icon if the file is missing)."""
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


class ToolsPanel(QWidget):
    tool_selected = Signal(str)
    smart_toggled = Signal(bool)
    radius_changed = Signal(int)
    hardness_changed = Signal(int)
    mode_changed = Signal(str)
    opacity_changed = Signal(float)
    uncertain_toggled = Signal(int)
    cleanup_requested = Signal(str)

    def __init__(self, radius: int, mode: str, opacity: float, hardness: int = 100, parent=None):
        super().__init__(parent)
        brush = QGroupBox("Brush")
        self.tool_buttons: dict[str, QToolButton] = {}
        row = QHBoxLayout()
        for name, label, tip in (("keep", "Keep", "Paint garment (K; right drag paints the opposite)"),
                                 ("remove", "Remove", "Paint background (R)"),
                                 ("erase", "Eraser", "Back to the model's decision (E)")):
            b = QToolButton()
            b.setText(label)
            b.setIcon(icon({"erase": "eraser"}.get(name, name)))
            b.setIconSize(QSize(18, 18))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setCheckable(True)
            b.setToolTip(tip)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            r, g, bl = TOOL_COLOURS[name]
            b.setStyleSheet(f"QToolButton:checked {{ background: rgb({r},{g},{bl}); color: black; }}")
            b.setProperty("tool", name)
            b.clicked.connect(self._on_tool_button_clicked)
            self.tool_buttons[name] = b
            row.addWidget(b)
        self.radius_spin = QSpinBox()
        self.radius_spin.setRange(MIN_RADIUS, MAX_RADIUS)
        self.radius_spin.setValue(radius)
        self.radius_spin.setSuffix(" px")
        self.radius_spin.setToolTip("Brush radius in photo pixels ([ and ])")
        self.radius_spin.valueChanged.connect(self.radius_changed)
        self.hardness_spin = QSpinBox()
        self.hardness_spin.setRange(0, 100)
        self.hardness_spin.setSingleStep(HARDNESS_STEP)
        self.hardness_spin.setValue(hardness)
        self.hardness_spin.setSuffix(" %")
        self.hardness_spin.setToolTip("Keep/remove brush edge: 100 % hard; less fades the stroke's edge "
                                      "into a soft alpha over the outer part of the radius (Shift+[ and Shift+])")
        self.hardness_spin.valueChanged.connect(self.hardness_changed)
        self.smart_check = QCheckBox("Smart click")
        self.smart_check.setToolTip("Keep/remove: a click adds or removes the whole region it lands in, "
                                    "following the photo's edges (S)")
        self.smart_check.toggled.connect(self.smart_toggled)
        form = QFormLayout(brush)
        form.addRow(row)
        form.addRow("Radius", self.radius_spin)
        form.addRow("Hardness", self.hardness_spin)
        form.addRow(self.smart_check)

        threshold = QGroupBox("Threshold")
        self.threshold_panel = ThresholdPanel()
        QVBoxLayout(threshold).addWidget(self.threshold_panel)

        display = QGroupBox("Display")
        self.mode_combo = QComboBox()
        for m in overlay.MODES:
            self.mode_combo.addItem(overlay.MODE_LABELS[m], m)
        self.mode_combo.setCurrentIndex(overlay.MODES.index(mode))
        self.mode_combo.setToolTip("How the mask is shown (M cycles)")
        self.mode_combo.currentIndexChanged.connect(self._on_mode_combo_changed)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(int(round(opacity * 100)))
        self.opacity_slider.setToolTip("Overlay opacity")
        self.opacity_slider.valueChanged.connect(self._on_opacity_slider_value_changed)
        self.uncertain_check = QCheckBox("Highlight uncertain pixels")
        self.uncertain_check.setToolTip("Magenta where the probability is within 0.1 of the threshold (U)")
        self.uncertain_check.toggled.connect(self._on_uncertain_check_toggled)
        form = QFormLayout(display)
        form.addRow("Mode", self.mode_combo)
        form.addRow("Opacity", self.opacity_slider)
        form.addRow(self.uncertain_check)

        cleanup = QGroupBox("Clean-up")
        grid = QVBoxLayout(cleanup)
        self.cleanup_buttons: dict[str, QPushButton] = {}
        rows = [QHBoxLayout(), QHBoxLayout()]
        for i, (name, label, tip) in enumerate(CLEANUPS):
            b = QPushButton(label)
            b.setToolTip(tip + " (one undo step)")
            b.setProperty("cleanup", name)
            b.clicked.connect(self._on_cleanup_button_clicked)
            self.cleanup_buttons[name] = b
            rows[i // 2].addWidget(b)
        for r in rows:
            grid.addLayout(r)

        edge = QGroupBox("Edge (this view)")
        self.edge_panel = EdgePanel()
        QVBoxLayout(edge).addWidget(self.edge_panel)
        self.tool_buttons["band"] = self.edge_panel.band_button
        self.edge_panel.band_button.clicked.connect(self._on_tool_button_clicked)

        model = QGroupBox("Model")
        self.model_label = QLabel("Loading the model...")
        self.model_label.setWordWrap(True)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(model).addWidget(self.model_label)

        # The canvas is what matters: the panel stays narrow however wide the window.
        self.setMinimumWidth(300)
        self.setMaximumWidth(380)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for box in (brush, threshold, display, cleanup, edge, model):
            layout.addWidget(box)
        layout.addStretch(1)

    def show_smart(self, smart: bool) -> None:
        self.smart_check.blockSignals(True)
        self.smart_check.setChecked(smart)
        self.smart_check.blockSignals(False)

    def show_tool(self, tool: str) -> None:
        for name, button in self.tool_buttons.items():
            button.setChecked(name == tool)

    def show_hardness(self, hardness: int) -> None:
        if self.hardness_spin.value() != hardness:
            self.hardness_spin.setValue(hardness)

    def show_radius(self, radius: int) -> None:
        if self.radius_spin.value() != radius:
            self.radius_spin.setValue(radius)

    def _on_tool_button_clicked(self) -> None:
        self.tool_selected.emit(self.sender().property("tool"))

    def _on_mode_combo_changed(self, index: int) -> None:
        self.mode_changed.emit(overlay.MODES[index])

    def _on_opacity_slider_value_changed(self, value: int) -> None:
        self.opacity_changed.emit(value / 100)

    def _on_uncertain_check_toggled(self, checked: bool) -> None:
        self.uncertain_toggled.emit(int(checked))

    def _on_cleanup_button_clicked(self) -> None:
        self.cleanup_requested.emit(self.sender().property("cleanup"))
