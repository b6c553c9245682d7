"""core.files.listing_check: broken photos are found when a catalogue is listed, from the
header and the last bytes alone, and whole photos of every readable format pass."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.files.listing_check import listing_problem


def _photo(path, seed=0):
    rgb = np.random.default_rng(seed).integers(0, 255, (60, 40, 3), dtype=np.uint8)
    assert cv2.imwrite(str(path), rgb)
    return path


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif", ".webp"])
def test_whole_photos_pass(tmp_path, suffix):
    assert listing_problem(_photo(tmp_path / f"g1_Front{suffix}")) is None


def test_a_jpeg_with_bytes_after_its_end_still_passes(tmp_path):
    photo = _photo(tmp_path / "g1_Front.jpg")
    photo.write_bytes(photo.read_bytes() + b"\0" * 100)  # padding some cameras write
    assert listing_problem(photo) is None


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_truncated_photo_is_a_warning(tmp_path, suffix):
    photo = _photo(tmp_path / f"g1_Front{suffix}")
    photo.write_bytes(photo.read_bytes()[:-200])  # a copy cut short
    problem = listing_problem(photo)
    assert problem is not None and not problem.certain and "truncated" in problem.what


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"this is a text file, renamed", "not an image"),
    (b"\x89PNG\r\n\x1a\n this is not really a png", "not an image"),
])
def test_a_file_that_will_not_open_is_certain(tmp_path, content, words):
    path = tmp_path / "g1_Front.png"
    path.write_bytes(content)
    problem = listing_problem(path)
    assert problem is not None and problem.certain and words in problem.what


def test_what_it_calls_certain_is_what_the_reader_refuses(tmp_path):
    from core.common.errors import ImageReadError
    from core.files.imageio import read_image

    path = tmp_path / "g1_Front.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    assert listing_problem(path).certain
    with pytest.raises(ImageReadError):
        read_image(path)
