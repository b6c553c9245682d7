"""Refine edge: a soft alpha in a band around the mask's edge, and the garment's own colour there.

Retouchers compare the cutout with Photoshop's Select and Mask: soft where the fabric is
soft, and no halo of the old backdrop around it. From the binary mask a trimap is made
(inside = garment, outside = backdrop, a band of `band_px` either side of the edge =
unknown) and pymatting's closed-form matting (Levin, Lischinski & Weiss 2008) solves the
band; pymatting's multilevel foreground estimation (Germer et al. 2020) then gives the
garment's colour where alpha is soft (decontamination), so the cutout over a new
background shows no fringe of the studio's. pymatting is well kept and fast (numba); we
do not write our own solver.

Only the band's bounding box is solved (0.7 s for a 1152x1728 view at 6 px, once numba
has compiled, which it caches on disk); the photo's pixels stay untouched wherever alpha
is 255.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.masks.codes import KEEP, REMOVE

MAX_BAND_PX = 50


def trimap_from_mask(mask: np.ndarray, band_px: int, widen: np.ndarray | None = None,
                     fixed: np.ndarray | None = None) -> np.ndarray:
    """(H, W) float64 trimap: 1 garment, 0 backdrop, 0.5 unknown within band_px of the edge.

    widen: optional (H, W) bool of extra unknown pixels (the brush that widens the band
    where fabric is fuzzy). fixed: optional (H, W) uint8 override (core.masks.codes): a
    hard KEEP is known garment and a hard REMOVE known backdrop, whatever the band, so
    the matting never brings back a removed cable nor thins a kept strap."""
    band = max(1, int(band_px))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    m = mask.astype(np.uint8)
    inside = cv2.erode(m, kernel, borderType=cv2.BORDER_REPLICATE) > 0
    outside = cv2.dilate(m, kernel, borderType=cv2.BORDER_REPLICATE) == 0
    trimap = np.full(mask.shape, 0.5)
    trimap[inside] = 1.0
    trimap[outside] = 0.0
    if widen is not None:
        trimap[widen] = 0.5
    if fixed is not None:
        trimap[fixed == KEEP] = 1.0
        trimap[fixed == REMOVE] = 0.0
    return trimap


def _unknown_box(trimap: np.ndarray, margin: int = 4) -> tuple[slice, slice] | None:
    ys, xs = np.nonzero(trimap == 0.5)
    if ys.size == 0:
        return None
    h, w = trimap.shape
    return (slice(max(0, ys.min() - margin), min(h, ys.max() + margin + 1)),
            slice(max(0, xs.min() - margin), min(w, xs.max() + margin + 1)))


def refine_alpha(rgb: np.ndarray, mask: np.ndarray, band_px: int, widen: np.ndarray | None = None,
                 fixed: np.ndarray | None = None) -> np.ndarray:
    """(H, W) uint8 alpha: 255 inside, 0 outside, closed-form matting in the band.

    rgb: (H, W, 3) uint8; mask: (H, W) bool; widen, fixed: see trimap_from_mask. A mask
    with no edge (empty or full) comes back as its hard alpha."""
    from pymatting import estimate_alpha_cf

    _quiet_pymatting()
    if not 0 < band_px <= MAX_BAND_PX:
        raise ValueError(f"refine edge band must be 1 to {MAX_BAND_PX} px, got {band_px}")
    trimap = trimap_from_mask(mask, band_px, widen, fixed)
    alpha = np.where(mask, np.uint8(255), np.uint8(0))
    box = _unknown_box(trimap)
    if box is None or not (trimap[box] == 1).any() or not (trimap[box] == 0).any():
        return alpha
    image = rgb[box].astype(np.float64) / 255.0
    solved = estimate_alpha_cf(image, trimap[box])
    unknown = trimap[box] == 0.5
    alpha[box][unknown] = np.clip(solved[unknown] * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return alpha


def _quiet_pymatting() -> None:
    """pymatting's preconditioner prints a five-line "PERFORMANCE WARNING" to stdout each
    time its first diagonal shift fails, then simply retries with a larger one: noise in
    a retoucher's terminal (and in `predict`'s output) about a step that worked. Its
    module's `print`, and only that module's, says nothing."""
    import importlib

    # By module path: the package's own `ichol` name is the function, not its module.
    importlib.import_module("pymatting.preconditioner.ichol").print = lambda *args, **kwargs: None


def decontaminate(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: the photo, with the estimated garment colour where alpha is soft.

    Where alpha is 255 (or 0) the photo's own pixels are returned unchanged."""
    from pymatting import estimate_foreground_ml

    out = rgb.copy()
    soft = (alpha > 0) & (alpha < 255)
    if not soft.any():
        return out
    ys, xs = np.nonzero(soft)
    h, w = alpha.shape
    m = 16  # context the estimate draws on around the soft pixels
    box = (slice(max(0, ys.min() - m), min(h, ys.max() + m + 1)), slice(max(0, xs.min() - m), min(w, xs.max() + m + 1)))
    foreground = estimate_foreground_ml(rgb[box].astype(np.float64) / 255.0, alpha[box].astype(np.float64) / 255.0)
    estimated = np.clip(foreground * 255.0 + 0.5, 0, 255).astype(np.uint8)
    out[box][soft[box]] = estimated[soft[box]]
    return out


def warm_up() -> None:
    """Compile pymatting's numba kernels into their on-disk cache.

    The first matting in a fresh environment compiles them, about a minute on two cores:
    `make install` calls this once, so the retoucher's first refine edge (and a fresh
    clone's tests) take a second, not a minute."""
    rng = np.random.default_rng(0)
    rgb = (rng.random((48, 32, 3)) * 255).astype(np.uint8)
    mask = np.zeros((48, 32), bool)
    mask[8:40, 8:24] = True
    decontaminate(rgb, refine_alpha(rgb, mask, 4))


if __name__ == "__main__":
    warm_up()
