"""Export options: folder (remembered), feather, also write masks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)


class ExportDialog(QDialog):
    """Asks where and how to export; `options()` returns (folder, feather_px, write_mask)."""

    def __init__(self, folder: str, feather_px: int = 0, write_mask: bool = False, parent=None,
                 title: str = "Export cutouts"):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.folder_edit = QLineEdit(folder)
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._on_browse_clicked)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        self.feather_spin = QSpinBox()
        self.feather_spin.setRange(0, 20)
        self.feather_spin.setSuffix(" px")
        self.feather_spin.setValue(feather_px)
        self.feather_spin.setToolTip("Soften the cutout edge over this many pixels (0 = hard edge)")
        self.mask_check = QCheckBox("Also write the masks (_mask.png)")
        self.mask_check.setChecked(write_mask)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Folder", folder_row)
        form.addRow("Feather", self.feather_spin)
        form.addRow("", self.mask_check)
        form.addRow(self.buttons)
        self.resize(520, 150)

    def options(self) -> tuple[Path, int, bool]:
        return Path(self.folder_edit.text().strip()), self.feather_spin.value(), self.mask_check.isChecked()

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)
