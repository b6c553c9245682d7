"""File > Export cutouts and File > Export all garments: asks the options (the export
dialog), checks the folder, remembers the choices and runs the export jobs
(app.jobs.garment_export, app.jobs.catalogue_export), one at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.dialogs.export_dialog import ExportDialog
from app.document.garment_session import session_state
from app.document.workspace import Workspace
from app.feedback import Feedback
from app.jobs.catalogue_export import CatalogueExporter, folders_after
from app.jobs.garment_export import GarmentExporter
from app.jobs.tasks import EXPORT_FAILURE, ModelInfo, export_folder_problem
from app.jobs.training_set_job import TrainingSetCollector
from app.settings import AppSettings, ExportOptions
from core.files.export import clashing_shoots, export_clashes
from core.files.shoots import shoot_labels


class ExportController(QObject):
    """Exports the workspace's garment or catalogue. `save_edits()` is called before an
    export (an export of all garments reads the garments not on screen from their sidecars);
    `before_export()` before any export (the view on screen's time so far is counted)."""

    export_finished = Signal(list)  # the garment on screen: written paths
    options_accepted = Signal()  # an export's options were accepted (and remembered)
    garment_state_changed = Signal(str, str)  # garment id, its state after an export

    def __init__(self, workspace: Workspace, feedback: Feedback, settings: AppSettings,
                 save_edits: Callable[[], None], parent: QObject | None = None,
                 before_export: Callable[[], None] | None = None):
        super().__init__(parent)
        self._workspace = workspace
        self._feedback = feedback
        self._settings = settings
        self._save_edits = save_edits
        self._before_export = before_export or (lambda: None)
        self.garment_exporter = GarmentExporter(feedback, self)
        self.garment_exporter.finished_export.connect(self._on_garment_exporter_finished_export)
        self.catalogue_exporter = CatalogueExporter(feedback, workspace, self)
        self.catalogue_exporter.garment_state_changed.connect(self.garment_state_changed)
        self.catalogue_exporter.finished_export.connect(self._on_catalogue_exporter_finished_export)
        self.catalogue_exporter.garment_exported.connect(self._on_catalogue_exporter_garment_exported)
        self.garment_exporter.view_exported.connect(self._on_garment_exporter_view_exported)
        # The folders of the export running, {shoot: folder}, remembered once files are in them.
        self._exporting_into: dict[Path, Path] = {}
        self.training_set = TrainingSetCollector(feedback, self)

    # -- through the dialog --------------------------------------------------------
    def export_with_dialog(self, parent: QWidget) -> None:
        session = self._workspace.session
        if session is None:
            return
        last = self._settings.export_options  # the dialog asks as last accepted, also after a restart
        dialog = ExportDialog(self._default_folder(session.garment.folder), last.feather_px, last.write_mask, parent,
                              refine_edge_px=last.refine_edge_px, decontaminate=last.decontaminate)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        self.export(*dialog.options())

    def export_all_with_dialog(self, parent: QWidget) -> None:
        catalogue = self._workspace.catalogue
        if catalogue is None:
            return
        shoots = _shoots(catalogue)
        own = self._own_folders(shoots)
        last = self._settings.export_options
        dialog = ExportDialog(self._default_folder(shoots[0]), last.feather_px, last.write_mask, parent,
                              title=f"Export all {len(catalogue.garments)} garments",
                              refine_edge_px=last.refine_edge_px, decontaminate=last.decontaminate,
                              shoots=len(shoots), each_shoot=last.each_shoot,
                              destinations=[(label, str(own[shoot])) for shoot, label in shoot_labels(shoots).items()])
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            folder, *options = dialog.options()
            each_shoot = dialog.each_shoot_own_folder()  # the next Export all asks the same
            self._settings.export_options = self._settings.export_options._replace(each_shoot=each_shoot)
            self.export_all(None if each_shoot else folder, *options)

    # -- exports -----------------------------------------------------------------
    def export(self, out_dir: Path, feather_px: int = 0, write_mask: bool = False, refine_edge_px: int = 0, decontaminate: bool = True) -> bool:
        """Export the current garment's predicted views; False if refused."""
        session = self._workspace.session
        if self.catalogue_exporter.running or self.garment_exporter.running or session is None:
            return False
        out_dir = Path(out_dir)
        if not self._accept_options({session.garment.folder: out_dir}, feather_px, write_mask, refine_edge_px,
                                    decontaminate):
            return False
        # Saved first: corrections written after the cutout would say it is out of date
        # (Sidecar.is_exported), and the garment would never show as exported.
        self._save_edits()
        self._before_export()
        return self.garment_exporter.start(session, out_dir, feather_px, write_mask, refine_edge_px, decontaminate,
                                           ModelInfo.of(self._workspace.predictor))

    def export_all(self, out_dir: Path | None, feather_px: int = 0, write_mask: bool = False, refine_edge_px: int = 0,
                   decontaminate: bool = True) -> bool:
        """Export every garment of the catalogue into `out_dir`, or with None each shoot
        into its own folder (its last export folder, else cutouts/ beside it); False if refused."""
        if self.garment_exporter.running or self.catalogue_exporter.running or self._workspace.catalogue is None:
            return False
        if self._workspace.predictor is None:
            self._feedback.show_error("The model is still loading: export all garments once it is ready")
            return False
        shoots = _shoots(self._workspace.catalogue)
        folders = {shoot: Path(out_dir) for shoot in shoots} if out_dir is not None else self._own_folders(shoots)
        clashes = export_clashes(self._workspace.catalogue.garments, folders)
        if clashes:
            self._feedback.show_error(
                "Shoots that number their garments alike cannot share an export folder: "
                + "; ".join(clashes[:3]) + (f"; {len(clashes) - 3} more" if len(clashes) > 3 else "")
                + ". Export each shoot into a folder of its own; nothing was exported")
            return False
        if not self._accept_options(folders, feather_px, write_mask, refine_edge_px, decontaminate):
            return False
        self._save_edits()
        self._before_export()
        previous = self._settings.export_folders_for(shoots)
        return self.catalogue_exporter.start(folders, feather_px, write_mask, refine_edge_px, decontaminate, previous)

    def add_to_training_set_with_dialog(self, parent: QWidget) -> None:
        if self._workspace.catalogue is None:
            return
        from PySide6.QtWidgets import QFileDialog

        start = self._settings.training_folder or str(Path.home())
        folder = QFileDialog.getExistingDirectory(parent, "Add corrected views to training folder", start)
        if folder:
            self.add_to_training_set(Path(folder))

    def add_to_training_set(self, target: Path) -> bool:
        """Copy the catalogue's views exported into the export folder, with their cutouts
        and provenance, into the training folder `target` (on a worker); False if refused."""
        catalogue = self._workspace.catalogue
        if catalogue is None or self.training_set.running:
            return False
        exports = {s: f for s, f in self._settings.export_folders_for(_shoots(catalogue)).items() if f is not None}
        if not exports:
            self._feedback.show_error("Nothing exported yet: export the corrected garments first")
            return False
        self._save_edits()
        self._settings.training_folder = str(target)
        return self.training_set.start(list(catalogue.garments), exports, Path(target))

    def cancel(self) -> None:
        self.garment_exporter.cancel()
        self.catalogue_exporter.cancel()
        self.training_set.cancel()

    def detach(self) -> None:
        """Let the workers finish on their own (the window is closing)."""
        self.garment_exporter.detach()
        self.catalogue_exporter.detach()
        self.training_set.detach()

    def _own_folders(self, shoots: list[Path]) -> dict[Path, Path]:
        """Each shoot's own export folder: its last one, else cutouts/ beside it; and
        cutouts/ beside it too where its last one is another shoot's that numbers its
        garments alike (both exported there, one at a time), so that Export all never
        offers folders it must then refuse."""
        folders = {shoot: Path(self._default_folder(shoot)) for shoot in shoots}
        for shoot in clashing_shoots(self._workspace.catalogue.garments, folders):
            folders[shoot] = shoot / "cutouts"
        return folders

    def _default_folder(self, shoot: Path) -> str:
        """Where the dialog starts: the shoot's own last export folder, else `cutouts/` beside it."""
        return str(self._settings.export_folder_for(shoot) or shoot / "cutouts")

    def _accept_options(self, folders: dict[Path, Path], feather_px: int, write_mask: bool, refine_edge_px: int = 0,
                        decontaminate: bool = True) -> bool:
        """Check the export folders ({shoot: folder}; a message when one won't do, and then
        nothing is exported) and remember the options; each shoot's folder is remembered
        once files are written into it."""
        for out_dir in dict.fromkeys(folders.values()):
            problem = export_folder_problem(out_dir)
            if problem:
                if len(folders) > 1:  # say whose folder it is: the dialog showed one of them
                    labels = shoot_labels(folders)
                    problem += " (the folder of " + ", ".join(labels[s] for s, f in folders.items() if f == out_dir) + ")"
                self._feedback.show_error(problem + "; nothing was exported", about=EXPORT_FAILURE)
                return False
        # Remembered only where files were written: a refused export must not become the
        # shoot's folder (its listing would stop showing the cutouts it has elsewhere).
        self._exporting_into = dict(folders)
        self._settings.export_options = ExportOptions(feather_px, write_mask, refine_edge_px, decontaminate,
                                                      self._settings.export_options.each_shoot)
        self.options_accepted.emit()  # the cutout preview follows the export's decontaminate option
        return True

    def _on_garment_exporter_view_exported(self, _view: str) -> None:
        self._remember(dict(self._exporting_into))
        self._feedback.forget(EXPORT_FAILURE)  # this one writes: the last failure is history

    def _on_catalogue_exporter_garment_exported(self, key: str) -> None:
        # At once, not only at the end: a crash later in a long export keeps what was written.
        self._feedback.forget(EXPORT_FAILURE)
        garment = self._workspace.catalogue.find(key) if self._workspace.catalogue is not None else None
        if garment is not None and garment.folder in self._exporting_into:
            self._remember({garment.folder: self._exporting_into[garment.folder]})

    def _remember(self, folders: dict[Path, Path]) -> None:
        """Remember each shoot's export folder, writing the settings only when one changes."""
        known = self._settings.export_folders_for(folders)
        changed = {s: f for s, f in folders.items() if known.get(s) != Path(f)}
        if changed:
            self._settings.remember_export_folders(changed)

    def _on_catalogue_exporter_finished_export(self, report) -> None:
        after = folders_after(report, self._exporting_into, {})
        self._remember({s: f for s, f in after.items() if f is not None})

    def _on_garment_exporter_finished_export(self, written: list) -> None:
        session = self._workspace.session
        if session is not None:
            self.garment_state_changed.emit(session.key, session_state(session))
        self.export_finished.emit(written)


def _shoots(catalogue) -> list[Path]:
    """The catalogue's shoot folders, in the order of their first garment."""
    return list(dict.fromkeys(g.folder for g in catalogue.garments))
