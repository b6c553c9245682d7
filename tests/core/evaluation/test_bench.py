"""The benchmark's plumbing at a small size, with a fake predictor (no TensorFlow)."""

from __future__ import annotations

import argparse
import json
from types import SimpleNamespace

import numpy as np
import pytest

from core.cli import bench as bench_cli
from core.evaluation import bench

MASK_KEYS = ("threshold_update_ms", "brush_dab_ms", "undo_stroke_300px_ms")


class FakePredictor:
    def __init__(self, timed: bool = False):
        self.card = SimpleNamespace(name="fake", input_height=48, input_width=32, threshold=0.5)
        self.shapes = []
        if timed:
            self.predict_timed = lambda rgb: (self.predict(rgb), {"infer": 0.001, "upsample": 0.002})

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        self.shapes.append(rgb.shape)
        return (rgb[..., 2] > 100).astype(np.uint8) * 255


def test_run_bench_with_a_fake_predictor():
    predictor = FakePredictor()
    result = bench.run_bench(predictor=predictor, repeats=2, size=(120, 180), mask_runs=3)
    assert result["image"] == "120x180" and result["model"] == "fake" and result["model_error"] is None
    assert predictor.shapes == [(180, 120, 3)] * 3  # warm-up + 2 timed runs, at (H, W) = (180, 120)
    for key in ("seconds_per_view_median", "seconds_per_view_min", "read_image_median_s", "predict_median_s",
                *MASK_KEYS):
        assert result[key] > 0, key
    assert result["seconds_per_view_min"] <= result["seconds_per_view_median"]
    assert "stages_median_s" not in result
    assert result["precision"] == "float32"  # a predictor that does not say is taken as float32
    json.dumps(result, allow_nan=False)


def test_stage_breakdown_when_the_predictor_offers_it():
    predictor = FakePredictor(timed=True)
    predictor.precision = "bfloat16"
    result = bench.run_bench(predictor=predictor, repeats=1, size=(60, 90), mask_runs=1)
    assert result["precision"] == "bfloat16"
    assert result["stages_median_s"] == {"infer": 0.001, "upsample": 0.002}


def test_missing_model_still_times_the_masks(tmp_path):
    result = bench.run_bench(tmp_path / "missing.keras", repeats=1, size=(100, 150), mask_runs=3)
    assert "file not found" in result["model_error"]
    assert "seconds_per_view_median" not in result
    assert all(result[key] > 0 for key in MASK_KEYS)


def test_mask_edits_leave_a_consistent_mask():
    probability = bench._synthetic_probability(200, 300)
    assert probability.shape == (300, 200) and probability.dtype == np.uint8
    figures = bench.bench_masks(probability, runs=2)
    assert set(figures) == set(MASK_KEYS) and all(v > 0 for v in figures.values())


def test_stroke_is_300_px_long():
    points = bench._stroke_points((0.0, 0.0), 300, 5)
    x, y = points[-1]
    assert len(points) == 61
    assert np.hypot(x, y) == pytest.approx(300)


def test_synthetic_view_has_a_garment():
    rgb = bench._synthetic_view(40, 60)
    assert rgb.shape == (60, 40, 3) and rgb.dtype == np.uint8
    assert rgb[30, 20, 2] > 100 and rgb[2, 2, 0] > 180  # blue garment centre, light backdrop


def test_cli_reports_model_error_with_json(tmp_path, capsys, monkeypatch):
    parser = argparse.ArgumentParser()
    bench_cli.add_cli_arguments(parser)
    out = tmp_path / "bench.json"
    args = parser.parse_args(["--model", str(tmp_path / "missing.keras"), "--repeats", "1", "--json-out", str(out)])
    original = bench.run_bench
    # The CLI times the real 1152x1728 size; shrink it so the test stays fast.
    monkeypatch.setattr(bench_cli, "run_bench", lambda *a, **k: original(*a, **{**k, "size": (80, 120), "mask_runs": 2}))
    code = bench_cli.run_cli(args)
    captured = capsys.readouterr()
    assert code == 2
    printed = json.loads(captured.out)
    assert printed["image"] == "80x120" and "file not found" in printed["model_error"]
    assert json.loads(out.read_text()) == printed
    assert "mask timings only" in captured.err
    with pytest.raises(SystemExit):
        parser.parse_args(["--repeats", "0"])
