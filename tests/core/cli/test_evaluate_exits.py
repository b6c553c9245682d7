"""`evaluate` and `robot` say so in their exit status when pairs were skipped, and
`evaluate` finds a report folder it cannot use before it evaluates anything."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from core.cli.main import main
from core.common import paths

needs_model = pytest.mark.skipif(not paths.DEFAULT_MODEL.is_file(), reason="bundled model missing")


def _data_with_a_pair_of_the_wrong_size(tmp_path):
    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    (data / "masks").mkdir()
    for name in ("a", "b"):
        cv2.imwrite(str(data / "images" / f"{name}.png"), np.full((96, 64, 3), 120, np.uint8))
    cv2.imwrite(str(data / "masks" / "a.png"), np.full((96, 64), 255, np.uint8))
    cv2.imwrite(str(data / "masks" / "b.png"), np.full((10, 10), 255, np.uint8))  # not the photo's size
    return data


@needs_model
@pytest.mark.parametrize("command", ["evaluate", "robot"])
def test_a_skipped_pair_is_an_error_line_and_exit_one(tmp_path, capsys, command):
    """Both exited 0 with figures over fewer pairs than asked for (found by a helper)."""
    assert main([command, "--data", str(_data_with_a_pair_of_the_wrong_size(tmp_path))]) == 1
    captured = capsys.readouterr()
    assert "error: skipped b:" in captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary.get("failed", summary.get("skipped")) == 1


def test_a_report_folder_that_is_a_file_is_refused_before_the_model_loads(tmp_path, capsys, monkeypatch):
    import core.prediction.predictor as predictor_module

    monkeypatch.setattr(predictor_module.Predictor, "load", lambda *a, **k: pytest.fail("the model was loaded"))
    blocker = tmp_path / "report"
    blocker.write_text("a file")
    assert main(["evaluate", "--data", str(_data_with_a_pair_of_the_wrong_size(tmp_path)),
                 "--report", str(blocker)]) == 2
    assert f"report folder {blocker} is a file" in capsys.readouterr().err


def test_a_run_that_fails_on_its_data_leaves_no_report_folder(tmp_path, capsys):
    report = tmp_path / "reports" / "today"
    assert main(["evaluate", "--data", str(tmp_path / "no-data"), "--report", str(report)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists(), "the folders it made for the report are taken back"


@needs_model
def test_a_report_on_a_full_disk_still_prints_the_figures(tmp_path, capsys, small_disk):
    """A real tmpfs that the report's gallery fills: the summary line and the skipped pairs
    are printed all the same, and one line says the report is incomplete (only
    "cannot write ... worst/01_a.png" was printed, the figures lost: found by a helper)."""
    report = small_disk("16k")
    data = _data_with_a_pair_of_the_wrong_size(tmp_path)
    rng = np.random.default_rng(0)  # a photo that compresses badly, so its gallery image cannot fit
    cv2.imwrite(str(data / "images" / "a.png"), rng.integers(0, 255, (96, 64, 3), dtype=np.uint8))
    assert main(["evaluate", "--data", str(data), "--report", str(report)]) == 2
    captured = capsys.readouterr()
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["n"] == 1 and summary["failed"] == 1
    assert "error: skipped b:" in captured.err
    assert "report" in captured.err and "incomplete" in captured.err and "No space left" in captured.err
