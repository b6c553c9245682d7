"""What each value of a view's override map means (DESIGN.md "The mask of a view").

    NONE (0)     the model decides: garment where probability >= threshold
    KEEP (1)     garment, alpha 255, whatever the model says
    REMOVE (2)   background, alpha 0
    3..254       the soft brush's codes (hardness below 100 %), three families of
                 LEVELS alpha steps each, so a soft stroke keeps which tool made it:
      keep-soft(a)    alpha = max(what the model's edge gives, a): a keep fade never makes
                      a pixel more transparent, at any threshold or after a new model
      remove-soft(a)  alpha = min(what the model's edge gives, a): a remove fade never
                      makes one more opaque
      fixed(a)        alpha = a: a fade over a hard KEEP or REMOVE (what was there is known)

The mask, which is binary, counts a pixel as garment where its alpha would be >= 0.5 with
the model's hard edge: keep-soft from a >= 0.5 or where the model says garment,
remove-soft only where both do, fixed from a >= 0.5. `ALWAYS_GARMENT` and `FOLLOWS_MODEL`
say that per code, so composing a mask is two table look-ups. Keeping everything in the
one uint8 layer means undo, autosave, the sidecar and the mask digest carry soft strokes
with nothing added.
"""

from __future__ import annotations

import cv2
import numpy as np

NONE = 0
KEEP = 1
REMOVE = 2
SOFT_BASE = 3
LEVELS = 84  # alpha steps per soft family (0..83 -> alpha 0..255)
KEEP_SOFT = SOFT_BASE  # keep-soft(level) = KEEP_SOFT + level
REMOVE_SOFT = KEEP_SOFT + LEVELS
FIXED_SOFT = REMOVE_SOFT + LEVELS
SOFT_END = FIXED_SOFT + LEVELS  # 255: one past the last code
HALF_LEVEL = 42  # the first level whose alpha is >= 0.5 (42 -> 129; 41 -> 126)

_codes = np.arange(256)
_family = np.full(256, -1)
for _f, _base in enumerate((KEEP_SOFT, REMOVE_SOFT, FIXED_SOFT)):
    _family[(_codes >= _base) & (_codes < _base + LEVELS)] = _f
_level = np.where(_family >= 0, (_codes - SOFT_BASE) % LEVELS, 0)
_high = _level >= HALF_LEVEL

# Per code: garment whatever the model says; garment exactly where the model says so.
ALWAYS_GARMENT = (_codes == KEEP) | ((_family == 0) & _high) | ((_family == 2) & _high)
FOLLOWS_MODEL = (_codes == NONE) | ((_family == 0) & ~_high) | ((_family == 1) & _high)
# Per code: its painted alpha (soft codes only) and family (0 keep, 1 remove, 2 fixed, -1 none).
CODE_ALPHA = np.round(_level * (255.0 / (LEVELS - 1))).astype(np.uint8)
CODE_FAMILY = _family.astype(np.int8)


_ALWAYS_U8 = ALWAYS_GARMENT.astype(np.uint8)
_FOLLOWS_U8 = FOLLOWS_MODEL.astype(np.uint8)
# The same as 0/255 bytes, for the display's effective image (app.document.overlay).
ALWAYS_BYTES = _ALWAYS_U8 * np.uint8(255)
FOLLOWS_BYTES = _FOLLOWS_U8 * np.uint8(255)


def always_garment(override: np.ndarray) -> np.ndarray:
    """(h, w) bool: pixels whose code makes them garment whatever the model says."""
    return look_up(override, _ALWAYS_U8).view(bool)


def follows_model(override: np.ndarray) -> np.ndarray:
    """(h, w) bool: pixels that are garment exactly where the model says so."""
    return look_up(override, _FOLLOWS_U8).view(bool)


def look_up(override: np.ndarray, table: np.ndarray) -> np.ndarray:
    """(h, w) uint8: `table` (256 uint8) at each code."""
    # OpenCV's LUT: about 1.5 ms on 1152x1728, against 8 ms for numpy's fancy indexing,
    # and the mask is composed at every threshold move.
    if override.size == 0:
        return np.zeros(override.shape, np.uint8)
    return cv2.LUT(np.ascontiguousarray(override), table)


def level_of(alpha: np.ndarray) -> np.ndarray:
    """uint8 alpha -> the nearest soft level (0..LEVELS-1)."""
    return np.round(np.asarray(alpha, np.float32) * ((LEVELS - 1) / 255.0)).astype(np.uint8)


