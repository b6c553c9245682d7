"""core.masks: the mask model and its edits, on arrays small enough to check by hand."""

from __future__ import annotations

import time

import numpy as np
import pytest

from core.masks.cleanups import feather, fill_holes, grow_shrink, remove_specks
from core.masks.compose import KEEP, NONE, REMOVE, compose_mask, compose_mask_region, mask_area, threshold_level
from core.masks.edits import ChangeRecord, apply_mask_edit, merge_records, paint_stroke

B = bool


def _m(rows: list[str]) -> np.ndarray:
    """Bool mask from strings: '#' garment, '.' background."""
    return np.array([[c == "#" for c in row] for row in rows], dtype=bool)


# --- compose ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("threshold", "level"),
    [(0.5, 128), (127 / 255, 127), (128 / 255, 128), (0.0, 0), (-1.0, 0), (1.0, 255), (1.5, 256),
     (0.001, 1), (254.5 / 255, 255), (float("inf"), 256), (float("-inf"), 0)],
)
def test_threshold_level(threshold: float, level: int) -> None:
    assert threshold_level(threshold) == level


def test_compose_mask_rule() -> None:
    prob = np.array([[0, 127, 128, 255]] * 3, np.uint8)
    over = np.array([[NONE] * 4, [KEEP] * 4, [REMOVE] * 4], np.uint8)
    expected = np.array([[0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0]], bool)
    np.testing.assert_array_equal(compose_mask(prob, 0.5, over), expected)
    # threshold 0 keeps everything not removed, above 1 nothing not kept
    np.testing.assert_array_equal(compose_mask(prob, 0.0, over)[0], [1, 1, 1, 1])
    np.testing.assert_array_equal(compose_mask(prob, 1.01, over)[0], [0, 0, 0, 0])
    np.testing.assert_array_equal(compose_mask(prob, 1.0, over)[0], [0, 0, 0, 1])


def test_compose_mask_reuses_out() -> None:
    prob = np.array([[10, 200]], np.uint8)
    over = np.zeros((1, 2), np.uint8)
    out = np.ones((1, 2), bool)
    assert compose_mask(prob, 0.5, over, out=out) is out
    np.testing.assert_array_equal(out, [[False, True]])


def test_compose_mask_region_touches_only_the_box() -> None:
    prob = np.full((4, 4), 200, np.uint8)
    over = np.zeros((4, 4), np.uint8)
    out = np.zeros((4, 4), bool)  # stale everywhere
    compose_mask_region(prob, 0.5, over, (1, 1, 3, 5), out)
    expected = np.zeros((4, 4), bool)
    expected[1:3, 1:4] = True
    np.testing.assert_array_equal(out, expected)


