"""The editing of the view on screen: brush strokes, clean-ups and threshold changes.

Every edit is an undo step on its view's own QUndoStack (app.editing.undo_commands),
the stacks of the open garment gathered in one QUndoGroup, so Ctrl+Z undoes the edits
of the view on screen. Pixels change only through app.document.view_state (which calls
core.masks); the redraw goes through app.editing.view_display.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup

from app.document.garment_session import GarmentSession
from app.document.view_state import ViewState, clamp_threshold
from app.document.workspace import Workspace
from app.editing.smart_clicks import SmartClicks, override_value
from app.editing.undo_commands import AdjustmentsCommand, OverrideEditCommand, ThresholdCommand, make_undo_stack
from app.editing.view_display import ViewDisplay
from app.feedback import Feedback
from app.settings import AppSettings
from app.widgets.canvas_widget import CanvasWidget
from app.widgets.tools_panel import HARDNESS_STEP, MAX_RADIUS, MIN_RADIUS, ToolsPanel
from core.masks import cleanups, compose, edits

TOOLS = {"keep": compose.KEEP, "remove": compose.REMOVE, "erase": compose.NONE}
TOOL_CURSOR_COLOURS = {"keep": (120, 255, 140), "remove": (255, 110, 110), "erase": (255, 255, 255),
                       "band": (255, 210, 0)}
# The band brush paints the refine edge's widen map, not the overrides: 1 widens, 0 narrows.
BAND = "band"


class ViewEditor(QObject):
    """Turns the canvas's strokes and the panels' requests into edits of the view on screen."""

    view_edited = Signal(str)  # a view's threshold or corrections changed (autosave marks it)
    view_redrawn = Signal()  # the view on screen was redrawn after an edit (area, pixel under the cursor)
    step_pushed = Signal()  # a stroke or a clean-up became an undo step (view buttons, garment state)

    def __init__(self, workspace: Workspace, display: ViewDisplay, canvas: CanvasWidget, tools: ToolsPanel,
                 settings: AppSettings, feedback: Feedback, parent: QObject | None = None):
        super().__init__(parent)
        self._workspace = workspace
        self._display = display
        self._canvas = canvas
        self._tools = tools
        self._settings = settings
        self._feedback = feedback
        self.tool = "keep"
        self.brush_radius = settings.brush_radius
        self.brush_hardness = settings.brush_hardness  # percent
        self._stroke: list = []
        self._stroke_value = compose.KEEP
        self._stroke_last: tuple[float, float] | None = None
        # Where the last stroke on a view ended (view, x, y): Shift+click draws a straight
        # line from there.
        self._line_from: tuple[str, float, float] | None = None
        self._stroke_target = "override"  # or "widen": what the stroke in progress paints
        self.smart = False
        self._smart_press: tuple[float, float, bool] | None = None
        self.smart_clicks = SmartClicks(feedback, self._apply_smart_edit, self)
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[str, object] = {}
        # Own actions rather than the group's: a stroke in progress must be finished
        # (pushed) before the stack moves, or undo would write under the live stroke.
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.triggered.connect(self.redo)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.undo_group.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_group.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_group.undoTextChanged.connect(self._on_undo_group_undo_text_changed)
        self.undo_group.redoTextChanged.connect(self._on_undo_group_redo_text_changed)

    # -- the garment and the view on screen --------------------------------------
    def open_garment(self, session: GarmentSession) -> None:
        """A fresh undo stack for each view of a newly opened garment (the old ones go)."""
        self.undo_group.setActiveStack(None)
        for stack in self._stacks.values():
            self.undo_group.removeStack(stack)
            stack.deleteLater()
        self._stacks = {}
        for view in session.states:
            stack = make_undo_stack(self)
            self.undo_group.addStack(stack)
            self._stacks[view] = stack

    def show_view(self, state: ViewState) -> None:
        """The view on screen changed to `state`: its threshold, edge adjustments and undo stack."""
        self._tools.threshold_panel.set_threshold(state.threshold)
        self._tools.edge_panel.show_adjustments(state.adjustments)
        self._tools.threshold_panel.set_histogram(state.probability)
        self.undo_group.setActiveStack(self._stacks.get(state.view))

    def show_nothing(self) -> None:
        """No view on screen (a garment none of whose photos could be read): no histogram,
        least of all the previous garment's, and no threshold."""
        self._tools.threshold_panel.show_none()
        self.undo_group.setActiveStack(None)

    # -- tools -------------------------------------------------------------------
    def apply_tool(self, tool: str) -> None:
        self.tool = tool
        self._tools.show_tool(tool)
        self._canvas.set_cursor_colour(TOOL_CURSOR_COLOURS[tool])
        self._show_hardness()
        name = self._tools.tool_buttons[tool].text()
        self._feedback.status_message(name if name.lower().endswith("brush") else f"{name} brush", 2000)

    def swap_tool(self) -> None:
        self.apply_tool({"keep": "remove", "remove": "keep", "erase": "keep", BAND: "keep"}[self.tool])

    def set_brush_radius(self, radius: int) -> None:
        radius = int(min(MAX_RADIUS, max(MIN_RADIUS, radius)))
        self.brush_radius = radius
        self._tools.show_radius(radius)
        self._canvas.set_brush_radius(radius)
        self._settings.brush_radius = radius

    def set_brush_hardness(self, hardness: int) -> None:
        """Keep/remove brush hardness in percent (100 = hard edge)."""
        hardness = int(min(100, max(0, hardness)))
        self.brush_hardness = hardness
        self._tools.show_hardness(hardness)
        self._settings.brush_hardness = hardness
        self._show_hardness()

    def _show_hardness(self) -> None:
        """The cursor's inner ring, only for the tools that paint a soft edge."""
        soft_tool = self.tool in ("keep", "remove") and not self.smart
        self._canvas.set_brush_hardness(self.brush_hardness / 100.0 if soft_tool else 1.0)

    def step_hardness(self, steps: int) -> None:
        self.set_brush_hardness(self.brush_hardness + steps * HARDNESS_STEP)
        self._feedback.status_message(f"Brush hardness {self.brush_hardness} %", 2000)

    def resize_brush(self, factor: float) -> None:
        new = self.brush_radius * factor
        new = int(round(new)) if abs(round(new) - self.brush_radius) >= 1 else self.brush_radius + (1 if factor > 1 else -1)
        self.set_brush_radius(new)

    # -- strokes -----------------------------------------------------------------
    def set_smart(self, smart: bool) -> None:
        """Smart mode: a click of keep/remove refines its region instead of painting."""
        self.smart = bool(smart)
        self._tools.show_smart(self.smart)
        self._show_hardness()
        self._feedback.status_message("Smart click: keep/remove the region you click" if self.smart
                                      else "Brush: paint with keep/remove", 2000)

    def start_stroke(self, x: float, y: float, alternate: bool, line: bool = False) -> None:
        """A press of the brush at pixel (x, y); `line` (Shift held) paints a straight
        line from where the last stroke on this view ended, as one stroke with the drag."""
        state = self._workspace.state
        if state is None or not state.predicted:
            self._feedback.status_message("Brushes work once the model has predicted this view", 3000)
            return
        self._stroke_target = "widen" if self.tool == BAND else "override"
        if self.tool == BAND:
            value = 0 if alternate else 1
        else:
            value = TOOLS[self.tool]
            if alternate:
                value = {compose.KEEP: compose.REMOVE, compose.REMOVE: compose.KEEP, compose.NONE: compose.NONE}[value]
        if self.smart and value != compose.NONE and self.tool != BAND:
            self._smart_press = (x, y, value == compose.KEEP)  # refined on release
            return
        self._stroke = []
        self._stroke_value = value
        self._stroke_last = (x, y)
        start = self._line_from
        if line and start is not None and start[0] == state.view:
            self._paint([start[1:], (x, y)])
        else:
            self._paint([(x, y)])
        self.undo_action.setEnabled(True)  # Ctrl+Z mid-stroke takes back this stroke

    def continue_stroke(self, x: float, y: float) -> None:
        if self._stroke_last is None:
            return
        self._paint([self._stroke_last, (x, y)])
        self._stroke_last = (x, y)

    def _paint(self, points) -> None:
        state = self._workspace.state
        if self._stroke_target == "widen":
            record = state.paint_widen(points, self.brush_radius, self._stroke_value)
        else:
            record = state.paint(points, self.brush_radius, self._stroke_value, self.brush_hardness / 100.0)
        if record is not None:
            self._stroke.append(record)
            self._on_override_changed(state, record.bbox)

    def finish_stroke(self) -> None:
        """End the stroke in progress, if any, as one undo step (a smart click: refine)."""
        if self._smart_press is not None:
            x, y, positive = self._smart_press
            self._smart_press = None
            state = self._workspace.state
            if state is not None:
                self.smart_clicks.click(state, x, y, positive)
            return
        if self._stroke_last is None:
            return
        state = self._workspace.state
        if state is not None:
            self._line_from = (state.view, *self._stroke_last)
        self._stroke_last = None
        record = edits.merge_records(self._stroke)
        self._stroke = []
        self.undo_action.setEnabled(self.undo_group.canUndo())
        if record is None or state is None:
            return
        if self._stroke_target == "widen":
            self._push(state, record, "band stroke", target="widen")
            return
        name = {compose.KEEP: "keep", compose.REMOVE: "remove", compose.NONE: "erase"}[self._stroke_value]
        self._push(state, record, f"{name} stroke")

    def undo(self) -> None:
        """Undo the view's last edit; mid-stroke, that is the stroke being drawn (the rest
        of the drag then paints nothing)."""
        self.finish_stroke()
        self.undo_group.undo()

    def redo(self) -> None:
        self.finish_stroke()
        self.undo_group.redo()

    def _on_undo_group_undo_text_changed(self, text: str) -> None:
        self.undo_action.setText(f"&Undo {text}".strip())

    def _on_undo_group_redo_text_changed(self, text: str) -> None:
        self.redo_action.setText(f"&Redo {text}".strip())

    # -- clean-ups ---------------------------------------------------------------
    def clean_up(self, name: str) -> None:
        """One-click clean-ups from core.masks, one undo step each."""
        state = self._workspace.state
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
            self._feedback.status_message("Nothing to change", 2000)
            return
        self._on_override_changed(state, record.bbox)
        self._push(state, record, self._tools.cleanup_buttons[name].text().lower())

    def _apply_smart_edit(self, state: ViewState, edit) -> None:
        """A smart click's region, written as overrides and pushed as one undo step."""
        session = self._workspace.session
        if session is None or session.states.get(state.view) is not state:
            return  # the user moved on to another garment meanwhile
        record = state.paint_region(edit.bbox, edit.region, override_value(edit.positive))
        if record is None:
            self._feedback.status_message("The click found nothing to change there", 2000)
            return
        self._on_override_changed(state, record.bbox)
        self._push(state, record, "smart keep" if edit.positive else "smart remove")

    def _push(self, state: ViewState, record, text: str, target: str = "override") -> None:
        stack = self._stacks.get(state.view)
        if stack is not None:
            stack.push(OverrideEditCommand(state, record, text, self._on_override_changed, target))
        self.step_pushed.emit()

    def _on_override_changed(self, state: ViewState, bbox) -> None:
        """Redraw after an override edit inside `bbox` (painting, undo, redo, clean-up)."""
        if state is self._workspace.state:
            self._display.redraw_box(bbox)
            self.view_redrawn.emit()
        self.view_edited.emit(state.view)

    # -- edge adjustments ----------------------------------------------------------
    def set_adjustments(self, adjustments) -> None:
        """The view on screen's smooth/feather/contrast/shift (core.masks.adjustments), as an undo step."""
        state = self._workspace.state
        if state is None or adjustments == state.adjustments:
            return
        self._stacks[state.view].push(AdjustmentsCommand(state, state.adjustments, adjustments,
                                                         self._apply_adjustments))
        self.step_pushed.emit()

    def _apply_adjustments(self, state: ViewState, adjustments) -> None:
        state.set_adjustments(adjustments)
        self.view_edited.emit(state.view)
        if state is self._workspace.state:
            self._tools.edge_panel.show_adjustments(adjustments)
            self._display.redraw_adjustments()
            self.view_redrawn.emit()

    # -- approval ----------------------------------------------------------------
    def toggle_approved(self) -> None:
        """Approve the mask on screen as it is (or withdraw the approval). Not an undo
        step: any later edit withdraws it anyway. Saved like an edit."""
        state = self._workspace.state
        if state is None:
            return
        self.finish_stroke()
        if not state.approve(not state.approved):
            self._feedback.status_message(f"{state.view}: nothing to approve until the model has predicted it", 4000)
            return
        self.view_edited.emit(state.view)
        self.step_pushed.emit()
        self._feedback.status_message(f"{state.view} {'approved' if state.approved else 'no longer approved'}", 3000)

    # -- threshold ---------------------------------------------------------------
    def set_threshold(self, threshold: float) -> None:
        """Set the current view's threshold (what the slider does), as an undo step."""
        state = self._workspace.state
        if state is not None:
            self._change_threshold(state, threshold, changed=True)

    def apply_threshold_to_all(self) -> None:
        """Every view of the garment takes this view's threshold: one undo step in each view."""
        state = self._workspace.state
        session = self._workspace.session
        if state is None or session is None:
            return
        for other in session.states.values():
            self._change_threshold(other, state.threshold, changed=True, mergeable=False)
        self._feedback.status_message(f"Threshold {state.threshold:.3f} applied to all views", 3000)

    def reset_threshold(self) -> None:
        """Back to the model's threshold; the view then follows the model again."""
        state = self._workspace.state
        predictor = self._workspace.predictor
        if state is not None and predictor is not None:
            self._change_threshold(state, predictor.threshold, changed=False, mergeable=False)
            self._tools.threshold_panel.set_threshold(state.threshold)

    def _change_threshold(self, state: ViewState, threshold: float, changed: bool, mergeable: bool = True) -> None:
        before = (state.threshold, state.threshold_changed)
        after = (clamp_threshold(threshold), changed)
        if after == before:
            return
        # Every view of the open garment has its stack (see open_garment); push() runs redo().
        was_exported = state.exported
        self._stacks[state.view].push(ThresholdCommand(state, before, after, self._apply_threshold, mergeable))
        if was_exported and not state.exported:  # its button must stop saying "exported" now
            self.step_pushed.emit()

    def _apply_threshold(self, state: ViewState, threshold: float, changed: bool) -> None:
        """Set a view's threshold (from a ThresholdCommand, doing or undoing) and redraw."""
        state.set_threshold(threshold)
        state.threshold_changed = changed
        self.view_edited.emit(state.view)
        if state is not self._workspace.state:
            return
        panel = self._tools.threshold_panel
        if panel.threshold() != state.threshold:
            panel.set_threshold(state.threshold)
        self._display.redraw_cut()
        self.view_redrawn.emit()
