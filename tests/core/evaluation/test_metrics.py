"""Metric maths on tiny masks whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from core.evaluation import metrics


def _mask(shape: tuple[int, int], pixels: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for r, c in pixels:
        mask[r, c] = True
    return mask


def _square(shape: tuple[int, int], top: int, left: int, size: int = 3) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[top : top + size, left : left + size] = True
    return mask


# pred {(0,0),(0,1)}, true {(0,1),(1,1),(2,2)}: one shared pixel, three disagreements.
PRED = _mask((3, 3), [(0, 0), (0, 1)])
TRUE = _mask((3, 3), [(0, 1), (1, 1), (2, 2)])


def test_dice_iou_accuracy_by_hand():
    assert metrics.dice(PRED, TRUE) == pytest.approx(2 * 1 / (2 + 3))
    assert metrics.iou(PRED, TRUE) == pytest.approx(1 / 4)
    assert metrics.pixel_accuracy(PRED, TRUE) == pytest.approx(6 / 9)


def test_empty_masks():
    empty = np.zeros((3, 3), bool)
    assert metrics.dice(empty, empty) == 1.0
    assert metrics.iou(empty, empty) == 1.0
    assert metrics.dice(empty, TRUE) == 0.0
    assert metrics.dice(TRUE, empty) == 0.0
    assert metrics.iou(TRUE, empty) == 0.0


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="shape"):
        metrics.dice(np.zeros((3, 3), bool), np.zeros((3, 4), bool))


def test_mask_edges_are_the_ring_of_a_square():
    square = _square((5, 5), 1, 1)
    edges = metrics.mask_edges(square)
    expected = square.copy()
    expected[2, 2] = False
    np.testing.assert_array_equal(edges, expected)
    # The frame is not an edge: a full mask has none.
    assert not metrics.mask_edges(np.ones((4, 4), bool)).any()


def test_boundary_f_shifted_square():
    # Two 3x3 squares one column apart: their 8-pixel rings share 4 pixels
    # ((1,2),(1,3),(3,2),(3,3)), and every ring pixel is 1 px from the other ring.
    true = _square((5, 6), 1, 1)
    pred = _square((5, 6), 1, 2)
    assert metrics.boundary_f_score(pred, true, tolerance_px=0) == pytest.approx(0.5)
    assert metrics.boundary_f_score(pred, true, tolerance_px=1) == pytest.approx(1.0)


def test_boundary_f_stray_pixel_costs_precision_only():
    # A stray pixel at (5,5) is sqrt(8) ~ 2.83 px from the ring's corner (3,3):
    # precision 8/9, recall 1, F = 2 * (8/9) / (8/9 + 1) = 16/17 at 2 px; 1.0 at 3 px.
    true = _square((7, 7), 1, 1)
    pred = true.copy()
    pred[5, 5] = True
    assert metrics.boundary_f_score(pred, true, tolerance_px=2) == pytest.approx(16 / 17)
    assert metrics.boundary_f_score(pred, true, tolerance_px=3) == pytest.approx(1.0)
    assert metrics.boundary_f_score(true, pred, tolerance_px=2) == pytest.approx(16 / 17)


def test_boundary_f_empty_and_full():
    empty = np.zeros((5, 5), bool)
    full = np.ones((5, 5), bool)
    square = _square((5, 5), 1, 1)
    assert metrics.boundary_f_score(empty, empty) == 1.0
    assert metrics.boundary_f_score(full, full) == 1.0
    assert metrics.boundary_f_score(full, empty) == 0.0
    assert metrics.boundary_f_score(square, empty) == 0.0
    assert metrics.boundary_f_score(empty, square) == 0.0


def test_cut_value_and_binarise():
    assert metrics.cut_value(0.5) == 128  # 127.5 rounds up: p >= 0.5
    assert metrics.cut_value(0.2) == 51  # 51.000000000000004 must not become 52
    assert metrics.cut_value(0.0) == 0
    assert metrics.cut_value(1.0) == 255
    assert metrics.cut_value(1.5) == 256
    prob = np.array([[0, 127], [128, 255]], np.uint8)
    np.testing.assert_array_equal(metrics.binarise(prob, 0.5), [[False, False], [True, True]])
    np.testing.assert_array_equal(
        metrics.binarise(prob.astype(np.float32) / 255, 0.5), [[False, False], [True, True]]
    )


def test_threshold_sweep_by_hand():
    # Garment at 128 and 255, background at 0 and 64.
    prob = np.array([[0, 128], [255, 64]], np.uint8)
    true = np.array([[False, True], [True, False]])
    sweep = metrics.threshold_sweep([prob], [true], [0.0, 0.25, 0.5, 1.0])
    assert sweep[0.0] == pytest.approx(2 * 2 / (4 + 2))  # everything garment
    assert sweep[0.25] == pytest.approx(2 * 2 / (3 + 2))  # cut 64 lets one background in
    assert sweep[0.5] == pytest.approx(1.0)
    assert sweep[1.0] == pytest.approx(2 * 1 / (1 + 2))  # only the 255 pixel


def test_threshold_sweep_empty_truth_and_prediction_is_perfect():
    prob = np.zeros((3, 3), np.uint8)
    sweep = metrics.threshold_sweep([prob], [np.zeros((3, 3), bool)], [0.5])
    assert sweep[0.5] == 1.0


def test_histogram_sweep_equals_direct_computation():
    rng = np.random.default_rng(7)
    probabilities, truths = [], []
    for shape in [(17, 23), (31, 9), (12, 12)]:
        truth = rng.random(shape) < 0.4
        # Probabilities correlated with the truth so Dice varies across thresholds.
        noise = rng.normal(0, 60, shape)
        probabilities.append(np.clip(truth * 170 + 40 + noise, 0, 255).astype(np.uint8))
        truths.append(truth)
    thresholds = [round(0.05 + 0.01 * i, 2) for i in range(91)]
    sweep = metrics.threshold_sweep(probabilities, truths, thresholds)
    for t in thresholds:
        direct = np.mean([metrics.dice(p >= metrics.cut_value(t), m) for p, m in zip(probabilities, truths)])
        assert sweep[t] == pytest.approx(direct, abs=1e-12)
    # Float maps take the direct path and give the same answer at unambiguous thresholds.
    floats = [p.astype(np.float64) / 255 for p in probabilities]
    assert metrics.threshold_sweep(floats, truths, [0.5])[0.5] == pytest.approx(sweep[0.5])


def test_iqr_outliers():
    # Q1 = 2, Q3 = 4, IQR = 2: fences at -1 and 7.
    assert metrics.iqr_outliers([1, 2, 3, 4, 100]) == [4]
    assert metrics.iqr_outliers([-50, 2, 3, 4, 5]) == [0]
    assert metrics.iqr_outliers([0.9, 0.91, 0.92, 0.93]) == []
    assert metrics.iqr_outliers([]) == []