def test_threshold_after_correction_keeps_corrections() -> None:
    prob = np.array([[50, 100, 150, 200, 250]], np.uint8)
    over = np.zeros((1, 5), np.uint8)
    paint_stroke(over, [(0, 0)], 0.5, KEEP)  # keep the faint pixel
    paint_stroke(over, [(4, 0)], 0.5, REMOVE)  # remove the sure one
    np.testing.assert_array_equal(compose_mask(prob, 0.5, over), [[1, 0, 1, 1, 0]])
    np.testing.assert_array_equal(compose_mask(prob, 0.9, over), [[1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(compose_mask(prob, 0.1, over), [[1, 1, 1, 1, 0]])


# --- brush and records ---------------------------------------------------------------------

def test_paint_single_dab_radius_1_is_a_plus() -> None:
    over = np.zeros((5, 5), np.uint8)
    rec = paint_stroke(over, [(2.0, 2.0)], 1.0, KEEP)
    assert over.tolist() == [[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]]
    assert rec is not None and rec.bbox == (1, 1, 4, 4)
    assert rec.old.tolist() == [[0] * 3] * 3
    assert rec.new.tolist() == [[0, 1, 0], [1, 1, 1], [0, 1, 0]]


def test_paint_radius_1_5_is_a_square_and_x_is_column() -> None:
    over = np.zeros((5, 6), np.uint8)
    paint_stroke(over, [(4.0, 1.0)], 1.5, REMOVE)
    expected = np.zeros((5, 6), np.uint8)
    expected[0:3, 3:6] = REMOVE
    np.testing.assert_array_equal(over, expected)


def test_paint_tiny_radius_paints_nearest_pixel() -> None:
    over = np.zeros((3, 3), np.uint8)
    paint_stroke(over, [(1.2, 0.9)], 0.1, KEEP)
    assert over.tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]


def test_paint_clips_at_image_edge_and_outside_is_none() -> None:
    over = np.zeros((3, 3), np.uint8)
    rec = paint_stroke(over, [(0.0, 0.0)], 1.0, KEEP)
    assert over.tolist() == [[1, 1, 0], [1, 0, 0], [0, 0, 0]]
    assert rec is not None and rec.bbox == (0, 0, 2, 2)
    assert paint_stroke(over, [(10.0, 10.0), (20.0, 10.0)], 2.0, KEEP) is None
    assert paint_stroke(over, [], 2.0, KEEP) is None
    # painting what is already there changes nothing
    assert paint_stroke(over, [(0.0, 0.0)], 1.0, KEEP) is None
    with pytest.raises(ValueError):
        paint_stroke(over, [(0.0, 0.0)], 1.0, 7)


def test_fast_drag_leaves_no_gaps() -> None:
    over = np.zeros((20, 100), np.uint8)
    # Two mouse events 90 px apart, brush radius 2: a solid band, not two dots.
    paint_stroke(over, [(5.0, 10.0), (95.0, 10.0)], 2.0, KEEP)
    assert np.all(over[8:13, 5:96] == KEEP)
    assert np.all(over[:8] == NONE) and np.all(over[13:] == NONE)
    assert over[10, 3] == KEEP and over[10, 2] == NONE  # round cap of radius 2
    # A diagonal drag too: every pixel on the line is painted.
    diag = np.zeros((50, 50), np.uint8)
    paint_stroke(diag, [(0.0, 0.0), (49.0, 49.0)], 1.0, REMOVE)
    assert np.all(np.diag(diag) == REMOVE)


def test_eraser_sets_none() -> None:
    over = np.full((3, 3), KEEP, np.uint8)
    paint_stroke(over, [(1.0, 1.0)], 0.5, NONE)
    assert over[1, 1] == NONE and mask_area(over == KEEP) == 8


def test_undo_redo_round_trip() -> None:
    rng = np.random.default_rng(0)
    over = rng.integers(0, 3, (30, 40), dtype=np.uint8)
    before = over.copy()
    rec = paint_stroke(over, [(3.0, 4.0), (30.0, 20.0), (35.0, 5.0)], 3.0, KEEP)
    after = over.copy()
    assert rec is not None and not np.array_equal(before, after)
    rec.undo(over)
    np.testing.assert_array_equal(over, before)
    rec.redo(over)
    np.testing.assert_array_equal(over, after)


def test_merge_records_one_step_per_stroke() -> None:
    over = np.zeros((10, 10), np.uint8)
    over[8, 0] = REMOVE  # outside every dab but inside their union box
    original = over.copy()
    r1 = paint_stroke(over, [(1.0, 1.0)], 1.0, KEEP)
    r2 = paint_stroke(over, [(2.0, 1.0)], 1.0, REMOVE)  # overlaps r1
    r3 = paint_stroke(over, [(7.0, 7.0)], 1.0, KEEP)
    final = over.copy()
    merged = merge_records([r1, None, r2, r3])
    assert merged is not None and merged.bbox == (0, 0, 9, 9)
    assert merged.where is not None and not merged.where[8, 0]
    over[8, 0] = KEEP  # a later, unrelated change the merged undo must not touch
    merged.undo(over)
    expected = original.copy()
    expected[8, 0] = KEEP
    np.testing.assert_array_equal(over, expected)
    merged.redo(over)
    final[8, 0] = KEEP
    np.testing.assert_array_equal(over, final)
    assert merge_records([None]) is None
    assert merge_records([r1]) is r1


def test_merge_records_keeps_oldest_old_value() -> None:
    over = np.zeros((1, 3), np.uint8)
    r1 = ChangeRecord(0, 0, np.array([[0, 0]], np.uint8), np.array([[1, 1]], np.uint8))
    r2 = ChangeRecord(0, 1, np.array([[1, 0]], np.uint8), np.array([[2, 2]], np.uint8))
    merged = merge_records([r1, r2])
    assert merged is not None
    assert merged.old.tolist() == [[0, 0, 0]] and merged.new.tolist() == [[1, 2, 2]]
    assert merged.where is None
    merged.redo(over)
    assert over.tolist() == [[1, 2, 2]]


# --- clean-ups -------------------------------------------------------------------------------

def test_fill_holes() -> None:
    mask = _m(["#####",
               "#...#",
               "#.#.#",
               "#####",
               "..#.."])
    expected = _m(["#####",
                   "#####",
                   "#####",
                   "#####",
                   "..#.."])
    np.testing.assert_array_equal(fill_holes(mask), expected)


def test_fill_holes_leaves_open_bays_and_fills_diagonal_closed_holes() -> None:
    bay = _m(["###",
              "#.#",
              "#.#"])
    np.testing.assert_array_equal(fill_holes(bay), bay)
    diagonal = _m([".#.",
                   "#.#",
                   ".#."])
    np.testing.assert_array_equal(fill_holes(diagonal), _m([".#.", "###", ".#."]))


def test_remove_specks() -> None:
    mask = _m(["#....",
               ".....",
               "..###",
               "..#.#",
               "..###"])
    np.testing.assert_array_equal(remove_specks(mask, 2), _m([".....", ".....", "..###", "..#.#", "..###"]))
    np.testing.assert_array_equal(remove_specks(mask, 2, holes=True),
                                  _m([".....", ".....", "..###", "..###", "..###"]))
    # a hole as large as min_area stays; diagonal neighbours belong to one component
    np.testing.assert_array_equal(remove_specks(mask, 1, holes=True), mask)
    diag = _m(["#.", ".#"])
    np.testing.assert_array_equal(remove_specks(diag, 2), diag)


def test_grow_shrink() -> None:
    dot = np.zeros((5, 5), bool)
    dot[2, 2] = True
    np.testing.assert_array_equal(grow_shrink(dot, 1), _m([".....", "..#..", ".###.", "..#..", "....."]))
    np.testing.assert_array_equal(grow_shrink(dot, 1.5), _m([".....", ".###.", ".###.", ".###.", "....."]))
    square = _m([".....", ".###.", ".###.", ".###.", "....."])
    np.testing.assert_array_equal(grow_shrink(square, -1), dot)
    np.testing.assert_array_equal(grow_shrink(square, 0), square)
    # touching the frame: shrinking eats from the background side only
    left = _m(["##...", "##...", "##..."])
    np.testing.assert_array_equal(grow_shrink(left, -1), _m(["#....", "#....", "#...."]))
    assert not grow_shrink(np.zeros((3, 3), bool), 2).any()


def test_feather() -> None:
    mask = np.zeros((4, 20), bool)
    mask[:, :10] = True
    hard = feather(mask, 0)
    assert hard.dtype == np.uint8 and set(np.unique(hard)) == {0, 255}
    soft = feather(mask, 2)  # sigma 1: kernel reaches 3 px
    row = soft[1].astype(int)
    assert np.all(row[:7] == 255) and np.all(row[13:] == 0)
    assert np.all(np.diff(row) <= 0)  # monotone ramp
    assert abs(row[9] + row[10] - 255) <= 1  # symmetric about the edge
    assert 128 < row[9] < 255 and 0 < row[10] < 127
    np.testing.assert_array_equal(soft[0], soft[3])  # border replicated, not darkened


def test_apply_mask_edit_turns_mask_into_overrides() -> None:
    prob = np.array([[200, 200, 10, 10]], np.uint8)
    over = np.array([[NONE, KEEP, REMOVE, NONE]], np.uint8)
    # composed at 0.5: [1, 1, 0, 0]; wanted: [0, 1, 1, 0]
    rec = apply_mask_edit(over, prob, 0.5, np.array([[False, True, True, False]]))
    assert over.tolist() == [[REMOVE, KEEP, KEEP, NONE]]
    assert rec is not None and rec.bbox == (0, 0, 1, 3)
    np.testing.assert_array_equal(compose_mask(prob, 0.5, over), [[0, 1, 1, 0]])
    # the edit survives a threshold move
    np.testing.assert_array_equal(compose_mask(prob, 0.01, over), [[0, 1, 1, 1]])
    rec.undo(over)
    assert over.tolist() == [[NONE, KEEP, REMOVE, NONE]]
    assert apply_mask_edit(over, prob, 0.5, compose_mask(prob, 0.5, over)) is None


def test_fill_holes_as_an_undoable_edit() -> None:
    prob = np.zeros((5, 5), np.uint8)
    prob[0:4, :] = 255
    prob[1:3, 1:4] = 0
    over = np.zeros((5, 5), np.uint8)
    mask = compose_mask(prob, 0.5, over)
    rec = apply_mask_edit(over, prob, 0.5, fill_holes(mask))
    assert rec is not None and rec.bbox == (1, 1, 3, 4)
    assert np.all(over[1:3, 1:4] == KEEP) and mask_area(over != NONE) == 6
    assert mask_area(compose_mask(prob, 0.5, over)) == 20


def test_studio_size_speed() -> None:
    rng = np.random.default_rng(0)
    prob = rng.integers(0, 256, (1728, 1152), dtype=np.uint8)
    over = np.zeros_like(prob)
    out = np.empty(prob.shape, bool)
    start = time.perf_counter()
    for _ in range(10):
        compose_mask(prob, 0.5, over, out=out)
    compose_time = (time.perf_counter() - start) / 10
    start = time.perf_counter()
    rec = paint_stroke(over, [(100.0, 100.0), (600.0, 900.0)], 40.0, KEEP)
    paint_time = time.perf_counter() - start
    assert rec is not None and rec.bbox[2] - rec.bbox[0] < 900
    # Measured ~1 ms and ~10 ms; generous bounds for a busy CI machine.
    assert compose_time < 0.05 and paint_time < 0.25


def test_feather_of_a_0_255_uint8_mask_is_opaque() -> None:
    mask = np.array([[0, 255], [255, 0]], np.uint8)
    np.testing.assert_array_equal(feather(mask, 0), [[0, 255], [255, 0]])
