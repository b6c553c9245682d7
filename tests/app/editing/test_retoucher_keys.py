"""Keys retouchers asked for: before/after, coarse threshold steps, keys back to the canvas."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_b_toggles_the_photo_alone_and_back(make_window, shoot, qtbot):
    window = make_window([shoot])
    combo = window.mode_combo
    combo.setCurrentIndex(combo.findData("checker"))
    qtbot.keyClick(window.canvas, Qt.Key.Key_B)
    assert combo.currentData() == "photo" and not window.canvas.mask_item.isVisible()
    qtbot.keyClick(window.canvas, Qt.Key.Key_B)
    assert combo.currentData() == "checker" and window.canvas.mask_item.isVisible()


def test_shift_comma_and_period_step_the_threshold_ten_levels(make_window, shoot, qtbot):
    window = make_window([shoot])
    slider = window.threshold_panel.slider
    start = slider.value()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Period, Qt.KeyboardModifier.ShiftModifier)
    assert slider.value() == start + 10
    qtbot.keyClick(window.canvas, Qt.Key.Key_Comma, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Comma, Qt.KeyboardModifier.ShiftModifier)
    assert slider.value() == start - 10
    assert abs(window.state.threshold - (start - 10) / 255) < 1e-6


def _click(window, x, y, modifier=Qt.KeyboardModifier.NoModifier):
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    viewport = window.canvas.viewport()
    pos = window.canvas.image_to_widget(x, y)
    QTest.mouseMove(viewport, pos)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, pos)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, pos)


def test_shift_click_paints_a_straight_line_from_the_last_stroke(make_window, shoot, qtbot):
    from core.masks import compose

    window = make_window([shoot])
    window.editor.set_brush_radius(2)
    override = window.state.override
    _click(window, 10, 20)
    assert override[20, 10] == compose.KEEP and override[20, 40] == compose.NONE
    _click(window, 10, 100, Qt.KeyboardModifier.ShiftModifier)  # straight down from (10, 20)
    assert (override[20:101, 10] == compose.KEEP).all(), "the line between the two clicks"
    assert (override[20:101, 20] == compose.NONE).all(), "nothing beside it"
    # One undo step takes the line back and leaves the first dab.
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert override[60, 10] == compose.NONE and override[20, 10] == compose.KEEP
    # Without Shift a click is a dab of its own.
    _click(window, 60, 20)
    assert override[20, 35] == compose.NONE


def test_corrections_are_drawn_apart_from_the_models_mask_and_c_hides_them(make_window, shoot, qtbot):
    from app.document.overlay import CORRECTION_COLOURS
    from core.masks import compose
    from tests.app.conftest import drag

    window = make_window([shoot])
    window.editor.set_brush_radius(3)
    drag(window, [(10, 30), (20, 30)])  # keep, where the model says background (ramp < 0.5)
    drag(window, [(70, 90), (75, 90)], Qt.MouseButton.RightButton)  # remove, where it says garment
    layer = window.canvas.corrections_item
    assert layer.isVisible()
    drawn = layer.lut[layer.image]
    assert tuple(drawn[30, 15]) == CORRECTION_COLOURS[compose.KEEP]
    assert tuple(drawn[90, 72]) == CORRECTION_COLOURS[compose.REMOVE]
    assert drawn[60, 72, 3] == 0 and drawn[60, 15, 3] == 0, "the model's own decision is not tinted"
    # On the mask layer alone a kept pixel looks like any certain garment pixel.
    mask_rgba = window.canvas.mask_item.lut
    assert tuple(mask_rgba[window.state.effective[30, 15]]) == tuple(mask_rgba[window.state.effective[60, 79]])
    qtbot.keyClick(window.canvas, Qt.Key.Key_C)
    assert not layer.isVisible()
    qtbot.keyClick(window.canvas, Qt.Key.Key_C)
    assert layer.isVisible()
    # The cutout modes show the cutout as the export writes it: no tint over the strokes
    # (a helper took the green for a colour the export would write).
    combo = window.mode_combo
    for mode in ("checker", "white", "black"):
        combo.setCurrentIndex(combo.findData(mode))
        assert not layer.isVisible(), mode
        drag(window, [(40, 30), (45, 30)])  # a stroke there is not tinted either
        assert not layer.isVisible(), mode
    combo.setCurrentIndex(combo.findData("overlay"))
    assert layer.isVisible() and tuple(layer.lut[layer.image][30, 42]) == CORRECTION_COLOURS[compose.KEEP]


# A key bound twice - to two actions, or to one action as both "Shift+." and ">" - is
# "Ambiguous shortcut overload" on X11 and fires nothing; offscreen Qt does not show it.
_SHIFTED = {"Shift+,": "<", "Shift+.": ">", "Shift+[": "{", "Shift+]": "}", "Shift+/": "?",
            "Shift+;": ":", "Shift+=": "+", "Shift+-": "_", "Shift+1": "!"}


def test_no_key_is_bound_twice(make_window, shoot):
    window = make_window([shoot])
    from PySide6.QtGui import QAction

    owners = {}
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            text = sequence.toString()
            if text:
                owners.setdefault(text, []).append(action.text())
    doubled = {key: names for key, names in owners.items() if len(names) > 1}
    assert not doubled, doubled
    both_forms = {shift: sym for shift, sym in _SHIFTED.items() if shift in owners and sym in owners}
    assert not both_forms, both_forms
    assert {"Shift+,", "Shift+.", "Shift+[", "Shift+]"} <= owners.keys()


def test_enter_in_a_number_box_hands_the_keys_back_to_the_canvas(make_window, shoot, qtbot):
    window = make_window([shoot])
    spin = window.tools.edge_panel.spins["feather"]
    slider = window.threshold_panel.slider
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.selectAll()
    qtbot.keyClicks(spin, "3")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() == 3.0 and window.canvas.hasFocus()
    start = slider.value()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Period)
    assert slider.value() == start + 1 and spin.value() == 3.0, "'.' went to the threshold, not the box"


def test_escape_in_a_number_box_puts_the_old_value_back(make_window, shoot, qtbot):
    window = make_window([shoot])
    spin = window.tools.radius_spin
    before = spin.value()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.selectAll()
    qtbot.keyClicks(spin, "7")
    assert spin.value() == 7
    qtbot.keyClick(spin, Qt.Key.Key_Escape)
    assert spin.value() == before and window.canvas.hasFocus()
