"""Read any photo as RGB uint8 (+ alpha) and write PNGs atomically.

OpenCV decodes first: it is faster than Pillow for plain PNG/JPEG and keeps 16 bits where
Pillow truncates them (16-bit RGB PNG/TIFF). Pillow reads the header first (format, size,
EXIF orientation, mode) so absurd sizes are refused before any pixel is decoded, and it
decodes what OpenCV gets wrong or cannot read (CMYK, gray + alpha TIFFs, odd TIFFs). A PNG's
pixel data is checked whole first (core.files.png_check): both decoders return black rows
for a damaged one. Only regular files are read, and at most MAX_FILE_BYTES of them.

Photos with more than 8 bits per sample (16-bit, float TIFF) keep them in
`LoadedImage.rgb16` beside the 8-bit `rgb` that the model and the screen use, so their
cutouts can be written in 16 bits.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from core.common.errors import ExportError, ImageReadError
from core.files.atomic import write_bytes_atomic
from core.files.jpeg_check import jpeg_problem
from core.files.png_check import png_problem

# OpenCV's decoders log their own "[ERROR:0@...] global grfmt_tiff.cpp ..." lines to
# stderr for a damaged file, beside the one line this module raises about it; only a
# fatal OpenCV error is still worth its log.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_FATAL)

# About 150 megapixels (the largest medium-format backs): beyond that a file is far more
# likely a decompression bomb than a photo, and the app could not hold its masks anyway.
MAX_PIXELS = 150_000_000
# 150 MP of uncompressed 16-bit RGBA is 1.2 GB; a bigger file is not a photo we can open.
MAX_FILE_BYTES = 1_500_000_000

# Pillow format names we accept; MPO is how Pillow names many camera JPEGs.
SUPPORTED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG", "TIFF": "TIFF", "WEBP": "WebP", "BMP": "BMP"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")

_EXIF_ORIENTATION = 0x0112

# Pillow warns about what it tolerates (a corrupt EXIF block...): on the command line such
# lines read as crashes, and a photo either reads or raises ImageReadError. A filter set
# once, not catch_warnings per call: that swaps global state and photos load on threads.
warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")


@dataclass
class LoadedImage:
    """A decoded photo.

    rgb: (H, W, 3) uint8, RGB order, EXIF orientation applied.
    alpha: (H, W) uint8, or None when the file has no alpha channel.
    rgb16: (H, W, 3) uint16 of the same pixels when the file holds more than 8 bits per
        sample (16-bit or float), else None.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None
    path: Path
    rgb16: np.ndarray | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) in pixels."""
        return self.rgb.shape[0], self.rgb.shape[1]


def read_image(path: str | Path) -> LoadedImage:
    """Decode PNG/JPEG/TIFF/WebP (8 or 16 bit, gray, palette, RGB(A), CMYK) as RGB uint8.

    Raises ImageReadError naming the file and the cause for anything that is not a
    readable image of a supported format.
    """
    # Pillow warns about what it tolerates (a corrupt EXIF block...): on the command line
    # such lines read as crashes, and the photo either reads or raises ImageReadError.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read_image(Path(path))


def _read_image(path: Path) -> LoadedImage:
    data = _read_bytes(path)
    header = _open_header(path, data)
    fmt = header.format if header is not None else "TIFF"
    orientation = stored_orientation = _orientation(header, data) if header is not None else 1
    if fmt == "PNG" or SUPPORTED_FORMATS.get(fmt) == "JPEG":
        problem = png_problem(data) if fmt == "PNG" else jpeg_problem(data)
        if problem:
            raise ImageReadError(path, problem)

    decoded: np.ndarray | None = None
    if header is None or (header.mode != "CMYK" and not _drops_alpha(header)):
        decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if header is None:  # a TIFF only OpenCV reads (float RGB): its size came from the IFD
        if decoded is None:
            raise ImageReadError(path, "the TIFF file is corrupt or uses an encoding this app cannot read")
        header_size = (decoded.shape[1], decoded.shape[0])
    else:
        header_size = header.size
    if decoded is not None:
        rgb, alpha, rgb16 = _split_channels(path, decoded, bgr=True)
        # OpenCV's TIFF decoder applies the Orientation tag itself, whatever the flags
        # (its JPEG/PNG/WebP decoders leave it to us under IMREAD_UNCHANGED).
        if fmt == "TIFF":
            orientation = 1
    else:
        rgb, alpha, rgb16 = _decode_with_pillow(path, header)
        # Recent Pillow applies a TIFF's orientation while loading and drops the tag;
        # reading it again after the load tells whether that is still left to us.
        orientation = _orientation(header)
    # Pillow knows the real size before decoding; a decoder that disagrees read garbage.
    # A TIFF turned a quarter by its decoder may be reported either way round, depending
    # on whether this Pillow version orients TIFFs.
    sizes = {header_size}
    if fmt == "TIFF" and stored_orientation in (5, 6, 7, 8):
        sizes.add(header_size[::-1])
    if (rgb.shape[1], rgb.shape[0]) not in sizes:
        raise ImageReadError(path, f"decoded size {rgb.shape[1]}x{rgb.shape[0]} differs from the header's "
                                   f"{header_size[0]}x{header_size[1]}; the {SUPPORTED_FORMATS[fmt]} file is corrupt")
    if orientation != 1:
        rgb = _orient(rgb, orientation)
        alpha = None if alpha is None else _orient(alpha, orientation)
        rgb16 = None if rgb16 is None else _orient(rgb16, orientation)
    return LoadedImage(rgb=rgb, alpha=alpha, path=path, rgb16=rgb16)


def read_mask(path: str | Path) -> np.ndarray:
    """Read a mask file as (H, W) bool; True = garment.

    Gray (8 or 16 bit, scaled to 8) and RGB masks: gray > 127. Files with alpha: alpha > 127,
    unless the alpha is fully opaque - then the colour is the mask (tools that always save
    RGBA), since an opaque cutout would mean a garment filling the whole frame.
    """
    image = read_image(path)
    if image.alpha is not None and not np.all(image.alpha == 255):
        return image.alpha > 127
    gray = cv2.cvtColor(image.rgb, cv2.COLOR_RGB2GRAY)
    return gray > 127


def encode_png(array: np.ndarray, bgr: bool = False) -> bytes:
    """Encode an image as PNG bytes.

    array: (H, W) bool/uint8/uint16 gray, or (H, W, 3) RGB / (H, W, 4) RGBA uint8/uint16
    in RGB order (in OpenCV's BGR order with `bgr`, saving a full-size copy). Raises
    ExportError for anything else.
    """
    array = np.asarray(array)
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    if array.dtype not in (np.uint8, np.uint16):
        raise ExportError(f"cannot write a PNG of {array.dtype} pixels (need uint8, uint16 or bool)")
    if array.size == 0:  # before cvtColor, which asserts on an empty image
        raise ExportError("cannot write an empty image")
    if array.ndim == 3 and array.shape[2] == 3 and not bgr:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    elif array.ndim == 3 and array.shape[2] == 4 and not bgr:
        array = cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA)
    elif array.ndim != 2 and not (array.ndim == 3 and array.shape[2] in (3, 4)):
        raise ExportError(f"cannot write a PNG of shape {array.shape} (need (H, W), (H, W, 3) or (H, W, 4))")
    ok, buffer = cv2.imencode(".png", np.ascontiguousarray(array))
    if not ok:
        raise ExportError(f"PNG encoding failed for an image of shape {array.shape}")
    return buffer.tobytes()


def list_image_files(folder: str | Path) -> list[Path]:
    """The image files directly in `folder` (IMAGE_SUFFIXES, any case), sorted by name.

    Hidden names are skipped: our own atomic-write temporaries (`.name.XXXX.tmp.png`,
    left behind by a kill) and macOS resource forks (`._IMG_1.jpg`) carry image
    suffixes but are not photos. Raises OSError when the folder cannot be listed.
    """
    return sorted(p for p in Path(folder).iterdir()
                  if not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def write_png(path: str | Path, array: np.ndarray) -> None:
    """Write `array` (see encode_png) as a PNG atomically; ExportError with the reason on failure."""
    write_bytes_atomic(path, encode_png(array))


# --- decoding helpers ------------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ImageReadError(path, "file does not exist") from None
    except OSError as exc:
        raise ImageReadError(path, exc.strerror or str(exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise ImageReadError(path, "it is a folder, not an image file")
    # A FIFO would block the read forever and a device (/dev/zero) never ends.
    if not stat.S_ISREG(info.st_mode):
        raise ImageReadError(path, "not a regular file (a pipe, socket or device)")
    if info.st_size > MAX_FILE_BYTES:
        raise ImageReadError(path, f"file is too large ({info.st_size / 1e9:.1f} GB; the limit is "
                                   f"{MAX_FILE_BYTES / 1e9:.1f} GB)")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows meanwhile
    except OSError as exc:
        raise ImageReadError(path, exc.strerror or str(exc)) from exc
    if not data:
        raise ImageReadError(path, "file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise ImageReadError(path, "file grew past the size limit while it was read")
    return data


def _open_header(path: Path, data: bytes) -> Image.Image | None:
    """Pillow's lazy open: reads the header only, so it is cheap and bomb-safe.

    None for a TIFF that Pillow cannot identify (float RGB): its size is then read from
    the TIFF's own directory and checked here, and OpenCV decodes it.
    """
    try:
        with warnings.catch_warnings():
            # We apply our own limit below; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            header = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageReadError(path, bomb_message(exc)) from exc
    except UnidentifiedImageError as exc:
        size = _tiff_size(data)
        if size is None:
            raise ImageReadError(path, "not an image file, or a format this app cannot read") from exc
        _check_size(path, *size)
        return None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(path, f"file is corrupt ({exc})") from exc
    if header.format not in SUPPORTED_FORMATS:
        raise ImageReadError(path, f"unsupported format {header.format} (use PNG, JPEG, TIFF or WebP)")
    _check_size(path, *header.size)
    return header


def _check_size(path: Path, width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageReadError(path, f"image has no pixels ({width}x{height})")
    problem = size_problem(width, height)
    if problem is not None:
        raise ImageReadError(path, problem)


def size_problem(width: int, height: int) -> str | None:
    """Why a photo of `width` x `height` pixels will not be opened, or None."""
    if width * height <= MAX_PIXELS:
        return None
    return (f"image is too large: {width}x{height} pixels is over the {MAX_PIXELS // 1_000_000} megapixel "
            "limit (corrupt file or decompression bomb?)")


def bomb_message(exc: Exception) -> str:
    """Our own words for Pillow's DecompressionBombError, which speaks of its own limit
    (179 megapixels) and "DOS attacks": the header's pixel count against ours."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    pixels = f"{int(found.group(1)) / 1e6:,.0f} megapixels" if found else "its size"
    return (f"image is too large: {pixels} is over the {MAX_PIXELS // 1_000_000} megapixel limit "
            "(corrupt file or decompression bomb?)")


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a TIFF's first directory, or None when `data` is no TIFF."""
    order = {b"II*\x00": "<", b"MM\x00*": ">"}.get(data[:4])
    if order is None:
        return None
    try:
        (ifd,) = struct.unpack(order + "I", data[4:8])
        (count,) = struct.unpack(order + "H", data[ifd:ifd + 2])
        tags = {}
        for i in range(count):
            entry = data[ifd + 2 + 12 * i:ifd + 14 + 12 * i]
            tag, kind = struct.unpack(order + "HH", entry[:4])
            if tag in (256, 257):  # ImageWidth, ImageLength: SHORT (3) or LONG (4)
                tags[tag] = struct.unpack(order + ("H" if kind == 3 else "I"), entry[8:10 if kind == 3 else 12])[0]
        return tags[256], tags[257]
    except (struct.error, KeyError):
        return None


def _drops_alpha(header: Image.Image) -> bool:
    """OpenCV's TIFF decoder reads a gray + alpha TIFF as plain gray: Pillow must decode it."""
    return header.format == "TIFF" and header.mode in ("LA", "La", "PA")


def _orientation(header: Image.Image, data: bytes | None = None) -> int:
    """The EXIF orientation (1..8; 1 when none). A PNG's EXIF may follow its pixels, so
    Pillow decodes the whole PNG to look (25 ms a studio view); a PNG without an eXIf
    chunk or an ImageMagick-style "Raw profile type exif" text has none to find."""
    if header.format == "PNG" and data is not None and b"eXIf" not in data and b"Raw profile type exif" not in data:
        return 1
    try:
        value = int(header.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block must not make the photo unreadable
        return 1
    return value if 1 <= value <= 8 else 1


def _orient(array: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (as Pillow's ImageOps.exif_transpose does) to (H, W[, C])."""
    if orientation == 2:
        out = array[:, ::-1]
    elif orientation == 3:
        out = array[::-1, ::-1]
    elif orientation == 4:
        out = array[::-1]
    elif orientation == 5:
        out = array.swapaxes(0, 1)
    elif orientation == 6:
        out = np.rot90(array, -1)
    elif orientation == 7:
        out = array[::-1, ::-1].swapaxes(0, 1)
    elif orientation == 8:
        out = np.rot90(array, 1)
    else:
        out = array
    return np.ascontiguousarray(out)


def _to_uint16(path: Path, array: np.ndarray) -> np.ndarray:
    """Samples deeper than 8 bits as uint16 (float 0..1 and Pillow's int32 grays included)."""
    if array.dtype == np.uint16:
        return array
    if array.dtype in (np.float32, np.float64):
        return (np.clip(np.nan_to_num(array), 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
    if array.dtype == np.int32:
        # Pillow's 'I' mode for 16-bit grays it decoded itself.
        return np.clip(array, 0, 65535).astype(np.uint16)
    raise ImageReadError(path, f"unsupported sample type {array.dtype}")


def _uint16_to_uint8(array: np.ndarray) -> np.ndarray:
    # Round to nearest: 65535 -> 255, 32768 -> 128; a shift (>> 8) would bias dark.
    return ((array.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def _split_channels(path: Path, array: np.ndarray,
                    bgr: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(H, W[, C]) decoded pixels -> ((H, W, 3) uint8 RGB, (H, W) uint8 alpha or None,
    (H, W, 3) uint16 RGB or None when the samples are 8-bit)."""
    deep = None if array.dtype == np.uint8 else _to_uint16(path, array)
    rgb, alpha = _channels_to_rgb(path, array if deep is None else deep, bgr)
    if deep is None:
        return rgb, alpha, None
    return _uint16_to_uint8(rgb), None if alpha is None else _uint16_to_uint8(alpha), rgb


def _swap_red_blue_in_place(array: np.ndarray) -> np.ndarray:
    """BGR -> RGB in the decoder's own buffer, a strip of rows at a time: cvtColor makes a
    second full-size copy (432 MB on a 144 MP photo), even when told to write in place."""
    rows = max(1, 1_000_000 // max(1, array.shape[1]))
    for y in range(0, array.shape[0], rows):
        strip = array[y:y + rows]
        strip[...] = cv2.cvtColor(strip, cv2.COLOR_BGR2RGB)
    return array


def _channels_to_rgb(path: Path, array: np.ndarray, bgr: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """(H, W[, C]) uint8 or uint16 -> ((H, W, 3) RGB, (H, W) alpha or None) of that type."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2RGB), None
    channels = array.shape[2]
    if channels == 2:
        return cv2.cvtColor(np.ascontiguousarray(array[:, :, 0]), cv2.COLOR_GRAY2RGB), array[:, :, 1].copy()
    if channels == 3:
        if not bgr:
            return np.ascontiguousarray(array), None
        return _swap_red_blue_in_place(array), None
    if channels == 4:
        rgb = cv2.cvtColor(array, cv2.COLOR_BGRA2RGB if bgr else cv2.COLOR_RGBA2RGB)
        return rgb, array[:, :, 3].copy()
    raise ImageReadError(path, f"unsupported number of channels ({channels})")


def _decode_with_pillow(path: Path,
                        header: Image.Image) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    try:
        header.load()
        image = header
        mode = image.mode
        if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
            return _split_channels(path, np.asarray(image), bgr=False)
        has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        return _split_channels(path, np.asarray(image), bgr=False)
    except OSError as exc:
        cause = str(exc)
        if "truncated" in cause or "broken" in cause.lower():
            cause = "file is truncated or corrupt"
        raise ImageReadError(path, cause) from exc
    except (ValueError, SyntaxError, MemoryError) as exc:
        raise ImageReadError(path, f"file is corrupt ({exc})") from exc


def file_stamp(path: str | Path) -> tuple[int, int]:
    """(mtime in ns, size in bytes) of a file: changes whenever the photo is replaced."""
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size
