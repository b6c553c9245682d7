"""Property-based fuzzing of everything that reads a user's files or arguments.

Each reader gets bytes it was never meant to see (random, and valid files with bytes
flipped, cut or inserted) and must answer with its own error type and a reason, or a
result that holds together. Never another exception, never a hang. The examples are the
same on every run (tests/conftest.py's profile), 60 per test in the default run.
"""

from __future__ import annotations

import io
import json
import string
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from PIL import Image

from core.common.errors import GarmentCutoutError, ImageReadError, ModelLoadError
from core.files.imageio import read_image
from core.files.shoots import discover
from core.files.sidecar import RestoredView, Sidecar
from core.network.card import ModelCard

_rng = np.random.default_rng(0)
_PIXELS = cv2.GaussianBlur(_rng.integers(0, 255, (48, 32, 3)).astype(np.uint8), (5, 5), 1)


def _encoded(kind: str) -> bytes:
    if kind == "tiff-la":
        buffer = io.BytesIO()
        Image.fromarray(np.dstack([_PIXELS[..., 0], _PIXELS[..., 1]]), "LA").save(buffer, "TIFF")
        return buffer.getvalue()
    image = _PIXELS.astype(np.uint16) * 257 if kind == "png16" else _PIXELS
    return cv2.imencode({"png16": ".png"}.get(kind, f".{kind}"), image)[1].tobytes()


VALID = {kind: _encoded(kind) for kind in ("png", "png16", "jpg", "tiff", "webp", "bmp", "tiff-la")}


@st.composite
def damaged_files(draw):
    data = bytearray(VALID[draw(st.sampled_from(sorted(VALID)))])
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        at = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[at:at + 8] = b"\0" * 8
        if not data:
            data = bytearray(b"\0")
    return bytes(data)


def _check_read(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"photo{suffix}"
    path.write_bytes(data)
    try:
        image = read_image(path)
    except ImageReadError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
        return
    h, w = image.rgb.shape[:2]
    assert image.rgb.dtype == np.uint8 and image.rgb.shape == (h, w, 3) and h * w > 0
    assert image.alpha is None or image.alpha.shape == (h, w)
    assert image.rgb16 is None or image.rgb16.shape == (h, w, 3)


@given(data=damaged_files(), suffix=st.sampled_from([".png", ".jpg", ".tif"]))
def test_a_damaged_image_reads_whole_or_raises_image_read_error(tmp_path, data, suffix):
    _check_read(tmp_path, data, suffix)


@given(data=st.binary(min_size=0, max_size=2048))
def test_random_bytes_never_crash_the_reader(tmp_path, data):
    _check_read(tmp_path, data, ".png")


@given(prefix=st.sampled_from([b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*", b"\xff\xd8\xff", b"RIFF"]),
       rest=st.binary(max_size=512))
def test_a_known_signature_on_garbage_is_refused(tmp_path, prefix, rest):
    _check_read(tmp_path, prefix + rest, ".png")


# --- shoot discovery ------------------------------------------------------------------

_NAME_CHARS = string.ascii_letters + string.digits + "_-. ()é"


@given(names=st.lists(st.text(_NAME_CHARS, min_size=1, max_size=24).filter(lambda n: n not in (".", "..")),
                      max_size=12, unique=True),
       suffixes=st.lists(st.sampled_from([".png", ".JPG", ".tif", ".txt", "_cutout.png", "_mask.png", ""]),
                         min_size=12, max_size=12))
def test_discovery_of_any_folder_gives_consistent_garments(tmp_path_factory, names, suffixes):
    folder = tmp_path_factory.mktemp("shoot")
    for name, suffix in zip(names, suffixes):
        (folder / f"{name}{suffix}").write_bytes(b"x")
    try:
        catalogue = discover([folder])
    except GarmentCutoutError:
        return
    seen = [p for g in catalogue.garments for p in g.views.values()]
    assert len(seen) == len(set(seen)) and all(p.parent == folder for p in seen)
    assert all(not p.name.startswith(".") and not p.name.endswith(("_cutout.png", "_mask.png")) for p in seen)


# --- the sidecar ------------------------------------------------------------------------

def _saved_view_bytes(tmp_path: Path) -> bytes:
    car = Sidecar(tmp_path / "reference")
    car.save_view("g1_Front", 0.4, np.eye(6, dtype=np.uint8), "photo")
    return car.view_path("g1_Front").read_bytes()


@given(data=st.data())
def test_a_damaged_sidecar_is_set_aside_never_raised(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("sidecar")
    good = _saved_view_bytes(folder)
    raw = bytearray(good)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] ^= data.draw(st.integers(1, 255))
    car = Sidecar(folder / "shoot")
    car.root.mkdir(parents=True)
    car.view_path("g1_Front").write_bytes(bytes(raw))
    index = data.draw(st.sampled_from(['{"format": 2}', '{"format": 1e400}', "[]", "garbage", '{"format": -1}']))
    (car.root / "index.json").write_text(index)
    restored = car.restore_view("g1_Front", (6, 6), "photo")
    assert isinstance(restored, RestoredView)
    if restored.override is not None:
        assert restored.override.shape == (6, 6) and 0.0 <= restored.threshold <= 1.0


# --- the model card -----------------------------------------------------------------------

JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                       max_size=3), max_leaves=6)


@given(changes=st.dictionaries(st.sampled_from(sorted(ModelCard().to_dict())), JSON_VALUES, min_size=1, max_size=4))
def test_any_card_loads_whole_or_is_refused_in_one_line(tmp_path, changes):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({**ModelCard().to_dict(), **changes}, allow_nan=True))
    try:
        card = ModelCard.load(path)
    except ModelLoadError as exc:
        assert "\n" not in str(exc)
        return
    # What loaded is usable: the fields that drive inference have their types.
    assert isinstance(card.input_height, int) and card.input_height > 0
    assert card.channels in (1, 3) and len(card.mean) == card.channels
    assert 0.0 <= float(card.threshold) <= 1.0 and isinstance(card.tta_flip, bool)
    assert card.val_dice is None or isinstance(card.val_dice, (int, float))
    assert isinstance(card.width, (int, float)) and card.width > 0


@given(text=st.text(max_size=200))
def test_a_card_that_is_not_json_is_refused(tmp_path, text):
    assume(not text.strip().startswith("{"))
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(ModelLoadError):
        ModelCard.load(path)
