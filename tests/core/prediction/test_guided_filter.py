"""The fast guided filter: exact at subsample 1, close at 2, edge-preserving on real photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.common.paths import SAMPLE_SHOOT
from core.prediction.guided_filter import fast_guided_filter


def _photo_and_soft_mask() -> tuple[np.ndarray, np.ndarray]:
    """A sample-shoot view (float32 0..1), a soft mask with edges a few pixels off, the truth.

    The soft mask is the true one shrunk to 96 rows, blurred and cubic-upsampled back:
    a coarse network output whose 0.5 line misses the photo's edges."""
    from core.files.imageio import read_image, read_mask

    photo = sorted(SAMPLE_SHOOT.glob("*.png"))[0]
    rgb = read_image(photo).rgb.astype(np.float32) / 255.0
    truth = read_mask(SAMPLE_SHOOT / "truth" / f"{photo.stem}_cutout.png").astype(np.float32)
    h, w = truth.shape
    small = cv2.GaussianBlur(cv2.resize(truth, (w * 96 // h, 96), interpolation=cv2.INTER_AREA), (0, 0), 1.5)
    return rgb, cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), truth


def test_reproduces_a_linear_function_of_the_guide():
    # With eps -> 0 the guided filter's local model q = a.I + b is exact for q = a.I + b.
    rng = np.random.default_rng(1)
    guide = rng.random((60, 40, 3), dtype=np.float32)
    src = (0.3 * guide[..., 0] - 0.2 * guide[..., 1] + 0.5 * guide[..., 2] + 0.1).astype(np.float32)
    out = fast_guided_filter(guide, src, radius=3, eps=1e-8)
    assert np.abs(out - src).max() < 1e-3


def test_a_constant_stays_constant():
    guide = np.random.default_rng(2).random((30, 20, 3), dtype=np.float32)
    out = fast_guided_filter(guide, np.full((30, 20), 0.7, np.float32), radius=4, eps=1e-2, subsample=2)
    assert out.shape == (30, 20) and np.allclose(out, 0.7, atol=1e-5)


@pytest.mark.skipif(not hasattr(cv2, "ximgproc"), reason="opencv-contrib's ximgproc (the reference) not installed")
def test_subsample_one_equals_opencv_contrib_guided_filter():
    rgb, soft, _ = _photo_and_soft_mask()
    ours = fast_guided_filter(rgb, soft, radius=17, eps=1e-2, subsample=1)
    reference = cv2.ximgproc.guidedFilter(rgb, soft, 17, 1e-2)
    assert np.abs(ours - reference).max() < 1e-4


def test_subsampled_coefficients_keep_the_edges_the_full_filter_finds():
    from core.evaluation.metrics import boundary_f_score

    rgb, soft, truth = _photo_and_soft_mask()
    full = fast_guided_filter(rgb, soft, radius=17, eps=1e-2, subsample=1)
    half = fast_guided_filter(rgb, soft, radius=17, eps=1e-2, subsample=2)
    assert np.abs(half - full).mean() < 1e-3
    truth = truth > 0.5
    # Both beat the plain cubic upsample at following the true edge (0.81 -> 0.95), by about as much.
    cubic_bf = boundary_f_score(soft > 0.5, truth, 2)
    full_bf, half_bf = boundary_f_score(full > 0.5, truth, 2), boundary_f_score(half > 0.5, truth, 2)
    assert full_bf > cubic_bf + 0.1 and half_bf > cubic_bf + 0.1
    assert abs(full_bf - half_bf) < 0.01


def test_the_strip_wise_uint8_filter_matches_the_whole_photo_filter():
    from core.network.preprocessing import probability_to_uint8, resize_probability_to_photo
    from core.prediction import guided_filter

    rgb, soft, _ = _photo_and_soft_mask()
    photo = (rgb * 255).round().astype(np.uint8)
    small = cv2.resize(soft, (128, 192), interpolation=cv2.INTER_AREA)
    up = resize_probability_to_photo(small.copy(), photo.shape[:2])
    whole = probability_to_uint8(np.clip(fast_guided_filter(rgb, up, 17, 1e-2, subsample=4), 0, 1))
    # Strips of a few rows, so row interpolation across strip borders is exercised.
    old = guided_filter.STRIP_PIXELS
    guided_filter.STRIP_PIXELS = photo.shape[1] * 7
    try:
        strips = guided_filter.guided_upsample_uint8(photo, small, 17, 1e-2, subsample=4)
    finally:
        guided_filter.STRIP_PIXELS = old
    diff = np.abs(strips.astype(int) - whole)
    assert strips.dtype == np.uint8 and strips.shape == photo.shape[:2]
    assert diff.max() <= 2 and diff.mean() < 0.05


def test_a_big_photo_is_filtered_in_a_few_bytes_a_pixel():
    """A 24 MP photo filtered whole took 50 bytes a pixel (7 GB at 144 MP). In strips: the
    uint8 answer (1 byte a pixel), the coefficient grid widened to the photo's width (2
    bytes a pixel at subsample 8), and temporaries bounded by the strip, not the photo."""
    import tracemalloc

    from core.prediction.guided_filter import STRIP_PIXELS, guided_upsample_uint8

    photo = np.random.default_rng(3).integers(0, 256, (6000, 4000, 3), np.uint8)
    small = np.random.default_rng(4).random((384, 256), dtype=np.float32)
    tracemalloc.start()
    try:
        out = guided_upsample_uint8(photo, small, radius=58, eps=1e-2, subsample=8)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == photo.shape[:2]
    assert peak < 3 * out.size + 120 * STRIP_PIXELS
