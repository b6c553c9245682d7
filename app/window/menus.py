"""The window's actions, menus and toolbar, each action connected to the controller that
does the work. Every action is also added to the window, so its shortcut works with the
menu bar hidden."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QSizePolicy, QWidget

from app.catalogue.catalogue_controller import CatalogueController
from app.dialogs.help_dialog import HelpDialog
from app.editing.view_display import ViewDisplay
from app.editing.view_editor import ViewEditor
from app.export.export_controller import ExportController
from app.model.model_controller import ModelController
from app.widgets.canvas_widget import CanvasWidget
from app.widgets.tools_panel import ToolsPanel, icon
from core.files.shoots import VIEWS


class WindowActions:
    """Builds the menu bar and the toolbar of `window`; the actions tests and the window
    reach are attributes (`undo`, `export`, `tools["keep"]`...)."""

    def __init__(self, window: QMainWindow, catalogue: CatalogueController, editor: ViewEditor,
                 display: ViewDisplay, model: ModelController, exports: ExportController, canvas: CanvasWidget,
                 tools: ToolsPanel, recent_menu: QMenu, docks: Sequence[QDockWidget]):
        self._window = window
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_folder = self._action("Open &folder...", lambda: catalogue.open_folder_with_dialog(window), "Ctrl+O")
        self.open_files = self._action("Open &images...", lambda: catalogue.open_files_with_dialog(window),
                                       "Ctrl+Shift+O")
        self.export = self._action("&Export cutouts...", lambda: exports.export_with_dialog(window), "Ctrl+E",
                                   "Write the garment's cutouts as RGBA PNGs")
        self.export_all = self._action("Export &all garments...", lambda: exports.export_all_with_dialog(window),
                                       "Ctrl+Shift+E", "Write the cutouts of every garment of the catalogue")
        file_menu.addAction(self.open_folder)
        file_menu.addAction(self.open_files)
        file_menu.addMenu(recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.export)
        file_menu.addAction(self.export_all)
        self.add_to_training = self._action(
            "Add corrected views to &training set...", lambda: exports.add_to_training_set_with_dialog(window),
            tip="Copy the exported views (photo, final cutout, which model made the first mask) into a "
                "training folder for garment-cutout train --init-from")
        file_menu.addAction(self.add_to_training)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", window.close, "Ctrl+Q"))

        edit_menu = bar.addMenu("&Edit")
        self.undo = self._add(editor.undo_action)
        self.redo = self._add(editor.redo_action)
        edit_menu.addAction(self.undo)
        edit_menu.addAction(self.redo)
        edit_menu.addSeparator()
        self.tools = {
            "keep": self._action("&Keep brush", lambda: editor.apply_tool("keep"), "K"),
            "remove": self._action("&Remove brush", lambda: editor.apply_tool("remove"), "R"),
            "erase": self._action("&Eraser", lambda: editor.apply_tool("erase"), "E"),
            "band": self._action("&Band brush (refine edge)", lambda: editor.apply_tool("band"), "W"),
        }
        for a in self.tools.values():
            edit_menu.addAction(a)
        edit_menu.addAction(self._action("Swap keep/remove", editor.swap_tool, "X"))
        edit_menu.addAction(self._action("Smart click on/off", lambda: editor.set_smart(not editor.smart), "S"))
        edit_menu.addAction(self._action("Smaller brush", lambda: editor.resize_brush(1 / 1.25), "["))
        edit_menu.addAction(self._action("Larger brush", lambda: editor.resize_brush(1.25), "]"))
        # One form per shortcut: with both "Shift+[" and "{" bound, X11 reports the key as
        # matching both ("Ambiguous shortcut overload") and neither fires.
        edit_menu.addAction(self._action("Softer brush", lambda: editor.step_hardness(-1), "Shift+["))
        edit_menu.addAction(self._action("Harder brush", lambda: editor.step_hardness(1), "Shift+]"))
        edit_menu.addSeparator()
        self.approve = self._action("&Approve view", editor.toggle_approved, "A",
                                    "The view's mask is right as it is (A again withdraws it; any edit does too)")
        edit_menu.addAction(self.approve)
        edit_menu.addSeparator()
        edit_menu.addAction(self._action("Threshold down", lambda: tools.threshold_panel.step(-1), ","))
        edit_menu.addAction(self._action("Threshold up", lambda: tools.threshold_panel.step(1), "."))
        # Coarse steps: ten levels (about 0.04) at a time.
        edit_menu.addAction(self._action("Threshold down x10", lambda: tools.threshold_panel.step(-10),
                                          "Shift+,"))
        edit_menu.addAction(self._action("Threshold up x10", lambda: tools.threshold_panel.step(10),
                                          "Shift+."))

        view_menu = bar.addMenu("&View")
        self.views = {}
        for i, view in enumerate(VIEWS):
            a = self._action(f"&{view}", lambda checked=False, v=view: catalogue.show_view(v), str(i + 1))
            self.views[view] = a
            view_menu.addAction(a)
        view_menu.addAction(self._action("Next garment", lambda: catalogue.step_garment(1), "PgDown"))
        view_menu.addAction(self._action("Previous garment", lambda: catalogue.step_garment(-1), "PgUp"))
        view_menu.addSeparator()
        self.fit = self._action("&Fit to window", canvas.fit, ["F", "Ctrl+0"], "Fit to window (F)")
        self.actual = self._action("&100 %", canvas.actual_pixels, "Ctrl+1",
                                   "One photo pixel per screen pixel (Ctrl+1)")
        view_menu.addAction(self.fit)
        view_menu.addAction(self.actual)
        self.compare = self._action("&Compare views", window.toggle_compare, "V",
                                    "The garment's views side by side as cutouts, one zoom and pan for all "
                                    "(V; V or Escape closes them)")
        view_menu.addAction(self.compare)
        mode_combo = tools.mode_combo
        view_menu.addAction(self._action(
            "Next view &mode", lambda: mode_combo.setCurrentIndex((mode_combo.currentIndex() + 1) % mode_combo.count()),
            "M"))
        self.before_after = self._action("&Before / after", lambda: _toggle_before_after(mode_combo), "B",
                                         "The photo alone, and back to the mask view (B)")
        view_menu.addAction(self.before_after)
        self.uncertain = self._action("Highlight &uncertain pixels", tools.uncertain_check.toggle, "U")
        view_menu.addAction(self.uncertain)
        self.corrections = self._action("Show &corrections", lambda checked: display.set_show_corrections(checked),
                                        "C", "Tint your keep strokes green and remove strokes magenta (C)")
        self.corrections.setCheckable(True)
        self.corrections.setChecked(display.show_corrections)
        view_menu.addAction(self.corrections)
        self.overlay_colour = self._action("Overlay &colour...", lambda: display.choose_overlay_colour(window))
        view_menu.addAction(self.overlay_colour)
        view_menu.addSeparator()
        for dock in docks:
            view_menu.addAction(dock.toggleViewAction())

        model_menu = bar.addMenu("&Model")
        model_menu.addAction(self._action("&Load model...", lambda: model.load_with_dialog(window)))
        model_menu.addAction(self._action("Use the &default model", lambda: model.load_model(None)))

        help_menu = bar.addMenu("&Help")
        self.help = self._action("&Keyboard and mouse", lambda: HelpDialog(window).exec(), "F1", "Shortcuts (F1)")
        help_menu.addAction(self.help)
        for action, name in ((self.open_folder, "open"), (self.export, "export"), (self.undo, "undo"),
                             (self.redo, "redo"), (self.fit, "fit"), (self.actual, "actual"), (self.help, "help"),
                             (self.tools["keep"], "keep"), (self.tools["remove"], "remove"),
                             (self.tools["erase"], "eraser")):
            action.setIcon(icon(name))
        self._build_toolbar()

    def _build_toolbar(self) -> None:
        toolbar = self._window.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        for a in (self.open_folder, self.export):
            toolbar.addAction(a)
        toolbar.addSeparator()
        toolbar.addAction(self.undo)
        toolbar.addAction(self.redo)
        toolbar.addSeparator()
        toolbar.addAction(self.fit)
        toolbar.addAction(self.actual)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addAction(self.help)

    def _action(self, text: str, slot, shortcut=None, tip: str | None = None) -> QAction:
        action = QAction(text, self._window)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return self._add(action)

    def _add(self, action: QAction) -> QAction:
        self._window.addAction(action)  # shortcuts work with the menu bar hidden too
        return action


def _toggle_before_after(mode_combo) -> None:
    """Photo mode and back to the mode the user came from (overlay when none)."""
    photo = mode_combo.findData("photo")
    if mode_combo.currentIndex() != photo:
        mode_combo.setProperty("before_after_from", mode_combo.currentIndex())
        mode_combo.setCurrentIndex(photo)
    else:
        back = mode_combo.property("before_after_from")
        mode_combo.setCurrentIndex(back if isinstance(back, int) and back != photo else mode_combo.findData("overlay"))
