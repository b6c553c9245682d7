"""Issue 10's faults, injected for real in the app: a photo replaced under its saved
corrections, a full disk while autosaving, a second process on the same shoot, a model
that does not load."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.common.errors import ModelLoadError
from core.files.sidecar import SIDECAR_DIR
from tests.app.conftest import drag, front_only_catalogue, write_photo

REPO = Path(__file__).resolve().parents[3]


def _correct_and_save(window, qtbot):
    window.editor.set_brush_radius(3)
    window.editor.apply_tool("remove")
    drag(window, [(70, 10), (70, 60)])
    with qtbot.waitSignal(window.autosaved, timeout=5000):
        pass
    return window.state.override.copy()


def test_corrections_of_a_replaced_photo_are_not_applied_and_the_user_is_told(make_window, shoot, qtbot):
    window = make_window([shoot])
    assert _correct_and_save(window, qtbot).any()
    window.close()
    write_photo(shoot / "g1_Front.png", seed=99)  # a re-shoot: same name, same size
    reopened = make_window([shoot])
    assert not reopened.session.states["Front"].override.any()  # starts clean
    messages = " ".join(reopened.message_panel.messages())
    assert "not the one its saved corrections were made on" in messages
    assert list((shoot / SIDECAR_DIR).glob("g1_Front.view.npz.other-photo*"))  # kept, not lost


def test_export_all_holds_back_a_garment_whose_photo_changed_under_its_corrections(make_window, tmp_path, qtbot):
    folder = front_only_catalogue(tmp_path, seed=1)
    window = make_window([folder])
    window.catalogue_panel.list.setCurrentRow(1)  # b2: correct it, then go back to a1
    qtbot.waitUntil(lambda: window.state is not None and window.state.predicted and window.session.garment_id == "b2",
                    timeout=5000)
    _correct_and_save(window, qtbot)
    window.catalogue_panel.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: window.session.garment_id == "a1", timeout=5000)
    write_photo(folder / "b2_Front.png", seed=50)  # replaced while the catalogue is open
    out = tmp_path / "out"
    out.mkdir()
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000) as done:
        assert window.export_all(out)
    assert not (out / "b2_Front_cutout.png").exists() and (out / "a1_Front_cutout.png").exists()
    assert any("b2" in line and "could not be applied" in line for line in window.message_panel.messages())
    assert done.args[0]  # a1's files


@pytest.fixture
def shoot_on_a_small_disk(tmp_path, monkeypatch):
    """The shoot on a real 2 MB tmpfs where this machine allows mounting one (else a
    full disk injected at the sidecar's write); yields (folder, fill(), free())."""
    mount = tmp_path / "disk"
    mount.mkdir()
    real = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                                                capture_output=True).returncode == 0
    full = {"on": False}
    if not real:
        import core.files.sidecar as sidecar

        original = sidecar.write_bytes_atomic

        def maybe_full(path, data):
            if full["on"]:
                from core.common.errors import ExportError
                raise ExportError(f"cannot write {path}: {os.strerror(errno.ENOSPC)}")
            original(path, data)
        monkeypatch.setattr(sidecar, "write_bytes_atomic", maybe_full)
    folder = mount / "shoot"
    folder.mkdir()
    for i, view in enumerate(("Front", "FrontRight", "Back")):
        write_photo(folder / f"g1_{view}.png", seed=i)

    def fill():
        full["on"] = True
        if real:
            with contextlib.suppress(OSError), open(mount / "filler", "wb") as fh:
                while True:
                    fh.write(b"x" * 65536)
                    fh.flush()

    def free():
        full["on"] = False
        with contextlib.suppress(FileNotFoundError):
            (mount / "filler").unlink()

    try:
        yield folder, fill, free
    finally:
        if real:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_keeps_every_change_retries_and_closing_asks(make_window, shoot_on_a_small_disk, qtbot,
                                                                  monkeypatch):
    folder, fill, free = shoot_on_a_small_disk
    window = make_window([folder])
    fill()
    window.editor.set_brush_radius(3)
    window.editor.apply_tool("remove")
    noisy = [(int(x), int(y)) for x, y in np.random.default_rng(0).integers(5, 75, (40, 2))]
    drag(window, noisy)  # a stroke whose override compresses badly
    edited = window.state.override.copy()
    qtbot.waitUntil(lambda: window.autosave.failure is not None, timeout=5000)
    assert "No space left on device" in window.autosave.failure
    assert window.autosave.dirty == {"Front"}  # not dropped as if saved
    assert window.status_bar.save_warning.isVisible()
    window.message_box.close()

    asked = []
    monkeypatch.setattr(window, "confirm_discard", lambda unsaved, reason: asked.append(unsaved) or False)
    window.close()
    assert asked == [["g1 Front"]] and window.isVisible()  # the user said Cancel: nothing closed

    free()
    with qtbot.waitSignal(window.autosaved, timeout=15000):
        pass  # the retry, a few seconds later
    assert not window.autosave.dirty and not window.status_bar.save_warning.isVisible()
    window.hide()
    reopened = make_window([folder])
    np.testing.assert_array_equal(reopened.session.states["Front"].override, edited)


