"""Training data discovery in the three layouts, loading, splitting and the tf.data pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from core.common.errors import Cancelled, DataError
from core.files.pairs import (
    Pair,
    SplitSpec,
    apply_split,
    discover_many,
    discover_pairs,
    load_body,
    load_pair,
    load_pair_with_body,
    read_split_file,
    split_pairs,
    write_split_file,
)
from core.training.augment import AugmentConfig
from core.training.data import load_arrays, make_dataset


def _photo(seed: int, h: int = 30, w: int = 20) -> np.ndarray:
    """(h, w, 3) uint8 RGB with a bright garment block whose mask is `_mask(h, w)`."""
    rgb = np.random.default_rng(seed).integers(0, 60, size=(h, w, 3), dtype=np.uint8)
    rgb[5:25, 4:16] = (200, 40 + seed, 90)
    return rgb


def _mask(h: int = 30, w: int = 20) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    mask[5:25, 4:16] = 255
    return mask


def _write_rgb(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def _write_rgba(path: Path, rgb: np.ndarray, alpha: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    bgra = np.dstack([cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), alpha])
    assert cv2.imwrite(str(path), bgra)


def _make_masks_layout(root: Path, n: int = 3) -> Path:
    (root / "masks").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        _write_rgb(root / "images" / f"{i:04d}.png", _photo(i))
        mask = _mask()
        mask[mask > 0] = 200  # >127 counts as garment
        assert cv2.imwrite(str(root / "masks" / f"{i:04d}.png"), mask)
    return root


# ---------------------------------------------------------------------------
# discover_pairs
# ---------------------------------------------------------------------------


def test_images_and_masks_layout(tmp_path):
    root = _make_masks_layout(tmp_path / "set")
    pairs = discover_pairs(root)
    assert [p.name for p in pairs] == ["0000", "0001", "0002"]
    assert pairs[1] == Pair("0001", root / "images" / "0001.png", mask_path=root / "masks" / "0001.png")
    rgb, mask = load_pair(pairs[1])
    np.testing.assert_array_equal(rgb, _photo(1))
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask, _mask() > 0)


def test_masks_may_carry_a_mask_suffix_and_jpeg_photos(tmp_path):
    root = tmp_path / "set"
    _write_rgb(root / "images" / "a.jpg", _photo(0))
    (root / "masks").mkdir()
    cv2.imwrite(str(root / "masks" / "a_mask.png"), _mask())
    (root / "images" / ".DS_Store").write_bytes(b"junk")  # hidden non-images are ignored
    (root / "images" / "notes.txt").write_text("ignored")
    pairs = discover_pairs(root)
    assert [(p.name, p.mask_path.name) for p in pairs] == [("a", "a_mask.png")]


def test_images_and_cutouts_layout_takes_rgb_from_the_photo(tmp_path):
    root = tmp_path / "studio"
    photo = _photo(7)
    _write_rgb(root / "images" / "G1_Front.png", photo)
    # The cutout's RGB is blanked where transparent, as Photoshop cutouts often are.
    blank = photo.copy()
    blank[_mask() == 0] = 0
    _write_rgba(root / "cutouts" / "G1_Front_cutout.png", blank, _mask())
    _write_rgba(root / "cutouts" / "G1_Back.png", photo, _mask())
    _write_rgb(root / "images" / "G1_Back.jpg", photo)
    pairs = discover_pairs(root)
    assert [p.name for p in pairs] == ["G1_Back", "G1_Front"]
    assert pairs[1].cutout_path.name == "G1_Front_cutout.png" and pairs[1].mask_path is None
    rgb, mask = load_pair(pairs[1])
    np.testing.assert_array_equal(rgb, photo)
    np.testing.assert_array_equal(mask, _mask() > 127)


def test_plain_folder_of_exported_cutouts(tmp_path):
    photo = _photo(3)
    alpha = _mask()
    alpha[5:25, 4:6] = 100  # a feathered edge below the cut stays background
    _write_rgba(tmp_path / "G2_Front_cutout.png", photo, alpha)
    _write_rgba(tmp_path / "G2_Back_cutout.png", photo, alpha)
    _write_rgb(tmp_path / "G2_Front.jpg", photo)  # original photos beside them are ignored
    pairs = discover_pairs(tmp_path)
    assert [p.name for p in pairs] == ["G2_Back", "G2_Front"]
    assert pairs[0].image_path == pairs[0].cutout_path == tmp_path / "G2_Back_cutout.png"
    rgb, mask = load_pair(pairs[0])
    np.testing.assert_array_equal(rgb, photo)
    assert mask.sum() == 20 * 10


def test_cutout_without_alpha_is_a_data_error(tmp_path):
    _write_rgb(tmp_path / "x_cutout.png", _photo(0))
    (pair,) = discover_pairs(tmp_path)
    with pytest.raises(DataError, match="no alpha"):
        load_pair(pair)


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        discover_pairs(tmp_path / "nope")


def test_empty_folder(tmp_path):
    with pytest.raises(DataError, match="no training data"):
        discover_pairs(tmp_path)


def test_empty_images_folder(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    with pytest.raises(DataError, match="holds no images"):
        discover_pairs(tmp_path)


def test_images_without_masks_or_cutouts_folder(tmp_path):
    _write_rgb(tmp_path / "images" / "a.png", _photo(0))
    with pytest.raises(DataError, match="neither masks/ nor cutouts/"):
        discover_pairs(tmp_path)


def test_unmatched_files_are_listed(tmp_path):
    root = _make_masks_layout(tmp_path, n=3)
    for i in range(3, 10):
        _write_rgb(root / "images" / f"{i:04d}.png", _photo(i))
    cv2.imwrite(str(root / "masks" / "zz.png"), _mask())
    with pytest.raises(DataError) as info:
        discover_pairs(root)
    message = str(info.value)
    assert "7 image(s) without a file in masks/ (0003, 0004, 0005, 0006, 0007 and 2 more)" in message
    assert "1 file(s) in masks/ without an image (zz)" in message


def test_duplicate_stems_are_refused(tmp_path):
    root = _make_masks_layout(tmp_path, n=1)
    _write_rgb(root / "images" / "0000.jpg", _photo(0))
    with pytest.raises(DataError, match="both named '0000'"):
        discover_pairs(root)


def test_mismatched_sizes_are_a_data_error(tmp_path):
    root = _make_masks_layout(tmp_path, n=1)
    cv2.imwrite(str(root / "masks" / "0000.png"), np.zeros((10, 10), np.uint8))
    with pytest.raises(DataError, match="mask is 10x10 but the photo is 20x30"):
        load_pair(discover_pairs(root)[0])


def test_discover_many_prefixes_clashing_names(tmp_path):
    a = _make_masks_layout(tmp_path / "a", n=2)
    b = _make_masks_layout(tmp_path / "b", n=1)
    names = [p.name for p in discover_many([a, b])]
    assert names == ["a/0000", "0001", "b/0000"]


# ---------------------------------------------------------------------------
# parts/: the body labels of a body-head run
# ---------------------------------------------------------------------------


def _parts_map(h: int = 30, w: int = 20) -> np.ndarray:
    parts = (_mask(h, w) > 0).astype(np.uint8)  # 1 = garment
    parts[1:5, 6:14] = 2                         # 2 = the person but not garment
    return parts


def test_parts_are_discovered_by_the_masks_stem_and_read_as_a_body_mask(tmp_path):
    root = _make_masks_layout(tmp_path / "set", n=3)
    (root / "parts").mkdir()
    assert cv2.imwrite(str(root / "parts" / "0000.png"), _parts_map())
    assert cv2.imwrite(str(root / "parts" / "0002_parts.png"), _parts_map())
    pairs = discover_pairs(root)
    assert [p.parts_path.name if p.parts_path else None for p in pairs] == ["0000.png", None, "0002_parts.png"]
    body = load_body(pairs[0], (30, 20))
    assert body.dtype == bool and body.shape == (30, 20) and np.array_equal(body, _parts_map() == 2)
    assert load_body(pairs[1], (30, 20)) is None  # no parts map: nothing known of the body
    rgb, mask, body = load_pair_with_body(pairs[2])
    assert rgb.shape == (30, 20, 3) and mask.shape == body.shape and body.sum() == 32
    # A folder without parts/ gives no pair a label map.
    assert all(p.parts_path is None for p in discover_pairs(_make_masks_layout(tmp_path / "plain", n=2)))


def test_parts_of_another_size_or_kind_are_a_data_error(tmp_path):
    root = _make_masks_layout(tmp_path / "set", n=1)
    (root / "parts").mkdir()
    path = root / "parts" / "0000.png"
    assert cv2.imwrite(str(path), np.zeros((10, 10), np.uint8))
    pair = discover_pairs(root)[0]
    with pytest.raises(DataError, match="0000.png is 10x10 but the photo is 20x30"):
        load_body(pair, (30, 20))
    assert cv2.imwrite(str(path), _mask())  # a 0/255 mask saved in parts/ by mistake
    with pytest.raises(DataError, match="holds label 255"):
        load_body(pair, (30, 20))
    assert cv2.imwrite(str(path), np.dstack([_parts_map(), _parts_map(), np.zeros((30, 20), np.uint8)]))
    with pytest.raises(DataError, match="not an 8-bit gray label map"):
        load_body(pair, (30, 20))


# ---------------------------------------------------------------------------
# split
# ---------------------------------------------------------------------------


def _pairs(n: int) -> list[Pair]:
    return [Pair(f"{i:03d}", Path(f"{i:03d}.jpg"), mask_path=Path(f"{i:03d}.png")) for i in range(n)]


def test_split_is_deterministic_and_independent_of_input_order():
    pairs = _pairs(20)
    train, val = split_pairs(pairs, 0.15, seed=4)
    assert len(val) == 3 and len(train) == 17
    assert {p.name for p in train}.isdisjoint({p.name for p in val})
    assert split_pairs(list(reversed(pairs)), 0.15, seed=4) == (train, val)
    assert split_pairs(pairs, 0.15, seed=5)[1] != val
    assert [p.name for p in val] == sorted(p.name for p in val)


def test_split_keeps_one_on_each_side():
    assert [len(part) for part in split_pairs(_pairs(2), 0.01, 0)] == [1, 1]
    assert [len(part) for part in split_pairs(_pairs(3), 0.0, 0)] == [3, 0]
    with pytest.raises(DataError):
        split_pairs(_pairs(3), 1.0, 0)


def test_split_file_round_trip_holds_out_test_names(tmp_path):
    pairs = _pairs(6)
    write_split_file(tmp_path / "split.json", [pairs[4], pairs[1]], held_out=[pairs[5]])
    assert json.loads((tmp_path / "split.json").read_text()) == {"val": ["001", "004"], "test": ["005"]}
    spec = read_split_file(tmp_path / "split.json")
    assert spec == SplitSpec(val=("001", "004"), held_out=("005",))
    train, val = apply_split(pairs, spec)
    assert [p.name for p in val] == ["001", "004"]
    assert [p.name for p in train] == ["000", "002", "003"]


def test_split_file_may_be_a_plain_list(tmp_path):
    (tmp_path / "list.json").write_text('["000"]')
    assert read_split_file(tmp_path / "list.json") == SplitSpec(val=("000",))


def test_split_file_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_split_file(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(DataError, match="not valid JSON"):
        read_split_file(tmp_path / "bad.json")
    (tmp_path / "odd.json").write_text('{"val": "000"}')
    with pytest.raises(DataError, match="lists of names"):
        read_split_file(tmp_path / "odd.json")
    with pytest.raises(DataError, match="not in the data"):
        apply_split(_pairs(3), SplitSpec(val=("999",)))


# ---------------------------------------------------------------------------
# load_arrays and make_dataset
# ---------------------------------------------------------------------------


def test_load_arrays_resizes_with_area_and_reports_progress(tmp_path):
    pairs = discover_pairs(_make_masks_layout(tmp_path, n=3))
    calls = []
    x, y = load_arrays(pairs, (15, 10), progress=lambda d, t: calls.append((d, t)))
    assert x.shape == (3, 15, 10, 3) and x.dtype == np.uint8
    assert y.shape == (3, 15, 10, 1) and y.dtype == np.uint8
    assert calls[-1] == (3, 3)
    np.testing.assert_array_equal(x[2], cv2.resize(_photo(2), (10, 15), interpolation=cv2.INTER_AREA))
    # Halving the 30x20 mask: rows 5..24 -> output rows 2.5..12.5, so rows 2 and 12 are half garment.
    assert y[0, 7, 5, 0] == 255 and y[0, 0, 0, 0] == 0
    assert y[0, 2, 5, 0] == 128 and y[0, 12, 5, 0] == 128


def test_load_arrays_cancels(tmp_path):
    pairs = discover_pairs(_make_masks_layout(tmp_path, n=3))
    with pytest.raises(Cancelled):
        load_arrays(pairs, (15, 10), cancelled=lambda: True)


def test_make_dataset_normalises_batches_and_augments():
    n, h, w = 5, 8, 6
    x = np.zeros((n, h, w, 3), np.uint8)
    x[..., 0] = 255  # red everywhere, so channel means are known exactly
    y = np.zeros((n, h, w, 1), np.uint8)
    y[:, :, :3] = 255  # left half is garment
    card = SimpleNamespace(channels=3, contrast="none", mean=[0.5, 0.5, 0.5], std=[0.5, 0.25, 1.0])
    batches = list(make_dataset(x, y, card, batch_size=2))
    assert [b[0].shape[0] for b in batches] == [2, 2, 1]
    inputs, masks = batches[0]
    assert inputs.dtype.name == "float32" and tuple(inputs.shape) == (2, h, w, 3)
    np.testing.assert_allclose(inputs.numpy()[0, 0, 0], [1.0, -2.0, -0.5])
    np.testing.assert_array_equal(masks.numpy()[0, 0, :, 0], [1, 1, 1, 0, 0, 0])

    always_flip = AugmentConfig(flip=True, p_flip=1.0)
    flipped = next(iter(make_dataset(x, y, card, batch_size=5, augment=always_flip, shuffle=True, seed=1)))[1]
    np.testing.assert_array_equal(flipped.numpy()[:, 0, :, 0], [[0, 0, 0, 1, 1, 1]] * 5)
    assert y[0, 0, 0, 0] == 255  # the preloaded arrays are never modified


def test_make_dataset_gray_has_one_channel_and_shuffles_by_seed():
    x = np.arange(6, dtype=np.uint8).reshape(6, 1, 1, 1).repeat(2, 1).repeat(2, 2).repeat(3, 3) * 40
    y = np.zeros((6, 2, 2, 1), np.uint8)
    card = SimpleNamespace(channels=1, contrast="none", mean=[0.0], std=[1.0])
    first = [b[0].numpy()[:, 0, 0, 0] for b in make_dataset(x, y, card, 6, shuffle=True, seed=3)][0]
    assert first.shape == (6,)
    np.testing.assert_allclose(sorted(first), np.arange(6) * 40 / 255, atol=1e-6)
    again = [b[0].numpy()[:, 0, 0, 0] for b in make_dataset(x, y, card, 6, shuffle=True, seed=3)][0]
    np.testing.assert_array_equal(first, again)
