"""core.files.training_set and `garment-cutout collect`: only views exported from the
photo as it is now are added; adding again replaces; corrections.csv rows by file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.files.corrections_report import read_report, update_report
from core.files.export import export_view
from core.files.shoots import discover
from core.files.sidecar import Sidecar, view_key
from core.files.training_set import add_corrected_views
from core.masks.compose import correction_stats

ROOT = Path(__file__).resolve().parents[3]


def _shoot(folder: Path) -> Path:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for view in ("Front", "Back"):
        cv2.imwrite(str(folder / f"g1_{view}.png"), rng.integers(0, 255, (40, 30, 3), dtype=np.uint8))
    return folder


def _export(shoot: Path, out: Path, views=("Front", "Back")) -> None:
    out.mkdir(exist_ok=True)
    sidecar = Sidecar.for_shoot(shoot)
    for view in views:
        photo = shoot / f"g1_{view}.png"
        rgb = cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB)
        mask = np.zeros((40, 30), bool)
        mask[10:30, 5:25] = True
        files = export_view(rgb, mask, out, "g1", view, source_path=photo)
        sidecar.record_export(view_key("g1", view), files[0], photo, {"model_id": "m1", "changed_pixels": 7})


def test_correction_stats_count_the_pixels_changed_from_the_models_own_mask():
    probability = np.array([[0, 100, 200, 255]], np.uint8)  # model at 0.5 (cut 128): [F, F, T, T]
    final = np.array([[True, False, False, True]])
    assert correction_stats(probability, 0.5, final) == {
        "changed_pixels": 2, "model_garment_pixels": 2, "changed_share": 1.0}


def test_only_views_exported_from_the_photo_as_it_is_are_added(tmp_path):
    shoot = _shoot(tmp_path / "shoot")
    out = tmp_path / "out"
    _export(shoot, out, views=("Front",))
    target = tmp_path / "train"
    report = add_corrected_views(discover([shoot]).garments, out, target)
    assert report.added == ["g1_Front"] and len(report.skipped) == 1 and "g1_Back" in report.skipped[0]
    assert (target / "cutouts" / "g1_Front_cutout.png").read_bytes() == (out / "g1_Front_cutout.png").read_bytes()
    row = json.loads((target / "provenance.jsonl").read_text())
    assert row["name"] == "g1_Front" and row["model_id"] == "m1" and row["changed_pixels"] == 7
    # A re-shoot under the same name: the old export no longer belongs to this photo.
    cv2.imwrite(str(shoot / "g1_Front.png"), np.full((40, 30, 3), 9, np.uint8))
    again = add_corrected_views(discover([shoot]).garments, out, target)
    assert again.added == [] and any("g1_Front" in line for line in again.skipped)
    assert len((target / "provenance.jsonl").read_text().splitlines()) == 1  # the earlier line stays


def test_each_shoot_is_looked_up_in_its_own_export_folder(tmp_path):
    shoot = _shoot(tmp_path / "shoot")
    out = tmp_path / "out"
    _export(shoot, out)
    garments = discover([shoot]).garments
    folder = garments[0].folder
    wrong = add_corrected_views(garments, {folder: tmp_path / "other"}, tmp_path / "t1")
    assert wrong.added == [] and all("not exported into" in line for line in wrong.skipped)
    never = add_corrected_views(garments, {}, tmp_path / "t2")
    assert never.added == [] and all("never exported" in line for line in never.skipped)
    right = add_corrected_views(garments, {folder: out}, tmp_path / "t3")
    assert sorted(right.added) == ["g1_Back", "g1_Front"]


def test_collect_command_prints_a_summary_and_fills_a_training_folder(tmp_path):
    shoot = _shoot(tmp_path / "shoot")
    out = tmp_path / "out"
    _export(shoot, out)
    target = tmp_path / "train"
    run = subprocess.run([sys.executable, "-m", "core.cli", "collect", str(shoot), "--export", str(out),
                          "--to", str(target)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["added"] == 2
    assert sorted(p.name for p in (target / "images").iterdir()) == ["g1_Back.png", "g1_Front.png"]
    # Adding twice replaces the files and the lines.
    subprocess.run([sys.executable, "-m", "core.cli", "collect", str(shoot), "--export", str(out),
                    "--to", str(target)], cwd=ROOT, check=True, capture_output=True)
    assert len((target / "provenance.jsonl").read_text().splitlines()) == 2
    bad = subprocess.run([sys.executable, "-m", "core.cli", "collect", str(tmp_path / "nowhere"), "--export",
                          str(out), "--to", str(target)], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr


def test_corrections_report_replaces_rows_by_file(tmp_path):
    update_report(tmp_path, [{"file": "a_cutout.png", "garment": "a", "changed_pixels": 5}])
    update_report(tmp_path, [{"file": "a_cutout.png", "garment": "a", "changed_pixels": 9},
                             {"file": "b_cutout.png", "garment": "b", "changed_pixels": 1}])
    rows = read_report(tmp_path)
    assert set(rows) == {"a_cutout.png", "b_cutout.png"} and rows["a_cutout.png"]["changed_pixels"] == "9"


def test_shoots_that_number_their_garments_alike_both_reach_the_training_set(tmp_path):
    a = _shoot(tmp_path / "day" / "a")
    b = tmp_path / "day" / "b"
    b.mkdir()
    rng = np.random.default_rng(1)  # other photos than a's
    for view in ("Front", "Back"):
        cv2.imwrite(str(b / f"g1_{view}.png"), rng.integers(0, 255, (40, 30, 3), dtype=np.uint8))
    for shoot in (a, b):
        _export(shoot, shoot / "cutouts")
    garments = discover([tmp_path / "day"]).garments
    assert [g.key for g in garments] == ["a/g1", "b/g1"]
    target = tmp_path / "train"
    folders = {a: a / "cutouts", b: b / "cutouts"}
    report = add_corrected_views(garments, folders, target)
    assert sorted(report.added) == ["b_g1_Back", "b_g1_Front", "g1_Back", "g1_Front"]
    assert (target / "images" / "g1_Front.png").read_bytes() == (a / "g1_Front.png").read_bytes()
    assert (target / "images" / "b_g1_Front.png").read_bytes() == (b / "g1_Front.png").read_bytes()
    assert (target / "cutouts" / "b_g1_Front_cutout.png").read_bytes() == \
        (b / "cutouts" / "g1_Front_cutout.png").read_bytes()

    again = add_corrected_views([garments[1]], folders, target)  # b alone, added again
    assert sorted(again.added) == ["b_g1_Back", "b_g1_Front"], "it keeps the name it was added under"
    rows = [json.loads(line) for line in (target / "provenance.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and {r["photo"] for r in rows} == {str(p.resolve()) for s in (a, b) for p in s.glob("*.png")}


def test_a_shoot_and_export_moved_together_are_still_collected_and_a_correction_since_is_not(tmp_path):
    """The export records name the old places; `cp -a job job2` used to give 'not exported
    into job2/out from this photo' for every view (found by a helper)."""
    import shutil

    from core.common.errors import ExportError

    job = tmp_path / "job"
    shoot = _shoot(job / "shoot")
    _export(shoot, job / "out")
    moved = tmp_path / "job2"
    shutil.copytree(job, moved)
    report = add_corrected_views(discover([moved / "shoot"]).garments, moved / "out", tmp_path / "train")
    assert sorted(report.added) == ["g1_Back", "g1_Front"] and report.skipped == []
    row = [json.loads(line) for line in (tmp_path / "train" / "provenance.jsonl").read_text().splitlines()][0]
    assert row["cutout"] == str(moved / "out" / "g1_Back_cutout.png")

    Sidecar.for_shoot(moved / "shoot").save_view(view_key("g1", "Front"), 0.5, np.ones((40, 30), np.uint8))
    other = moved / "out" / "g1_Back_cutout.png"  # and Back's cutout replaced by another photo's
    cv2.imwrite(str(other), np.dstack([np.zeros((40, 30, 3), np.uint8), np.full((40, 30), 255, np.uint8)]))
    again = add_corrected_views(discover([moved / "shoot"]).garments, moved / "out", tmp_path / "train2")
    assert again.added == [] and sorted(again.skipped) == [
        f"g1_Back: not exported into {moved / 'out'} from this photo",
        f"g1_Front: not exported into {moved / 'out'} from this photo"], again.skipped

    with pytest.raises(ExportError, match="does not exist"):
        add_corrected_views(discover([moved / "shoot"]).garments, tmp_path / "nowhere", tmp_path / "train3")
    assert not (tmp_path / "train3").exists(), "nothing made for a collect that cannot run"


