"""`evaluate` scores the card's triage estimate against true Dice: AUROC, Brier score,
reliability and the operating point's figures, on maps whose answers are worked out here."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from core.evaluation import evaluate as evaluation
from core.files.imageio import write_png

TRIAGE = {"features": ["log_band_per_area"], "mean": [0.0], "scale": [1.0], "weights": [1.0], "intercept": 0.0,
          "operating_point": 0.1, "dice_target": 0.97}


class MapPredictor:
    """Probability = the photo's grey level."""

    def __init__(self, triage=None):
        self.card = SimpleNamespace(threshold=0.5, name="map-model", triage=triage or {})

    def predict(self, rgb):
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def _square(rows=(10, 26)):
    m = np.zeros((40, 40), np.uint8)
    m[rows[0]:rows[1], 10:26] = 255
    return m


@pytest.fixture
def data_dir(tmp_path):
    """Three perfect views (band 0), two with a doubtful flap the truth lacks (Dice 0.8,
    128 band px) and one confidently wrong (the truth 4 rows lower, Dice 0.75, band 0)."""
    root = tmp_path / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    flap = _square()
    flap[26:34, 10:26] = 140
    cases = {"g1": (_square(), _square()), "g2": (_square(), _square()), "g3": (_square(), _square()),
             "d1": (flap, _square()), "d2": (flap, _square()), "c1": (_square(), _square((14, 30)))}
    for name, (probability, truth) in cases.items():
        write_png(root / "images" / f"{name}.png", np.dstack([probability] * 3))
        write_png(root / "masks" / f"{name}.png", truth)
    return root


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_evaluate_reports_the_estimates_auroc_and_calibration(data_dir, tmp_path):
    summary = evaluation.evaluate(data_dir, MapPredictor(TRIAGE), report_dir=tmp_path / "report", gallery_size=0)
    by_name = {r.name: r for r in summary.results}
    assert by_name["d1"].dice == pytest.approx(0.8) and by_name["c1"].dice == pytest.approx(0.75)
    sure, doubtful = _sigmoid(math.log(1 / 257)), _sigmoid(math.log(129 / 385))
    assert by_name["g1"].estimate == pytest.approx(sure) and by_name["d2"].estimate == pytest.approx(doubtful)
    triage = summary.triage
    # Positives d1, d2, c1; negatives g1..g3. d1 and d2 outrank all three (6 pairs), c1 ties
    # with all three (1.5): 7.5 / 9.
    assert triage["auroc"] == pytest.approx(7.5 / 9, abs=1e-4)
    assert triage["baseline_auroc"] == pytest.approx(7.5 / 9, abs=1e-4)
    expected_brier = (3 * sure ** 2 + (1 - sure) ** 2 + 2 * (1 - doubtful) ** 2) / 6
    assert triage["brier"] == pytest.approx(expected_brier, abs=1e-4)
    assert triage["views"] == 6 and triage["needing_review"] == 3
    # At 0.1 the four sure views pass: one of them (c1) needed review; every fine view passed.
    assert triage["passed"] == 4 and triage["missed_share"] == 0.25 and triage["fine_passed_share"] == 1.0
    assert [b["views"] for b in triage["reliability"]] == [4, 2]
    line = json.loads(summary.to_json_line())
    assert line["triage_auroc"] == triage["auroc"] and line["triage_missed_share"] == 0.25
    saved = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert saved["triage"]["auroc"] == triage["auroc"]
    rows = (tmp_path / "report" / "per_image.csv").read_text().splitlines()
    assert rows[0].endswith("triage_estimate,triage_baseline") and len(rows) == 7


def test_without_a_triage_only_the_baseline_is_scored(data_dir):
    summary = evaluation.evaluate(data_dir, MapPredictor())
    assert summary.triage["baseline_auroc"] == pytest.approx(7.5 / 9, abs=1e-4)
    assert "auroc" not in summary.triage and "no triage" in summary.triage["note"]
    assert all(r.estimate is None for r in summary.results)
    assert "triage_auroc" not in json.loads(summary.to_json_line())


def test_evaluation_with_the_triage_is_deterministic(data_dir):
    first = evaluation.evaluate(data_dir, MapPredictor(TRIAGE)).triage
    assert evaluation.evaluate(data_dir, MapPredictor(TRIAGE)).triage == first