HOLDER = r"""
import sys, time
from core.files.shoot_lock import ShootLock
from core.files.sidecar import Sidecar
lock = ShootLock(Sidecar.for_shoot(sys.argv[1]).root)
print("held" if lock.acquire() is None else "refused", flush=True)
time.sleep(120)
"""


def test_a_second_window_on_one_shoot_is_told_and_overwrites_nothing(make_window, shoot, qtbot):
    first = make_window([shoot])
    saved = _correct_and_save(first, qtbot)
    first.close()  # the first window gives the shoot up; another process takes it
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(shoot)], cwd=REPO, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"held"
        window = make_window([shoot])
        assert "already open in another Garment Cutout window" in window.message_box.text()
        assert f"process {holder.pid}" in window.message_box.text()
        window.message_box.close()
        view_file = next((shoot / SIDECAR_DIR).glob("g1_Front.view.npz"))
        before = view_file.read_bytes()
        np.testing.assert_array_equal(window.state.override, saved)  # reading is fine
        window.editor.apply_tool("keep")
        drag(window, [(20, 20), (20, 50)])
        qtbot.waitUntil(lambda: window.autosave.failure is not None, timeout=5000)
        assert view_file.read_bytes() == before  # the other window's file is untouched
        assert window.autosave.dirty == {"Front"}
        window.confirm_discard = lambda unsaved, reason: True  # the user lets them go at teardown's close
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)


def test_a_model_that_fails_to_load_is_not_remembered(qtbot, shoot, fake_predictor, tmp_path):
    from app.window.main_window import MainWindow

    broken = tmp_path / "broken.keras"

    def factory(path):
        if path == broken:
            raise ModelLoadError(path, "not a readable Keras model")
        return fake_predictor

    window = MainWindow(predictor_factory=factory)
    qtbot.addWidget(window)
    window.show()
    window.open_paths([shoot])
    with qtbot.waitSignal(window.predictions_finished, timeout=10000):
        window.start()
    window.model_controller.load_model(broken)
    qtbot.waitUntil(lambda: window.message_box is not None and "broken.keras" in window.message_box.text(),
                    timeout=5000)
    assert "The model in use stays" in window.message_box.text()
    assert window.settings.model_path == ""  # the next start opens the model that worked
    assert window.predictor is fake_predictor and window.menu_actions.export.isEnabled()


def test_exported_means_exported_from_these_photos_into_that_folder(make_window, tmp_path, qtbot):
    import shutil

    folder = front_only_catalogue(tmp_path, seed=3)
    window = make_window([folder])
    out = tmp_path / "out"
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000):
        assert window.export_all(out)
    window.close()
    assert make_window([folder]).catalogue_panel.state("b2") == "exported"
    copy = tmp_path / "copy-of-catalogue"
    shutil.copytree(folder, copy)  # sidecar included, the export folder setting unchanged
    fresh = make_window([copy], wait=False)
    assert [fresh.catalogue_panel.state(g) for g in ("a1", "b2")] != ["exported", "exported"]
    assert fresh.catalogue_panel.state("b2") != "exported"


def test_a_stroke_undone_is_not_listed_as_corrected_and_leaves_the_threshold_to_the_model(make_window, tmp_path,
                                                                                          qtbot):
    folder = front_only_catalogue(tmp_path, seed=4)
    window = make_window([folder])
    _correct_and_save(window, qtbot)
    window.editor.undo_group.undo()  # back to the model's own mask: saved clean
    with qtbot.waitSignal(window.autosaved, timeout=5000):
        pass
    assert not window.state.override.any()
    window.catalogue_panel.list.setCurrentRow(1)  # a1 is listed from its files now
    qtbot.waitUntil(lambda: window.session.garment_id == "b2", timeout=5000)
    window.close()

    reopened = make_window([folder])
    assert reopened.catalogue_panel.state("b2") == "predicted"
    reopened.catalogue_panel.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: reopened.session.garment_id == "b2", timeout=5000)
    assert reopened.catalogue_panel.state("a1") == "predicted", "its saved file holds no correction"
    reopened.catalogue_panel.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: reopened.session.garment_id == "a1", timeout=5000)
    assert not reopened.state.corrected and not reopened.state.threshold_changed


def test_a_view_saved_without_a_chosen_threshold_takes_a_new_models(tmp_path):
    from app.document.garment_session import GarmentSession
    from core.files.shoots import discover
    from core.files.sidecar import Sidecar, view_key

    write_photo(tmp_path / "g1_Front.png", seed=5)
    garment = discover([tmp_path]).garments[0]
    session = GarmentSession.open(garment, 0.5)
    state = session.states["Front"]
    state.override[5:9, 5:9] = 1  # a brush correction; the threshold is the model's 0.5
    state.set_override(state.override)
    session.save_view("Front")
    assert Sidecar.for_shoot(tmp_path).holds_correction(view_key("g1", "Front"))

    again = GarmentSession.open(garment, 0.3)  # another model, whose own threshold is 0.3
    assert again.states["Front"].threshold == 0.3 and again.states["Front"].override[6, 6] == 1
    again.states["Front"].set_threshold(0.7)
    again.states["Front"].threshold_changed = True  # the retoucher chose 0.7
    again.save_view("Front")
    assert GarmentSession.open(garment, 0.3).states["Front"].threshold == 0.7
