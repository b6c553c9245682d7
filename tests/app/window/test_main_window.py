"""The main window driven like a user would: real widgets, real mouse and key events."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.masks import compose
from tests.app.conftest import drag, ramp, write_photo


def test_opens_shoot_and_predicts_every_view(make_window, shoot, fake_predictor):
    window = make_window([shoot])
    assert list(window.session.states) == ["Front", "FrontRight", "Back"]
    assert all(s.predicted for s in window.session.states.values())
    assert window.current_view == "Front"
    assert fake_predictor.calls == 3
    np.testing.assert_array_equal(window.state.probability, ramp(120, 80))
    # The model card's default threshold is used until the user moves it.
    assert window.state.threshold == 0.5
    assert "fake" in window.model_label.text()
    assert "Computes in: float32" in window.model_label.text()  # a predictor that does not say


def test_threshold_slider_changes_mask_as_core_composes_it(make_window, shoot):
    window = make_window([shoot])
    state = window.state
    window.threshold_panel.slider.setValue(200)
    assert state.threshold == pytest.approx(200 / 255)
    assert window.threshold_panel.spin.value() == pytest.approx(200 / 255, abs=1e-3)
    expected = compose.compose_mask(state.probability, state.threshold, state.override)
    np.testing.assert_array_equal(state.mask(), expected)
    # Ramp: columns with round(255 c / 79) >= 200 are c >= 62.
    assert expected[:, 62:].all() and not expected[:, :62].any()
    # What the canvas draws: the effective image through the lookup table.
    lut = window.canvas.mask_item.lut
    drawn = lut[state.effective][..., 3] > 0
    np.testing.assert_array_equal(drawn, expected)
    assert state.area() == expected.sum()
    assert window.status_bar.area_label.text().startswith(f"area {expected.sum():,} px")


def test_keep_and_remove_strokes_with_the_mouse_then_undo_redo(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(2)
    state = window.state
    # Threshold 0.5: mask is columns >= 40 (round(255*40/79) = 129 >= 128; c=39 gives 126).
    assert state.mask()[:, 40:].all() and not state.mask()[:, :40].any()

    drag(window, [(10, 20), (10, 50), (10, 90)])  # a fast drag: 40 px jumps must leave no gap
    assert (state.override[20:91, 10] == compose.KEEP).all()
    assert (state.override[20:91, 7] == compose.NONE).all()  # radius 2: column 7 untouched
    assert state.mask()[20:91, 9:12].all()

    window.editor.apply_tool("remove")
    drag(window, [(60, 30), (70, 30)])
    assert (state.override[30, 60:71] == compose.REMOVE).all()
    assert not state.mask()[30, 60:71].any()
    assert state.mask()[10, 60:71].all()

    stack = window.editor.undo_group.activeStack()
    assert stack.count() == 2
    window.menu_actions.undo.trigger()
    assert (state.override[30, 60:71] == compose.NONE).all()
    assert (state.override[20:91, 10] == compose.KEEP).all()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not state.override.any()
    np.testing.assert_array_equal(state.effective, state.probability)  # the display followed
    window.menu_actions.redo.trigger()
    window.menu_actions.redo.trigger()
    assert (state.override[30, 60:71] == compose.REMOVE).all()
    assert (state.override[20:91, 10] == compose.KEEP).all()
    assert (state.effective[state.override == compose.KEEP] == 255).all()


def test_right_button_paints_the_opposite_brush(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(1)
    drag(window, [(50, 50), (50, 52)], button=Qt.MouseButton.RightButton)
    assert (window.state.override[50:53, 50] == compose.REMOVE).all()


def test_threshold_move_keeps_corrections(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(1)
    drag(window, [(5, 5), (5, 6)])
    window.threshold_panel.slider.setValue(250)
    assert (window.state.override[5:7, 5] == compose.KEEP).all()
    assert window.state.mask()[5:7, 5].all()


def test_views_switch_with_keys_and_clicks_sharing_zoom(make_window, shoot):
    window = make_window([shoot])
    window.canvas.zoom_at(2.0, window.canvas.view_box.viewRect().center())
    rect = window.canvas.view_box.viewRect()
    QTest.keyClick(window, Qt.Key.Key_2)
    assert window.current_view == "FrontRight"
    assert np.shares_memory(window.canvas.photo_item.image, window.session.states["FrontRight"].rgb)
    assert window.canvas.view_box.viewRect() == rect
    QTest.mouseClick(window.view_strip.buttons["Back"], Qt.MouseButton.LeftButton)
    assert window.current_view == "Back"
    assert np.shares_memory(window.canvas.mask_item.image, window.session.states["Back"].effective)
    QTest.keyClick(window, Qt.Key.Key_1)
    assert window.current_view == "Front"


def test_undo_is_per_view(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(1)
    drag(window, [(5, 5), (5, 6)])
    window.show_view("Back")
    assert not window.menu_actions.undo.isEnabled()
    window.show_view("Front")
    window.menu_actions.undo.trigger()
    assert not window.session.states["Front"].override.any()


def test_threshold_apply_to_all_views(make_window, shoot):
    window = make_window([shoot])
    window.threshold_panel.slider.setValue(90)
    window.threshold_panel.apply_all_button.click()
    assert {s.threshold for s in window.session.states.values()} == {90 / 255}
    window.show_view("Back")
    assert window.threshold_panel.slider.value() == 90


def test_a_slider_drag_is_one_undo_step_and_undo_restores_the_model_threshold(make_window, shoot):
    window = make_window([shoot])
    state, panel = window.state, window.threshold_panel
    for value in (140, 150, 160, 170):  # a drag: many values in quick succession
        panel.slider.setValue(value)
    assert state.threshold == pytest.approx(170 / 255) and state.threshold_changed
    assert window.editor.undo_group.activeStack().count() == 1
    window.menu_actions.undo.trigger()
    assert state.threshold == 0.5 and not state.threshold_changed  # follows the model again
    assert panel.slider.value() == round(0.5 * 255)
    # The canvas draws the mask of the restored threshold.
    drawn = window.canvas.mask_item.lut[state.effective][..., 3] > 0
    np.testing.assert_array_equal(drawn, compose.compose_mask(state.probability, 0.5, state.override))
    window.menu_actions.redo.trigger()
    assert state.threshold == pytest.approx(170 / 255) and panel.slider.value() == 170


def test_separate_threshold_adjustments_are_separate_steps_beside_strokes(make_window, shoot, monkeypatch):
    from app.editing.undo_commands import ThresholdCommand

    monkeypatch.setattr(ThresholdCommand, "MERGE_SECONDS", 0.0)  # every change is its own adjustment
    window = make_window([shoot])
    state = window.state
    window.threshold_panel.slider.setValue(100)
    window.editor.set_brush_radius(3)
    drag(window, [(70, 10), (70, 100)])
    window.threshold_panel.slider.setValue(200)
    assert window.editor.undo_group.activeStack().count() == 3
    assert window.menu_actions.undo.text() == "&Undo threshold 0.392 \u2192 0.784"  # from and to
    window.menu_actions.undo.trigger()
    assert state.threshold == pytest.approx(100 / 255) and state.has_corrections()
    window.menu_actions.undo.trigger()
    assert not state.has_corrections() and state.threshold == pytest.approx(100 / 255)
    window.menu_actions.undo.trigger()
    assert state.threshold == 0.5


def test_apply_to_all_is_undone_in_each_view(make_window, shoot):
    window = make_window([shoot])
    window.show_view("Back")
    window.threshold_panel.slider.setValue(60)
    window.show_view("Front")
    window.threshold_panel.slider.setValue(90)
    window.threshold_panel.apply_all_button.click()
    window.show_view("Back")
    assert window.state.threshold == pytest.approx(90 / 255)
    window.menu_actions.undo.trigger()  # Back's own history: apply-to-all, then its 60
    assert window.state.threshold == pytest.approx(60 / 255)
    assert window.threshold_panel.slider.value() == 60


def test_export_writes_cutouts_matching_the_screen(make_window, shoot, tmp_path, qtbot):
    window = make_window([shoot])
    window.threshold_panel.slider.setValue(100)
    window.editor.set_brush_radius(3)
    drag(window, [(70, 10), (70, 100)])  # a remove stroke across the kept side
    window.editor.apply_tool("remove")
    drag(window, [(75, 10), (75, 100)])
    out = tmp_path / "out"
    with qtbot.waitSignal(window.export_finished, timeout=10000) as blocker:
        assert window.export(out, feather_px=0, write_mask=True)
    written = sorted(Path(p).name for p in blocker.args[0])
    assert written == sorted(f"g1_{v}_{k}.png" for v in ("Front", "FrontRight", "Back") for k in ("cutout", "mask"))
    for view, state in window.session.states.items():
        cutout = cv2.imread(str(out / f"g1_{view}_cutout.png"), cv2.IMREAD_UNCHANGED)
        assert cutout.shape == (120, 80, 4) and cutout.dtype == np.uint8
        np.testing.assert_array_equal(cutout[..., 3], np.where(state.mask(), 255, 0))
        np.testing.assert_array_equal(cv2.cvtColor(cutout[..., :3], cv2.COLOR_BGR2RGB)[state.mask()],
                                      state.rgb[state.mask()])
        saved_mask = cv2.imread(str(out / f"g1_{view}_mask.png"), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(saved_mask > 127, state.mask())
    assert window.settings.export_folder_for(shoot) == out
    assert window.catalogue_panel.state("g1") == "exported"


def test_export_into_an_unwritable_place_shows_a_message(make_window, shoot, tmp_path, qtbot):
    window = make_window([shoot])
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert not window.export(blocker / "out")
    assert window.message_box is not None and window.message_box.isVisible()
    assert "Cannot export" in window.message_box.text()
    window.message_box.close()
    assert not list(tmp_path.glob("**/*_cutout.png"))
    assert any("Cannot export" in line for line in window.message_panel.messages())
    # An export that writes takes the failure's red line away (it stayed: found by a helper).
    with qtbot.waitSignal(window.export_finished, timeout=20000):
        assert window.export(tmp_path / "out")
    assert not any("Cannot export" in line for line in window.message_panel.messages())


def test_kill_and_reopen_restores_corrections(make_window, shoot, qtbot):
    window = make_window([shoot])
    window.editor.set_brush_radius(2)
    window.threshold_panel.slider.setValue(150)
    drag(window, [(10, 10), (10, 40)])
    override = window.state.override.copy()
    with qtbot.waitSignal(window.autosaved, timeout=5000):
        pass  # the debounce timer fires on its own, about a second after the last change
    window.hide()  # "killed": no closeEvent, nothing saved on the way out

    reopened = make_window([shoot])
    state = reopened.session.states["Front"]
    np.testing.assert_array_equal(state.override, override)
    assert state.threshold == pytest.approx(150 / 255)
    assert reopened.threshold_panel.slider.value() == 150
    assert reopened.catalogue_panel.state("g1") == "corrected"


def test_reopen_uses_cached_probabilities(make_window, shoot, fake_predictor):
    make_window([shoot]).hide()
    assert fake_predictor.calls == 3
    make_window([shoot])
    assert fake_predictor.calls == 3  # all three came from the sidecar cache


def _catalogue_with_a_corrupt_b2(tmp_path) -> Path:
    """a1 in three good views; b2 with a Front that is not really a PNG (and nothing else)."""
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for view in ("Front", "FrontRight", "Back"):
        write_photo(folder / f"a1_{view}.png")
    (folder / "b2_Front.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    return folder


def test_corrupt_file_in_catalogue_shows_message_and_others_work(make_window, tmp_path, qtbot):
    folder = _catalogue_with_a_corrupt_b2(tmp_path)
    write_photo(folder / "b2_Back.png", seed=3)
    window = make_window([folder])
    assert window.catalogue_dock.isVisible()
    assert window.catalogue_panel.garment_keys() == ["a1", "b2"]

    window.catalogue_panel.list.setCurrentRow(1)
    assert window.session.garment_id == "b2"
    assert any("b2_Front.png" in m for m in window.message_panel.messages())
    assert window.message_dock.isVisible()
    assert not window.view_strip.buttons["Front"].isEnabled()
    assert window.current_view == "Back"
    qtbot.waitUntil(lambda: window.state.predicted, timeout=5000)
    window.editor.set_brush_radius(1)
    drag(window, [(3, 3), (3, 4)])
    assert window.state.override[3, 3] == compose.KEEP

    QTest.keyClick(window, Qt.Key.Key_PageUp)
    assert window.session.garment_id == "a1"
    assert window.state.predicted


def test_broken_photos_are_named_when_the_catalogue_is_listed_not_when_clicked(make_window, tmp_path):
    folder = _catalogue_with_a_corrupt_b2(tmp_path)
    good = write_photo(folder / "c3_Front.png", seed=4)
    cut = folder / "c3_Back.png"
    cut.write_bytes(good.read_bytes()[:-100])  # a copy cut short: it may still decode
    window = make_window([folder])
    assert window.session.garment_id == "a1"  # nothing else opened yet
    messages = window.message_panel.messages()
    assert any(m.startswith("b2 Front: b2_Front.png: not an image") for m in messages), messages
    assert any(m.startswith("c3 Back: c3_Back.png: it looks truncated") for m in messages), messages
    assert window.message_dock.isVisible()
    assert window.catalogue_panel.state("b2") == "unreadable"  # its only photo will not open
    assert window.catalogue_panel.state("c3") != "unreadable"  # c3 Front is fine


def test_opening_a_garment_replaces_the_listings_guess_about_a_photo(make_window, tmp_path):
    folder = _catalogue_with_a_corrupt_b2(tmp_path)
    write_photo(folder / "c3_Front.png", seed=4)
    good = write_photo(tmp_path / "whole.png", seed=5)
    (folder / "c3_Back.png").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    window = make_window([folder])
    about_c3_back = [m for m in window.message_panel.messages() if "c3_Back.png" in m]
    assert len(about_c3_back) == 1 and "looks truncated" in about_c3_back[0], about_c3_back

    window.catalogue_panel.list.setCurrentRow(window.catalogue_panel.garment_keys().index("c3"))
    assert window.session.garment_id == "c3"
    about_c3_back = [m for m in window.message_panel.messages() if "c3_Back.png" in m]
    assert len(about_c3_back) == 1, about_c3_back  # one line per photo, the reading's word on it
    assert about_c3_back[0].startswith("c3 Back: cannot read image") and "truncated" in about_c3_back[0]


def test_a_garment_with_no_readable_photo_clears_the_last_garments_figures(make_window, tmp_path, qtbot):
    window = make_window([_catalogue_with_a_corrupt_b2(tmp_path)])
    window.status_bar.set_cursor(10, 10, window.state)
    assert window.status_bar.area_label.text().startswith("area ")
    assert window.status_bar.position_label.text() == "x 10  y 10"
    window.catalogue_panel.list.setCurrentRow(1)
    assert window.session.garment_id == "b2" and window.state is None
    assert window.status_bar.area_label.text() == "" and window.status_bar.position_label.text() == ""
    assert window.catalogue_panel.state("b2") == "unreadable"
    spin = window.threshold_panel.spin
    assert spin.text() == "\u2013", "no threshold, not the box's lowest value (0.004) as if it were one"
    window.catalogue_panel.list.setCurrentRow(0)  # back to a1: its threshold reads as a number again
    assert window.session.garment_id == "a1"
    assert spin.text() == f"{window.state.threshold:.3f}"


def test_cleanups_are_one_undo_step(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(3)
    window.editor.apply_tool("remove")
    drag(window, [(60, 60), (61, 60)])  # a hole inside the garment half
    assert not window.state.mask()[60, 60]
    window.cleanup_buttons["fill"].click()
    assert window.state.mask()[60, 60]
    assert window.editor.undo_group.activeStack().count() == 2
    window.menu_actions.undo.trigger()
    assert not window.state.mask()[60, 60]
    window.menu_actions.undo.trigger()
    before = window.state.area()
    assert before == 120 * 40  # columns 40..79
    window.cleanup_buttons["grow"].click()
    assert window.state.area() == before + 120  # column 39
    window.menu_actions.undo.trigger()
    window.cleanup_buttons["shrink"].click()
    assert window.state.area() == before - 120  # column 40; the frame does not eat the right edge


def test_view_modes_and_uncertain_highlight(make_window, shoot):
    window = make_window([shoot])
    QTest.keyClick(window, Qt.Key.Key_M)
    assert window.display.view_mode == "checker"
    alpha = window.canvas.checker_item.image[..., 3]
    np.testing.assert_array_equal(alpha == 255, ~window.state.mask())
    window.mode_combo.setCurrentIndex(2)  # white
    lut = window.canvas.mask_item.lut
    assert tuple(lut[0]) == (255, 255, 255, 255) and lut[255][3] == 0
    window.mode_combo.setCurrentIndex(0)
    QTest.keyClick(window, Qt.Key.Key_U)
    assert window.display.show_uncertain
    lut = window.canvas.mask_item.lut
    colour = tuple(window.display.overlay_colour)
    assert tuple(lut[128][:3]) != colour and tuple(lut[250][:3]) == colour


def test_brush_size_keys_and_settings_remembered(make_window, shoot):
    window = make_window([shoot])
    window.editor.set_brush_radius(10)
    QTest.keyClick(window, Qt.Key.Key_BracketRight)
    assert window.editor.brush_radius == 12
    QTest.keyClick(window, Qt.Key.Key_BracketLeft)
    QTest.keyClick(window, Qt.Key.Key_BracketLeft)
    assert window.editor.brush_radius == 8
    again = make_window([shoot])
    assert again.editor.brush_radius == 8


def test_gui_import_does_not_import_tensorflow():
    code = "import app.main, app.window.main_window, sys; assert 'tensorflow' not in sys.modules, 'tf imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[3])


def _wheel(widget, pos, delta):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, delta),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_wheel_zooms_around_the_cursor_and_space_drag_pans(make_window, shoot):
    window = make_window([shoot])
    canvas = window.canvas
    zoom = canvas.pixel_size()
    anchor = canvas.image_to_widget(20, 30)
    _wheel(canvas.viewport(), anchor, 240)
    assert canvas.pixel_size() == pytest.approx(zoom * 1.0015 ** 240, rel=0.01)  # two notches: +43 %
    after = canvas.image_to_widget(20, 30)
    assert abs(after.x() - anchor.x()) <= 2 and abs(after.y() - anchor.y()) <= 2  # the pixel under the cursor stays

    state = window.state
    before = canvas.image_to_widget(20, 30)
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    drag(window, [(20, 30), (25, 40)])
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    assert not state.override.any()  # panning paints nothing
    moved = canvas.image_to_widget(20, 30)
    assert moved != before

    canvas.actual_pixels()
    assert canvas.pixel_size() == pytest.approx(1.0, rel=0.02)
    QTest.keyClick(window, Qt.Key.Key_F)
    rect = canvas.view_box.viewRect()
    assert rect.width() >= 80 and rect.height() >= 120  # the whole photo is in view


def test_export_through_the_dialog(make_window, shoot, tmp_path, qtbot, monkeypatch):
    from app.dialogs.export_dialog import ExportDialog

    window = make_window([shoot])
    out = tmp_path / "chosen"

    def fake_exec(dialog):
        assert dialog.folder_edit.text() == str(shoot / "cutouts")  # default beside the shoot
        dialog.folder_edit.setText(str(out))
        dialog.feather_spin.setValue(2)
        dialog.mask_check.setChecked(True)
        dialog.decontaminate_check.setChecked(False)
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", fake_exec)
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        window.menu_actions.export.trigger()
    assert len(list(out.glob("*_cutout.png"))) == 3 and len(list(out.glob("*_mask.png"))) == 3
    alpha = cv2.imread(str(out / "g1_Front_cutout.png"), cv2.IMREAD_UNCHANGED)[..., 3]
    assert 0 < np.count_nonzero((alpha > 0) & (alpha < 255))  # feathered edge
    assert window.settings.export_folder_for(shoot) == out
    window.close()

    asked = []  # the dialog's options come back after a restart, as last accepted

    def look(dialog):
        asked.append((dialog.feather_spin.value(), dialog.mask_check.isChecked(),
                      dialog.decontaminate_check.isChecked(), dialog.folder_edit.text()))
        return ExportDialog.DialogCode.Rejected

    monkeypatch.setattr(ExportDialog, "exec", look)
    make_window([shoot]).menu_actions.export.trigger()
    assert asked == [(2, True, False, str(out))]


def test_a_photo_the_listing_doubted_but_that_reads_whole_loses_its_message(make_window, tmp_path):
    """A PNG without its end chunk looks truncated to the listing's quick check, but all its
    pixel data is there and it reads whole: once its garment is opened, the doubt is gone."""
    folder = _catalogue_with_a_corrupt_b2(tmp_path)
    photo = np.random.default_rng(5).integers(0, 255, (120, 80, 3), dtype=np.uint8)
    (folder / "e5_Front.png").write_bytes(cv2.imencode(".png", photo)[1].tobytes()[:-12])  # no IEND
    window = make_window([folder])
    assert any("e5_Front.png" in m and "looks truncated" in m for m in window.message_panel.messages())
    window.catalogue_panel.list.setCurrentRow(window.catalogue_panel.garment_keys().index("e5"))
    assert window.session.garment_id == "e5" and window.state is not None
    assert not any("e5_Front.png" in m for m in window.message_panel.messages())
