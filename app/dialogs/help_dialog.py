"""The keyboard and mouse reference (Help > Shortcuts, F1)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout

SHORTCUTS: list[tuple[str, str]] = [
    ("Ctrl+O", "Open a shoot or catalogue folder"),
    ("Ctrl+Shift+O", "Open image files"),
    ("Ctrl+E", "Export the garment's cutouts"),
    ("Ctrl+Shift+E", "Export all garments of the catalogue"),
    ("1 / 2 / 3", "Front / FrontRight / Back view"),
    ("Page Down / Page Up", "Next / previous garment of a catalogue"),
    ("K", "Keep brush (paint garment)"),
    ("R", "Remove brush (paint background)"),
    ("E", "Eraser (back to the model's decision)"),
    ("X", "Swap keep and remove"),
    ("W", "Band brush: widen the refine edge's band over fuzzy fabric (right drag narrows it)"),
    ("S", "Smart click on/off: keep/remove a whole region with one click"),
    ("B", "Before / after: the photo alone, and back"),
    ("A", "Approve the view's mask as it is (again: withdraw; any edit withdraws it too)"),
    ("Shift+, / Shift+.", "Threshold down / up ten steps"),
    ("Left drag", "Paint with the current brush"),
    ("Shift+click", "A straight line from where the last stroke ended"),
    ("C", "Show corrections: your keep strokes green, remove strokes magenta"),
    ("Right drag", "Paint with the opposite brush (keep <-> remove)"),
    ("[ / ]", "Smaller / larger brush"),
    ("Shift+[ / Shift+]", "Softer / harder brush edge (hardness, 25 % steps)"),
    ("Ctrl+Z", "Undo the last stroke, clean-up or threshold change of this view (mid-stroke: that stroke)"),
    ("Ctrl+Shift+Z, Ctrl+Y", "Redo"),
    (", / .", "Threshold down / up one step"),
    ("M", "Next view mode (overlay, checkerboard, white, black, photo)"),
    ("U", "Highlight uncertain pixels (probability near the threshold)"),
    ("Wheel", "Zoom around the cursor"),
    ("Space + drag, middle drag", "Pan"),
    ("F, Ctrl+0", "Fit to window"),
    ("Ctrl+1", "100 % (one photo pixel per screen pixel)"),
    ("V", "Compare views: the garment's views side by side as cutouts, sharing zoom and pan (V or Escape closes)"),
    ("F1", "This list"),
]


class HelpDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard and mouse")
        table = QTableWidget(len(SHORTCUTS), 2)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().setVisible(False)
        for row, (keys, action) in enumerate(SHORTCUTS):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(action))
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(560, 620)
