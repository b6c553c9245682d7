"""core.imageio: every format the studio may hand us, written for real into tmp_path."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from core.common.errors import ExportError, ImageReadError
from core.files import imageio
from core.files.imageio import read_image, read_mask, write_png


def _gradient(h: int = 6, w: int = 8) -> np.ndarray:
    """(h, w, 3) uint8 RGB with distinct channels so a BGR mix-up shows."""
    y, x = np.mgrid[0:h, 0:w]
    return np.dstack([x * 30, y * 40, np.full((h, w), 200)]).astype(np.uint8)


def test_rgb_png_is_rgb_order(tmp_path: Path) -> None:
    rgb = _gradient()
    Image.fromarray(rgb).save(tmp_path / "a.png")
    img = read_image(tmp_path / "a.png")
    assert img.rgb.dtype == np.uint8 and img.rgb.shape == (6, 8, 3)
    np.testing.assert_array_equal(img.rgb, rgb)
    assert img.alpha is None
    assert img.path == tmp_path / "a.png"


def test_rgba_png_keeps_alpha(tmp_path: Path) -> None:
    rgba = np.dstack([_gradient(), np.arange(48, dtype=np.uint8).reshape(6, 8) * 5])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    img = read_image(tmp_path / "a.png")
    np.testing.assert_array_equal(img.rgb, rgba[..., :3])
    np.testing.assert_array_equal(img.alpha, rgba[..., 3])


def test_16bit_rgb_png_is_scaled_not_truncated(tmp_path: Path) -> None:
    # RGB order in the file: R=65535, G=32768, B=257 -> 255, 128, 1.
    rgb16 = np.zeros((3, 4, 3), np.uint16)
    rgb16[...] = [65535, 32768, 257]
    cv2.imwrite(str(tmp_path / "a.png"), rgb16[..., ::-1])  # OpenCV writes BGR
    img = read_image(tmp_path / "a.png")
    assert img.rgb.dtype == np.uint8
    np.testing.assert_array_equal(img.rgb[0, 0], [255, 128, 1])


def test_16bit_rgba_png(tmp_path: Path) -> None:
    bgra = np.zeros((3, 4, 4), np.uint16)
    bgra[...] = [0, 0, 65535, 32896]  # pure red, alpha 32896/257 = 128
    cv2.imwrite(str(tmp_path / "a.png"), bgra)
    img = read_image(tmp_path / "a.png")
    np.testing.assert_array_equal(img.rgb[1, 1], [255, 0, 0])
    assert img.alpha is not None and img.alpha[1, 1] == 128


def test_16bit_gray_png(tmp_path: Path) -> None:
    gray = np.array([[0, 257, 65535]], np.uint16)
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    img = read_image(tmp_path / "g.png")
    np.testing.assert_array_equal(img.rgb[0], [[0, 0, 0], [1, 1, 1], [255, 255, 255]])


def test_16bit_rgb_tiff(tmp_path: Path) -> None:
    bgr16 = np.zeros((3, 4, 3), np.uint16)
    bgr16[...] = [0, 65535, 0]
    cv2.imwrite(str(tmp_path / "a.tif"), bgr16)
    np.testing.assert_array_equal(read_image(tmp_path / "a.tif").rgb[2, 3], [0, 255, 0])


def test_gray_and_gray_alpha(tmp_path: Path) -> None:
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    Image.fromarray(gray, "L").save(tmp_path / "l.png")
    img = read_image(tmp_path / "l.png")
    np.testing.assert_array_equal(img.rgb[..., 0], gray)
    np.testing.assert_array_equal(img.rgb[..., 2], gray)
    la = Image.fromarray(np.dstack([gray, np.full((3, 4), 77, np.uint8)]), "LA")
    la.save(tmp_path / "la.png")
    img = read_image(tmp_path / "la.png")
    np.testing.assert_array_equal(img.rgb[..., 1], gray)
    assert img.alpha is not None and np.all(img.alpha == 77)


def test_palette_png_with_transparency(tmp_path: Path) -> None:
    pal = Image.new("P", (4, 3))
    pal.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759)
    pal.putdata([0, 1, 2, 1] * 3)
    pal.save(tmp_path / "p.png", transparency=0)
    img = read_image(tmp_path / "p.png")
    np.testing.assert_array_equal(img.rgb[0, 1], [0, 255, 0])
    np.testing.assert_array_equal(img.rgb[0, 2], [0, 0, 255])
    assert img.alpha is not None
    np.testing.assert_array_equal(img.alpha[0], [0, 255, 255, 255])


def test_palette_png_without_transparency(tmp_path: Path) -> None:
    pal = Image.new("P", (2, 1))
    pal.putpalette([10, 20, 30, 40, 50, 60] + [0] * 762)
    pal.putdata([1, 0])
    pal.save(tmp_path / "p.png")
    img = read_image(tmp_path / "p.png")
    np.testing.assert_array_equal(img.rgb[0], [[40, 50, 60], [10, 20, 30]])
    assert img.alpha is None


def test_cmyk_jpeg(tmp_path: Path) -> None:
    # C=0 M=255 Y=255 K=0 is red.
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "c.jpg", quality=100)
    rgb = read_image(tmp_path / "c.jpg").rgb
    assert rgb.shape == (8, 8, 3)
    assert rgb[4, 4, 0] > 240 and rgb[4, 4, 1] < 15 and rgb[4, 4, 2] < 15


def test_cmyk_tiff(tmp_path: Path) -> None:
    Image.new("CMYK", (5, 4), (255, 0, 255, 0)).save(tmp_path / "c.tif")  # green
    np.testing.assert_array_equal(read_image(tmp_path / "c.tif").rgb[1, 1], [0, 255, 0])


def test_webp_lossless_with_alpha(tmp_path: Path) -> None:
    Image.new("RGBA", (4, 3), (10, 20, 30, 40)).save(tmp_path / "a.webp", lossless=True)
    img = read_image(tmp_path / "a.webp")
    np.testing.assert_array_equal(img.rgb[0, 0], [10, 20, 30])
    assert img.alpha is not None and img.alpha[0, 0] == 40


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow_transpose(tmp_path: Path, orientation: int) -> None:
    # A 6x4 photo with a bright top-left block: every orientation moves it somewhere else.
    rgb = np.full((4, 6, 3), 20, np.uint8)
    rgb[0:2, 0:2] = 250
    rgb[3, 5] = [250, 0, 0]
    im = Image.fromarray(rgb)
    exif = im.getexif()
    exif[0x0112] = orientation
    im.save(tmp_path / "r.jpg", exif=exif, quality=100)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(tmp_path / "r.jpg")).convert("RGB"))
    got = read_image(tmp_path / "r.jpg").rgb
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    if orientation == 6:  # rotate 90 clockwise: the (4, 6) photo stands up as (6, 4)
        assert got.shape[:2] == (6, 4) and got[0, 3, 0] > 200


# What each orientation does to the stored pixels (TIFF 6.0 / EXIF), written out by hand.
_ORIENTED = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}


@pytest.mark.parametrize("mode", ["RGB", "CMYK"])  # OpenCV decodes the first, Pillow the second
@pytest.mark.parametrize("orientation", range(2, 9))
def test_tiff_orientation_is_applied_once(tmp_path: Path, orientation: int, mode: str) -> None:
    # OpenCV's TIFF decoder (and Pillow's, on load) apply the tag themselves; applying it
    # again turned every rotated TIFF the wrong way.
    rgb = np.full((4, 6, 3), 20, np.uint8)
    rgb[0, 0] = 250
    rgb[3, 5] = [250, 0, 0]
    Image.fromarray(rgb).convert(mode).save(tmp_path / "r.tif", tiffinfo={0x0112: orientation})
    got = read_image(tmp_path / "r.tif").rgb
    expected = _ORIENTED[orientation](rgb)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.astype(int), expected.astype(int), atol=2)  # CMYK round trip


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_truncated_file(tmp_path: Path, suffix: str) -> None:
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    full = tmp_path / f"full{suffix}"
    Image.fromarray(rgb).save(full)
    cut = tmp_path / f"cut{suffix}"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match="cut") as info:
        read_image(cut)
    assert "truncated" in str(info.value) or "corrupt" in str(info.value)


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(np.random.default_rng(0).bytes(5000)), "not an image"),
        (lambda p: p.mkdir(), "folder"),
        (lambda p: Image.new("RGB", (3, 3)).save(p, format="GIF"), "unsupported format GIF"),
    ],
    ids=["missing", "empty", "random", "directory", "gif"],
)
def test_bad_inputs_raise_image_read_error(tmp_path: Path, make, cause: str) -> None:
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(ImageReadError, match=cause) as info:
        read_image(path)
    assert info.value.path == path
    assert "bad.png" in str(info.value)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_decompression_bomb_header_is_refused(tmp_path: Path) -> None:
    # A 100 kB-ish file whose header claims 60000 x 60000 pixels.
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 60001 * 10)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    (tmp_path / "bomb.png").write_bytes(data)
    with pytest.raises(ImageReadError, match="too large") as info:
        read_image(tmp_path / "bomb.png")
    # In our words and against our limit, not Pillow's ("178956970 pixels ... DOS attack").
    assert "3,600 megapixels is over the 150 megapixel limit" in str(info.value)
    assert "DOS" not in str(info.value) and "178956970" not in str(info.value)
    from core.files.listing_check import listing_problem

    problem = listing_problem(tmp_path / "bomb.png")  # known as the catalogue is listed, for certain
    assert problem is not None and problem.certain and "150 megapixel limit" in problem.what


def test_a_photo_over_our_limit_but_under_pillows_is_flagged_at_listing(tmp_path, monkeypatch):
    from core.files import imageio, listing_check

    Image.new("RGB", (20, 10)).save(tmp_path / "a.png")
    monkeypatch.setattr(imageio, "MAX_PIXELS", 199)
    problem = listing_check.listing_problem(tmp_path / "a.png")
    assert problem is not None and problem.certain and "20x10 pixels" in problem.what


def test_pixel_limit_is_checked_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Image.new("RGB", (20, 10)).save(tmp_path / "a.png")
    monkeypatch.setattr(imageio, "MAX_PIXELS", 199)
    with pytest.raises(ImageReadError, match="20x10"):
        read_image(tmp_path / "a.png")
    monkeypatch.setattr(imageio, "MAX_PIXELS", 200)
    assert read_image(tmp_path / "a.png").size == (10, 20)


def test_read_mask_rules(tmp_path: Path) -> None:
    gray = np.array([[0, 127, 128, 255]], np.uint8)
    Image.fromarray(gray, "L").save(tmp_path / "m8.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "m8.png"), [[False, False, True, True]])

    g16 = np.array([[32639, 32768, 65535, 0]], np.uint16)  # scaled: 127, 128, 255, 0
    cv2.imwrite(str(tmp_path / "m16.png"), g16)
    np.testing.assert_array_equal(read_mask(tmp_path / "m16.png"), [[False, True, True, False]])

    rgba = np.zeros((1, 3, 4), np.uint8)
    rgba[..., :3] = 255  # colour says garment everywhere; alpha decides
    rgba[0, :, 3] = [0, 128, 255]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "cut.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "cut.png"), [[False, True, True]])

    rgb = np.array([[[255, 255, 255], [0, 0, 0], [0, 255, 0]]], np.uint8)  # green's luma is 150
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "rgb.png"), [[True, False, True]])

    opaque = np.dstack([rgb, np.full((1, 3), 255, np.uint8)])
    Image.fromarray(opaque, "RGBA").save(tmp_path / "opaque.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "opaque.png"), [[True, False, True]])


def test_write_png_round_trip(tmp_path: Path) -> None:
    rgba = np.dstack([_gradient(), np.full((6, 8), 99, np.uint8)])
    write_png(tmp_path / "o.png", rgba)
    back = np.asarray(Image.open(tmp_path / "o.png"))
    np.testing.assert_array_equal(back, rgba)
    write_png(tmp_path / "rgb.png", rgba[..., :3])
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "rgb.png")), rgba[..., :3])
    write_png(tmp_path / "m.png", np.array([[True, False]]))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "m.png")), [[255, 0]])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_write_png_failures(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="does not exist"):
        write_png(blocker / "o.png", np.zeros((2, 2), np.uint8))
    with pytest.raises(ExportError, match="float"):
        write_png(tmp_path / "o.png", np.zeros((2, 2), np.float32))
    for empty in (np.zeros((0, 4), np.uint8), np.zeros((0, 4, 3), np.uint8), np.zeros((3, 0, 4), np.uint8)):
        with pytest.raises(ExportError, match="empty"):
            write_png(tmp_path / "o.png", empty)
    with pytest.raises(ExportError, match="shape"):
        write_png(tmp_path / "o.png", np.zeros((2, 2, 2), np.uint8))
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ExportError, match="dir.png"):
        write_png(tmp_path / "dir.png", np.zeros((2, 2), np.uint8))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.png", "file"]


def test_studio_size_png_reads_quickly(tmp_path: Path) -> None:
    import time

    rgba = np.zeros((1728, 1152, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[200:1500, 300:900, :3] = 180
    write_png(tmp_path / "big.png", rgba)
    read_image(tmp_path / "big.png")
    start = time.perf_counter()
    img = read_image(tmp_path / "big.png")
    elapsed = time.perf_counter() - start
    assert img.size == (1728, 1152)
    # A plain decode is ~10-50 ms; a slow path (Pillow convert + copies) would be several times that.
    assert elapsed < 0.5


@pytest.mark.shared_data
def test_reads_a_real_ccp_photo_and_mask() -> None:
    from core.common.paths import SHARED_CCP

    photo, mask_file = SHARED_CCP / "images" / "0001.jpg", SHARED_CCP / "masks" / "0001.png"
    if not (photo.is_file() and mask_file.is_file()):
        pytest.skip(f"shared CCP data not found at {SHARED_CCP}")
    img = read_image(photo)
    mask = read_mask(mask_file)
    assert img.rgb.dtype == np.uint8 and img.rgb.ndim == 3
    assert mask.shape == img.size
    assert 0 < mask.mean() < 1  # a garment, and some background


def test_list_image_files_skips_hidden_folders_and_other_suffixes(tmp_path: Path) -> None:
    for name in ("b.PNG", "a.jpg", "c.tiff", "notes.txt", ".a.1x2y.tmp.png", "._IMG_1.jpg"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "folder.png").mkdir()
    assert [p.name for p in imageio.list_image_files(tmp_path)] == ["a.jpg", "b.PNG", "c.tiff"]
