"""Big photos go through `cutout_files` in bounded memory and come out whole."""

from __future__ import annotations

import numpy as np

from core.files.imageio import read_image, read_mask
from core.prediction import batch_cutout
from core.prediction.batch_cutout import cutout_files


class _CountingPredictor:
    """Records how many photos each call holds; answers "garment" on the photo's red half."""

    threshold = 0.5

    def __init__(self):
        self.batches: list[int] = []

    def predict_many(self, images, batch_size=4):
        images = list(images)
        self.batches.append(len(images))
        return [np.where(im[..., 0] > 127, 255, 0).astype(np.uint8) for im in images]


def _write_photo(path, h, w):
    import cv2

    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[:, : w // 2, 0] = 200
    cv2.imwrite(str(path), rgb[..., ::-1])


def test_big_photos_are_batched_by_pixels_not_by_count(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_cutout, "BATCH_PIXELS", 3_000_000)
    files = []
    for i in range(5):
        files.append(tmp_path / f"big{i}.png")
        _write_photo(files[-1], 1500, 1000)  # 1.5 MP each: two fill a batch
    out = tmp_path / "out"
    out.mkdir()
    predictor = _CountingPredictor()
    result = cutout_files(files, predictor, out, write_masks=True, batch_size=4)
    assert not result.failures and len(result.written) == 10
    assert predictor.batches == [2, 2, 1]
    mask = read_mask(out / "big3_mask.png")
    assert mask[:, :500].all() and not mask[:, 500:].any()


def test_a_photo_read_as_bgr_comes_out_in_rgb_order(tmp_path):
    # The decoder's BGR buffer is turned to RGB in place, strip by strip.
    import cv2

    from core.files import imageio

    rgb = np.random.default_rng(5).integers(0, 256, (2100, 3001, 3), np.uint8)
    cv2.imwrite(str(tmp_path / "p.png"), rgb[..., ::-1].copy())
    assert np.array_equal(read_image(tmp_path / "p.png").rgb, rgb)
    assert 1_000_000 // 3001 < 2100  # more than one strip was swapped
    assert imageio is not None
