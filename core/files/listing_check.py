"""A cheap look at each photo when a catalogue is listed: its header and its last bytes.

Decoding every photo of a 300-garment catalogue to find the broken ones would take tens
of seconds, so a damaged file used to show only when its garment was clicked. This reads
what costs nothing: Pillow's lazy open (the header only) says whether the file is an
image at all, and the file's last few KB whether a PNG or JPEG reaches its end marker.
A bad header is certain (the photo will not open); a missing end marker is a warning
(a JPEG may carry data after its end, beyond what is read here). Opening the photo
(core.files.imageio.read_image) stays the judge.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.files.imageio import SUPPORTED_FORMATS, bomb_message, size_problem

# The bytes each format's last chunk or marker ends with, searched in the file's tail.
END_MARKERS = {"PNG": b"IEND\xaeB`\x82", "JPEG": b"\xff\xd9", "MPO": b"\xff\xd9"}
TAIL_BYTES = 4096


@dataclass(frozen=True)
class ListingProblem:
    what: str
    certain: bool  # True: the photo will not open; False: it may be damaged


def listing_problem(path: str | Path) -> ListingProblem | None:
    """What is visibly wrong with the photo file at `path`, or None when it looks whole."""
    path = Path(path)
    try:
        size = os.path.getsize(path)
        if size == 0:
            return ListingProblem("the file is empty", True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as header:
                kind, (width, height) = header.format, header.size
        with open(path, "rb") as fh:
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read(TAIL_BYTES)
    except UnidentifiedImageError:
        return ListingProblem("not an image file, or a format this app cannot read", True)
    except Image.DecompressionBombError as exc:
        return ListingProblem(bomb_message(exc), True)
    except OSError as exc:
        return ListingProblem(f"cannot be read ({exc.strerror or exc})", True)
    except (SyntaxError, ValueError) as exc:
        return ListingProblem(f"its header is corrupt ({exc})", True)
    if kind not in SUPPORTED_FORMATS:  # what read_image accepts
        return ListingProblem(f"unsupported format {kind}", True)
    too_large = size_problem(width, height)
    if too_large is not None:
        return ListingProblem(too_large, True)
    marker = END_MARKERS.get(kind)
    if marker is not None and marker not in tail:
        return ListingProblem(f"it looks truncated (no {kind} end marker)", False)
    return None
