"""The learning loop (issue 13) through the app: an export records how much the
retoucher changed each view, corrections.csv sums it up, and File > Add corrected views
copies the exported views into a training folder that `train` reads as it is."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from core.files.pairs import discover_pairs, load_pair
from core.files.sidecar import Sidecar, view_key
from tests.app.conftest import drag


def _export(window, out, qtbot):
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(out)


def test_an_export_records_the_pixels_changed_and_the_time_on_the_view(make_window, shoot, tmp_path, qtbot):
    window = make_window([shoot])
    model_mask = window.state.mask().copy()  # the model's own mask: nothing edited yet
    window.editor.set_brush_radius(3)
    window.editor.apply_tool("remove")
    drag(window, [(70, 10), (70, 100)])  # remove a strip of the garment side (ramp >= 0.5 right of c=40)
    changed = int((window.state.mask() != model_mask).sum())
    assert changed > 0
    qtbot.wait(30)
    out = tmp_path / "out"
    _export(window, out, qtbot)
    record = Sidecar.for_shoot(shoot).export_record(view_key("g1", "Front"))
    correction = record["correction"]
    assert correction["changed_pixels"] == changed
    assert correction["model_garment_pixels"] == int(model_mask.sum())
    assert correction["model"] == "fake" and correction["model_id"] == "fake-1"
    assert correction["seconds_on_view"] > 0
    untouched = Sidecar.for_shoot(shoot).export_record(view_key("g1", "Back"))["correction"]
    assert untouched["changed_pixels"] == 0 and untouched["seconds_on_view"] == 0
    with open(out / "corrections.csv", newline="") as fh:
        rows = {r["file"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {f"g1_{v}_cutout.png" for v in ("Front", "FrontRight", "Back")}
    assert int(rows["g1_Front_cutout.png"]["changed_pixels"]) == changed
    # Exporting again replaces the rows, it does not add to them.
    _export(window, out, qtbot)
    with open(out / "corrections.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 3


def test_the_time_on_a_view_survives_leaving_the_garment_and_closing_the_app(make_window, tmp_path, qtbot,
                                                                              monkeypatch):
    from tests.app.conftest import front_only_catalogue, write_photo

    folder = front_only_catalogue(tmp_path, seed=3)
    clock = [1000.0]  # the time the controller reads, moved by hand: no sleeping test
    monkeypatch.setattr("app.catalogue.catalogue_controller.time.monotonic", lambda: clock[0])
    window = make_window([folder])
    clock[0] += 40  # 40 s looking at a1
    window.catalogue_panel.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: window.session.garment_id == "b2", timeout=5000)
    clock[0] += 5
    window.close()  # 5 s on b2, then the app closes

    reopened = make_window([folder])
    assert reopened.session.garment_id == "a1"
    assert reopened.session.states["Front"].seconds_on_view == 40.0, "left, then read back from the sidecar"
    clock[0] += 2
    with qtbot.waitSignal(reopened.export_controller.catalogue_exporter.finished_export, timeout=20000):
        assert reopened.export_all(tmp_path / "out")
    sidecar = Sidecar.for_shoot(folder)
    assert sidecar.export_record(view_key("a1", "Front"))["correction"]["seconds_on_view"] == 42.0
    assert sidecar.export_record(view_key("b2", "Front"))["correction"]["seconds_on_view"] == 5.0, \
        "b2 was not open when it was exported"
    from core.files.fingerprint import photo_fingerprint
    from core.files.imageio import read_image

    old = photo_fingerprint(read_image(folder / "b2_Front.png").rgb)
    write_photo(folder / "b2_Front.png", seed=9)  # a re-shot photo starts its own count
    new = photo_fingerprint(read_image(folder / "b2_Front.png").rgb)
    assert sidecar.seconds_on_view(view_key("b2", "Front"), old) == 5.0
    assert sidecar.seconds_on_view(view_key("b2", "Front"), new) == 0.0

def test_add_corrected_views_copies_photo_cutout_and_provenance(make_window, shoot, tmp_path, qtbot):
    window = make_window([shoot])
    window.editor.set_brush_radius(3)
    drag(window, [(10, 10), (10, 100)])  # keep a strip of the background side
    out = tmp_path / "out"
    _export(window, out, qtbot)
    target = tmp_path / "training"
    with qtbot.waitSignal(window.export_controller.training_set.finished_collect, timeout=10000) as blocker:
        assert window.export_controller.add_to_training_set(target)
    report = blocker.args[0]
    assert sorted(report.added) == sorted(f"g1_{v}" for v in ("Front", "FrontRight", "Back"))
    pairs = {p.name: p for p in discover_pairs(target)}  # train reads the folder as it is
    rgb, mask = load_pair(pairs["g1_Front"])
    np.testing.assert_array_equal(rgb, window.session.states["Front"].rgb)
    np.testing.assert_array_equal(mask, window.session.states["Front"].mask())
    assert (target / "images" / "g1_Front.png").read_bytes() == (shoot / "g1_Front.png").read_bytes()
    lines = [json.loads(line) for line in (target / "provenance.jsonl").read_text().splitlines()]
    front = next(row for row in lines if row["name"] == "g1_Front")
    assert front["fingerprint"] == window.session.states["Front"].fingerprint
    assert front["model_id"] == "fake-1" and front["changed_pixels"] > 0
    assert Path(front["photo"]) == (shoot / "g1_Front.png").resolve()


def test_idle_time_on_a_view_is_not_counted_as_work(make_window, tmp_path, qtbot, monkeypatch):
    """A view left open over lunch was recorded as hours of work (wall-clock time on
    screen; found by a helper). Now the time between two inputs counts, each gap at most
    IDLE_GRACE_S."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    from app.catalogue.activity import IDLE_GRACE_S
    from tests.app.conftest import front_only_catalogue

    folder = front_only_catalogue(tmp_path, seed=3)
    clock = [1000.0]
    monkeypatch.setattr("app.catalogue.catalogue_controller.time.monotonic", lambda: clock[0])
    window = make_window([folder])
    a1 = window.session.states["Front"]
    clock[0] += 3600  # an hour away from the desk
    QTest.mouseMove(window.canvas.viewport(), QPoint(20, 20))  # back: a real mouse move
    assert a1.seconds_on_view == IDLE_GRACE_S
    for _ in range(3):  # then working: a move every 10 s
        clock[0] += 10
        QTest.mouseMove(window.canvas.viewport(), QPoint(30 + _, 20))
    assert a1.seconds_on_view == IDLE_GRACE_S + 30
    clock[0] += 5
    window.catalogue_panel.list.setCurrentRow(1)  # leaving it counts the last 5 s
    qtbot.waitUntil(lambda: window.session.garment_id == "b2", timeout=5000)
    window.close()
    reopened = make_window([folder])
    assert reopened.session.states["Front"].seconds_on_view == IDLE_GRACE_S + 35
