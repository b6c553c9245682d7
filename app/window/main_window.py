"""The main window: lays out the canvas, the view strip, the docked panels and the status
bar, creates the controllers and wires the widgets' signals to them.

What each part does lives elsewhere: opening and moving between garments in
app.catalogue, editing the view on screen and its autosave in app.editing, the model in
app.model, exports in app.export; the controllers share what is open through
app.document.workspace and report to the user through app.window.feedback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.catalogue.activity import ActivityWatcher
from app.catalogue.catalogue_controller import CatalogueController
from app.document.garment_session import GarmentSession
from app.document.view_state import ViewState
from app.document.workspace import Workspace
from app.editing.autosave import Autosave
from app.editing.view_display import ViewDisplay
from app.editing.view_editor import ViewEditor
from app.export.export_controller import ExportController
from app.model.model_controller import ModelController, ModelPeek, PredictorFactory
from app.settings import AppSettings
from app.widgets.canvas_widget import CanvasWidget
from app.widgets.catalogue_panel import CataloguePanel, MessagePanel
from app.widgets.compare_view import CompareWindow
from app.widgets.focus_return import return_focus_on_enter
from app.widgets.status_bar import StatusBar
from app.widgets.tools_panel import ToolsPanel, icon
from app.widgets.view_strip import ViewStrip
from app.window.feedback import WindowFeedback
from app.window.menus import WindowActions
from app.window.recent_files import RecentFilesMenu


class MainWindow(QMainWindow):
    """The app window. `predictor_factory(model_path)` loads the model on a worker."""

    garment_loaded = Signal(str)
    view_predicted = Signal(str)  # view
    predictions_finished = Signal()
    model_loaded = Signal()
    export_finished = Signal(list)  # written paths
    autosaved = Signal()

    def __init__(self, predictor_factory: PredictorFactory | None = None, settings: AppSettings | None = None,
                 model_path: Path | None = None, parent=None, model_peek: ModelPeek | None = None):
        super().__init__(parent)
        self.setWindowTitle("Garment Cutout")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        self.settings = settings or AppSettings()
        self.workspace = Workspace()
        self._build_central()
        self.display = ViewDisplay(self.workspace, self.canvas, self.settings)
        self._build_docks()
        return_focus_on_enter(self.tools, self.canvas)
        self.status_bar = StatusBar()
        self.setStatusBar(self.status_bar)
        self.feedback = WindowFeedback(self, self.status_bar, self.message_panel, self.message_dock)

        ws, feedback, settings = self.workspace, self.feedback, self.settings
        self.editor = ViewEditor(ws, self.display, self.canvas, self.tools, settings, feedback, self)
        self.autosave = Autosave(ws, feedback, self)
        self.model_controller = ModelController(ws, feedback, settings, predictor_factory, model_path, self,
                                                model_peek)
        self.catalogue_controller = CatalogueController(ws, feedback, settings, self.editor, self.display,
                                                        self.model_controller, self.autosave, self.catalogue_panel,
                                                        self.view_strip, self)
        self.export_controller = ExportController(ws, feedback, settings, self.autosave.save_now, self,
                                                  before_export=self.catalogue_controller.count_time_on_screen)
        # Input anywhere in the app is time at work on the view on screen (idle time is not).
        self._activity = ActivityWatcher(self.catalogue_controller.note_activity, self)
        QApplication.instance().installEventFilter(self._activity)
        self.recent_menu = RecentFilesMenu(settings, self)
        self.menu_actions = WindowActions(self, self.catalogue_controller, self.editor, self.display,
                                          self.model_controller, self.export_controller, self.canvas, self.tools,
                                          self.recent_menu, (self.tools_dock, self.catalogue_dock, self.message_dock))
        self._connect()
        self._restore_layout()
        self.editor.apply_tool("keep")
        self.canvas.set_brush_radius(self.editor.brush_radius)
        self._update_enabled()

    # ======================================================================= layout
    def _build_central(self) -> None:
        self.canvas = CanvasWidget()
        self.view_strip = ViewStrip()
        self.compare = CompareWindow(self)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.view_strip)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.tools = ToolsPanel(self.settings.brush_radius, self.display.view_mode, self.display.opacity,
                                self.settings.brush_hardness)
        # Short names for the widgets tests and scripts reach often.
        self.threshold_panel = self.tools.threshold_panel
        self.mode_combo = self.tools.mode_combo
        self.uncertain_check = self.tools.uncertain_check
        self.cleanup_buttons = self.tools.cleanup_buttons
        self.model_label = self.tools.model_label
        # In a scroll area: when the window is short (the Messages dock open, a laptop
        # screen) the panel scrolls instead of being squeezed below its minimum height,
        # where Qt drew the threshold buttons over the histogram and cut the model card.
        tools_scroll = QScrollArea()
        tools_scroll.setWidget(self.tools)
        tools_scroll.setWidgetResizable(True)
        tools_scroll.setFrameShape(QFrame.Shape.NoFrame)
        tools_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scrollbar = tools_scroll.verticalScrollBar().sizeHint().width()
        tools_scroll.setMinimumWidth(self.tools.minimumWidth() + scrollbar)
        tools_scroll.setMaximumWidth(self.tools.maximumWidth() + scrollbar)
        self.tools_dock = self._dock("Tools", "tools_dock", tools_scroll, Qt.DockWidgetArea.RightDockWidgetArea)
        # The right column runs down to the status bar; Messages spans only under the canvas.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tools_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                    | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        # Left: garments of a catalogue; bottom: messages.
        self.catalogue_panel = CataloguePanel()
        self.catalogue_dock = self._dock("Garments", "catalogue_dock", self.catalogue_panel,
                                         Qt.DockWidgetArea.LeftDockWidgetArea)
        self.catalogue_dock.hide()
        self.message_panel = MessagePanel()
        self.message_dock = self._dock("Messages", "message_dock", self.message_panel,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.message_dock.hide()

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _restore_layout(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)

    # ======================================================================= wiring
    def _connect(self) -> None:
        canvas, editor, display, catalogue = self.canvas, self.editor, self.display, self.catalogue_controller
        canvas.stroke_started.connect(editor.start_stroke)
        canvas.stroke_moved.connect(editor.continue_stroke)
        canvas.stroke_finished.connect(editor.finish_stroke)
        canvas.cursor_moved.connect(self._on_canvas_cursor_moved)
        canvas.cursor_left.connect(self.status_bar.clear_cursor)
        canvas.zoom_changed.connect(self.status_bar.show_zoom)
        display.refine_preview.busy.connect(self.status_bar.refining.setVisible)
        self.view_strip.view_clicked.connect(catalogue.show_view)

        panel = self.threshold_panel
        panel.threshold_changed.connect(editor.set_threshold)
        panel.apply_to_all_requested.connect(editor.apply_threshold_to_all)
        panel.reset_requested.connect(editor.reset_threshold)
        self.tools.tool_selected.connect(editor.apply_tool)
        self.tools.smart_toggled.connect(editor.set_smart)
        self.tools.radius_changed.connect(editor.set_brush_radius)
        self.tools.hardness_changed.connect(editor.set_brush_hardness)
        self.tools.cleanup_requested.connect(editor.clean_up)
        self.tools.edge_panel.adjustments_changed.connect(editor.set_adjustments)
        self.tools.mode_changed.connect(display.set_mode)
        self.tools.opacity_changed.connect(display.set_opacity)
        self.tools.uncertain_toggled.connect(display.set_uncertain)
        self.catalogue_panel.garment_selected.connect(catalogue.select_garment)
        # How the list was sorted and filtered comes back with the app (a day's triage).
        self.catalogue_panel.worst_first.setChecked(self.settings.catalogue_worst_first)
        self.catalogue_panel.review_only.setChecked(self.settings.catalogue_review_only)
        self.catalogue_panel.worst_first.toggled.connect(self._on_catalogue_worst_first_toggled)
        self.catalogue_panel.review_only.toggled.connect(self._on_catalogue_review_only_toggled)
        self.recent_menu.path_chosen.connect(catalogue.open_recent)
        self.status_bar.cancel_requested.connect(self.model_controller.cancel_loading)
        self.threshold_panel.typing_finished.connect(self.canvas.setFocus)
        self.status_bar.cancel_requested.connect(self.model_controller.cancel_prediction)
        self.status_bar.cancel_requested.connect(self.export_controller.cancel)

        editor.view_edited.connect(self.autosave.mark_dirty)
        editor.view_redrawn.connect(self._on_editor_view_redrawn)
        editor.step_pushed.connect(catalogue.on_view_edited)
        # After a save (a second after the last change): threshold changes, which are not
        # steps pushed, reach the view buttons' words and cutout thumbnails too.
        self.autosave.saved.connect(catalogue.on_view_edited)
        self.autosave.saved.connect(self.autosaved)
        self.autosave.failing.connect(self.status_bar.show_save_problem)

        catalogue.catalogue_opened.connect(self.catalogue_dock.setVisible)
        catalogue.garment_opened.connect(self._on_catalogue_garment_opened)
        catalogue.view_shown.connect(self._on_catalogue_view_shown)
        catalogue.recent_paths_changed.connect(self.recent_menu.rebuild)

        model = self.model_controller
        model.model_described.connect(self.model_label.setText)
        model.model_loaded.connect(self._update_enabled)
        model.model_loaded.connect(self.model_loaded)
        model.view_predicted.connect(catalogue.on_view_predicted)
        model.view_predicted.connect(self._update_enabled)
        model.view_predicted.connect(self.view_predicted)
        model.predictions_finished.connect(self.predictions_finished)
        model.probabilities_reset.connect(catalogue.on_model_changed)

        self.export_controller.garment_state_changed.connect(catalogue.set_garment_state)
        self.export_controller.export_finished.connect(self.export_finished)
        self.export_controller.options_accepted.connect(self.display.show_mask)
        # The view buttons say "exported" at once, not at the next view switch.
        self.export_controller.export_finished.connect(lambda _written: catalogue.on_view_edited())
        self.export_controller.export_finished.connect(lambda _written: catalogue.note_unreviewed_export())
        self.export_controller.catalogue_exporter.finished_export.connect(lambda _report: catalogue.on_view_edited())

        # The compare window follows the garment and its edits while it is open.
        catalogue.garment_opened.connect(lambda _gid: self.compare.show_session(self.session))
        editor.step_pushed.connect(self.compare.refresh)
        model.view_predicted.connect(lambda *_: self.compare.refresh())
        self.autosave.saved.connect(self.compare.refresh)

    def toggle_compare(self) -> None:
        """View > Compare views (V): opens the compare window, or closes it when open.
        (V reaches this action from the compare window too: Qt counts a tool window's
        keys as its parent window's.)"""
        if self.compare.isVisible():
            self.compare.close()
        else:
            self.show_compare()

    def show_compare(self) -> None:
        """The garment's views side by side, sharing zoom and pan."""
        self.compare.show_session(self.session)
        self.compare.show()
        self.compare.raise_()

    def _on_canvas_cursor_moved(self, x: float, y: float) -> None:
        self.status_bar.set_cursor(x, y, self.state)

    def _on_editor_view_redrawn(self) -> None:
        self.status_bar.show_area(self.state)
        self.status_bar.show_pixel(self.state)  # the pixel under a still cursor may have changed

    def _on_catalogue_view_shown(self) -> None:
        self.status_bar.show_area(self.state)
        self._update_enabled()

    def _on_catalogue_worst_first_toggled(self, on: bool) -> None:
        self.settings.catalogue_worst_first = on

    def _on_catalogue_review_only_toggled(self, on: bool) -> None:
        self.settings.catalogue_review_only = on

    def _on_catalogue_garment_opened(self, key: str) -> None:
        self.setWindowTitle(f"{key} - Garment Cutout")
        if self.state is None:  # no photo of it could be read: not the last garment's figures
            self.status_bar.clear_cursor()
            self.status_bar.show_area(None)
        self._update_enabled()
        self.garment_loaded.emit(key)

    def _update_enabled(self) -> None:
        state, session = self.state, self.session
        ready = state is not None and state.predicted
        for b in self.cleanup_buttons.values():
            b.setEnabled(ready)
        self.threshold_panel.setEnabled(ready)
        self.menu_actions.export.setEnabled(session is not None and any(s.predicted for s in session.states.values()))
        self.menu_actions.export_all.setEnabled(self.workspace.catalogue is not None and self.predictor is not None)

    # ======================================================================= what the window offers
    @property
    def session(self) -> GarmentSession | None:
        return self.workspace.session

    @property
    def state(self) -> ViewState | None:
        return self.workspace.state

    @property
    def current_view(self) -> str | None:
        return self.workspace.current_view

    @property
    def predictor(self):
        return self.workspace.predictor

    @property
    def message_box(self):
        """The last error's message box (None before any)."""
        return self.feedback.message_box

    def start(self) -> None:
        """Start loading the model in the background (call once the window shows)."""
        self.model_controller.start()

    def open_paths(self, paths: Sequence[str | Path]) -> bool:
        """Open a shoot folder, a catalogue folder or image files; False if nothing opened."""
        return self.catalogue_controller.open_paths(paths)

    def show_view(self, view: str) -> None:
        self.catalogue_controller.show_view(view)

    def export(self, out_dir: Path, feather_px: int = 0, write_mask: bool = False, refine_edge_px: int = 0, decontaminate: bool = True) -> bool:
        """Export the current garment's predicted views (app.export); False if refused."""
        return self.export_controller.export(out_dir, feather_px, write_mask, refine_edge_px, decontaminate)

    def export_all(self, out_dir: Path | None, feather_px: int = 0, write_mask: bool = False, refine_edge_px: int = 0, decontaminate: bool = True) -> bool:
        """Export every garment of the catalogue into `out_dir`, or with None each shoot
        into its own folder (app.export); False if refused."""
        return self.export_controller.export_all(out_dir, feather_px, write_mask, refine_edge_px, decontaminate)

    def show_error(self, message: str) -> None:
        """A non-blocking message box (tests find it as `window.message_box`)."""
        self.feedback.show_error(message)

    # ======================================================================= events
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            # Copy, never Move: a file manager that honours Move would delete the photos.
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()

    def confirm_discard(self, unsaved: list[str], reason: str) -> bool:
        """Ask before closing over corrections that could not be saved (True: close)."""
        listed = ", ".join(unsaved[:6]) + (f" and {len(unsaved) - 6} more" if len(unsaved) > 6 else "")
        answer = QMessageBox.warning(
            self, "Garment Cutout",
            f"The corrections of {listed} could not be saved ({reason}).\n\nClose anyway and lose them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.open_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.editor.finish_stroke()
        self.autosave.save_now()
        unsaved = self.autosave.unsaved_views
        if unsaved and not self.confirm_discard(unsaved, self.autosave.failure or ""):
            event.ignore()
            return
        self.catalogue_controller.save_time_on_views()
        QApplication.instance().removeEventFilter(self._activity)
        self.workspace.release_shoots()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.model_controller.detach()
        self.export_controller.detach()
        self.catalogue_controller.stop_estimating()
        self.editor.smart_clicks.detach()
        self.display.refine_preview.cancel()  # a matting still running is parked, not destroyed
        super().closeEvent(event)
