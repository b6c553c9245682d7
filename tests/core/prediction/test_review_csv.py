"""`predict`'s review.csv, written by core.prediction.batch_cutout with a stand-in
predictor and a fitted triage: one row per view written, estimates from the maps, rows
of earlier runs kept, written atomically (no temporary left)."""

from __future__ import annotations

import csv

import cv2
import numpy as np

from core.evaluation.triage import Triage
from core.prediction.batch_cutout import REVIEW_COLUMNS, cutout_files, gather_inputs


class BlobPredictor:
    """A sure square (p = 1) for black photos, a doubtful one (p = 0.55) for the rest."""

    threshold = 0.5

    def predict_many(self, images, batch_size=4):
        out = []
        for rgb in images:
            p = np.zeros(rgb.shape[:2], np.uint8)
            h, w = p.shape
            p[h // 4: 3 * h // 4, w // 4: 3 * w // 4] = 255 if rgb[0, 0, 0] == 0 else 140
            out.append(p)
        return out


TRIAGE = Triage(("log_band_per_area",), (-3.0,), (1.0,), (2.0,), 0.0, 0.5)


def _photo(path, clean: bool):
    cv2.imwrite(str(path), np.full((40, 30, 3), 0 if clean else 9, np.uint8))


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_review_csv_lists_each_view_with_its_estimate(tmp_path):
    shoot = tmp_path / "in"
    shoot.mkdir()
    _photo(shoot / "G1_Front.png", clean=True)
    _photo(shoot / "G1_Back.png", clean=False)
    _photo(shoot / "loose.png", clean=True)
    out = tmp_path / "out"
    out.mkdir()
    files, _ = gather_inputs([shoot])
    result = cutout_files(files, BlobPredictor(), out, triage=TRIAGE)
    assert not result.failures
    rows = _rows(out / "review.csv")
    assert tuple(rows[0]) == REVIEW_COLUMNS
    by_file = {r[0].rsplit("/", 1)[-1]: r for r in rows[1:]}
    assert sorted(by_file) == ["G1_Back.png", "G1_Front.png", "loose.png"]
    assert by_file["G1_Front.png"][1:3] == ["G1", "Front"] and by_file["loose.png"][1:3] == ["loose", ""]
    clean, doubtful = float(by_file["G1_Front.png"][3]), float(by_file["G1_Back.png"][3])
    assert clean < 0.5 <= doubtful
    assert by_file["G1_Front.png"][4] == "no" and by_file["G1_Back.png"][4] == "yes"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_later_run_keeps_the_other_rows_and_replaces_its_own(tmp_path):
    _photo(tmp_path / "a.png", clean=True)
    _photo(tmp_path / "b.png", clean=False)
    out = tmp_path / "out"
    out.mkdir()
    cutout_files([tmp_path / "a.png", tmp_path / "b.png"], BlobPredictor(), out, triage=TRIAGE)
    _photo(tmp_path / "b.png", clean=True)  # b re-shot, predicted again on its own
    cutout_files([tmp_path / "b.png"], BlobPredictor(), out, triage=TRIAGE)
    rows = _rows(out / "review.csv")[1:]
    assert [r[0].rsplit("/", 1)[-1] for r in rows] == ["a.png", "b.png"]
    assert rows[1][4] == "no"


def test_without_a_triage_the_views_are_listed_without_estimates(tmp_path):
    _photo(tmp_path / "a.png", clean=True)
    out = tmp_path / "out"
    out.mkdir()
    cutout_files([tmp_path / "a.png"], BlobPredictor(), out)
    assert _rows(out / "review.csv")[1][1:] == ["a", "", "", ""]


def test_an_unreadable_photo_gets_no_row(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"junk")
    _photo(tmp_path / "a.png", clean=True)
    out = tmp_path / "out"
    out.mkdir()
    result = cutout_files([tmp_path / "a.png", tmp_path / "bad.png"], BlobPredictor(), out, triage=TRIAGE)
    assert result.failures and len(_rows(out / "review.csv")) == 2


def test_an_interrupted_run_keeps_the_review_lines_of_the_cutouts_it_wrote(tmp_path):
    """Interrupted, predict left its finished cutouts but no review.csv for them (found by a helper)."""
    import pytest

    from core.common.errors import Cancelled

    shoot = tmp_path / "in"
    shoot.mkdir()
    for name in ("a_Front.png", "b_Front.png", "c_Front.png"):
        _photo(shoot / name, clean=True)
    out = tmp_path / "out"
    out.mkdir()
    files, _ = gather_inputs([shoot])
    asked = []

    def cancelled():  # Ctrl+C (or Stop) after the first photo is written
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(Cancelled):
        cutout_files(files, BlobPredictor(), out, triage=TRIAGE, batch_size=1, cancelled=cancelled)
    assert sorted(p.name for p in out.glob("*_cutout.png")) == ["a_Front_cutout.png"]
    assert [r[0].rsplit("/", 1)[-1] for r in _rows(out / "review.csv")[1:]] == ["a_Front.png"]


def test_a_disk_that_fills_before_the_review_costs_the_review_alone(tmp_path, small_disk):
    """A real tmpfs that fills up after the cutouts are written: the run ends with the
    cutouts, a failure line for review.csv and no half-written file (a full disk there
    used to end the whole command with an error that did not say the cutouts were
    written: found by a helper)."""
    import contextlib

    out = small_disk("64k")
    shoot = tmp_path / "in"
    shoot.mkdir()
    _photo(shoot / "G1_Front.png", clean=True)

    def fill_the_disk(done, total):
        with contextlib.suppress(OSError), open(out / "filler", "wb") as fh:
            while True:
                fh.write(b"x" * 1024)
                fh.flush()

    result = cutout_files(gather_inputs([shoot])[0], BlobPredictor(), out, triage=TRIAGE, progress=fill_the_disk)
    assert [p.name for p in result.written] == ["G1_Front_cutout.png"]
    assert cv2.imread(str(out / "G1_Front_cutout.png"), cv2.IMREAD_UNCHANGED).shape == (40, 30, 4)
    assert len(result.failures) == 1 and "review.csv" in result.failures[0]
    assert "No space left on device" in result.failures[0] and "cutouts" in result.failures[0]
    assert sorted(p.name for p in out.iterdir()) == ["G1_Front_cutout.png", "filler"]


SIGTERMED_PREDICT = r"""
import sys, time
import numpy as np
import core.prediction.predictor as predictor_module
from core.cli.main import main

class SlowBlobs:  # the real command line, a stand-in model that takes a second a photo
    threshold = 0.5
    card = type("Card", (), {"triage": {}, "training": {}})()

    def predict_many(self, images, batch_size=4):
        time.sleep(1.0)
        out = []
        for rgb in images:
            p = np.zeros(rgb.shape[:2], np.uint8)
            p[10:30, 8:22] = 255
            out.append(p)
        return out

predictor_module.Predictor.load = staticmethod(lambda path: SlowBlobs())
sys.exit(main(["predict", sys.argv[1], "--out", sys.argv[2], "--batch-size", "1"]))
"""


def test_a_sigterm_mid_run_is_taken_like_ctrl_c(tmp_path):
    """A real SIGTERM (a kill, a scheduler) to `garment-cutout predict`: the cutouts written
    stay whole with their review.csv rows, one line says so, exit status 143. It used to
    end at once, silently, without review.csv (found by a helper)."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    shoot, out = tmp_path / "in", tmp_path / "out"
    shoot.mkdir()
    for i in range(8):
        _photo(shoot / f"g{i}_Front.png", clean=True)
    child = subprocess.Popen([sys.executable, "-c", SIGTERMED_PREDICT, str(shoot), str(out)],
                             cwd=Path(__file__).resolve().parents[3], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.glob("*_cutout.png")) and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 143, stderr
    assert "terminated" in stderr and "Traceback" not in stderr
    written = sorted(p.name.removesuffix("_cutout.png") for p in out.glob("*_cutout.png"))
    assert 1 <= len(written) < 8
    for name in written:
        assert cv2.imread(str(out / f"{name}_cutout.png"), cv2.IMREAD_UNCHANGED).shape == (40, 30, 4)
    assert sorted(r[0].rsplit("/", 1)[-1].removesuffix(".png") for r in _rows(out / "review.csv")[1:]) == written
