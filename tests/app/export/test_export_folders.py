"""Each shoot remembers its own export folder; the view buttons say "exported" as soon
as an export ends and again on reopening; the export dialog tells a view's own refine edge."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.dialogs.export_dialog import ExportDialog
from app.settings import AppSettings
from app.widgets.view_strip import view_state_word
from tests.app.conftest import drag, front_only_catalogue, write_photo

VIEWS = ("Front", "FrontRight", "Back")


def _words(window) -> list[str]:
    return [window.view_strip.buttons[v].text().split()[-1] for v in VIEWS]


def test_the_view_buttons_say_exported_at_once_and_after_reopening(make_window, shoot, tmp_path, qtbot):
    window = make_window([shoot])
    assert _words(window) == ["predicted"] * 3
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(tmp_path / "out")
    assert _words(window) == ["exported"] * 3, "without waiting for a view switch"
    window.close()

    reopened = make_window([shoot])
    assert all(s.exported for s in reopened.session.states.values())
    assert _words(reopened) == ["exported"] * 3
    assert reopened.catalogue_panel.state("g1") == "exported"

    reopened.editor.set_brush_radius(3)
    drag(reopened, [(10, 10), (10, 60)])  # a correction: that cutout is out of date now
    assert view_state_word(reopened.state, False) != "exported"
    assert _words(reopened)[0] != "exported" and _words(reopened)[1:] == ["exported"] * 2


def test_a_cutout_in_another_folder_is_not_this_exports(make_window, shoot, tmp_path, qtbot):
    window = make_window([shoot])
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(tmp_path / "out")
    window.close()
    window.settings.remember_export_folders({shoot: tmp_path / "elsewhere"})
    reopened = make_window([shoot])
    assert not any(s.exported for s in reopened.session.states.values())
    assert "exported" not in _words(reopened)


def test_each_shoot_remembers_its_own_export_folder(tmp_path):
    settings = AppSettings()
    a, b = tmp_path / "a", tmp_path / "b"
    assert settings.export_folder_for(a) is None
    settings.remember_export_folders({a: tmp_path / "out_a"})
    settings.remember_export_folders({b: tmp_path / "out_b"})
    again = AppSettings()  # what the next start of the app reads
    assert again.export_folder_for(a) == tmp_path / "out_a"
    assert again.export_folder_for(tmp_path / "b" / ".." / "b") == tmp_path / "out_b"
    assert again.export_folder_for(tmp_path / "c") is None


def _second_shoot(tmp_path):
    folder = tmp_path / "shoot_b"
    folder.mkdir()
    for i, view in enumerate(("Front", "FrontRight", "Back")):
        write_photo(folder / f"h2_{view}.png", seed=10 + i)
    return folder


def test_another_shoot_is_not_offered_the_last_shoots_folder(make_window, shoot, tmp_path, qtbot, monkeypatch):
    offered = []

    def accept(dialog):
        offered.append(dialog.folder_edit.text())
        return ExportDialog.DialogCode.Rejected

    monkeypatch.setattr(ExportDialog, "exec", accept)
    window = make_window([shoot])
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(tmp_path / "out_a")
    window.close()

    other = _second_shoot(tmp_path)
    window_b = make_window([other])
    window_b.export_controller.export_with_dialog(window_b)
    assert offered[-1] == str(other / "cutouts"), "shoot b's own folder, not shoot a's"
    with qtbot.waitSignal(window_b.export_finished, timeout=10000):
        assert window_b.export(tmp_path / "out_b")
    window_b.close()

    window_a = make_window([shoot])  # still exported: exporting b elsewhere changed nothing for a
    assert _words(window_a) == ["exported"] * 3
    window_a.export_controller.export_with_dialog(window_a)
    assert offered[-1] == str(tmp_path / "out_a")


def test_the_dialog_leaves_a_views_own_refine_edge_and_its_decontaminate_choice(make_window, shoot, tmp_path,
                                                                                  qtbot, monkeypatch):
    pytest.importorskip("pymatting")
    from core.masks.adjustments import EdgeAdjustments

    window = make_window([shoot])
    window.editor.set_adjustments(EdgeAdjustments(refine=4))
    out = tmp_path / "out"

    def keep_views_own_no_decontamination(dialog):
        assert dialog.refine_spin.value() == 0 and dialog.refine_spin.text() == "each view's own"
        assert dialog.decontaminate_check.isEnabled()
        dialog.folder_edit.setText(str(out))
        dialog.decontaminate_check.setChecked(False)
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", keep_views_own_no_decontamination)
    with qtbot.waitSignal(window.export_finished, timeout=60000):
        window.export_controller.export_with_dialog(window)
    cutout = cv2.imread(str(out / "g1_Front_cutout.png"), cv2.IMREAD_UNCHANGED)
    alpha = cutout[..., 3]
    soft = (alpha > 0) & (alpha < 255)
    assert soft.any(), "the view's own 4 px refine edge was applied"
    photo = window.session.states["Front"].rgb
    np.testing.assert_array_equal(cutout[..., 2::-1][alpha > 0], photo[alpha > 0])  # colours left as shot


def test_a_threshold_change_drops_exported_from_that_views_button_at_once(make_window, shoot, tmp_path, qtbot):
    from PySide6.QtCore import Qt

    window = make_window([shoot])
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(tmp_path / "out")
    assert _words(window) == ["exported"] * 3
    qtbot.keyClick(window.canvas, Qt.Key.Key_Period)
    assert not window.state.exported
    assert _words(window) == ["corrected", "exported", "exported"], "not only at the next view switch"


def test_the_view_buttons_thumbnail_follows_a_threshold_change_once_it_is_saved(make_window, shoot, qtbot):
    window = make_window([shoot])
    before = window.view_strip.thumbnails["Front"].copy()
    window.threshold_panel.slider.setValue(30)  # most of the ramp becomes garment
    with qtbot.waitSignal(window.autosave.saved, timeout=5000):
        window.autosave.save_now()
    assert not np.array_equal(window.view_strip.thumbnails["Front"], before)
    assert _words(window)[0] == "corrected"


def test_export_all_sends_each_shoot_to_its_own_folder_unless_one_is_chosen(make_window, shoot, tmp_path, qtbot,
                                                                            monkeypatch):
    other = _second_shoot(tmp_path)
    window = make_window([shoot, other])
    window.settings.remember_export_folders({shoot: tmp_path / "out_a"})  # a's last export; b has none
    seen = {}

    def accept_defaults(dialog):
        seen["each"], seen["folder_enabled"] = dialog.each_shoot_check.isChecked(), dialog.folder_edit.isEnabled()
        seen["destinations"] = dialog.destinations_label.text().splitlines()
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept_defaults)
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000) as done:
        window.export_controller.export_all_with_dialog(window)
    assert seen == {"each": True, "folder_enabled": False,
                    "destinations": [f"{shoot.name} → {tmp_path / 'out_a'}", f"shoot_b → {other / 'cutouts'}"]}
    assert {p.name for p in (tmp_path / "out_a").glob("*_cutout.png")} == {f"g1_{v}_cutout.png" for v in VIEWS}
    assert {p.name for p in (other / "cutouts").glob("*_cutout.png")} == {f"h2_{v}_cutout.png" for v in VIEWS}
    assert done.args[0].exported == ["g1", "h2"]
    assert window.settings.export_folder_for(shoot) == tmp_path / "out_a"
    assert window.settings.export_folder_for(other) == other / "cutouts"
    assert window.catalogue_panel.state("h2") == "exported"

    def one_folder(dialog):
        dialog.each_shoot_check.setChecked(False)
        assert dialog.folder_edit.isEnabled()
        dialog.folder_edit.setText(str(tmp_path / "together"))
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", one_folder)
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000):
        window.export_controller.export_all_with_dialog(window)
    assert len(list((tmp_path / "together").glob("*_cutout.png"))) == 6
    assert window.settings.export_folder_for(other) == tmp_path / "together"

    asked = []
    monkeypatch.setattr(ExportDialog, "exec", lambda dialog: asked.append(dialog.each_shoot_check.isChecked())
                        or ExportDialog.DialogCode.Rejected)
    window.export_controller.export_all_with_dialog(window)
    assert asked == [False], "the next Export all asks as the last one was answered"


def test_a_catalogue_of_one_shoot_is_not_asked_about_shoots(make_window, shoot, monkeypatch):
    seen = []

    def look(dialog):
        seen.append((dialog.each_shoot_check.isChecked(), dialog.each_shoot_check.parent() is None))
        return ExportDialog.DialogCode.Rejected

    monkeypatch.setattr(ExportDialog, "exec", look)
    window = make_window([shoot])
    window.export_controller.export_all_with_dialog(window)
    assert seen == [(False, True)]


def test_export_all_refuses_all_when_one_shoots_folder_will_not_do_and_names_that_shoot(make_window, shoot, tmp_path):
    other = _second_shoot(tmp_path)
    window = make_window([shoot, other])
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    window.settings.remember_export_folders({other: blocker})
    assert not window.export_all(None)
    message = window.message_panel.messages()[-1]
    assert str(blocker) in message and "shoot_b" in message and "nothing was exported" in message
    assert not list(shoot.rglob("*_cutout.png")), "shoot a's cutouts are held back too"
    assert window.settings.export_folder_for(shoot) is None


def test_a_stroke_undone_after_an_export_leaves_the_view_exported_now_and_after_reopening(make_window, tmp_path,
                                                                                          qtbot):
    folder = front_only_catalogue(tmp_path, seed=6)
    window = make_window([folder])
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000):
        assert window.export_all(tmp_path / "out")
    assert window.state.exported
    window.editor.set_brush_radius(3)
    drag(window, [(10, 10), (10, 60)])
    assert not window.state.exported, "the cutout is stale now"
    window.editor.undo_group.undo()
    assert window.state.exported, "back to the mask the cutout was made from"
    with qtbot.waitSignal(window.autosave.saved, timeout=5000):
        window.autosave.save_now()
    window.catalogue_panel.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: window.session.garment_id == "b2", timeout=5000)
    assert window.catalogue_panel.state("a1") == "exported"
    drag(window, [(10, 10), (10, 60)])  # b2: a stroke kept, saved
    with qtbot.waitSignal(window.autosave.saved, timeout=5000):
        window.autosave.save_now()
    window.close()

    reopened = make_window([folder])
    assert reopened.catalogue_panel.state("a1") == "exported" and reopened.state.exported
    assert reopened.catalogue_panel.state("b2") == "corrected"


def test_a_garment_export_stopped_by_one_view_remembers_the_folder_its_other_views_went_to(make_window, shoot,
                                                                                           tmp_path, qtbot):
    from core.files.export import export_view

    out = tmp_path / "delivery"
    out.mkdir()
    rgb = np.zeros((120, 80, 3), np.uint8)
    # Another photo's Back cutout is already there: that view is refused, the others are not.
    export_view(rgb, np.ones((120, 80), bool), out, "g1", "Back", source_path=tmp_path / "elsewhere" / "g1_Back.png")
    window = make_window([shoot])
    assert window.export(out)
    qtbot.waitUntil(lambda: not window.export_controller.garment_exporter.running, timeout=10000)
    assert (out / "g1_Front_cutout.png").is_file() and "another photo" in window.message_panel.messages()[-1]
    assert window.settings.export_folder_for(shoot) == out, "where its Front and FrontRight now are"
    window.close()
    reopened = make_window([shoot])
    assert [reopened.session.states[v].exported for v in VIEWS] == [True, True, False]
