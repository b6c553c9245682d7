"""A folder of shoots, opened as one catalogue, where each shoot numbers its garments
from g1: every shoot's g1 is listed, opened, corrected and exported as its own garment,
and shoots that number alike never write over each other's cutouts."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.dialogs.export_dialog import ExportDialog
from core.files.sidecar import SIDECAR_DIR
from tests.app.conftest import drag, write_photo

VIEWS = ("Front", "FrontRight", "Back")


@pytest.fixture
def day(tmp_path):
    """day/shoot_a and day/shoot_b, each with its own garment g1 (different photos)."""
    folder = tmp_path / "day"
    for n, name in enumerate(("shoot_a", "shoot_b")):
        (folder / name).mkdir(parents=True)
        for i, view in enumerate(VIEWS):
            write_photo(folder / name / f"g1_{view}.png", seed=10 * n + i)
    return folder


def _photo(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _open_second(window, qtbot):
    window.catalogue_panel.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: window.session.key == "shoot_b/g1" and window.state is not None
                    and window.state.predicted, timeout=5000)


def test_every_shoots_g1_is_listed_and_opens_its_own_photos(make_window, day, qtbot):
    window = make_window([day])  # the day's folder: its shoots are its subfolders
    assert window.catalogue_panel.garment_keys() == ["shoot_a/g1", "shoot_b/g1"]
    assert not any("two files for" in m for m in window.message_panel.messages())
    np.testing.assert_array_equal(window.session.states["Front"].rgb, _photo(day / "shoot_a" / "g1_Front.png"))

    _open_second(window, qtbot)
    np.testing.assert_array_equal(window.session.states["Front"].rgb, _photo(day / "shoot_b" / "g1_Front.png"))
    assert window.windowTitle().startswith("shoot_b/g1")
    assert window.view_strip.garment_label.text() == "shoot_b/g1"


def test_a_correction_stays_with_the_shoot_it_was_made_in(make_window, day, qtbot):
    window = make_window([day])
    _open_second(window, qtbot)
    window.editor.set_brush_radius(3)
    drag(window, [(10, 10), (10, 60)])
    with qtbot.waitSignal(window.autosave.saved, timeout=5000):
        window.autosave.save_now()
    assert window.catalogue_panel.state("shoot_b/g1") == "corrected"
    assert window.catalogue_panel.state("shoot_a/g1") != "corrected"
    window.close()

    assert list((day / "shoot_b" / SIDECAR_DIR).glob("g1_Front*"))
    assert not list((day / "shoot_a" / SIDECAR_DIR).glob("g1_Front.view*")), "nothing saved for shoot a's g1"
    reopened = make_window([day])
    assert not reopened.session.states["Front"].override.any(), "shoot a's g1 is not corrected"


def test_export_all_keeps_them_apart_and_will_not_put_them_in_one_folder(make_window, day, tmp_path, qtbot,
                                                                         monkeypatch):
    window = make_window([day])
    monkeypatch.setattr(ExportDialog, "exec", lambda dialog: ExportDialog.DialogCode.Accepted)  # each its own
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000) as done:
        window.export_controller.export_all_with_dialog(window)
    assert done.args[0].exported == ["shoot_a/g1", "shoot_b/g1"]
    for name in ("shoot_a", "shoot_b"):
        cutout = cv2.imread(str(day / name / "cutouts" / "g1_Front_cutout.png"), cv2.IMREAD_UNCHANGED)
        alpha = cutout[..., 3] > 0
        np.testing.assert_array_equal(cutout[..., 2::-1][alpha], _photo(day / name / "g1_Front.png")[alpha])
        assert window.catalogue_panel.state(f"{name}/g1") == "exported"

    together = tmp_path / "together"

    def one_folder(dialog):
        dialog.each_shoot_check.setChecked(False)
        dialog.folder_edit.setText(str(together))
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", one_folder)
    window.export_controller.export_all_with_dialog(window)
    message = window.message_panel.messages()[-1]
    assert "shoot_a/g1 and shoot_b/g1 would both be written" in message and "nothing was exported" in message
    assert not together.exists() or not list(together.iterdir())
    assert window.settings.export_folder_for(day / "shoot_b") == day / "shoot_b" / "cutouts", "not remembered"


def test_shoots_once_exported_one_at_a_time_into_one_folder_are_offered_their_own(make_window, day, tmp_path, qtbot,
                                                                                 monkeypatch):
    shared = tmp_path / "shared"
    for name in ("shoot_a", "shoot_b"):  # each shoot alone, into the same folder
        alone = make_window([day / name])
        alone.settings.remember_export_folders({day / name: shared})
        alone.close()
    seen = []

    def look(dialog):
        seen.append(dialog.destinations_label.text().splitlines())
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", look)
    window = make_window([day])
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000) as done:
        window.export_controller.export_all_with_dialog(window)
    assert seen == [[f"shoot_a → {day / 'shoot_a' / 'cutouts'}", f"shoot_b → {day / 'shoot_b' / 'cutouts'}"]]
    assert done.args[0].exported == ["shoot_a/g1", "shoot_b/g1"]
    assert len(list((day / "shoot_b" / "cutouts").glob("g1_*_cutout.png"))) == 3


def test_a_shoot_exported_alone_into_a_folder_holding_another_shoots_g1_writes_nothing_over_it(make_window, day,
                                                                                              tmp_path, qtbot):
    shared = tmp_path / "shared"
    window_a = make_window([day / "shoot_a"])
    with qtbot.waitSignal(window_a.export_finished, timeout=10000):
        assert window_a.export(shared)
    window_a.close()
    before = {p.name: p.read_bytes() for p in shared.iterdir()}

    window_b = make_window([day / "shoot_b"])
    assert window_b.export(shared)
    qtbot.waitUntil(lambda: not window_b.export_controller.garment_exporter.running, timeout=10000)
    assert {p.name: p.read_bytes() for p in shared.iterdir()} == before, "shoot a's cutouts untouched"
    messages = " ".join(window_b.message_panel.messages())
    assert "g1_Front_cutout.png" in messages and "is the cutout of another photo" in messages
    assert window_b.catalogue_panel.state("g1") != "exported" and not window_b.state.exported


def test_a_refused_export_does_not_become_the_shoots_export_folder(make_window, day, qtbot):
    window = make_window([day])
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000):
        assert window.export_all(None)  # each shoot into cutouts/ beside it
    window.close()
    own, other = day / "shoot_b" / "cutouts", day / "shoot_a" / "cutouts"

    alone = make_window([day / "shoot_b"])
    assert alone.state.exported
    with qtbot.waitSignal(alone.export_controller.catalogue_exporter.finished_export, timeout=20000) as done:
        assert alone.export_all(other)  # shoot a's cutouts are there: every view refused
    assert done.args[0].written == [] and "nothing was written" in " ".join(alone.message_panel.messages())
    assert alone.settings.export_folder_for(day / "shoot_b") == own, "still where its cutouts are"
    assert alone.export(other)
    qtbot.waitUntil(lambda: not alone.export_controller.garment_exporter.running, timeout=10000)
    assert alone.settings.export_folder_for(day / "shoot_b") == own
    assert alone.state.exported, "its cutouts in its own folder are as valid as before"
    alone.close()
    assert make_window([day / "shoot_b"]).state.exported
