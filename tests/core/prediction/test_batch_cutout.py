"""core.prediction.batch_cutout: what `predict` writes, with a stand-in predictor.

The stand-in returns a fixed probability map, so these tests are about files: never an
input overwritten, links named after themselves, 16-bit photos kept 16-bit.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.prediction.batch_cutout import cutout_files, gather_inputs


class HalfPredictor:
    """Garment on the left half of every photo."""

    threshold = 0.5

    def predict_many(self, images, batch_size=4):
        out = []
        for rgb in images:
            probability = np.zeros(rgb.shape[:2], np.uint8)
            probability[:, : rgb.shape[1] // 2] = 255
            out.append(probability)
        return out


def _write_photo(path, seed=0, dtype=np.uint8):
    top = 65535 if dtype == np.uint16 else 255
    cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, top, (24, 16, 3)).astype(dtype))


def test_predict_never_writes_over_an_input(tmp_path):
    # `predict a.jpg a_mask.png --out same --masks`: a's mask would be the second input.
    _write_photo(tmp_path / "a.png", 0)
    _write_photo(tmp_path / "a_mask.png", 1)
    before = (tmp_path / "a_mask.png").read_bytes()
    files, errors = gather_inputs([tmp_path / "a.png", tmp_path / "a_mask.png"])
    result = cutout_files(files, HalfPredictor(), tmp_path, write_masks=True)
    assert (tmp_path / "a_mask.png").read_bytes() == before
    assert any("original photo" in line and "a_mask.png" in line for line in result.failures)
    assert not (tmp_path / "a_cutout.png").exists()  # the pair is all or nothing


def test_symbolic_links_are_named_after_themselves(tmp_path):
    _write_photo(tmp_path / "target.png")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "first.png").symlink_to(tmp_path / "target.png")
    (tmp_path / "in" / "second.png").symlink_to(tmp_path / "target.png")
    files, errors = gather_inputs([tmp_path / "in"])
    assert [f.name for f in files] == ["first.png", "second.png"] and not errors
    out = tmp_path / "out"
    out.mkdir()
    result = cutout_files(files, HalfPredictor(), out)
    assert sorted(p.name for p in result.written) == ["first_cutout.png", "second_cutout.png"]


def test_the_same_path_named_twice_is_predicted_once(tmp_path):
    _write_photo(tmp_path / "a.png")
    files, _ = gather_inputs([tmp_path / "a.png", tmp_path, tmp_path / "." / "a.png"])
    assert files == [tmp_path / "a.png"]


def test_a_sixteen_bit_photo_gives_a_sixteen_bit_cutout(tmp_path):
    _write_photo(tmp_path / "deep.png", dtype=np.uint16)
    out = tmp_path / "out"
    out.mkdir()
    result = cutout_files([tmp_path / "deep.png"], HalfPredictor(), out)
    cutout = cv2.imread(str(result.written[0]), cv2.IMREAD_UNCHANGED)
    photo = cv2.imread(str(tmp_path / "deep.png"), cv2.IMREAD_UNCHANGED)
    assert cutout.dtype == np.uint16 and np.array_equal(cutout[..., :3], photo)
    assert (cutout[:, :8, 3] == 65535).all() and (cutout[:, 8:, 3] == 0).all()
