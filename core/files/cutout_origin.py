"""Which photo a cutout was written from, carried in the cutout itself.

Two shoots that number their garments alike both export `g1_Front_cutout.png`; exported
one after the other into one folder (a delivery folder for the shop), the second would
silently replace the first. So every cutout and mask carries a PNG text chunk naming its
source photo, and an export refuses to write over a file of ours that names another.

The chunk holds a hash of the source photo's absolute path, not the path: the files go
to shops and clients, and folder names are the studio's business. A re-shot photo at the
same path replaces its cutout as before; a file without the chunk (an older export,
another tool's) is replaced as before, since nothing says whose it is.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

from core.files.png_check import SIGNATURE

KEYWORD = b"GarmentCutoutSource"
_IHDR_END = len(SIGNATURE) + 8 + 13 + 4  # the signature, then IHDR's length, type, 13 bytes, CRC
_HEAD_BYTES = 512  # our chunk comes right after IHDR: the head of a file is enough


def source_tag(source: str | Path) -> str:
    """The tag naming `source` (a photo path): 20 hex digits of its absolute path's hash."""
    return hashlib.sha256(str(Path(source).resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:20]


def with_source(png: bytes, source: str | Path) -> bytes:
    """`png` (a whole PNG file's bytes) with a tEXt chunk naming `source` after its IHDR."""
    if not png.startswith(SIGNATURE) or png[len(SIGNATURE) + 4:len(SIGNATURE) + 8] != b"IHDR":
        raise ValueError("not a PNG that starts with its IHDR")
    body = KEYWORD + b"\0" + source_tag(source).encode("ascii")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    return png[:_IHDR_END] + chunk + png[_IHDR_END:]


def source_of(path: str | Path) -> str | None:
    """The source tag of the PNG at `path`, or None (no such file, not ours, unreadable)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return None
    if not head.startswith(SIGNATURE):
        return None
    pos = _IHDR_END
    if len(head) < pos + 8:
        return None
    length, kind = struct.unpack(">I4s", head[pos:pos + 8])
    body = head[pos + 8:pos + 8 + length]
    if kind != b"tEXt" or len(body) != length or not body.startswith(KEYWORD + b"\0"):
        return None
    return body[len(KEYWORD) + 1:].decode("ascii", "replace")


def written_from(target: str | Path, source: str | Path) -> bool:
    """True when `target` is a cutout or mask of ours written from the photo `source`."""
    return source_of(target) == source_tag(source)


def written_from_another(target: str | Path, source: str | Path) -> bool:
    """True when `target` is a cutout or mask of ours written from a photo other than `source`."""
    tag = source_of(target)
    return tag is not None and tag != source_tag(source)
