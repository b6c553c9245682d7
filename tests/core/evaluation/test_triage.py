"""core.evaluation.triage and triage_fit: features on synthetic maps, the logistic fit,
the operating point, AUROC / Brier / reliability on inputs whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation import triage as tri
from core.evaluation import triage_fit as fit


def _blob(h: int = 400, w: int = 300, soft_px: float = 2.0) -> np.ndarray:
    """An ellipse garment with a soft edge `soft_px` wide: (h, w) uint8 probability."""
    yy, xx = np.mgrid[:h, :w]
    r = np.sqrt(((yy - h / 2) / (0.35 * h)) ** 2 + ((xx - w / 2) / (0.3 * w)) ** 2)
    distance = (1.0 - r) * 0.3 * w  # about pixels inside the edge
    return np.clip(np.round(255 / (1 + np.exp(-distance / soft_px * 4))), 0, 255).astype(np.uint8)


def _noisy(seed: int = 0) -> np.ndarray:
    """The same blob, with a wide doubtful band, doubtful patches and specks."""
    rng = np.random.default_rng(seed)
    p = _blob(soft_px=12.0).astype(np.float32)
    patch = np.zeros_like(p)
    patch[60:140, 40:120] = 1
    p = np.where(patch > 0, 120 + 40 * rng.random(p.shape), p)
    specks = rng.random(p.shape) < 0.002
    p[specks] = 255
    return np.clip(p, 0, 255).astype(np.uint8)


def test_a_clean_blob_ranks_better_than_a_noisy_one():
    clean, noisy = tri.view_features(_blob()), tri.view_features(_noisy())
    assert set(clean) == set(tri.FEATURE_NAMES)
    for name in ("log_band_per_area", "log_far_band_per_area", "log_core_band_per_area", "self_dice_gap",
                 "log_components", "log_specks", "band_per_edge"):
        assert noisy[name] > clean[name], name
    assert clean["log_components"] == 0.0 and clean["log_holes"] == 0.0 and clean["largest_share"] == 1.0
    assert clean["border_share"] == 0.0
    assert tri.baseline_score(_noisy()) > tri.baseline_score(_blob())


def test_features_do_not_depend_much_on_the_photo_size():
    # The map is measured at a working size: the same garment at 2x keeps its features.
    small = tri.view_features(_blob(800, 600, 4.0))
    big = tri.view_features(_blob(1600, 1200, 8.0))
    for name in ("log_band_per_area", "band_per_edge", "area_fraction", "self_dice_gap"):
        assert big[name] == pytest.approx(small[name], abs=0.15), name


def test_empty_and_full_maps_have_finite_features():
    for value in (0, 255):
        features = tri.view_features(np.full((50, 40), value, np.uint8))
        assert all(np.isfinite(v) for v in features.values())
    with pytest.raises(ValueError, match="uint8"):
        tri.view_features(np.zeros((5, 5), np.float32))


def test_auroc_brier_and_reliability_on_known_inputs():
    assert fit.auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert fit.auroc([0.5, 0.5], [0, 1]) == pytest.approx(0.5)  # ties count half
    assert fit.auroc([0.2, 0.3], [1, 1]) is None
    assert fit.brier([1.0, 0.0, 0.5], [1, 0, 1]) == pytest.approx(0.25 / 3)
    bins = fit.reliability_bins([0.05, 0.15, 0.9, 0.95], [0, 1, 1, 1], bins=5)
    assert bins == [{"from": 0.0, "to": 0.2, "views": 2, "mean_estimate": 0.1, "share_needing_review": 0.5},
                    {"from": 0.8, "to": 1.0, "views": 2, "mean_estimate": 0.925, "share_needing_review": 1.0}]


def test_operating_point_passes_the_most_views_within_the_missed_share():
    estimates = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.5, 0.9]
    labels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    point = fit.choose_operating_point(estimates, labels, 0.1)
    # Eleven passed, one of them needing review (9 %); twelve would be 2 of 12 (17 %).
    assert point == pytest.approx(0.7)
    figures = fit.operating_figures(estimates, labels, point)
    assert figures["passed"] == 11 and figures["missed_share"] == pytest.approx(1 / 11, abs=1e-4)
    assert figures["fine_passed_share"] == 1.0
    assert fit.choose_operating_point(estimates, labels, 0.05) == pytest.approx(0.095)  # the nine fine ones
    assert fit.choose_operating_point([0.1, 0.2], [1, 0], 0.05) == 0.0  # no cut qualifies


def _synthetic_views(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    dice = 0.97 + 0.02 * np.tanh(-(1.5 * x[:, 0] + 0.2 * rng.normal(size=n)))
    return x, dice


def test_fit_is_deterministic_and_separates_what_it_can():
    x, dice = _synthetic_views(80, 1)
    first = fit.fit_triage(x, dice, ("log_band_per_area", "self_dice_gap"), l2=1.0)
    again = fit.fit_triage(x, dice, ("log_band_per_area", "self_dice_gap"), l2=1.0)
    assert first == again
    assert first.weights[0] > abs(first.weights[1])  # the informative column carries the weight
    assert first.fit["leave_one_out_auroc"] > 0.9
    x_test, dice_test = _synthetic_views(200, 2)
    report = fit.triage_report(first.estimate_matrix(x_test), dice_test, first.operating_point,
                               baseline=x_test[:, 1])
    assert report["auroc"] > 0.9 and 0.3 < report["baseline_auroc"] < 0.7
    assert report["views"] == 200 and report["missed_share"] <= 0.15


def test_triage_round_trips_and_refuses_unknown_features():
    x, dice = _synthetic_views(40, 3)
    triage = fit.fit_triage(x, dice, ("log_band_per_area", "log_far_band_per_area"), fitted_on="synthetic")
    copy = tri.Triage.from_dict(triage.to_dict())
    probability = _noisy()
    assert copy.estimate(probability) == pytest.approx(triage.estimate(probability), abs=1e-6)
    assert 0.0 <= copy.estimate(probability) <= 1.0
    data = triage.to_dict()
    data["features"] = ["log_band_per_area", "not_a_feature"]
    with pytest.raises(ValueError, match="not_a_feature"):
        tri.Triage.from_dict(data)
