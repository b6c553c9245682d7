"""The seed's augmentations: the mask follows every geometric change, colour leaves it alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.training.augment import AugmentConfig, augment_pair, shift_hsv, shift_scale_rotate_matrix, warp_pair

OFF = AugmentConfig(hsv=False, shift_scale_rotate=False, flip=False)


def _square_pair(h: int = 48, w: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Dark noisy photo with a bright square; the mask is exactly that square (uint8 0/255)."""
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 40, size=(h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), np.uint8)
    rgb[10:30, 4:20] = 230
    mask[10:30, 4:20] = 255
    return rgb, mask


def test_disabled_config_returns_inputs_unchanged():
    rgb, mask = _square_pair()
    out_rgb, out_mask = augment_pair(rgb, mask, OFF, np.random.default_rng(1))
    assert out_rgb is rgb and out_mask is mask


def test_flip_mirrors_both_and_twice_is_identity():
    rgb, mask = _square_pair()
    always = dataclasses.replace(OFF, flip=True, p_flip=1.0)
    rng = np.random.default_rng(2)
    once_rgb, once_mask = augment_pair(rgb, mask, always, rng)
    np.testing.assert_array_equal(once_rgb, rgb[:, ::-1])
    np.testing.assert_array_equal(once_mask, mask[:, ::-1])
    # The square spans columns 4..19 of 32, so mirrored it spans 12..27.
    assert once_mask[20, 12] == 255 and once_mask[20, 27] == 255 and once_mask[20, 11] == 0
    twice_rgb, twice_mask = augment_pair(once_rgb, once_mask, always, rng)
    np.testing.assert_array_equal(twice_rgb, rgb)
    np.testing.assert_array_equal(twice_mask, mask)


def test_flip_probability_is_about_half():
    rgb, mask = _square_pair()
    rng = np.random.default_rng(3)
    flips = sum(augment_pair(rgb, mask, dataclasses.replace(OFF, flip=True), rng)[1][20, 27] == 255 for _ in range(400))
    assert 160 < flips < 240


def test_hue_shift_turns_red_into_green_and_keeps_mask():
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 0] = 255  # pure red: hue 0
    mask = np.eye(4, dtype=bool)
    # +60 OpenCV hue units = +120 degrees: red -> green.
    config = dataclasses.replace(OFF, hsv=True, p_hsv=1.0, hue_shift_limit=(60, 60), sat_shift_limit=(0, 0), val_shift_limit=(0, 0))
    out_rgb, out_mask = augment_pair(rgb, mask, config, np.random.default_rng(0))
    np.testing.assert_array_equal(out_rgb[0, 0], [0, 255, 0])
    assert out_mask is mask


def test_hue_wraps_around_the_colour_circle():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[..., 2] = 255  # pure blue: OpenCV hue 120
    # 120 + 120 = 240 -> 60 (mod 180) = green, not an overflowed uint8 value.
    np.testing.assert_array_equal(shift_hsv(rgb, 120, 0, 0)[0, 0], [0, 255, 0])


def test_value_shift_darkens_gray_by_the_shift():
    gray = np.full((2, 2, 3), 100, np.uint8)
    np.testing.assert_array_equal(shift_hsv(gray, 0, 0, -15), np.full((2, 2, 3), 85, np.uint8))
    np.testing.assert_array_equal(shift_hsv(gray, 0, 0, 200), np.full((2, 2, 3), 255, np.uint8))


@pytest.mark.parametrize("seed", range(8))
def test_shift_scale_rotate_keeps_mask_on_the_bright_square(seed):
    rgb, mask = _square_pair()
    # Far wider limits than the seed's so the check is meaningful.
    config = dataclasses.replace(
        OFF, shift_scale_rotate=True, p_shift_scale_rotate=1.0,
        shift_limit=(-0.1, 0.1), scale_limit=(-0.2, 0.2), rotate_limit=(-30, 30),
    )
    out_rgb, out_mask = augment_pair(rgb, mask, config, np.random.default_rng(seed))
    assert out_rgb.shape == rgb.shape and out_rgb.dtype == np.uint8
    assert out_mask.shape == mask.shape and out_mask.dtype == np.uint8
    assert not np.array_equal(out_mask, mask)  # something moved
    bright = out_rgb.mean(axis=2) > 135
    garment = out_mask > 127
    overlap = np.count_nonzero(bright & garment) / np.count_nonzero(bright | garment)
    assert overlap > 0.9


def test_pure_shift_moves_mask_by_whole_pixels():
    rgb, mask = _square_pair()
    matrix = shift_scale_rotate_matrix(mask.shape, 0.0, 1.0, dx=3, dy=-2)
    _, moved = warp_pair(rgb, mask, matrix)
    np.testing.assert_array_equal(moved[8:28, 7:23], 255)
    assert np.count_nonzero(moved) == 20 * 16


def test_bool_and_channel_masks_keep_shape_and_dtype():
    rgb, mask = _square_pair()
    matrix = shift_scale_rotate_matrix(mask.shape, 10.0, 1.05, 1, 1)
    _, warped_bool = warp_pair(rgb, mask > 0, matrix)
    assert warped_bool.dtype == bool and warped_bool.shape == mask.shape
    _, warped_3d = warp_pair(rgb, mask[..., None], matrix)
    assert warped_3d.shape == mask.shape + (1,)
    np.testing.assert_array_equal(warped_3d[..., 0] > 127, warped_bool)


def test_constant_border_leaves_empty_mask_outside():
    rgb = np.full((20, 20, 3), 200, np.uint8)
    mask = np.full((20, 20), 255, np.uint8)
    matrix = shift_scale_rotate_matrix((20, 20), 0.0, 1.0, dx=5, dy=0)
    image, moved = warp_pair(rgb, mask, matrix, border="constant")
    assert (moved[:, :5] == 0).all() and (image[:, :5] == 0).all()
    _, reflected = warp_pair(rgb, mask, matrix, border="reflect")
    assert (reflected == 255).all()
