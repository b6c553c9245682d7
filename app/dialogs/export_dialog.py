"""Export options: folder (remembered), feather, refine edge and decontamination, also write masks;
for a catalogue of several shoots, whether each shoot goes into its own folder."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)


class ExportDialog(QDialog):
    """Asks where and how to export; `options()` returns (folder, feather_px, write_mask,
    refine_edge_px, decontaminate)."""

    def __init__(self, folder: str, feather_px: int = 0, write_mask: bool = False, parent=None,
                 title: str = "Export cutouts", refine_edge_px: int = 0, decontaminate: bool = True,
                 shoots: int = 1, destinations: Sequence[tuple[str, str]] = (), each_shoot: bool = True):
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
        self.refine_spin = QSpinBox()
        self.refine_spin.setRange(0, 50)
        self.refine_spin.setSuffix(" px")
        # 0 is not "off": each view keeps the Refine edge set on it in the Tools panel, and
        # the dialog saying "off" over a view refined at 4 px read as a contradiction.
        self.refine_spin.setSpecialValueText("each view's own")
        self.refine_spin.setValue(refine_edge_px)
        self.refine_spin.setToolTip("Matte a soft edge in a band this wide either side of the mask's edge "
                                    "(hair-fine fabric, fuzzy knits) on every view; \"each view's own\" = the "
                                    "Refine edge set on the view in the Tools panel (none where it is 0)")
        self.decontaminate_check = QCheckBox("Decontaminate colours at soft edges")
        self.decontaminate_check.setToolTip("Use the garment's estimated colour where the edge is soft, so no "
                                            "fringe of the backdrop shows over a new background")
        self.decontaminate_check.setChecked(decontaminate)  # also where a view's own refine edge is soft
        self.mask_check = QCheckBox("Also write the masks (_mask.png)")
        self.mask_check.setChecked(write_mask)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        # Several shoots in one folder would mix their cutouts (and each shoot would then
        # remember the other's folder), so by default each shoot keeps its own.
        self.each_shoot_check = QCheckBox(f"Each of the {shoots} shoots into its own folder "
                                          "(its last export folder, else cutouts/ beside it)")
        self.each_shoot_check.setChecked(shoots > 1 and each_shoot)
        # The greyed Folder field shows the first shoot's folder only: say where each goes.
        self.destinations_label = QLabel(_destinations_text(destinations))
        self.destinations_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.each_shoot_check.toggled.connect(self._on_each_shoot_toggled)
        folder_row.setEnabled(not self.each_shoot_check.isChecked())
        self._folder_row = folder_row
        form = QFormLayout(self)
        if shoots > 1:
            form.addRow("", self.each_shoot_check)
            if destinations:
                form.addRow("", self.destinations_label)
        form.addRow("Folder", folder_row)
        form.addRow("Feather", self.feather_spin)
        form.addRow("Refine edge", self.refine_spin)
        form.addRow("", self.decontaminate_check)
        form.addRow("", self.mask_check)
        form.addRow(self.buttons)
        self.resize(520, 150)

    def options(self) -> tuple[Path, int, bool, int, bool]:
        return (Path(self.folder_edit.text().strip()), self.feather_spin.value(), self.mask_check.isChecked(),
                self.refine_spin.value(), self.decontaminate_check.isChecked())

    def each_shoot_own_folder(self) -> bool:
        """True: export each shoot into its own folder; the Folder field is not used."""
        return self.each_shoot_check.isChecked()

    def _on_each_shoot_toggled(self, on: bool) -> None:
        self._folder_row.setEnabled(not on)
        self.destinations_label.setEnabled(on)

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)


def _destinations_text(destinations: Sequence[tuple[str, str]], most: int = 4) -> str:
    """'shoot_a → /out/a' lines, the first `most`, then how many more."""
    lines = [f"{shoot} → {folder}" for shoot, folder in destinations[:most]]
    if len(destinations) > most:
        lines.append(f"and {len(destinations) - most} more shoots")
    return "\n".join(lines)
