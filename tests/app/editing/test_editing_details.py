"""What a demanding retoucher checks first: the status bar, gapless fast strokes, a deep
undo, Ctrl+Z in the middle of a stroke, and the overlay colour picker."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.masks import compose
from tests.app.conftest import drag


def _press(window, x, y):
    QApplication.processEvents()
    pos = window.canvas.image_to_widget(x, y)
    QTest.mouseMove(window.canvas.viewport(), pos)
    QTest.mousePress(window.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def _move(window, x, y):
    QTest.mouseMove(window.canvas.viewport(), window.canvas.image_to_widget(x, y))


def _release(window, x, y):
    QTest.mouseRelease(window.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       window.canvas.image_to_widget(x, y))


def test_status_bar_shows_position_probability_and_area(make_window, shoot):
    window = make_window([shoot])
    QApplication.processEvents()
    # Ramp model: p at column 60 is round(255 * 60 / 79) / 255 = 194 / 255 = 0.76.
    _move(window, 60, 33)
    assert window.status_bar.position_label.text() == "x 60  y 33"
    assert window.status_bar.probability_label.text() == "p 0.76"
    # Threshold 0.5: columns 40..79 of 120 x 80 are garment: 4,800 px, 50.0 %.
    assert window.status_bar.area_label.text() == "area 4,800 px (50.0 %)"
    window.editor.set_brush_radius(1)
    window.editor.apply_tool("remove")
    drag(window, [(60, 33), (60, 34)])
    assert window.status_bar.probability_label.text() == "p 0.76 removed"  # updated under the still cursor
    removed = int(np.count_nonzero(window.state.override == compose.REMOVE))
    assert window.status_bar.area_label.text() == f"area {4800 - removed:,} px ({100 * (4800 - removed) / 9600:.1f} %)"
    window.threshold_panel.slider.setValue(255)  # only column 79 (p = 255) stays
    assert window.status_bar.area_label.text() == "area 120 px (1.2 %)"
    window.show_view("Back")
    assert window.status_bar.area_label.text() == "area 4,800 px (50.0 %)"  # the Back view's own area


def test_a_fast_drag_with_two_far_apart_moves_leaves_no_gap(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(1)
    _press(window, 5, 5)
    _move(window, 70, 110)  # one mouse move event across most of the photo
    _release(window, 70, 110)
    override = window.state.override
    # Every row between the two events has a KEEP pixel on the line x = 5 + 65 (y - 5) / 105.
    for y in range(5, 111):
        x = 5 + 65 * (y - 5) / 105
        assert override[y, int(round(x))] == compose.KEEP, y
    assert window.editor.undo_group.activeStack().count() == 1


def test_undo_holds_at_least_a_hundred_strokes(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(1)
    state = window.state
    centres = [(3 * (i % 26) + 1, 3 * (i // 26) + 1) for i in range(120)]  # dabs 3 px apart never touch
    after = []  # the override after each stroke
    for x, y in centres:
        drag(window, [(x, y)])
        after.append(state.override.copy())
    assert len({int(np.count_nonzero(a)) for a in after}) == 120  # every dab painted something new
    assert window.editor.undo_group.activeStack().count() == 120
    for _ in range(100):
        window.menu_actions.undo.trigger()
    np.testing.assert_array_equal(state.override, after[19])  # back to stroke 20 of 120
    for _ in range(100):
        window.menu_actions.redo.trigger()
    np.testing.assert_array_equal(state.override, after[-1])


def test_ctrl_z_in_the_middle_of_a_stroke_takes_back_that_stroke(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(1)
    state = window.state
    drag(window, [(10, 10), (10, 30)])  # a first stroke
    first = state.override.copy()
    _press(window, 5, 20)
    _move(window, 15, 20)  # crosses the first stroke
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(state.override, first)  # the stroke in progress is gone, the first stays
    _move(window, 25, 20)
    _release(window, 25, 20)
    np.testing.assert_array_equal(state.override, first)  # the rest of the drag painted nothing
    stack = window.editor.undo_group.activeStack()
    assert stack.count() == 2 and stack.index() == 1
    np.testing.assert_array_equal(state.effective, overlay_effective(state))
    window.menu_actions.undo.trigger()
    assert not state.override.any()
    window.menu_actions.redo.trigger()
    window.menu_actions.redo.trigger()  # the interrupted stroke comes back as it was when undone
    assert (state.override[20, 5:16] == compose.KEEP).all() and state.override[20, 20] == compose.NONE


def test_ctrl_z_in_the_first_stroke_takes_it_back_too(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(1)
    _press(window, 5, 20)
    _move(window, 15, 20)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _move(window, 25, 20)
    _release(window, 25, 20)
    # Undo takes back the stroke itself even with nothing before it: one undone step to redo.
    assert not window.state.override.any()
    window.menu_actions.redo.trigger()
    assert (window.state.override[20, 5:16] == compose.KEEP).all()


def overlay_effective(state):
    from app.document import overlay

    return overlay.effective_probability(state.probability, state.override)


def test_overlay_colour_from_the_picker_is_drawn_and_remembered(make_window, shoot, monkeypatch):
    from PySide6.QtWidgets import QColorDialog

    window = make_window([shoot])
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor(200, 30, 90)))
    window.menu_actions.overlay_colour.trigger()
    lut = window.canvas.mask_item.lut
    assert tuple(lut[255][:3]) == (200, 30, 90) and tuple(lut[0]) == (0, 0, 0, 0)
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor()))  # cancelled
    window.menu_actions.overlay_colour.trigger()
    assert window.display.overlay_colour == (200, 30, 90)
    window.close()
    again = make_window([shoot])
    assert again.display.overlay_colour == (200, 30, 90)
    assert tuple(again.canvas.mask_item.lut[255][:3]) == (200, 30, 90)