def keep_soft(alpha: np.ndarray) -> np.ndarray:
    return _canonical(KEEP_SOFT + level_of(alpha), alpha, top=KEEP, bottom=NONE)


def remove_soft(alpha: np.ndarray) -> np.ndarray:
    return _canonical(REMOVE_SOFT + level_of(alpha), alpha, top=NONE, bottom=REMOVE)


def fixed_soft(alpha: np.ndarray) -> np.ndarray:
    return _canonical(FIXED_SOFT + level_of(alpha), alpha, top=KEEP, bottom=REMOVE)


def _canonical(codes: np.ndarray, alpha: np.ndarray, top: int, bottom: int) -> np.ndarray:
    """The ends of a family are plain codes: keep-soft(255) is KEEP, keep-soft(0) NONE..."""
    codes = np.asarray(codes, np.uint8).copy()
    level = level_of(alpha)
    codes[level == LEVELS - 1] = top
    codes[level == 0] = bottom
    return codes


def apply_hard_codes(mask: np.ndarray, override: np.ndarray, garment=True, background=False) -> np.ndarray:
    """(H, W) `mask` (after smooth and shift edge: bool, or a uint8 alpha with garment=255,
    background=0), edited in place and returned: a hard KEEP garment and a hard REMOVE
    background, as the brush painted them."""
    mask[override == KEEP] = garment
    mask[override == REMOVE] = background
    return mask


def has_soft(override: np.ndarray) -> bool:
    """True when a soft brush has painted anywhere in the override."""
    return bool(override.size) and int(override.max()) >= SOFT_BASE


def hard_part(override: np.ndarray) -> np.ndarray:
    """The override with its soft codes taken back to NONE: what the model's edge (and
    the edge adjustments) are computed from before the soft strokes go on top."""
    if not has_soft(override):
        return override
    return np.where(override >= SOFT_BASE, np.uint8(NONE), override)


def apply_painted_alpha(alpha: np.ndarray, override: np.ndarray) -> np.ndarray:
    """`alpha` ((H, W) uint8: the cutout's alpha from `hard_part(override)`'s mask, after
    every edge adjustment), edited in place and returned, with the soft codes applied:
    keep-soft raises it to their alpha, remove-soft lowers it, fixed sets it. (The hard
    codes are in that mask already, and the adjustments keep them: core.masks.adjustments.)"""
    soft = override >= SOFT_BASE
    if not soft.any():
        return alpha
    codes = override[soft]
    painted, family, base = CODE_ALPHA[codes], CODE_FAMILY[codes], alpha[soft]
    alpha[soft] = np.where(family == 0, np.maximum(base, painted),
                           np.where(family == 1, np.minimum(base, painted), painted))
    return alpha


def stroke_codes(codes: np.ndarray, ask: np.ndarray, keep: bool) -> np.ndarray:
    """The codes a soft keep (or remove) fade leaves where it asks for alpha `ask` (keep:
    at least that; remove: `ask` is the coverage, alpha at most 255 - ask). Going over the
    same place again asks nothing new, so nothing changes; the order of dabs is free."""
    codes = np.asarray(codes, np.uint8)
    family, painted = CODE_FAMILY[codes], CODE_ALPHA[codes]
    out = codes.copy()
    if keep:
        target = np.asarray(ask, np.uint8)
        # model decides / keep-soft: raise the floor; fixed: raise the value.
        out = np.where(codes == NONE, keep_soft(target), out)
        out = np.where(family == 0, keep_soft(np.maximum(painted, target)), out)
        out = np.where(family == 2, fixed_soft(np.maximum(painted, target)), out)
        # over REMOVE, or a remove-soft cap the fade overtops: the fade's alpha itself.
        out = np.where((codes == REMOVE) | ((family == 1) & (target > painted)), fixed_soft(target), out)
    else:
        cap = (255 - np.asarray(ask, np.int16)).astype(np.uint8)
        out = np.where(codes == NONE, remove_soft(cap), out)
        out = np.where(family == 1, remove_soft(np.minimum(painted, cap)), out)
        out = np.where(family == 2, fixed_soft(np.minimum(painted, cap)), out)
        out = np.where((codes == KEEP) | ((family == 0) & (cap < painted)), fixed_soft(cap), out)
    return out.astype(np.uint8)
