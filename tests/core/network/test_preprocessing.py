import numpy as np
import pytest

from core.network.card import ModelCard
from core.network.preprocessing import (
    compute_normalisation,
    contrast_stretch,
    equalize_histogram,
    probability_to_uint8,
    resize_mask_to_model,
    resize_probability_to_photo,
    resize_to_model,
    to_model_input,
)


def test_area_downsampling_averages_blocks():
    img = np.zeros((4, 4, 3), np.uint8)
    img[:2, :2] = 200  # top-left 2x2 block
    small = resize_to_model(img, (2, 2))
    assert small.shape == (2, 2, 3)
    assert small[0, 0, 0] == 200 and small[1, 1, 0] == 0


def test_mask_downsampling_gives_fractions():
    mask = np.zeros((4, 4), bool)
    mask[0, 0] = mask[0, 1] = True  # half of the top-left 2x2 block
    small = resize_mask_to_model(mask, (2, 2))
    assert small.dtype == np.float32
    assert small[0, 0] == pytest.approx(0.5)
    assert small[1, 1] == 0.0


def test_upsampling_back_to_photo_is_clipped():
    p = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    up = resize_probability_to_photo(p, (8, 8))
    assert up.shape == (8, 8) and up.min() >= 0.0 and up.max() <= 1.0


def test_probability_to_uint8_rounds():
    assert probability_to_uint8(np.array([0.0, 0.5, 1.0], np.float32)).tolist() == [0, 128, 255]


def test_normalisation_of_constant_images():
    images = np.zeros((2, 3, 3, 3), np.uint8)
    images[..., 0] = 51    # 0.2
    images[..., 1] = 102   # 0.4
    images[1, ..., 2] = 255
    mean, std = compute_normalisation(images)
    assert mean[0] == pytest.approx(0.2) and mean[1] == pytest.approx(0.4) and mean[2] == pytest.approx(0.5)
    assert std[2] == pytest.approx(0.5)
    card = ModelCard(mean=mean, std=std)
    x = to_model_input(images, card)
    assert x.dtype == np.float32
    assert np.allclose(x[..., 2], [[[-1.0]], [[1.0]]])


def test_gray_card_gives_one_channel():
    card = ModelCard(channels=1, mean=[0.5], std=[0.5])
    x = to_model_input(np.full((1, 4, 4, 3), 255, np.uint8), card)
    assert x.shape == (1, 4, 4, 1) and np.allclose(x, 1.0)


def test_contrast_options_spread_a_narrow_range():
    rng = np.random.default_rng(0)
    img = rng.integers(100, 120, (32, 32, 3), dtype=np.uint8)
    for out in (contrast_stretch(img), equalize_histogram(img)):
        assert out.dtype == np.uint8 and int(out.max()) - int(out.min()) > 150
