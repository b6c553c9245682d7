"""JPEGs damaged inside their image data are refused (core.files.jpeg_check), and the
JPEGs cameras and tools write, odd ones included, are read."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from core.common.errors import ImageReadError
from core.files.imageio import read_image
from core.files.jpeg_check import jpeg_problem
from core.renders.composition import render_view
from tests.core.files.conftest import overwritten_jpeg


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A studio-like render (smooth backdrop, a garment), BGR, 360 x 240."""
    return cv2.cvtColor(render_view(5000002, "Front", (240, 360)).rgb, cv2.COLOR_RGB2BGR)


def test_an_overwritten_jpeg_is_refused_with_the_reason(tmp_path, photo):
    path = tmp_path / "g1_Front.jpg"
    path.write_bytes(overwritten_jpeg(photo))
    damaged = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert damaged is not None and damaged.shape == photo.shape, "OpenCV decodes it without a word"
    assert np.abs(damaged.astype(int) - photo).mean(axis=(1, 2))[-40:].mean() > 20, "its lower part is garbage"
    with pytest.raises(ImageReadError, match="the JPEG file is corrupt"):
        read_image(path)


def test_a_jpeg_cut_short_is_refused(tmp_path, photo):
    data = cv2.imencode(".jpg", photo)[1].tobytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ImageReadError):
        read_image(path)


def _pillow(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def test_every_usual_jpeg_layout_passes(photo):
    image = Image.fromarray(photo[..., ::-1])
    exif = Image.Exif()
    exif[0x0112] = 6
    layouts = {
        "baseline": _pillow(image), "progressive": _pillow(image, progressive=True),
        "optimised": _pillow(image, optimize=True), "4:4:4": _pillow(image, subsampling=0),
        "exif": _pillow(image, exif=exif.tobytes()), "gray": _pillow(image.convert("L")),
        "cmyk": _pillow(image.convert("CMYK")),
        "restarts": cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_RST_INTERVAL, 4])[1].tobytes(),
    }
    plain = layouts["baseline"]
    layouts["padded before the end"] = plain[:-2] + b"\x00\x00\x00\xff\xd9"  # libjpeg warns; decodes whole
    layouts["data after the end"] = plain + b"a camera's second picture"
    layouts["no end marker"] = plain[:-2]  # the image data whole: OpenCV decodes it whole
    assert {name: jpeg_problem(data) for name, data in layouts.items()} == {name: None for name in layouts}


def test_the_check_sees_no_damage_in_the_shared_photos():
    from core.common import paths

    if not paths.SHARED_CCP.is_dir():
        pytest.skip("shared CCP photos (../shared/data/ccp-garments) not beside this clone")
    flagged = [p.name for p in sorted((paths.SHARED_CCP / "images").glob("*.jpg")) if jpeg_problem(p.read_bytes())]
    assert flagged == []
