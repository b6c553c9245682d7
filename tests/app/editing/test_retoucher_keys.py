"""Keys retouchers asked for: before/after, coarse threshold steps."""

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
