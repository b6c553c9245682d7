"""The main window: wires the canvas, panels, workers and the garment being edited.

Everything on pixels goes through app.document.view_state (which calls core.masks); this module
only routes events, starts workers and keeps the widgets in step.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QIcon, QImage, QKeySequence, QPixmap, QUndoGroup
from PySide6.QtWidgets import (
    QButtonGroup,
    QColorDialog,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.document import overlay
from app.widgets.canvas_widget import CanvasWidget
from app.jobs.catalogue_export import CatalogueExporter
from app.widgets.catalogue_panel import BROKEN, CORRECTED, EXPORTED, NOT_STARTED, PREDICTED, CataloguePanel, MessagePanel
from app.dialogs.export_dialog import ExportDialog
from app.jobs.garment_export import GarmentExporter
from app.document.garment_session import GarmentSession, state_on_disk
from app.dialogs.help_dialog import HelpDialog
from app.jobs.prediction_job import PredictionJob
from app.settings import AppSettings
from app.widgets.tools_panel import MAX_RADIUS, MIN_RADIUS, ToolsPanel, icon
from app.editing.undo_commands import OverrideEditCommand, ThresholdCommand, make_undo_stack
from app.document.view_state import ViewState, bbox_slices, clamp_threshold
from app.jobs.workers import TaskWorker
from core.common.errors import GarmentCutoutError
from core.files.shoots import VIEWS, Catalogue, Garment, discover
from core.masks import cleanups, compose, edits

log = logging.getLogger(__name__)

PredictorFactory = Callable[[Path | None], object]
AUTOSAVE_DELAY_MS = 1000
UNCERTAIN_MARGIN = 26  # uint8 levels either side of the cut: about +-0.1 in probability
TOOLS = {"keep": compose.KEEP, "remove": compose.REMOVE, "erase": compose.NONE}
TOOL_CURSOR_COLOURS = {"keep": (120, 255, 140), "remove": (255, 110, 110), "erase": (255, 255, 255)}
THUMB_HEIGHT = 56


def default_predictor_factory(model_path: Path | None):
    """Load a core Predictor (imports TensorFlow: call on a worker thread only)."""
    from core.prediction.predictor import Predictor

    return Predictor.load(model_path)


class MainWindow(QMainWindow):
    """The app window. `predictor_factory(model_path)` loads the model on a worker."""

    garment_loaded = Signal(str)
    view_predicted = Signal(str)  # view
    predictions_finished = Signal()
    model_loaded = Signal()
    export_finished = Signal(list)  # written paths
    autosaved = Signal()

    def __init__(self, predictor_factory: PredictorFactory | None = None, settings: AppSettings | None = None,
                 model_path: Path | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Garment Cutout")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        self.settings = settings or AppSettings()
        self._predictor_factory = predictor_factory or default_predictor_factory
        self.model_path: Path | None = model_path or (Path(self.settings.model_path) if self.settings.model_path
                                                       else None)
        self.predictor = None
        self.catalogue: Catalogue | None = None
        self.session: GarmentSession | None = None
        self.current_view: str | None = None
        self.tool = "keep"
        self.brush_radius = self.settings.brush_radius
        self.view_mode = self.settings.view_mode if self.settings.view_mode in overlay.MODES else "overlay"
        self.overlay_colour = self.settings.overlay_colour
        self.opacity = self.settings.overlay_opacity
        self.show_uncertain = False
        self._garment_states: dict[str, str] = {}
        self._stroke: list = []
        self._stroke_value = compose.KEEP
        self._stroke_last: tuple[float, float] | None = None
        self._cursor_xy: tuple[float, float] | None = None  # image (x, y) under the mouse
        self._dirty: set[str] = set()
        self._model_worker: TaskWorker | None = None
        self._checker: np.ndarray | None = None
        self._thumbs: dict[str, QIcon] = {}
        self.message_box: QMessageBox | None = None
        self.export_feather = 0
        self.export_masks = False

        self.undo_group = QUndoGroup(self)
        self._stacks: dict[str, object] = {}
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self._autosave_timer.timeout.connect(self.autosave_now)

        self.prediction_job = PredictionJob(self)
        self.garment_exporter = GarmentExporter(self)
        self.garment_exporter.finished_export.connect(self.export_finished)
        self.catalogue_exporter = CatalogueExporter(self)
        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_status_bar()
        self._restore_layout()
        self._apply_tool("keep")
        self.canvas.set_brush_radius(self.brush_radius)
        self._update_enabled()

    # ======================================================================= layout
    def _build_central(self) -> None:
        self.canvas = CanvasWidget()
        self.canvas.stroke_started.connect(self._on_canvas_stroke_started)
        self.canvas.stroke_moved.connect(self._on_canvas_stroke_moved)
        self.canvas.stroke_finished.connect(self._on_canvas_stroke_finished)
        self.canvas.cursor_moved.connect(self._on_canvas_cursor_moved)
        self.canvas.cursor_left.connect(self._on_canvas_cursor_left)
        self.canvas.zoom_changed.connect(self._on_canvas_zoom_changed)

        self.view_strip = QWidget()
        strip = QHBoxLayout(self.view_strip)
        strip.setContentsMargins(4, 4, 4, 0)
        self.view_buttons: dict[str, QToolButton] = {}
        self.view_button_group = QButtonGroup(self)
        self.view_button_group.setExclusive(True)
        for i, view in enumerate(VIEWS):
            button = QToolButton()
            button.setText(f"{i + 1}  {view}")
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QSize(THUMB_HEIGHT * 2 // 3, THUMB_HEIGHT))
            button.setMinimumWidth(96)
            button.clicked.connect(self._on_view_button_clicked)
            button.setProperty("view", view)
            self.view_button_group.addButton(button)
            self.view_buttons[view] = button
            strip.addWidget(button)
        strip.addStretch(1)
        self.garment_label = QLabel()
        self.garment_label.setStyleSheet("font-weight: bold; padding-right: 8px")
        strip.addWidget(self.garment_label)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.view_strip)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.tools = ToolsPanel(self.brush_radius, self.view_mode, self.opacity)
        # Short names for what tests and shortcuts reach often.
        self.threshold_panel = self.tools.threshold_panel
        self.tool_buttons = self.tools.tool_buttons
        self.radius_spin = self.tools.radius_spin
        self.mode_combo = self.tools.mode_combo
        self.uncertain_check = self.tools.uncertain_check
        self.cleanup_buttons = self.tools.cleanup_buttons
        self.model_label = self.tools.model_label
        self.threshold_panel.threshold_changed.connect(self._on_threshold_panel_threshold_changed)
        self.threshold_panel.apply_to_all_requested.connect(self._on_threshold_panel_apply_to_all)
        self.threshold_panel.reset_requested.connect(self._on_threshold_panel_reset)
        self.tools.tool_selected.connect(self._on_tools_tool_selected)
        self.tools.radius_changed.connect(self._on_tools_radius_changed)
        self.tools.mode_changed.connect(self._on_tools_mode_changed)
        self.tools.opacity_changed.connect(self._on_tools_opacity_changed)
        self.tools.uncertain_toggled.connect(self._on_tools_uncertain_toggled)
        self.tools.cleanup_requested.connect(self.clean_up)
        self.tools_dock = QDockWidget("Tools", self)
        self.tools_dock.setObjectName("tools_dock")
        self.tools_dock.setWidget(self.tools)
        self.tools_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                    | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.tools_dock)

        # Left: garments of a catalogue; bottom: messages.
        self.catalogue_panel = CataloguePanel()
        self.catalogue_panel.garment_selected.connect(self._on_catalogue_garment_selected)
        self.catalogue_dock = QDockWidget("Garments", self)
        self.catalogue_dock.setObjectName("catalogue_dock")
        self.catalogue_dock.setWidget(self.catalogue_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.catalogue_dock)
        self.catalogue_dock.hide()

        self.message_panel = MessagePanel()
        self.message_dock = QDockWidget("Messages", self)
        self.message_dock.setObjectName("message_dock")
        self.message_dock.setWidget(self.message_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.message_dock)
        self.message_dock.hide()

    def _action(self, text: str, slot, shortcut=None, tip: str | None = None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work with the menu bar hidden too
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_folder_action = self._action("Open &folder...", self._on_open_folder_action, "Ctrl+O")
        self.open_files_action = self._action("Open &images...", self._on_open_files_action, "Ctrl+Shift+O")
        self.export_action = self._action("&Export cutouts...", self._on_export_action, "Ctrl+E",
                                          "Write the garment's cutouts as RGBA PNGs")
        self.export_all_action = self._action("Export &all garments...", self._on_export_all_action, "Ctrl+Shift+E",
                                              "Write the cutouts of every garment of the catalogue")
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addAction(self.open_folder_action)
        file_menu.addAction(self.open_files_action)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.export_all_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, "Ctrl+Q"))
        self._rebuild_recent_menu()

        edit_menu = bar.addMenu("&Edit")
        # Own actions rather than the group's: a stroke in progress must be finished
        # (pushed) before the stack moves, or undo would write under the live stroke.
        self.undo_action = self._action("&Undo", self.undo, "Ctrl+Z")
        self.redo_action = self._action("&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.undo_group.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_group.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_group.undoTextChanged.connect(self._on_undo_group_undo_text_changed)
        self.undo_group.redoTextChanged.connect(self._on_undo_group_redo_text_changed)
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        self.tool_actions = {
            "keep": self._action("&Keep brush", lambda: self._apply_tool("keep"), "K"),
            "remove": self._action("&Remove brush", lambda: self._apply_tool("remove"), "R"),
            "erase": self._action("&Eraser", lambda: self._apply_tool("erase"), "E"),
        }
        for a in self.tool_actions.values():
            edit_menu.addAction(a)
        edit_menu.addAction(self._action("Swap keep/remove", self._swap_tool, "X"))
        edit_menu.addAction(self._action("Smaller brush", lambda: self._resize_brush(1 / 1.25), "["))
        edit_menu.addAction(self._action("Larger brush", lambda: self._resize_brush(1.25), "]"))
        edit_menu.addSeparator()
        edit_menu.addAction(self._action("Threshold down", lambda: self.threshold_panel.step(-1), ","))
        edit_menu.addAction(self._action("Threshold up", lambda: self.threshold_panel.step(1), "."))

        view_menu = bar.addMenu("&View")
        self.view_actions = {}
        for i, view in enumerate(VIEWS):
            a = self._action(f"&{view}", lambda checked=False, v=view: self.show_view(v), str(i + 1))
            self.view_actions[view] = a
            view_menu.addAction(a)
        view_menu.addAction(self._action("Next garment", lambda: self._step_garment(1), "PgDown"))
        view_menu.addAction(self._action("Previous garment", lambda: self._step_garment(-1), "PgUp"))
        view_menu.addSeparator()
        self.fit_action = self._action("&Fit to window", self.canvas.fit, ["F", "Ctrl+0"], "Fit to window (F)")
        self.actual_action = self._action("&100 %", self.canvas.actual_pixels, "Ctrl+1",
                                          "One photo pixel per screen pixel (Ctrl+1)")
        view_menu.addAction(self.fit_action)
        view_menu.addAction(self.actual_action)
        view_menu.addAction(self._action("Next view &mode", self._cycle_mode, "M"))
        self.uncertain_action = self._action("Highlight &uncertain pixels", self.uncertain_check.toggle, "U")
        view_menu.addAction(self.uncertain_action)
        self.overlay_colour_action = self._action("Overlay &colour...", self._on_overlay_colour_action)
        view_menu.addAction(self.overlay_colour_action)
        view_menu.addSeparator()
        view_menu.addAction(self.tools_dock.toggleViewAction())
        view_menu.addAction(self.catalogue_dock.toggleViewAction())
        view_menu.addAction(self.message_dock.toggleViewAction())

        model_menu = bar.addMenu("&Model")
        model_menu.addAction(self._action("&Load model...", self._on_load_model_action))
        model_menu.addAction(self._action("Use the &default model", self._on_default_model_action))

        help_menu = bar.addMenu("&Help")
        self.help_action = self._action("&Keyboard and mouse", self._on_help_action, "F1", "Shortcuts (F1)")
        help_menu.addAction(self.help_action)
        for action, name in ((self.open_folder_action, "open"), (self.export_action, "export"),
                             (self.undo_action, "undo"), (self.redo_action, "redo"), (self.fit_action, "fit"),
                             (self.actual_action, "actual"), (self.help_action, "help"),
                             (self.tool_actions["keep"], "keep"), (self.tool_actions["remove"], "remove"),
                             (self.tool_actions["erase"], "eraser")):
            action.setIcon(icon(name))

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        for a in (self.open_folder_action, self.export_action):
            toolbar.addAction(a)
        toolbar.addSeparator()
        toolbar.addAction(self.undo_action)
        toolbar.addAction(self.redo_action)
        toolbar.addSeparator()
        toolbar.addAction(self.fit_action)
        toolbar.addAction(self.actual_action)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addAction(self.help_action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.position_label = QLabel()
        self.probability_label = QLabel()
        self.area_label = QLabel()
        self.zoom_label = QLabel()
        for label in (self.position_label, self.probability_label, self.area_label, self.zoom_label):
            label.setMinimumWidth(90)
            bar.addPermanentWidget(label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.cancel_button)
        # A fixed height: the bar must not grow when progress shows, or the canvas under
        # the user's brush would shift mid-stroke.
        bar.setFixedHeight(max(self.progress_bar.sizeHint().height(), self.cancel_button.sizeHint().height()) + 6)
        self._show_progress(None)

    def _restore_layout(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)

    # ======================================================================= opening
    def start(self) -> None:
        """Start loading the model in the background (call once the window shows)."""
        self._load_model(self.model_path)

    def open_paths(self, paths: Sequence[str | Path]) -> bool:
        """Open a shoot folder, a catalogue folder or image files; False if nothing opened."""
        paths = [Path(p) for p in paths]
        try:
            catalogue = discover(paths)
        except GarmentCutoutError as exc:
            self.show_error(str(exc))
            return False
        for problem in catalogue.problems:
            self.message_panel.add_message(problem, error=False)
            self.message_dock.show()
        if not catalogue.garments:
            self.show_error(f"No photos found in {', '.join(str(p) for p in paths)}")
            return False
        self._leave_garment()
        self.catalogue = catalogue
        for p in paths[:1]:
            self.settings.add_recent_path(p.resolve())
            self.settings.last_open_folder = str(p if p.is_dir() else p.parent)
        self._rebuild_recent_menu()
        export_folder = Path(self.settings.export_folder) if self.settings.export_folder else None
        self._garment_states = {g.garment_id: state_on_disk(g, export_folder) for g in catalogue.garments}
        self.catalogue_panel.set_garments([g.garment_id for g in catalogue.garments], self._garment_states)
        self.catalogue_dock.setVisible(catalogue.is_catalogue)
        self.open_garment(catalogue.garments[0])
        return True

    def open_garment(self, garment: Garment) -> None:
        self._leave_garment()
        default = self.predictor.threshold if self.predictor is not None else 0.5
        self.session = GarmentSession.open(garment, default)
        gid = garment.garment_id
        for problem in self.session.problems:
            self.message_panel.add_message(problem)
        for view, message in self.session.broken.items():
            self.message_panel.add_message(message)
            self.statusBar().showMessage(message, 8000)
        if self.session.problems or self.session.broken:
            self.message_dock.show()
        self.undo_group.setActiveStack(None)
        for stack in self._stacks.values():
            self.undo_group.removeStack(stack)
            stack.deleteLater()
        self._stacks = {}
        for view in self.session.states:
            stack = make_undo_stack(self)
            self.undo_group.addStack(stack)
            self._stacks[view] = stack
        self._thumbs = {view: _thumbnail(state.rgb) for view, state in self.session.states.items()}
        self.catalogue_panel.select(gid)
        self.garment_label.setText(gid)
        self.setWindowTitle(f"{gid} - Garment Cutout")
        self._update_view_buttons()
        first = next(iter(self.session.states), None)
        self.current_view = None
        if first is None:
            self.canvas.set_photo(None)
            self.canvas.set_mask_layer(None, None)
            self.set_garment_state(gid, BROKEN)
        else:
            self.show_view(first)
            if self.predictor is not None:
                self._predict_missing()
        self._refresh_garment_state()
        self._update_enabled()
        self.garment_loaded.emit(gid)

    def _leave_garment(self) -> None:
        """Stop work on the current garment and save it."""
        self._finish_stroke()  # a stroke in progress stays one undo step of its own garment
        self.prediction_job.stop()
        self.autosave_now()

    # ======================================================================= model
    def _load_model(self, model_path: Path | None) -> None:
        if self._model_worker is not None:
            return
        factory = self._predictor_factory
        name = model_path.name if model_path else "default model"
        self.model_label.setText(f"Loading {name}...")

        def task(progress, cancelled, partial):
            return factory(model_path)

        worker = TaskWorker(task, "loading the model", self)
        worker.succeeded.connect(self._on_model_worker_succeeded)
        worker.failed.connect(self._on_model_worker_failed)
        worker.finished.connect(self._on_model_worker_finished)
        self._model_worker = worker
        self._show_progress("Loading model", busy=True)
        worker.start()

    def _on_model_worker_succeeded(self, predictor) -> None:
        old = self.predictor
        self.predictor = predictor
        self.model_label.setText(_card_text(predictor))
        self.statusBar().showMessage("Model ready", 3000)
        self._show_progress(None)
        self._update_enabled()
        self.model_loaded.emit()
        if self.session is None:
            return
        if old is not None and old.model_id != predictor.model_id:
            for state in self.session.states.values():
                state.probability = None  # new model, new probabilities; overrides stay
                state.effective = None
                state.histogram = None
        for state in self.session.states.values():
            if not state.threshold_changed:
                state.set_threshold(predictor.threshold)
        self._predict_missing()
        if self.current_view is not None:
            self.show_view(self.current_view)

    def _on_model_worker_failed(self, message: str) -> None:
        self._show_progress(None)
        self.model_label.setText(f"No model: {message}")
        self.show_error(message)

    def _on_model_worker_finished(self) -> None:
        self._model_worker = None

    def _on_load_model_action(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load model", str(self.model_path or ""), "Keras models (*.keras)")
        if path:
            self.load_model(Path(path))

    def _on_default_model_action(self) -> None:
        self.load_model(None)

    def load_model(self, model_path: Path | None) -> None:
        self.model_path = model_path
        self.settings.model_path = str(model_path) if model_path else ""
        self._load_model(model_path)

    # ======================================================================= prediction
    def _predict_missing(self) -> None:
        session = self.session
        if session is None or self.predictor is None:
            return
        missing = session.load_cached_probabilities(self.predictor.model_id)
        for view, state in session.states.items():
            if view not in missing:
                self._on_view_probability_ready(view)
        if not missing:
            self.predictions_finished.emit()
            return
        self.prediction_job.start(session, self.predictor, missing)

    def _on_view_probability_ready(self, view: str) -> None:
        if view == self.current_view:
            self.show_view(view)
        self._update_view_buttons()
        self._refresh_garment_state()
        self._update_enabled()
        self.view_predicted.emit(view)

    def _on_cancel_button_clicked(self) -> None:
        self.prediction_job.cancel()
        self.garment_exporter.cancel()
        self.catalogue_exporter.cancel()

    # ======================================================================= views
    @property
    def state(self) -> ViewState | None:
        if self.session is None or self.current_view is None:
            return None
        return self.session.states.get(self.current_view)

    def show_view(self, view: str) -> None:
        """Show `view` of the current garment (keeps zoom and pan)."""
        if self.session is None:
            return
        if view not in self.session.states:
            message = self.session.broken.get(view)
            if message:
                self.statusBar().showMessage(message, 6000)
            self._update_view_buttons()
            return
        self._finish_stroke()
        self.current_view = view
        state = self.session.states[view]
        self.canvas.set_photo(state.rgb)
        self._show_mask_layer()
        self.threshold_panel.set_threshold(state.threshold)
        self.threshold_panel.set_histogram(state.probability)
        self.undo_group.setActiveStack(self._stacks.get(view))
        self._update_view_buttons()
        self._update_area()
        self._update_enabled()

    def _show_mask_layer(self) -> None:
        state = self.state
        if state is None or state.effective is None:
            self.canvas.set_mask_layer(None, None)
            self.canvas.set_checker_layer(None)
            return
        self.canvas.set_mask_visible(self.view_mode != "photo")
        self.canvas.set_mask_layer(state.effective, self._lut())
        self._update_checker(full=True)

    def _lut(self) -> np.ndarray:
        state = self.state
        cut = state.cut if state is not None else 128
        return overlay.mask_lut(cut, self.view_mode, self.overlay_colour, self.opacity,
                                UNCERTAIN_MARGIN if self.show_uncertain else None)

    def _update_checker(self, full: bool = False, bbox=None) -> None:
        """The checkerboard layer's alpha follows the mask (checker mode only)."""
        state = self.state
        if self.view_mode != "checker" or state is None or state.effective is None:
            self.canvas.set_checker_layer(None)
            return
        h, w = state.shape
        alpha_lut = overlay.checker_alpha_lut(state.cut)
        if self._checker is None or self._checker.shape[:2] != (h, w):
            self._checker = overlay.make_checker_layer(h, w)
            full = True
        if full or bbox is None:
            self._checker[..., 3] = alpha_lut[state.effective]
            self.canvas.set_checker_layer(self._checker)
        else:
            sl = bbox_slices(bbox)
            self._checker[sl + (3,)] = alpha_lut[state.effective[sl]]
            self.canvas.refresh_checker_layer()

    def _update_view_buttons(self) -> None:
        session = self.session
        for view, button in self.view_buttons.items():
            has = session is not None and view in session.garment.views
            button.setVisible(has or session is None or not session.garment.is_single_image)
            state = session.states.get(view) if session else None
            broken = session.broken.get(view) if session else None
            button.setEnabled(state is not None)
            button.setChecked(view == self.current_view)
            button.setIcon(self._thumbs.get(view, QIcon()))
            if broken:
                button.setToolTip(broken)
            elif state is None:
                button.setToolTip(f"{view}: no photo")
            else:
                status = "predicted" if state.predicted else "waiting for the model"
                if state.has_corrections():
                    status += ", corrected"
                button.setToolTip(f"{view} ({status})")
        # A single image of no standard view name gets no view strip.
        self.view_strip.setVisible(session is None or not session.garment.is_single_image)

    def _on_view_button_clicked(self) -> None:
        view = self.sender().property("view")
        self.show_view(view)

    def _step_garment(self, step: int) -> None:
        if self.catalogue is None or self.session is None or len(self.catalogue.garments) < 2:
            return
        ids = [g.garment_id for g in self.catalogue.garments]
        i = (ids.index(self.session.garment_id) + step) % len(ids)
        self.open_garment(self.catalogue.garments[i])

    def _on_catalogue_garment_selected(self, garment_id: str) -> None:
        if self.catalogue is None or (self.session and self.session.garment_id == garment_id):
            return
        garment = self.catalogue.find(garment_id)
        if garment is not None:
            self.open_garment(garment)

    # ======================================================================= threshold
    def set_threshold(self, threshold: float) -> None:
        """Set the current view's threshold (what the slider does), as an undo step."""
        state = self.state
        if state is not None:
            self._change_threshold(state, threshold, changed=True)

    def _change_threshold(self, state: ViewState, threshold: float, changed: bool, mergeable: bool = True) -> None:
        before = (state.threshold, state.threshold_changed)
        after = (clamp_threshold(threshold), changed)
        if after == before:
            return
        # Every view of the open garment has its stack (see open_garment); push() runs redo().
        self._stacks[state.view].push(ThresholdCommand(state, before, after, self._apply_threshold, mergeable))

    def _apply_threshold(self, state: ViewState, threshold: float, changed: bool) -> None:
        """Set a view's threshold (from a ThresholdCommand, doing or undoing) and redraw."""
        state.set_threshold(threshold)
        state.threshold_changed = changed
        self._mark_dirty(state.view)
        if state is not self.state:
            return
        if self.threshold_panel.threshold() != state.threshold:
            self.threshold_panel.set_threshold(state.threshold)
        self.canvas.set_mask_lut(self._lut())
        self._update_checker(full=True)
        self._update_area()

    def _on_threshold_panel_threshold_changed(self, threshold: float) -> None:
        self.set_threshold(threshold)

    def _on_threshold_panel_apply_to_all(self) -> None:
        """Every view of the garment takes this view's threshold: one undo step in each view."""
        state = self.state
        if state is None or self.session is None:
            return
        for other in self.session.states.values():
            self._change_threshold(other, state.threshold, changed=True, mergeable=False)
        self.statusBar().showMessage(f"Threshold {state.threshold:.3f} applied to all views", 3000)

    def _on_threshold_panel_reset(self) -> None:
        """Back to the model's threshold; the view then follows the model again."""
        state = self.state
        if state is not None and self.predictor is not None:
            self._change_threshold(state, self.predictor.threshold, changed=False, mergeable=False)
            self.threshold_panel.set_threshold(state.threshold)

    # ======================================================================= painting
    def _apply_tool(self, tool: str) -> None:
        self.tool = tool
        self.tools.show_tool(tool)
        self.canvas.set_cursor_colour(TOOL_CURSOR_COLOURS[tool])
        self.statusBar().showMessage(f"{self.tool_buttons[tool].text()} brush", 2000)

    def _on_tools_tool_selected(self, tool: str) -> None:
        self._apply_tool(tool)

    def _swap_tool(self) -> None:
        self._apply_tool({"keep": "remove", "remove": "keep", "erase": "keep"}[self.tool])

    def set_brush_radius(self, radius: int) -> None:
        radius = int(min(MAX_RADIUS, max(MIN_RADIUS, radius)))
        self.brush_radius = radius
        self.tools.show_radius(radius)
        self.canvas.set_brush_radius(radius)
        self.settings.brush_radius = radius

    def _resize_brush(self, factor: float) -> None:
        new = self.brush_radius * factor
        new = int(round(new)) if abs(round(new) - self.brush_radius) >= 1 else self.brush_radius + (1 if factor > 1 else -1)
        self.set_brush_radius(new)

    def _on_tools_radius_changed(self, value: int) -> None:
        self.set_brush_radius(value)

    def _on_canvas_stroke_started(self, x: float, y: float, alternate: bool) -> None:
        state = self.state
        if state is None or not state.predicted:
            self.statusBar().showMessage("Brushes work once the model has predicted this view", 3000)
            return
        value = TOOLS[self.tool]
        if alternate:
            value = {compose.KEEP: compose.REMOVE, compose.REMOVE: compose.KEEP, compose.NONE: compose.NONE}[value]
        self._stroke = []
        self._stroke_value = value
        self._stroke_last = (x, y)
        self._paint([(x, y)])
        self.undo_action.setEnabled(True)  # Ctrl+Z mid-stroke takes back this stroke

    def _on_canvas_stroke_moved(self, x: float, y: float) -> None:
        if self._stroke_last is None:
            return
        self._paint([self._stroke_last, (x, y)])
        self._stroke_last = (x, y)

    def _paint(self, points) -> None:
        state = self.state
        record = state.paint(points, self.brush_radius, self._stroke_value)
        if record is not None:
            self._stroke.append(record)
            self._on_override_changed(state, record.bbox)

    def _on_canvas_stroke_finished(self) -> None:
        self._finish_stroke()

    def undo(self) -> None:
        """Undo the view's last edit; mid-stroke, that is the stroke being drawn (the rest
        of the drag then paints nothing)."""
        self._finish_stroke()
        self.undo_group.undo()

    def redo(self) -> None:
        self._finish_stroke()
        self.undo_group.redo()

    def _on_undo_group_undo_text_changed(self, text: str) -> None:
        self.undo_action.setText(f"&Undo {text}".strip())

    def _on_undo_group_redo_text_changed(self, text: str) -> None:
        self.redo_action.setText(f"&Redo {text}".strip())

    def _finish_stroke(self) -> None:
        if self._stroke_last is None:
            return
        self._stroke_last = None
        record = edits.merge_records(self._stroke)
        self._stroke = []
        state = self.state
        self.undo_action.setEnabled(self.undo_group.canUndo())
        if record is None or state is None:
            return
        name = {compose.KEEP: "keep", compose.REMOVE: "remove", compose.NONE: "erase"}[self._stroke_value]
        self._push(state, record, f"{name} stroke")

    def _push(self, state: ViewState, record, text: str) -> None:
        stack = self._stacks.get(state.view)
        if stack is not None:
            stack.push(OverrideEditCommand(state, record, text, self._on_override_changed))
        self._update_view_buttons()
        self._refresh_garment_state()

    def _on_override_changed(self, state: ViewState, bbox) -> None:
        """Redraw after an override edit inside `bbox` (painting, undo, redo, clean-up)."""
        if state is self.state:
            self.canvas.refresh_mask_layer()
            self._update_checker(bbox=bbox)
            self._update_area()
            self._update_cursor_labels()
        self._mark_dirty(state.view)

    def clean_up(self, name: str) -> None:
        """One-click clean-ups from core.masks, one undo step each."""
        state = self.state
        if state is None or not state.predicted:
            return
        mask = state.mask()
        if name == "fill":
            new = cleanups.fill_holes(mask)
        elif name == "specks":
            new = cleanups.remove_specks(mask, max(16, mask.size // 4000), holes=True)
        elif name == "grow":
            new = cleanups.grow_shrink(mask, 1)
        elif name == "shrink":
            new = cleanups.grow_shrink(mask, -1)
        else:
            raise ValueError(name)
        record = state.apply_mask_edit(new)
        if record is None:
            self.statusBar().showMessage("Nothing to change", 2000)
            return
        self._on_override_changed(state, record.bbox)
        self._push(state, record, self.cleanup_buttons[name].text().lower())

    # ======================================================================= display
    def _on_tools_mode_changed(self, mode: str) -> None:
        self.view_mode = mode
        self.settings.view_mode = self.view_mode
        self._show_mask_layer()

    def _cycle_mode(self) -> None:
        self.mode_combo.setCurrentIndex((self.mode_combo.currentIndex() + 1) % self.mode_combo.count())

    def _on_tools_opacity_changed(self, opacity: float) -> None:
        self.opacity = opacity
        self.settings.overlay_opacity = self.opacity
        if self.state is not None and self.state.effective is not None:
            self.canvas.set_mask_lut(self._lut())

    def _on_overlay_colour_action(self) -> None:
        chosen = QColorDialog.getColor(QColor(*self.overlay_colour), self, "Overlay colour")
        if chosen.isValid():
            self.set_overlay_colour((chosen.red(), chosen.green(), chosen.blue()))

    def set_overlay_colour(self, rgb: tuple[int, int, int]) -> None:
        """The garment overlay's colour (remembered in the settings)."""
        self.overlay_colour = tuple(int(v) for v in rgb)
        self.settings.overlay_colour = self.overlay_colour
        if self.state is not None and self.state.effective is not None:
            self.canvas.set_mask_lut(self._lut())

    def _on_tools_uncertain_toggled(self, checked: int) -> None:
        self.show_uncertain = bool(checked)
        if self.state is not None and self.state.effective is not None:
            self.canvas.set_mask_lut(self._lut())

    # ======================================================================= status bar
    def _on_canvas_cursor_moved(self, x: float, y: float) -> None:
        self._cursor_xy = (x, y)
        self._update_cursor_labels()

    def _update_cursor_labels(self) -> None:
        """Position and probability under the cursor; also after an edit under a still cursor."""
        state = self.state
        if state is None or self._cursor_xy is None:
            return
        x, y = self._cursor_xy
        c, r = int(round(x)), int(round(y))
        h, w = state.shape
        if not (0 <= r < h and 0 <= c < w):
            self.position_label.setText("")
            self.probability_label.setText("")
            return
        self.position_label.setText(f"x {c}  y {r}")
        if state.probability is not None:
            p = state.probability[r, c] / 255
            o = state.override[r, c]
            note = {compose.KEEP: " kept", compose.REMOVE: " removed"}.get(int(o), "")
            self.probability_label.setText(f"p {p:.2f}{note}")
        else:
            self.probability_label.setText("p -")

    def _on_canvas_cursor_left(self) -> None:
        self._cursor_xy = None
        self.position_label.setText("")
        self.probability_label.setText("")

    def _on_canvas_zoom_changed(self, pixel_size: float) -> None:
        self.zoom_label.setText(f"zoom {pixel_size * 100:.0f} %")

    def _update_area(self) -> None:
        state = self.state
        if state is None or not state.predicted:
            self.area_label.setText("")
            return
        area = state.area()
        h, w = state.shape
        self.area_label.setText(f"area {area:,} px ({100 * area / (h * w):.1f} %)")

    def _show_progress(self, text: str | None, busy: bool = False, total: int = 0) -> None:
        visible = text is not None
        self.progress_bar.setVisible(visible)
        self.cancel_button.setVisible(visible and not busy)
        if visible:
            self.progress_bar.setRange(0, 0 if busy else total)
            self.progress_bar.setValue(0)
            self.progress_bar.setFormat(text if busy else f"{text} %v/%m")

    def _update_enabled(self) -> None:
        state = self.state
        ready = state is not None and state.predicted
        for b in self.cleanup_buttons.values():
            b.setEnabled(ready)
        self.threshold_panel.setEnabled(ready)
        self.export_action.setEnabled(self.session is not None and any(s.predicted for s in self.session.states.values()))
        self.export_all_action.setEnabled(self.catalogue is not None and self.predictor is not None)

    def show_error(self, message: str) -> None:
        """A non-blocking message box (tests find it as `window.message_box`)."""
        log.warning("%s", message)
        self.message_panel.add_message(message)
        self.statusBar().showMessage(message, 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Garment Cutout", message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self.message_box = box

    # ======================================================================= garment state
    def set_garment_state(self, garment_id: str, state: str) -> None:
        self._garment_states[garment_id] = state
        self.catalogue_panel.set_state(garment_id, state)

    def _refresh_garment_state(self) -> None:
        session = self.session
        if session is None:
            return
        states = list(session.states.values())
        if not states:
            value = BROKEN
        elif states and all(s.exported for s in states):
            value = EXPORTED
        elif any(s.corrected for s in states):
            value = CORRECTED
        elif any(s.predicted for s in states):
            value = PREDICTED
        else:
            value = NOT_STARTED
        self.set_garment_state(session.garment_id, value)

    # ======================================================================= autosave
    def _mark_dirty(self, view: str) -> None:
        self._dirty.add(view)
        state = self.session.states.get(view) if self.session else None
        if state is not None:
            state.exported = False
        self._autosave_timer.start()

    def autosave_now(self) -> None:
        """Write the changed views' thresholds and corrections to the sidecar."""
        self._autosave_timer.stop()
        if self.session is None or not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        for view in sorted(dirty):
            try:
                self.session.save_view(view)
            except GarmentCutoutError as exc:
                self.show_error(f"Could not save corrections: {exc}")
                return
        self._refresh_garment_state()
        self.autosaved.emit()

    @property
    def has_unsaved_changes(self) -> bool:
        return bool(self._dirty)

    # ======================================================================= export
    def _on_export_action(self) -> None:
        if self.session is None:
            return
        folder = self.settings.export_folder or str(self.session.garment.folder / "cutouts")
        dialog = ExportDialog(folder, self.export_feather, self.export_masks, self)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        out_dir, feather_px, write_mask = dialog.options()
        self.export(out_dir, feather_px, write_mask)

    def _on_export_all_action(self) -> None:
        if self.catalogue is None:
            return
        folder = self.settings.export_folder or str(self.catalogue.garments[0].folder / "cutouts")
        dialog = ExportDialog(folder, self.export_feather, self.export_masks, self,
                              title=f"Export all {len(self.catalogue.garments)} garments")
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            self.export_all(*dialog.options())

    def export_all(self, out_dir: Path, feather_px: int = 0, write_mask: bool = False) -> bool:
        """Export every garment of the catalogue (app.jobs.catalogue_export); False if refused."""
        if self.garment_exporter.running:
            return False
        return self.catalogue_exporter.start(out_dir, feather_px, write_mask)

    def export(self, out_dir: Path, feather_px: int = 0, write_mask: bool = False) -> bool:
        """Export the current garment's predicted views (app.jobs.garment_export); False if refused."""
        if self.catalogue_exporter.running:
            return False
        return self.garment_exporter.start(out_dir, feather_px, write_mask)

    # ======================================================================= misc
    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_paths():
            action = self.recent_menu.addAction(path)
            action.setData(path)
            action.triggered.connect(self._on_recent_action_triggered)
        self.recent_menu.setEnabled(bool(self.settings.recent_paths()))

    def _on_recent_action_triggered(self) -> None:
        path = Path(self.sender().data())
        if path.exists():
            self.open_paths([path])
        else:
            self.show_error(f"{path} no longer exists")

    def _on_open_folder_action(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open shoot or catalogue folder", self.settings.last_open_folder)
        if folder:
            self.open_paths([folder])

    def _on_open_files_action(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open images", self.settings.last_open_folder,
                                                "Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp)")
        if files:
            self.open_paths(files)

    def _on_help_action(self) -> None:
        HelpDialog(self).exec()

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._finish_stroke()
        self.autosave_now()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        if self._model_worker is not None:
            self._model_worker.detach()
        self.prediction_job.detach()
        self.garment_exporter.detach()
        self.catalogue_exporter.detach()
        super().closeEvent(event)


def _thumbnail(rgb: np.ndarray) -> QIcon:
    """A small icon of the (H, W, 3) uint8 photo for the view strip."""
    h, w = rgb.shape[:2]
    th = THUMB_HEIGHT
    tw = max(1, round(w * th / h))
    small = np.ascontiguousarray(cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA))
    image = QImage(small.data, tw, th, 3 * tw, QImage.Format.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(image))


def _card_text(predictor) -> str:
    card = predictor.card
    lines = [f"<b>{card.name}</b> ({card.architecture}, {card.input_width}x{card.input_height})"]
    if card.trained_on:
        lines.append(f"Trained on: {card.trained_on}")
    if card.val_dice is not None:
        lines.append(f"Validation Dice: {card.val_dice:.3f}")
    lines.append(f"Default threshold: {card.threshold:.2f}")
    # bfloat16 where the CPU has it natively (core.precision): worth knowing when comparing speeds.
    lines.append(f"Computes in: {getattr(predictor, 'precision', 'float32')}")
    return "<br>".join(lines)
