"""A PNG's pixel data checked whole before it is decoded.

libpng reports a bad filter byte, bad zlib data under a good CRC, or an IHDR larger than
its data only as a message on stderr, and both OpenCV and Pillow then hand back a photo
whose missing rows are black. A cutout of such a photo looks plausible and is wrong, so
the reader refuses it: this module inflates the IDAT stream (in bounded pieces, never the
whole raw image at once) and checks that it ends where the header says and that every
row starts with a valid filter byte.
"""

from __future__ import annotations

import struct
import zlib
from typing import Iterator

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
# Adam7 passes: (x start, y start, x step, y step).
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_PIECE = 1 << 22  # inflate at most 4 MiB at a time


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = len(SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) < length or len(crc) < 4:
            raise ValueError(f"the file is truncated inside its {kind.decode('latin-1')} chunk")
        if kind in (b"IHDR", b"IDAT") and zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise ValueError(f"a {kind.decode()} chunk fails its checksum")
        yield kind, body
        if kind == b"IEND":
            return
        pos += 12 + length


def _rows(width: int, height: int, bits_per_pixel: int, interlaced: bool) -> list[tuple[int, int]]:
    """(row count, bytes per row including the filter byte) of each pass."""
    passes = _ADAM7 if interlaced else ((0, 0, 1, 1),)
    rows = []
    for x0, y0, dx, dy in passes:
        w = (width - x0 + dx - 1) // dx if width > x0 else 0
        h = (height - y0 + dy - 1) // dy if height > y0 else 0
        if w and h:
            rows.append((h, 1 + (w * bits_per_pixel + 7) // 8))
    return rows


def png_problem(data: bytes) -> str | None:
    """Why the PNG in `data` would decode wrong, or None when its pixel data is whole."""
    if not data.startswith(SIGNATURE):
        return "not a PNG file"
    try:
        chunks = _chunks(data)
        kind, ihdr = next(chunks, (b"", b""))
        if kind != b"IHDR" or len(ihdr) != 13:
            return "the PNG header (IHDR) is missing or damaged"
        width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
        if colour not in _CHANNELS or depth not in (1, 2, 4, 8, 16):
            return f"unknown PNG pixel format (colour type {colour}, bit depth {depth})"
        segments = _rows(width, height, _CHANNELS[colour] * depth, interlace == 1)
        return _check_pixel_stream((body for kind, body in chunks if kind == b"IDAT"), segments)
    except ValueError as exc:
        return str(exc)


def _check_pixel_stream(idat: Iterator[bytes], segments: list[tuple[int, int]]) -> str | None:
    expected = sum(count * stride for count, stride in segments)
    # Offsets in the raw stream where each pass starts, to find every row's filter byte.
    starts = np.cumsum([0] + [count * stride for count, stride in segments])
    inflater = zlib.decompressobj()
    produced = 0
    seen_idat = False

    def check(piece: bytes, offset: int) -> str | None:
        raw = np.frombuffer(piece, np.uint8)
        for (count, stride), start in zip(segments, starts):
            lo, hi = max(offset, start), min(offset + len(raw), start + count * stride)
            if lo >= hi:
                continue
            first = start + -(-(lo - start) // stride) * stride  # first row start >= lo
            if first < hi and (raw[first - offset:hi - offset:stride] > 4).any():
                return "a row of the PNG has a bad filter byte (the file is corrupt)"
        return None

    try:
        for body in idat:
            seen_idat = True
            pending = body
            while pending:
                piece = inflater.decompress(pending, _PIECE)
                pending = inflater.unconsumed_tail
                if produced + len(piece) > expected:
                    return "the PNG holds more pixel data than its header says (the file is corrupt)"
                problem = check(piece, produced)
                if problem:
                    return problem
                produced += len(piece)
                if not piece:
                    break
            if inflater.eof:
                break
    except zlib.error:
        return "the PNG's compressed pixel data is corrupt"
    if not seen_idat:
        return "the PNG has no pixel data"
    if produced < expected or not inflater.eof:
        return (f"the PNG's pixel data ends early ({produced:,} of {expected:,} bytes): "
                "the file is truncated or corrupt")
    return None
