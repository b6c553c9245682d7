"""Refine edge and decontamination against a true soft edge."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("pymatting")

from core.masks.refine_edge import decontaminate, refine_alpha, trimap_from_mask  # noqa: E402


def _soft_disc():
    """A red disc with a 3 px soft edge over a grey-blue backdrop: photo, true alpha, F, B."""
    yy, xx = np.mgrid[0:120, 0:120]
    r = np.hypot(yy - 60, xx - 60)
    alpha = np.clip((40 - r) / 3 + 0.5, 0, 1).astype(np.float32)
    fg = np.array([200, 30, 40], np.float32)
    bg = np.array([110, 130, 170], np.float32)
    photo = (alpha[..., None] * fg + (1 - alpha[..., None]) * bg + 0.5).astype(np.uint8)
    return photo, alpha, fg, bg


def test_the_trimap_has_a_band_of_unknown_either_side_of_the_edge():
    mask = np.zeros((50, 50), bool)
    mask[10:40, 10:40] = True
    trimap = trimap_from_mask(mask, 3)
    assert trimap[25, 25] == 1 and trimap[2, 2] == 0
    assert trimap[10, 25] == 0.5 and trimap[8, 25] == 0.5 and trimap[12, 25] == 0.5


def test_refined_alpha_is_closer_to_the_true_soft_edge_than_the_mask():
    photo, alpha, _, _ = _soft_disc()
    mask = alpha >= 0.5
    refined = refine_alpha(photo, mask, 5).astype(np.float32) / 255
    hard = mask.astype(np.float32)
    assert np.abs(refined - alpha).sum() < 0.5 * np.abs(hard - alpha).sum()
    assert (refined[mask & (trimap_from_mask(mask, 5) == 1)] == 1).all()


def test_decontamination_removes_the_backdrop_colour_and_keeps_opaque_pixels():
    photo, alpha, fg, _ = _soft_disc()
    a8 = (alpha * 255 + 0.5).astype(np.uint8)
    clean = decontaminate(photo, a8)
    soft = (a8 > 20) & (a8 < 235)
    # At soft pixels the photo mixes in the backdrop; the estimate is near the disc's red.
    assert np.abs(clean[soft].astype(float) - fg).mean() < 0.5 * np.abs(photo[soft].astype(float) - fg).mean()
    assert np.array_equal(clean[a8 == 255], photo[a8 == 255])


def test_export_with_refine_edge_writes_a_soft_decontaminated_cutout(tmp_path):
    from core.files.export import export_view

    photo, alpha, fg, _ = _soft_disc()
    mask = alpha >= 0.5
    [cutout] = export_view(photo, mask, tmp_path, "g1", "Front", refine_edge_px=5)
    bgra = cv2.imread(str(cutout), cv2.IMREAD_UNCHANGED)
    out_alpha = bgra[..., 3]
    assert ((out_alpha > 0) & (out_alpha < 255)).sum() > 100  # soft, not 0/255
    opaque = out_alpha == 255
    assert np.array_equal(bgra[..., 2::-1][opaque], photo[opaque])


def test_the_matting_prints_nothing_of_its_own(capsys):
    """pymatting's preconditioner printed a five-line "PERFORMANCE WARNING" to stdout when
    its first diagonal shift failed, and then worked with the next (a helper saw it in
    `predict --refine-edge 20` on CCP photos). This render's 40 px band is such a case."""
    from core.renders.composition import render_view

    r = render_view(5000001, "Front", (240, 360))
    alpha = refine_alpha(r.rgb, r.mask, 40)
    assert ((alpha > 0) & (alpha < 255)).any()
    assert capsys.readouterr().out == ""
