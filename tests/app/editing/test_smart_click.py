"""The smart keep/remove tool in the app: a real click, refined on a worker, one undo step."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from core.masks import compose
from tests.app.conftest import drag


def test_a_smart_click_removes_its_region_as_one_undo_step(make_window, shoot, qtbot):
    window = make_window([shoot])  # the fake model: garment is the right half of each view
    qtbot.keyClick(window.canvas, Qt.Key.Key_S)
    assert window.editor.smart and window.tools.smart_check.isChecked()
    window.editor.apply_tool("remove")
    state = window.state
    assert state.mask()[60, 60]
    drag(window, [(60, 60)])  # a click: press and release on one point
    qtbot.waitUntil(lambda: window.menu_actions.undo.text().startswith("&Undo smart remove"), timeout=5000)
    assert not state.mask()[60, 60]
    assert (state.override == compose.REMOVE).sum() > 100  # a region, not a dot
    assert not (state.override == compose.KEEP).any()
    window.menu_actions.undo.trigger()
    assert state.mask()[60, 60] and not state.override.any()


def test_with_smart_off_the_tool_paints_as_before(make_window, shoot, qtbot):
    window = make_window([shoot])
    window.editor.set_brush_radius(3)
    window.editor.apply_tool("remove")
    drag(window, [(60, 60)])
    removed = window.state.override == compose.REMOVE
    assert 0 < removed.sum() <= 40 and removed[60, 60]
    assert np.array_equal(np.argwhere(removed).mean(axis=0).round(), [60, 60])
