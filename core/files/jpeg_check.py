"""Whether a JPEG's image data is whole, before it is decoded for use.

libjpeg decodes a JPEG whose middle was overwritten (a bad sector, a broken transfer)
without an error: it prints "Corrupt JPEG data: 6225 extraneous bytes before marker
0xd9" on the terminal and hands back an image whose lower half is garbage, which the app
then cut out as if it were the photo (found by a helper with a CCP photo damaged so).
OpenCV gives no way to hear those warnings. simplejpeg (libjpeg-turbo) raises them as
errors with `strict=True`, and decoding at 1/8 scale still runs the whole entropy decoder,
where the damage shows, in about 0.7 ms for a CCP photo. Its pixels are not used: the
photo is decoded by OpenCV as before, so fingerprints of existing corrections stay valid.

Some cameras and tools write files libjpeg warns about that decode whole: a few padding
bytes before the end marker, a missing end marker after whole image data, a sequential
file's SOS saying otherwise, an unknown JFIF revision. Those are not refused. Damage that
leaves the entropy data decodable (a few bytes changed and no marker broken) is not found
here; libjpeg does not notice it either.
"""

from __future__ import annotations

import re

import simplejpeg

# libjpeg's warnings about files that decode whole.
_HARMLESS = re.compile(r"Invalid SOS parameters for sequential JPEG|unknown JFIF revision number")
_EXTRANEOUS = re.compile(r"(\d+) extraneous bytes before marker")
MAX_PADDING = 64  # extraneous bytes before a marker that are padding, not lost image data


def jpeg_problem(data: bytes) -> str | None:
    """Why the JPEG in `data` would decode wrong, or None when libjpeg finds it whole."""
    text = _strict_decode_warning(data)
    if text is not None and "premature end of jpeg file" in text.lower() \
            and _strict_decode_warning(data + b"\xff\xd9") is None:
        return None  # all its image data is there, only the end marker is missing
    if text is None or _HARMLESS.search(text):
        return None
    padding = _EXTRANEOUS.search(text)
    if padding is not None and int(padding.group(1)) <= MAX_PADDING:
        return None
    return f"the JPEG file is corrupt ({text[:1].lower() + text[1:]})"


def _strict_decode_warning(data: bytes) -> str | None:
    """libjpeg's first warning or error on `data` (decoded at 1/8 scale), or None."""
    try:
        _, _, colour, _ = simplejpeg.decode_jpeg_header(data)
        simplejpeg.decode_jpeg(data, colorspace=colour.upper() if colour.upper() in ("GRAY", "CMYK") else "RGB",
                               min_height=1, min_width=1, min_factor=8, strict=True)
    except ValueError as exc:
        return str(exc).strip() or type(exc).__name__
    return None