def test_a_replaced_photo_with_the_old_size_and_time_is_not_paired_with_the_old_cutout(tmp_path):
    """The export record's stamps are a stat: another photo of the same byte size, with the
    old modification time copied over, passed them, and collect put the old cutout beside
    the new photo (a correction on a photo it was not made on; found by a helper)."""
    import os

    shoot = _shoot(tmp_path / "shoot")
    out = tmp_path / "out"
    _export(shoot, out, views=("Front",))
    photo = shoot / "g1_Front.png"
    stat = photo.stat()
    other = np.random.default_rng(5).integers(0, 255, (40, 30, 3), dtype=np.uint8)
    data = cv2.imencode(".png", other)[1].tobytes()
    assert len(data) <= stat.st_size
    photo.write_bytes(data + b"\0" * (stat.st_size - len(data)))  # PNG readers stop at IEND
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert photo.stat().st_size == stat.st_size and photo.stat().st_mtime_ns == stat.st_mtime_ns
    report = add_corrected_views(discover([shoot]).garments, out, tmp_path / "train")
    assert report.added == []
    assert any("g1_Front" in line and "not the one its cutout was made from" in line for line in report.skipped)
    assert not list((tmp_path / "train" / "images").iterdir())


def test_a_full_disk_adds_a_photo_with_its_cutout_or_neither(tmp_path, small_disk):
    """On a real full tmpfs: the photo was written before its cutout, so a disk that filled
    in between left a photo with no cutout, and train and evaluate then refused the whole
    training folder (found by a helper). Now both or neither, and the folder stays usable."""
    import contextlib
    import os

    from core.evaluation.evaluate import find_pairs

    target = small_disk("256k")
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    rng = np.random.default_rng(0)
    for view in ("Front", "Back"):  # photos that compress badly: ~30 kB each
        cv2.imwrite(str(shoot / f"g1_{view}.png"), rng.integers(0, 255, (100, 100, 3), dtype=np.uint8))
    out = tmp_path / "out"
    out.mkdir()
    sidecar = Sidecar.for_shoot(shoot)
    for view in ("Front", "Back"):
        photo = shoot / f"g1_{view}.png"
        files = export_view(cv2.imread(str(photo))[..., ::-1], np.ones((100, 100), bool), out, "g1", view,
                            source_path=photo)
        sidecar.record_export(view_key("g1", view), files[0], photo)
    add_corrected_views(discover([shoot]).garments, out, target)  # makes images/, cutouts/
    for sub in ("images", "cutouts"):
        for f in (target / sub).iterdir():
            f.unlink()

    def size(view, kind):
        return (shoot / f"g1_{view}.png" if kind == "photo" else out / f"g1_{view}_cutout.png").stat().st_size

    # Room for the Front's photo and cutout, then the Back's photo, not its cutout.
    room = size("Front", "photo") + size("Front", "cutout") + size("Back", "photo") + size("Back", "cutout") // 2
    free = os.statvfs(target).f_bavail * os.statvfs(target).f_frsize
    with contextlib.suppress(OSError), open(target / "filler", "wb") as fh:
        fh.write(b"x" * (free - room))
    report = add_corrected_views(discover([shoot]).garments, out, target)
    assert report.added == ["g1_Front"], report.skipped  # listed first, it fits; the Back does not
    assert any("g1_Back" in line and "No space left on device" in line for line in report.skipped)
    photos = sorted(p.stem for p in (target / "images").iterdir())
    cutouts = sorted(p.name.removesuffix("_cutout.png") for p in (target / "cutouts").iterdir())
    assert photos == cutouts == sorted(report.added)
    assert not [p for p in target.rglob("*") if ".tmp" in p.name]
    assert len(find_pairs(target)) == len(report.added)  # the folder still reads
