"""The soft brush (hardness below 100 %): its codes, the mask they make, the alpha they
give the cutout at any threshold and over any edge adjustment, clean-ups, undo, the
sidecar and the export."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.masks import codes, compose, edits
from core.masks.adjustments import EdgeAdjustments

H, W = 60, 80


def _probability():
    """Background on the left, a garment block (p 0.9) from column 50."""
    probability = np.zeros((H, W), np.uint8)
    probability[:, 50:] = 230
    return probability


def _alpha(probability, threshold, override):
    return compose.override_alpha(probability, threshold, override)


def test_a_soft_keep_dab_has_a_hard_core_and_an_alpha_falling_to_its_radius():
    probability = _probability()
    override = np.zeros((H, W), np.uint8)
    assert edits.paint_stroke(override, [(20, 30)], 10, compose.KEEP, hardness=0.5) is not None
    alpha = _alpha(probability, 0.5, override)
    # The core (distance <= 5) is KEEP, as a hard brush leaves it.
    assert override[30, 20] == compose.KEEP and override[30, 25] == compose.KEEP
    # Beyond it alpha falls linearly to 0 at the radius: distance 7 -> 0.6, 9 -> 0.2.
    assert abs(int(alpha[30, 27]) - 153) <= 4 and codes.CODE_FAMILY[override[30, 27]] == 0
    assert abs(int(alpha[30, 29]) - 51) <= 4
    assert override[30, 31] == compose.NONE and alpha[30, 32] == 0
    assert (np.diff(alpha[30, 20:31].astype(int)) <= 0).all(), "alpha never rises away from the stroke"
    # The mask counts a pixel as garment where its alpha is >= 0.5.
    mask = compose.compose_mask(probability, 0.5, override)
    np.testing.assert_array_equal(mask, alpha >= 128)


def test_hardness_one_is_the_hard_brush():
    hard, soft_one = np.zeros((H, W), np.uint8), np.zeros((H, W), np.uint8)
    edits.paint_stroke(hard, [(5, 5), (40, 50)], 6, compose.REMOVE)
    edits.paint_stroke(soft_one, [(5, 5), (40, 50)], 6, compose.REMOVE, hardness=1.0)
    np.testing.assert_array_equal(hard, soft_one)
    assert set(np.unique(hard)) == {compose.NONE, compose.REMOVE}


def test_a_keep_fade_never_lowers_alpha_and_a_remove_fade_never_raises_it():
    """At any threshold, and over a feathered edge: what the model's edge gives is a floor
    for a keep fade and a ceiling for a remove fade."""
    probability = np.full((H, W), 100, np.uint8)  # p 0.39 everywhere
    probability[:, 40:] = 230
    keep, remove = np.zeros((H, W), np.uint8), np.zeros((H, W), np.uint8)
    edits.paint_stroke(keep, [(30, 30)], 14, compose.KEEP, hardness=0.2)
    edits.paint_stroke(remove, [(45, 30)], 14, compose.REMOVE, hardness=0.2)
    for threshold in (0.3, 0.5, 0.95):
        plain = _alpha(probability, threshold, np.zeros((H, W), np.uint8))
        assert (_alpha(probability, threshold, keep) >= plain).all()
        assert (_alpha(probability, threshold, remove) <= plain).all()
    # Threshold 0.3 makes everything garment: the keep stroke leaves no hole behind.
    assert (_alpha(probability, 0.3, keep) == 255).all()
    adjustments = EdgeAdjustments(feather=8)
    base = adjustments.alpha(compose.compose_mask(probability, 0.5, compose.hard_part(keep)))
    painted = codes.apply_painted_alpha(base.copy(), keep)
    assert (painted >= base).all() and (painted[30, 36:44] > base[30, 36:44]).any()


def test_going_over_the_same_place_again_changes_nothing_and_undo_restores():
    override = np.zeros((H, W), np.uint8)
    points = [(10, 10), (30, 12), (45, 20)]
    edits.paint_stroke(override, points, 8, compose.KEEP, hardness=0.2)
    painted = override.copy()
    assert edits.paint_stroke(override, points[::-1], 8, compose.KEEP, hardness=0.2) is None
    np.testing.assert_array_equal(override, painted)
    before = override.copy()
    records = [edits.paint_stroke(override, [p, q], 5, compose.REMOVE, hardness=0.0)
               for p, q in zip(points[:-1], points[1:])]
    merged = edits.merge_records(records)
    merged.undo(override)
    np.testing.assert_array_equal(override, before)
    merged.redo(override)
    assert (override != before).any()


def test_a_fade_over_a_hard_stroke_is_the_fades_own_alpha():
    """Over REMOVE a keep fade's alpha is exactly the fade's, whatever the model says."""
    probability = _probability()
    override = np.full((H, W), compose.REMOVE, np.uint8)
    edits.paint_stroke(override, [(65, 30)], 10, compose.KEEP, hardness=0.0)
    alpha = _alpha(probability, 0.5, override)
    assert alpha[30, 65] == 255 and 100 <= alpha[30, 70] <= 155 and alpha[30, 76] == 0
    assert codes.CODE_FAMILY[override[30, 70]] == 2
    # A remove fade over KEEP, likewise: from 0 at the core up to 255 outside.
    override = np.full((H, W), compose.KEEP, np.uint8)
    edits.paint_stroke(override, [(20, 30)], 10, compose.REMOVE, hardness=0.0)
    alpha = _alpha(probability, 0.5, override)
    assert alpha[30, 20] == 0 and 100 <= alpha[30, 25] <= 155 and alpha[30, 31] == 255


def test_clean_ups_leave_a_soft_fade_as_painted():
    probability = _probability()
    override = np.zeros((H, W), np.uint8)
    edits.paint_stroke(override, [(20, 30)], 12, compose.KEEP, hardness=0.2)
    soft = override >= codes.SOFT_BASE
    before = override.copy()
    mask = compose.compose_mask(probability, 0.5, override)
    shrunk = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert edits.apply_mask_edit(override, probability, 0.5, shrunk) is not None  # the block's edge shrinks
    np.testing.assert_array_equal(override[soft], before[soft])


def test_the_display_codes_agree_with_the_mask_for_every_code_and_cut():
    from app.document import overlay

    rng = np.random.default_rng(3)
    probability = rng.integers(0, 256, (40, 256), dtype=np.uint8)
    override = np.broadcast_to(np.arange(256, dtype=np.uint8), (40, 256)).copy()
    effective = overlay.effective_probability(probability, override)
    for threshold in (0.01, 0.3, 0.5, 0.77, 1.0):
        cut = overlay.threshold_cut(threshold)
        np.testing.assert_array_equal(effective >= cut, compose.compose_mask(probability, threshold, override))
        np.testing.assert_array_equal(compose.compose_mask(probability, threshold, override),
                                      _alpha(probability, threshold, override) >= 128)
    assert codes.SOFT_END == 255 and codes.CODE_ALPHA[codes.KEEP_SOFT + codes.LEVELS - 1] == 255


def test_the_sidecar_keeps_soft_codes_and_the_export_writes_their_alpha(tmp_path):
    from core.files.export import Painted, export_view
    from core.files.sidecar import Sidecar

    probability = _probability()
    override = np.zeros((H, W), np.uint8)
    edits.paint_stroke(override, [(20, 30)], 12, compose.KEEP, hardness=0.3)
    edits.paint_stroke(override, [(52, 10)], 8, compose.REMOVE, hardness=0.3)
    sidecar = Sidecar(tmp_path / "shoot")
    sidecar.save_view("g_Front", 0.5, override, "photo-1")
    with np.load(sidecar.view_path("g_Front")) as data:
        assert int(data["format"]) == 3, "older releases must not take soft codes for damage"
    restored = sidecar.restore_view("g_Front", (H, W), "photo-1")
    np.testing.assert_array_equal(restored.override, override)

    rgb = np.random.default_rng(0).integers(0, 256, (H, W, 3), dtype=np.uint8)
    out = tmp_path / "out"
    out.mkdir()
    mask = compose.compose_mask(probability, 0.5, override)
    hard = compose.compose_mask(probability, 0.5, compose.hard_part(override))
    cutout, = export_view(rgb, mask, out, "g", "Front", painted=Painted(override, hard))
    bgra = cv2.imread(str(cutout), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(bgra[..., 3], _alpha(probability, 0.5, override))
    assert 0 < bgra[30, 29, 3] < 255 and 0 < bgra[10, 58, 3] < 255, "the soft edges are soft in the file"
    opaque = bgra[..., 3] == 255
    np.testing.assert_array_equal(bgra[..., :3][opaque], rgb[..., ::-1][opaque])
    with pytest.raises(Exception, match="does not match"):
        export_view(rgb, mask, out, "g", "Back", painted=Painted(override[1:], hard))


@pytest.mark.parametrize("hardness", [0.0, 0.5])
def test_removing_a_stray_soft_dab_as_a_speck_takes_its_fade_too(hardness):
    from core.masks.cleanups import remove_specks

    probability = _probability()
    override = np.zeros((H, W), np.uint8)
    edits.paint_stroke(override, [(20, 30)], 8, compose.KEEP, hardness=hardness)  # on the backdrop
    edits.paint_stroke(override, [(50, 10)], 6, compose.KEEP, hardness=hardness)  # on the garment's edge
    edge_fade = override[:, 44:].copy()
    assert (_alpha(probability, 0.5, override)[:, :40] > 0).any()
    mask = compose.compose_mask(probability, 0.5, override)
    assert edits.apply_mask_edit(override, probability, 0.5, remove_specks(mask, 400)) is not None
    alpha = _alpha(probability, 0.5, override)
    assert not alpha[:, :40].any(), "no ring of the removed dab stays in the cutout"
    np.testing.assert_array_equal(override[:, 44:], edge_fade)  # the fade on the garment's edge stays


def test_filling_a_soft_remove_hole_takes_its_fade_too():
    from core.masks.cleanups import fill_holes

    probability = _probability()
    override = np.zeros((H, W), np.uint8)
    edits.paint_stroke(override, [(65, 30)], 6, compose.REMOVE, hardness=0.3)  # a hole inside the garment
    assert (_alpha(probability, 0.5, override)[:, 50:] < 255).any()
    mask = compose.compose_mask(probability, 0.5, override)
    assert edits.apply_mask_edit(override, probability, 0.5, fill_holes(mask)) is not None
    assert (_alpha(probability, 0.5, override)[:, 50:] == 255).all()
