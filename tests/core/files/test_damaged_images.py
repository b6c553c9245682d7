"""Damaged and odd image files, written for real: refused with a reason, or read whole.

The damaged PNGs are built chunk by chunk with valid CRCs, as a failing card reader or
a half-finished copy leaves them: libpng only complains on stderr about these and both
decoders hand back black rows, so the reader must refuse them itself.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from core.common.errors import ImageReadError
from core.files.imageio import read_image
from core.files.png_check import png_problem

H, W = 120, 80


def _photo(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (H, W, 3), dtype=np.uint8)


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        out.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    body = b"".join(struct.pack(">I", len(c)) + t + c + struct.pack(">I", zlib.crc32(t + c)) for t, c in chunks)
    return b"\x89PNG\r\n\x1a\n" + body


def _with_raw(data: bytes, edit) -> bytes:
    """The PNG with its inflated pixel stream passed through `edit(raw) -> bytes or zlib bytes`."""
    chunks = _chunks(data)
    raw = bytearray(zlib.decompress(b"".join(c for t, c in chunks if t == b"IDAT")))
    idat = edit(raw)
    rest = [(t, c) for t, c in chunks if t != b"IDAT"]
    return _png([rest[0], (b"IDAT", idat), *rest[1:]])


def _bad_filter(raw: bytearray) -> bytes:
    raw[(1 + W * 3) * (H // 2)] = 9  # a filter byte must be 0..4
    return zlib.compress(bytes(raw))


def _bad_zlib(raw: bytearray) -> bytes:
    packed = bytearray(zlib.compress(bytes(raw)))
    packed[len(packed) * 2 // 3] ^= 0xFF  # the chunk's CRC is recomputed: only zlib can tell
    return bytes(packed)


def _taller_header(data: bytes) -> bytes:
    chunks = _chunks(data)
    ihdr = bytearray(chunks[0][1])
    ihdr[4:8] = struct.pack(">I", H * 2)
    return _png([(b"IHDR", bytes(ihdr)), *chunks[1:]])


GOOD_PNG = cv2.imencode(".png", _photo())[1].tobytes()
DAMAGED = {
    "bad filter byte": (_with_raw(GOOD_PNG, _bad_filter), "bad filter byte"),
    "bad zlib data, good CRC": (_with_raw(GOOD_PNG, _bad_zlib), "compressed pixel data is corrupt"),
    "IHDR larger than its data": (_taller_header(GOOD_PNG), "pixel data ends early"),
    "cut inside IDAT": (GOOD_PNG[: len(GOOD_PNG) // 2], "truncated"),
    "IDAT checksum wrong": (GOOD_PNG[:-20] + bytes([GOOD_PNG[-20] ^ 1]) + GOOD_PNG[-19:], "checksum"),
}


@pytest.mark.parametrize("name", DAMAGED)
def test_a_damaged_png_is_refused_with_the_reason(tmp_path, name):
    data, reason = DAMAGED[name]
    path = tmp_path / "photo.png"
    path.write_bytes(data)
    with pytest.raises(ImageReadError, match=reason):
        read_image(path)


def test_the_damage_is_real_both_decoders_return_black_rows_for_it():
    # Without the check, the tall-header PNG decodes "fine" with its lower half black.
    decoded = np.asarray(Image.open(io.BytesIO(DAMAGED["IHDR larger than its data"][0])).convert("RGB"))
    assert decoded.shape == (H * 2, W, 3) and not decoded[H + 5:].any()


def _pillow_png(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"])
def test_every_valid_png_layout_passes_the_check(mode):
    rgb = _photo(3)
    image = Image.fromarray(rgb).convert(mode) if mode != "I;16" else Image.fromarray(
        rgb[..., 0].astype(np.uint16) * 257)
    assert png_problem(_pillow_png(image)) is None
    assert png_problem(_pillow_png(Image.fromarray(rgb).quantize(4), bits=2)) is None


def test_a_sixteen_bit_png_passes_and_keeps_its_depth(tmp_path):
    deep = np.random.default_rng(4).integers(0, 65535, (H, W, 3), dtype=np.uint16)
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), deep[..., ::-1])
    image = read_image(path)
    assert image.rgb16 is not None and np.array_equal(image.rgb16, deep)
    assert image.rgb.dtype == np.uint8 and abs(int(image.rgb[0, 0, 0]) - deep[0, 0, 0] / 257) <= 0.5


def test_an_eight_bit_photo_has_no_sixteen_bit_copy(tmp_path):
    path = tmp_path / "plain.png"
    path.write_bytes(GOOD_PNG)
    assert read_image(path).rgb16 is None


def test_a_gray_and_alpha_tiff_keeps_its_alpha(tmp_path):
    gray = _photo()[..., 0]
    path = tmp_path / "la.tif"
    Image.fromarray(np.dstack([gray, 255 - gray]), "LA").save(path)
    image = read_image(path)
    assert image.alpha is not None and np.array_equal(image.alpha, 255 - gray)
    assert np.array_equal(image.rgb[..., 1], gray)


def test_a_float_rgb_tiff_is_read_and_kept_in_sixteen_bits(tmp_path):
    values = np.random.default_rng(5).random((H, W, 3)).astype(np.float32)
    path = tmp_path / "hdr.tif"
    cv2.imwrite(str(path), values[..., ::-1])  # Pillow cannot even identify this one
    image = read_image(path)
    assert image.rgb.shape == (H, W, 3)
    assert np.abs(image.rgb16.astype(float) / 65535 - values).max() < 1e-4


def test_a_float_tiff_that_claims_too_many_pixels_is_refused_before_decoding(tmp_path, monkeypatch):
    from core.files import imageio

    path = tmp_path / "hdr.tif"
    cv2.imwrite(str(path), np.zeros((H, W, 3), np.float32))
    monkeypatch.setattr(imageio, "MAX_PIXELS", H * W - 1)
    with pytest.raises(ImageReadError, match="too large"):
        read_image(path)


def test_a_fifo_is_refused_at_once_instead_of_blocking(tmp_path):
    fifo = tmp_path / "photo.png"
    os.mkfifo(fifo)
    with pytest.raises(ImageReadError, match="not a regular file"):
        read_image(fifo)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_an_endless_device_is_refused():
    with pytest.raises(ImageReadError, match="not a regular file"):
        read_image("/dev/zero")


def test_a_file_beyond_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    from core.files import imageio

    path = tmp_path / "big.png"
    path.write_bytes(GOOD_PNG)
    monkeypatch.setattr(imageio, "MAX_FILE_BYTES", len(GOOD_PNG) - 1)
    with pytest.raises(ImageReadError, match="too large"):
        read_image(path)


def test_a_truncated_tiff_costs_one_error_and_no_opencv_log(tmp_path):
    """OpenCV's TIFF decoder logged four "[ERROR:0@...] global grfmt_tiff.cpp ..." lines to
    stderr beside our own one line (found by a helper, in predict and collect)."""
    import subprocess
    import sys

    from PIL import Image

    path = tmp_path / "cut.tif"
    rgb = np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(path)  # uncompressed, one strip
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    code = ("import sys; from core.files.imageio import read_image\n"
            "try:\n    read_image(sys.argv[1])\nexcept Exception as exc:\n    print(type(exc).__name__, exc)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[3])
    assert done.stdout.startswith("ImageReadError"), done.stdout + done.stderr
    assert done.stderr == ""
