"""File > Export all garments: every garment of a catalogue, opened or not, predicted or not."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.common.errors import GarmentCutoutError
from core.masks import compose
from tests.app.conftest import FakePredictor, drag, ramp, write_photo


@pytest.fixture
def catalogue(tmp_path) -> Path:
    """a1: three views, b2: Front and Back, c3: Front only; all 120 x 80."""
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for gid, views in (("a1", ("Front", "FrontRight", "Back")), ("b2", ("Front", "Back")), ("c3", ("Front",))):
        for i, view in enumerate(views):
            write_photo(folder / f"{gid}_{view}.png", seed=i)
    return folder


def _alpha(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.shape == (120, 80, 4), path
    return image[..., 3]


def _export_all(window, qtbot, out, **kwargs):
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000) as blocker:
        assert window.export_all(out, **kwargs)
    return blocker.args[0]


def test_exports_every_garment_with_its_saved_corrections(make_window, catalogue, tmp_path, qtbot, fake_predictor):
    window = make_window([catalogue])
    window.editor.set_brush_radius(2)
    # b2: a saved threshold and a remove stroke, then left (autosaved on the way out).
    window.catalogue_panel.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: window.state is not None and window.state.predicted, timeout=5000)
    qtbot.waitUntil(lambda: all(s.predicted for s in window.session.states.values()), timeout=5000)
    window.threshold_panel.slider.setValue(200)
    window.editor.apply_tool("remove")
    drag(window, [(70, 10), (70, 60)])
    b2_override = window.session.states["Front"].override.copy()
    assert (b2_override == compose.REMOVE).any()
    window.catalogue_panel.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: window.state is not None and window.state.predicted, timeout=5000)
    # a1 (on screen): a keep stroke not yet autosaved; it is exported as on screen.
    window.editor.apply_tool("keep")
    drag(window, [(10, 10), (10, 60)])
    a1_mask = window.state.mask()
    calls = fake_predictor.calls  # a1 and b2 were predicted; c3 never was

    out = tmp_path / "out"
    report = _export_all(window, qtbot, out, write_mask=True)
    assert fake_predictor.calls == calls + 1  # only c3 needed the model
    assert report.exported == ["a1", "b2", "c3"] and report.failures == []
    names = sorted(p.name for p in out.iterdir() if p.name != "corrections.csv")
    assert (out / "corrections.csv").is_file()  # the learning loop's report beside the cutouts
    views = {"a1": ("Front", "FrontRight", "Back"), "b2": ("Front", "Back"), "c3": ("Front",)}
    assert names == sorted(f"{g}_{v}_{k}.png" for g, vs in views.items() for v in vs for k in ("cutout", "mask"))

    np.testing.assert_array_equal(_alpha(out / "a1_Front_cutout.png") > 0, a1_mask)
    expected_b2 = compose.compose_mask(ramp(120, 80), 200 / 255, b2_override)
    np.testing.assert_array_equal(_alpha(out / "b2_Front_cutout.png") > 0, expected_b2)
    np.testing.assert_array_equal(_alpha(out / "b2_Back_cutout.png") > 0, ramp(120, 80) >= 128)  # its own threshold
    np.testing.assert_array_equal(_alpha(out / "c3_Front_cutout.png") > 0, ramp(120, 80) >= 128)  # card default 0.5
    assert [window.catalogue_panel.state(g) for g in ("a1", "b2", "c3")] == ["exported"] * 3
    assert window.catalogue_panel.summary.text() == "3 garments, 3 exported"
    assert not window.status_bar.progress_bar.isVisible()

    # c3's probability was cached by the export: opening it is instant.
    window.catalogue_panel.list.setCurrentRow(2)
    qtbot.waitUntil(lambda: window.state is not None and window.state.predicted, timeout=5000)
    assert fake_predictor.calls == calls + 1


def test_failures_are_listed_and_the_other_garments_exported(make_window, catalogue, tmp_path, qtbot):
    (catalogue / "b2_Front.png").write_bytes(b"\x89PNG\r\n\x1a\n not a png")
    write_photo(catalogue / "d4_Front.png", h=60, w=40)
    write_photo(catalogue / "d4_Back.png", h=60, w=40)

    class PickyPredictor(FakePredictor):
        def predict(self, rgb, progress=None, cancelled=None):
            if rgb.shape[1] == 40:
                raise GarmentCutoutError("the model ran out of memory")
            return super().predict(rgb)

    window = make_window([catalogue], predictor=PickyPredictor())
    out = tmp_path / "out"
    report = _export_all(window, qtbot, out)
    assert report.exported == ["a1", "c3"]
    assert len(report.failures) == 2
    assert "b2 Front" in report.failures[0] and "b2_Front.png" in report.failures[0]
    assert report.failures[1].startswith("d4: not exported") and "out of memory" in report.failures[1]
    names = sorted(p.name for p in out.iterdir() if p.name != "corrections.csv")
    # b2's readable Back view is written; d4 has no file at all (its masks are made before any write).
    assert names == sorted(["a1_Front_cutout.png", "a1_FrontRight_cutout.png", "a1_Back_cutout.png",
                            "b2_Back_cutout.png", "c3_Front_cutout.png"])
    assert report.partly == ["b2"]
    assert window.message_box is not None
    text = window.message_box.text()
    assert text.startswith(f"Exported 2 of 4 garments, 1 in part (5 files) to {out}") and "Not exported (2)" in text
    assert all(line in window.message_panel.messages() for line in report.failures)
    assert window.catalogue_panel.state("b2") != "exported" and window.catalogue_panel.state("d4") == "not started"
    window.message_box.close()


def test_cancel_stops_between_garments_and_leaves_only_complete_files(make_window, catalogue, tmp_path, qtbot):
    gate = threading.Event()

    class SlowPredictor(FakePredictor):
        def predict(self, rgb, progress=None, cancelled=None):
            if self.calls >= 3:  # a1 (on screen) is predicted at once; the export waits on b2
                gate.wait(5)
            return super().predict(rgb)

    window = make_window([catalogue], predictor=SlowPredictor())
    out = tmp_path / "out"
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000) as blocker:
        assert window.export_all(out)
        assert window.status_bar.cancel_button.isVisible()
        qtbot.waitUntil(lambda: (out / "a1_Back_cutout.png").exists(), timeout=5000)
        window.status_bar.cancel_button.click()
        gate.set()
    report = blocker.args[0]
    assert report.exported == ["a1"]
    assert sorted(p.name for p in out.iterdir() if p.name != "corrections.csv") == ["a1_Back_cutout.png", "a1_FrontRight_cutout.png",
                                                    "a1_Front_cutout.png"]  # no temporary leftovers
    assert "cancelled" in window.statusBar().currentMessage()
    assert not window.status_bar.progress_bar.isVisible()
    assert window.catalogue_panel.state("b2") == "not started"


def test_export_all_through_the_file_menu(make_window, catalogue, tmp_path, qtbot, monkeypatch):
    from app.dialogs.export_dialog import ExportDialog

    window = make_window([catalogue])
    assert window.menu_actions.export_all.isEnabled()
    out = tmp_path / "chosen"

    def fake_exec(dialog):
        assert dialog.windowTitle() == "Export all 3 garments"
        dialog.folder_edit.setText(str(out))
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", fake_exec)
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000):
        window.menu_actions.export_all.trigger()
    assert len(list(out.glob("*_cutout.png"))) == 6
    assert window.settings.export_folder_for(catalogue) == out


def test_export_all_waits_for_the_model(qtbot, catalogue, tmp_path):
    from app.window.main_window import MainWindow

    window = MainWindow(predictor_factory=lambda _p: FakePredictor())
    qtbot.addWidget(window)
    window.show()
    window.open_paths([catalogue])
    assert not window.menu_actions.export_all.isEnabled()
    assert not window.export_all(tmp_path / "out")
    assert "model is still loading" in window.message_box.text()
    window.message_box.close()
    with qtbot.waitSignal(window.model_loaded, timeout=5000):
        window.start()
    assert window.menu_actions.export_all.isEnabled()


def test_an_edit_made_during_the_export_keeps_the_garment_unexported(make_window, catalogue, tmp_path, qtbot):
    gate = threading.Event()

    class SlowPredictor(FakePredictor):
        def predict(self, rgb, progress=None, cancelled=None):
            if self.calls >= 3:
                gate.wait(5)
            return super().predict(rgb)

    window = make_window([catalogue], predictor=SlowPredictor())
    window.editor.set_brush_radius(1)
    with qtbot.waitSignal(window.export_controller.catalogue_exporter.finished_export, timeout=20000) as blocker:
        assert window.export_all(tmp_path / "out")
        drag(window, [(5, 5), (5, 9)])  # after the snapshot: not in a1's files
        gate.set()
    assert blocker.args[0].exported == ["a1", "b2", "c3"]
    assert not window.session.states["Front"].exported and window.session.states["Back"].exported
    assert window.catalogue_panel.state("a1") == "corrected"
    assert window.catalogue_panel.state("b2") == "exported"


def test_export_all_names_the_garments_that_lack_a_view(make_window, catalogue, tmp_path, qtbot):
    window = make_window([catalogue])
    report = _export_all(window, qtbot, tmp_path / "out")
    assert report.missing_views == {"b2": ["FrontRight"], "c3": ["FrontRight", "Back"]}
    assert sorted(report.exported) == ["a1", "b2", "c3"]  # what they have is exported
    shown = window.status_bar.currentMessage()
    assert "2 lack a view" in shown and "b2: FrontRight" in shown and "c3: FrontRight, Back" in shown
    assert any("c3: no FrontRight, Back photo" in m for m in window.message_panel.messages())


def test_a_garment_whose_only_photo_will_not_open_is_not_said_to_export_the_views_it_has(make_window, catalogue,
                                                                                         tmp_path, qtbot):
    whole = (catalogue / "c3_Front.png").read_bytes()
    (catalogue / "c3_Front.png").write_bytes(whole[: len(whole) // 2])  # truncated: c3 has nothing to export
    window = make_window([catalogue])
    report = _export_all(window, qtbot, tmp_path / "out")
    assert report.missing_views == {"b2": ["FrontRight"]}
    assert any(line.startswith("c3 Front: not exported") for line in report.failures)
    assert not any("c3: no FrontRight" in m for m in window.message_panel.messages())
    assert not list((tmp_path / "out").glob("c3_*"))


def test_a_garment_whose_photos_will_not_open_stays_unreadable_through_estimates_and_export(make_window, catalogue,
                                                                                            fake_predictor, tmp_path,
                                                                                            qtbot):
    from core.evaluation.triage import Triage

    fake_predictor.card.triage = Triage(("log_band_per_area",), (0.0,), (1.0,), (4.0,), 0.0, 0.5).to_dict()
    whole = (catalogue / "c3_Front.png").read_bytes()
    (catalogue / "c3_Front.png").write_bytes(whole[: len(whole) // 2])  # truncated: "open it to check" at listing
    window = make_window([catalogue])
    panel = window.catalogue_panel
    qtbot.waitUntil(lambda: panel.state("c3") == "unreadable", timeout=10000)  # found by the background estimate
    assert panel.estimate("c3") is None
    _export_all(window, qtbot, tmp_path / "out")
    assert panel.state("c3") == "unreadable", "not 'not started' after the export"
