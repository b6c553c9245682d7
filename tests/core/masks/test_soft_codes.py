"""The soft brush (hardness below 100 %): soft override codes, the mask they make, the
alpha they give the cutout, undo, the sidecar and the export."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.masks import compose, edits

H, W = 60, 80


def _background():
    """A probability map that says background everywhere but a garment block on the right."""
    probability = np.zeros((H, W), np.uint8)
    probability[:, 50:] = 230
    return probability


def test_a_soft_keep_dab_has_a_hard_core_and_an_alpha_falling_to_its_radius():
    probability = _background()
    override = np.zeros((H, W), np.uint8)
    record = edits.paint_stroke(override, [(20, 30)], 10, compose.KEEP, hardness=0.5,
                                probability=probability, threshold=0.5)
    assert record is not None
    alpha = compose.override_alpha(override, compose.compose_mask(probability, 0.5, override))
    # The core (distance <= 5) is KEEP, as a hard brush leaves it.
    assert override[30, 20] == compose.KEEP and override[30, 25] == compose.KEEP
    # Beyond it alpha falls linearly: distance 7.5 -> 0.5, 9 -> 0.2; 10 and further untouched.
    assert abs(int(alpha[30, 27]) - 128) <= 26 and override[30, 27] >= compose.SOFT_BASE
    assert 30 <= alpha[30, 29] <= 70
    assert override[30, 31] == compose.NONE and alpha[30, 32] == 0
    along = alpha[30, 20:31].astype(int)
    assert (np.diff(along) <= 0).all(), "alpha never rises away from the stroke"
    # The mask counts a soft pixel as garment from alpha 0.5 up.
    mask = compose.compose_mask(probability, 0.5, override)
    soft = override >= compose.SOFT_BASE
    np.testing.assert_array_equal(mask[soft], alpha[soft] >= 128)


def test_hardness_one_is_the_hard_brush():
    probability = _background()
    hard, soft_one = np.zeros((H, W), np.uint8), np.zeros((H, W), np.uint8)
    edits.paint_stroke(hard, [(5, 5), (40, 50)], 6, compose.REMOVE)
    edits.paint_stroke(soft_one, [(5, 5), (40, 50)], 6, compose.REMOVE, hardness=1.0, probability=probability)
    np.testing.assert_array_equal(hard, soft_one)
    assert set(np.unique(hard)) == {compose.NONE, compose.REMOVE}


def test_going_over_the_same_place_again_changes_nothing_and_undo_restores():
    probability = _background()
    override = np.zeros((H, W), np.uint8)
    points = [(10, 10), (30, 12), (45, 20)]
    edits.paint_stroke(override, points, 8, compose.KEEP, hardness=0.2, probability=probability)
    painted = override.copy()
    again = edits.paint_stroke(override, points[::-1], 8, compose.KEEP, hardness=0.2, probability=probability)
    assert again is None
    np.testing.assert_array_equal(override, painted)
    # A dab by dab stroke merged into one record undoes to exactly what was there.
    before = override.copy()
    records = [edits.paint_stroke(override, [p, q], 5, compose.REMOVE, hardness=0.0, probability=probability)
               for p, q in zip(points[:-1], points[1:])]
    merged = edits.merge_records(records)
    merged.undo(override)
    np.testing.assert_array_equal(override, before)
    merged.redo(override)
    assert (override != before).any()


def test_a_soft_remove_over_garment_leaves_alpha_that_survives_the_threshold():
    probability = _background()
    override = np.zeros((H, W), np.uint8)
    edits.paint_stroke(override, [(65, 30)], 10, compose.REMOVE, hardness=0.0, probability=probability)
    assert override[30, 65] == compose.REMOVE
    for threshold in (0.2, 0.5, 0.95):
        mask = compose.compose_mask(probability, threshold, override)
        alpha = compose.override_alpha(override, mask)
        assert alpha[30, 65] == 0 and 100 <= alpha[30, 70] <= 155 and alpha[30, 74] > 200
    # Keep in the falloff over pixels that are already garment changes nothing there.
    override = np.zeros((H, W), np.uint8)
    edits.paint_stroke(override, [(65, 30)], 10, compose.KEEP, hardness=0.0, probability=probability)
    assert (override[:, 50:] != compose.NONE).sum() == 1 and override[30, 65] == compose.KEEP


def test_a_soft_brush_without_a_probability_map_is_refused():
    with pytest.raises(ValueError, match="probability"):
        edits.paint_stroke(np.zeros((H, W), np.uint8), [(5, 5)], 4, compose.KEEP, hardness=0.5)
    # The eraser has no soft edge: it needs no map.
    assert edits.paint_stroke(np.ones((H, W), np.uint8), [(5, 5)], 4, compose.NONE, hardness=0.5) is not None


def test_the_display_codes_agree_with_the_mask_for_every_code_and_cut():
    from app.document import overlay

    rng = np.random.default_rng(3)
    probability = rng.integers(0, 256, (40, 256), dtype=np.uint8)
    override = np.broadcast_to(np.arange(256, dtype=np.uint8), (40, 256)).copy()
    effective = overlay.effective_probability(probability, override)
    for threshold in (0.01, 0.3, 0.5, 0.77, 1.0):
        cut = overlay.threshold_cut(threshold)
        np.testing.assert_array_equal(effective >= cut, compose.compose_mask(probability, threshold, override))
    codes = np.arange(compose.SOFT_BASE, 256)
    assert compose.soft_alpha(codes)[0] == 0 and compose.soft_alpha(codes)[-1] == 255
    np.testing.assert_array_equal(compose.soft_code(compose.soft_alpha(codes)), codes)


def test_the_sidecar_keeps_soft_codes_and_the_export_writes_their_alpha(tmp_path):
    from core.files.export import export_view
    from core.files.sidecar import Sidecar

    probability = _background()
    override = np.zeros((H, W), np.uint8)
    edits.paint_stroke(override, [(20, 30)], 12, compose.KEEP, hardness=0.3, probability=probability)
    sidecar = Sidecar(tmp_path / "shoot")
    sidecar.save_view("g_Front", 0.5, override, "photo-1")
    restored = sidecar.restore_view("g_Front", (H, W), "photo-1")
    np.testing.assert_array_equal(restored.override, override)

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    out = tmp_path / "out"
    out.mkdir()
    mask = compose.compose_mask(probability, 0.5, override)
    cutout, = export_view(rgb, mask, out, "g", "Front", painted=override)
    bgra = cv2.imread(str(cutout), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(bgra[..., 3], compose.override_alpha(override, mask))
    assert 0 < bgra[30, 29, 3] < 255, "the soft edge is soft in the file"
    opaque = bgra[..., 3] == 255
    np.testing.assert_array_equal(bgra[..., :3][opaque], rgb[..., ::-1][opaque])
