"""The brush's hardness in the app: the Hardness spin box and Shift+[ / Shift+], a soft
stroke's alpha in the cutout preview, undo, and the exported cutout."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import Qt

from core.masks import compose
from tests.app.conftest import drag
from tests.app.editing.test_edge_adjustments import _set


def test_a_soft_stroke_previews_its_alpha_undoes_and_exports(make_window, shoot, qtbot, tmp_path):
    window = make_window([shoot])
    _set(window.tools.hardness_spin, 20, qtbot)
    assert window.editor.brush_hardness == 20 and window.settings.brush_hardness == 20
    window.editor.set_brush_radius(8)
    combo = window.mode_combo
    combo.setCurrentIndex(combo.findData("checker"))
    state = window.state
    # Keep across the left, where the model's ramp says background.
    drag(window, [(12, 60), (24, 60)])
    override = state.override
    assert override[60, 18] == compose.KEEP, "the hard core"
    soft = override >= compose.SOFT_BASE
    assert soft[60, 12 - 6] and soft[60 - 6, 18] and not soft[60, 34], "the soft edge, within the radius"
    alpha = compose.override_alpha(state.probability, state.threshold, override)
    layer = window.canvas.checker_item
    qtbot.waitUntil(lambda: int(layer.image[54, 18, 3]) == 255 - int(alpha[54, 18]), timeout=3000)
    assert 0 < layer.image[54, 18, 3] < 255, "the preview shows the soft alpha"
    np.testing.assert_array_equal(layer.image[..., 3], 255 - alpha)
    assert not window.canvas.mask_item.isVisible()

    out = tmp_path / "out"
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(out)
    written = cv2.imread(str(out / "g1_Front_cutout.png"), cv2.IMREAD_UNCHANGED)[..., 3]
    np.testing.assert_array_equal(written, alpha)

    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not state.has_soft() and (state.override == compose.NONE).all()
    assert window.canvas.mask_item.isVisible(), "back to the plain checkerboard"
    np.testing.assert_array_equal(layer.image[..., 3], np.where(state.mask(), 0, 255))


def test_shift_brackets_step_the_hardness_and_the_cursor_shows_the_core(make_window, shoot, qtbot):
    window = make_window([shoot])
    assert window.editor.brush_hardness == 100 and not window.canvas._cursor_core.isVisibleTo(window.canvas.cursor_item)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ShiftModifier)
    assert window.editor.brush_hardness == 75 and window.tools.hardness_spin.value() == 75
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ShiftModifier)
    assert window.editor.brush_hardness == 75
    window.editor.set_brush_radius(20)
    window.canvas._place_cursor(window.canvas.cursor_item.rect().center())
    core = window.canvas._cursor_core
    assert core.isVisibleTo(window.canvas.cursor_item)
    assert abs(core.rect().width() - 0.75 * 40) < 1e-6
    # The eraser ignores hardness: it puts the model's decision back, all of it; its
    # cursor has no inner ring, nor has smart click's.
    drag(window, [(10, 20), (11, 20)])
    window.editor.apply_tool("erase")
    assert not core.isVisibleTo(window.canvas.cursor_item)
    drag(window, [(10, 20), (11, 20)])
    assert (window.state.override == compose.NONE).all()
    window.editor.apply_tool("keep")
    assert core.isVisibleTo(window.canvas.cursor_item)
    window.editor.set_smart(True)
    assert not core.isVisibleTo(window.canvas.cursor_item)
