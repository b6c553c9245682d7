"""Edge adjustments (smooth, feather, contrast, shift): what each does to a mask, their
bounds, the sidecar round trip and the export."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.files.export import export_view
from core.files.sidecar import DAMAGED, RESTORED, Sidecar
from core.masks.adjustments import AdjustmentError, EdgeAdjustments


def _square(size=80, lo=20, hi=60) -> np.ndarray:
    mask = np.zeros((size, size), bool)
    mask[lo:hi, lo:hi] = True
    return mask


def test_shift_moves_the_edge_out_and_in_by_that_many_pixels():
    mask = _square()
    grown = EdgeAdjustments(shift=3).adjust_mask(mask)
    assert grown[17, 40] and not grown[16, 40] and grown[40, 62] and not grown[40, 63]
    shrunk = EdgeAdjustments(shift=-3).adjust_mask(mask)
    assert shrunk[23, 40] and not shrunk[22, 40]
    assert mask.sum() == 1600  # the mask itself is untouched


def test_smooth_takes_a_jag_off_and_keeps_the_shape():
    mask = _square()
    mask[10:20, 39:41] = True  # a 2 px spike off the top edge
    smooth = EdgeAdjustments(smooth=6).adjust_mask(mask)
    assert not smooth[12, 40], "the spike is gone"
    assert smooth[40, 40] and smooth[21, 40] and not smooth[70, 40]


def test_feather_softens_the_edge_and_contrast_hardens_it_again():
    mask = _square()
    soft = EdgeAdjustments(feather=6).alpha(mask)
    assert soft[40, 40] == 255 and soft[5, 5] == 0
    ramp = soft[40, 10:30]  # across the left edge at x = 20
    assert ramp[0] == 0 and ramp[-1] == 255 and 0 < ramp[8] < 128 < ramp[11] < 255
    assert (np.diff(ramp.astype(int)) >= 0).all()
    hard = EdgeAdjustments(feather=6, contrast=0.8).alpha(mask)
    between = lambda a: int(((a > 10) & (a < 245)).sum())  # noqa: E731
    assert 0 < between(hard) < between(soft) / 2
    assert EdgeAdjustments().alpha(mask).tolist() == (mask * 255).astype(np.uint8).tolist()


@pytest.mark.parametrize("bad", [{"smooth": -1}, {"feather": 1e9}, {"contrast": 1.0}, {"shift": float("nan")},
                                 {"shift": True}, {"feather": "3"}])
def test_values_out_of_range_are_refused(bad):
    with pytest.raises(AdjustmentError):
        EdgeAdjustments(**bad)


def test_from_dict_refuses_what_a_sidecar_must_not_hold():
    assert EdgeAdjustments.from_dict({"shift": 2, "feather": 1.5}) == EdgeAdjustments(shift=2, feather=1.5)
    for bad in ([1, 2], {"blur": 3}, {"shift": "x"}):
        with pytest.raises(AdjustmentError):
            EdgeAdjustments.from_dict(bad)


def test_sidecar_keeps_them_and_a_damaged_entry_is_reported(tmp_path):
    sidecar = Sidecar(tmp_path / "shoot", root=tmp_path / "side")
    override = np.zeros((8, 6), np.uint8)
    adjustments = EdgeAdjustments(smooth=2, feather=3, contrast=0.5, shift=-1)
    sidecar.save_view("g1/Front", 0.4, override, "fp", adjustments.to_dict())
    restored = sidecar.restore_view("g1/Front", (8, 6), "fp")
    assert restored.status == RESTORED and EdgeAdjustments.from_dict(restored.adjustments) == adjustments
    sidecar.save_view("g1/Back", 0.4, override, "fp")
    assert sidecar.restore_view("g1/Back", (8, 6), "fp").adjustments is None
    sidecar.save_view("g1/Side", 0.4, override, "fp", {"shift": 99})  # out of range: damaged
    assert sidecar.restore_view("g1/Side", (8, 6), "fp").status == DAMAGED


def test_export_applies_them_to_the_cutout_and_the_mask_file(tmp_path):
    rgb = np.full((80, 80, 3), 90, np.uint8)
    mask = _square()
    adjustments = EdgeAdjustments(shift=4, feather=4)
    cutout, mask_file = export_view(rgb, mask, tmp_path, "g1", "Front", write_mask=True, adjustments=adjustments)
    alpha = cv2.imread(str(cutout), cv2.IMREAD_UNCHANGED)[..., 3]
    np.testing.assert_array_equal(alpha, adjustments.alpha(mask))
    saved = cv2.imread(str(mask_file), cv2.IMREAD_UNCHANGED) > 127
    # The mask file is the cutout at 50 % alpha: it agrees with the cutout beside it (it was
    # the adjusted hard mask, which a feather or a refine edge left apart: found by a helper).
    np.testing.assert_array_equal(saved, alpha >= 128)
    assert (saved != adjustments.adjust_mask(mask)).sum() < 0.02 * saved.sum()


def test_a_views_refine_edge_and_band_reach_the_export(tmp_path):
    from core.renders.composition import render_view

    r = render_view(5000001, "Front", (120, 180))
    adjustments = EdgeAdjustments(refine=3)
    widen = np.zeros(r.mask.shape, bool)
    widen[60:120, :] = True
    cutout, mask_file = export_view(r.rgb, r.mask, tmp_path, "g1", "Front", adjustments=adjustments, widen=widen,
                                    write_mask=True)
    alpha = cv2.imread(str(cutout), cv2.IMREAD_UNCHANGED)[..., 3]
    np.testing.assert_array_equal(cv2.imread(str(mask_file), cv2.IMREAD_GRAYSCALE) > 127, alpha >= 128)
    np.testing.assert_array_equal(alpha, adjustments.cutout_alpha(r.rgb, r.mask, widen))
    assert not np.array_equal(alpha, adjustments.cutout_alpha(r.rgb, r.mask)), "the band brush changes the matte"
    assert ((alpha > 0) & (alpha < 255)).any()


@pytest.mark.parametrize("shift", [-4.0, 4.0, -2.5])
def test_shift_edge_moves_a_refined_edge_too(tmp_path, shift):
    """With refine edge on, shift edge still moves the cutout's edge by about that many
    pixels. (It shifted the mask before the matting, whose matte follows the photo's own
    edge wherever the band lies: the shift came out at a fraction of a pixel.)"""
    from core.renders.composition import render_view

    r = render_view(5000001, "Front", (240, 360))
    refined = EdgeAdjustments(refine=6)
    shifted = EdgeAdjustments(refine=6, shift=shift)
    base = refined.cutout_alpha(r.rgb, r.mask).astype(np.float64)
    moved = shifted.cutout_alpha(r.rgb, r.mask).astype(np.float64)
    mask8 = r.mask.astype(np.uint8)
    outline = int(np.count_nonzero(mask8 - cv2.erode(mask8, np.ones((3, 3), np.uint8))))
    px_moved = (moved.sum() - base.sum()) / 255.0 / outline
    assert 0.6 * shift <= px_moved <= 1.2 * shift if shift > 0 else 1.2 * shift <= px_moved <= 0.6 * shift
    cutout = export_view(r.rgb, r.mask, tmp_path, "g1", "Front", adjustments=shifted)[0]
    np.testing.assert_array_equal(cv2.imread(str(cutout), cv2.IMREAD_UNCHANGED)[..., 3], moved.astype(np.uint8))


@pytest.mark.parametrize("adjustments", [EdgeAdjustments(refine=8), EdgeAdjustments(shift=3),
                                         EdgeAdjustments(shift=-3), EdgeAdjustments(smooth=6, refine=4),
                                         EdgeAdjustments(refine=6, shift=3), EdgeAdjustments(refine=6, shift=-3)],
                         ids=["refine", "grow", "shrink", "smooth-refine", "refine-grow", "refine-shrink"])
def test_no_edge_adjustment_moves_a_hard_stroke(tmp_path, adjustments):
    """A removed cable stays removed and a kept strap stays opaque, whatever refine edge,
    shift edge or smooth make of the edges the strokes drew (found driving the app: the
    matting brought removed pixels back up to alpha 255)."""
    from core.files.export import Painted
    from core.masks import codes, compose
    from core.renders.composition import render_view

    r = render_view(5000001, "Front", (120, 180))
    probability = np.where(r.mask, np.uint8(240), np.uint8(10))
    override = np.zeros(r.mask.shape, np.uint8)
    ys, xs = np.nonzero(r.mask)
    cy, cx = int(ys.mean()), int(xs.mean())
    override[cy - 2:cy + 3, cx - 20:cx + 20] = codes.REMOVE  # a thin cut across the garment
    override[5:8, 5:40] = codes.KEEP  # a thin strap kept in the backdrop
    mask = compose.compose_mask(probability, 0.5, override)
    painted = Painted(override, compose.compose_mask(probability, 0.5, compose.hard_part(override)))
    cutout, mask_file = export_view(r.rgb, mask, tmp_path, "g1", "Front", write_mask=True,
                                    adjustments=adjustments, painted=painted)
    alpha = cv2.imread(str(cutout), cv2.IMREAD_UNCHANGED)[..., 3]
    saved = cv2.imread(str(mask_file), cv2.IMREAD_UNCHANGED) > 127
    assert (alpha[override == codes.REMOVE] == 0).all() and not saved[override == codes.REMOVE].any()
    assert (alpha[override == codes.KEEP] == 255).all() and saved[override == codes.KEEP].all()
    untouched = np.where(mask, np.uint8(255), np.uint8(0))
    assert (alpha != untouched)[override == codes.NONE].any(), "the rest of the edge is still adjusted"


def test_feather_softens_a_strokes_edge_like_any_other_without_a_step():
    """A keep stroke painted up to the garment's edge: feather still ramps across it. (Forcing
    every stroke pixel to 255 after the adjustments left a step from 255 to 102 there.)"""
    from core.masks import codes

    mask = _square()
    override = np.zeros(mask.shape, np.uint8)
    override[30:50, 50:60] = codes.KEEP  # a stroke inside the garment, up to its right edge
    alpha = EdgeAdjustments(feather=4).alpha(mask, override)
    row = alpha[40, 52:68].astype(int)
    assert (np.diff(row) <= 0).all() and row[0] == 255 and row[-1] == 0
    assert 128 < alpha[40, 59] < 255, "the stroke's last pixel at the edge is feathered, not forced"
    np.testing.assert_array_equal(alpha, EdgeAdjustments(feather=4).alpha(mask))
