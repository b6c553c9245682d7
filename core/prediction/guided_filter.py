"""The fast guided filter (He & Sun, "Fast Guided Filter", 2015) with a colour guide.

Prediction refines the upsampled probability map with a guided filter so mask edges
follow the photo's edges. The filter's linear coefficients vary slowly, so they can be
fitted on a `subsample`-times smaller copy of the photo and map, then upsampled and
applied to the full-resolution photo: the box filters and the per-pixel 3x3 solves run
on s^2 fewer pixels, and only the final `a . I + b` touches every pixel. At s = 1 this
is the ordinary guided filter (He, Sun & Tang, 2010), the one opencv-contrib's
`cv2.ximgproc.guidedFilter` computes.
"""

from __future__ import annotations

import cv2
import numpy as np


def fast_guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float,
                       subsample: int = 1) -> np.ndarray:
    """Filter (H, W) float32 `src` guided by (H, W, 3) float32 `guide` (values 0..1).

    `radius` and `eps` mean what they mean for the ordinary guided filter at full
    resolution (window 2r+1 pixels; eps regularises on the guide's squared scale).
    Returns (H, W) float32, not clipped.
    """
    full_h, full_w = src.shape
    s = max(1, int(subsample))
    h, w = max(1, round(full_h / s)), max(1, round(full_w / s))
    if s > 1:
        small_i = cv2.resize(guide, (w, h), interpolation=cv2.INTER_AREA)
        small_p = cv2.resize(src, (w, h), interpolation=cv2.INTER_AREA)
    else:
        small_i, small_p = guide, src
    r = max(1, int(round(radius / s)))

    mean_a, mean_b = _mean_coefficients(small_i, small_p, r, eps)
    if s > 1:
        mean_a = cv2.resize(mean_a, (full_w, full_h), interpolation=cv2.INTER_LINEAR)
        mean_b = cv2.resize(mean_b, (full_w, full_h), interpolation=cv2.INTER_LINEAR)
    return _dot3(mean_a, guide) + mean_b


# Rows of the photo filtered at once by `guided_upsample_uint8`: a few megapixels of
# float32 temporaries whatever the photo's size (a 144 MP photo filtered whole needed
# 51 bytes a pixel, 7 GB).
STRIP_PIXELS = 2_000_000


def guided_upsample_uint8(rgb: np.ndarray, probability: np.ndarray, radius: int, eps: float,
                          subsample: int = 1) -> np.ndarray:
    """The fast guided filter of a low-resolution `probability` map, guided by the (H, W, 3)
    uint8 photo, as a (H, W) uint8 map (p = v / 255), in bounded memory.

    The same filter as `fast_guided_filter(rgb / 255, cubic_upsample(probability), ...)`,
    but the photo is never held as float32 whole: the guide and the map are brought to
    the coefficients' grid directly (INTER_AREA of the uint8 photo, cubic of the map),
    and the full-resolution `a . I + b` is computed a strip of rows at a time. Extra
    memory: the coefficient grid plus STRIP_PIXELS of temporaries.
    """
    from core.network.preprocessing import resize_probability_to_photo

    full_h, full_w = rgb.shape[:2]
    s = max(1, int(subsample))
    h, w = max(1, round(full_h / s)), max(1, round(full_w / s))
    small_rgb = rgb if (h, w) == (full_h, full_w) else cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    small_i = small_rgb.astype(np.float32) / 255.0
    small_p = resize_probability_to_photo(probability.astype(np.float32), (h, w))
    mean_a, mean_b = _mean_coefficients(small_i, small_p, max(1, int(round(radius / s))), eps)
    # Bilinear upsampling is separable: widen the (h, w, 4) coefficients to the photo's
    # width once (h x W is small), then interpolate rows per strip as cv2.resize would.
    coefficients = np.concatenate([mean_a, mean_b[..., None]], axis=-1)
    if w != full_w:
        coefficients = cv2.resize(coefficients, (full_w, h), interpolation=cv2.INTER_LINEAR)
    rows = np.clip((np.arange(full_h, dtype=np.float64) + 0.5) * (h / full_h) - 0.5, 0, h - 1)
    row0 = np.floor(rows).astype(np.intp)
    row1 = np.minimum(row0 + 1, h - 1)
    weight1 = (rows - row0).astype(np.float32)[:, None, None]
    out = np.empty((full_h, full_w), np.uint8)
    strip = max(1, STRIP_PIXELS // full_w)
    for y0 in range(0, full_h, strip):
        y1 = min(full_h, y0 + strip)
        f = weight1[y0:y1]
        ab = coefficients[row0[y0:y1]] * (1.0 - f) + coefficients[row1[y0:y1]] * f
        guide = rgb[y0:y1].astype(np.float32) / 255.0
        q = _dot3(np.ascontiguousarray(ab[..., :3]), guide) + ab[..., 3]
        np.clip(q, 0.0, 1.0, out=q)
        out[y0:y1] = (q * 255.0 + 0.5).astype(np.uint8)
    return out


def _mean_coefficients(small_i: np.ndarray, small_p: np.ndarray, r: int,
                       eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The box-averaged linear coefficients (h, w, 3) `a` and (h, w) `b` of q = a . I + b."""

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1), normalize=True, borderType=cv2.BORDER_REFLECT)

    mean_i = box(small_i)                                      # (h, w, 3)
    mean_p = box(small_p)                                      # (h, w)
    cov_ip = box(small_i * small_p[..., None]) - mean_i * mean_p[..., None]

    # The guide's 3x3 covariance per pixel (six distinct entries) plus eps on the diagonal.
    ir, ig, ib = small_i[..., 0], small_i[..., 1], small_i[..., 2]
    mr, mg, mb = mean_i[..., 0], mean_i[..., 1], mean_i[..., 2]
    rr = box(ir * ir) - mr * mr + eps
    rg = box(ir * ig) - mr * mg
    rb = box(ir * ib) - mr * mb
    gg = box(ig * ig) - mg * mg + eps
    gb = box(ig * ib) - mg * mb
    bb = box(ib * ib) - mb * mb + eps

    # Solve Sigma a = cov per pixel with the symmetric matrix's cofactors (inverse * det).
    c_rr = gg * bb - gb * gb
    c_rg = gb * rb - rg * bb
    c_rb = rg * gb - gg * rb
    c_gg = rr * bb - rb * rb
    c_gb = rb * rg - rr * gb
    c_bb = rr * gg - rg * rg
    det = rr * c_rr + rg * c_rg + rb * c_rb
    cr, cg, cb = cov_ip[..., 0], cov_ip[..., 1], cov_ip[..., 2]
    a = (np.stack([c_rr * cr + c_rg * cg + c_rb * cb,
                   c_rg * cr + c_gg * cg + c_gb * cb,
                   c_rb * cr + c_gb * cg + c_bb * cb], axis=-1) / det[..., None]).astype(np.float32)
    b = mean_p - _dot3(a, mean_i)

    return box(a), box(b.astype(np.float32))


_ONES = np.ones((1, 3), np.float32)


def _dot3(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-pixel dot product of two (H, W, 3) float32 images -> (H, W) float32.

    OpenCV's multiply + channel sum is about 3x faster than numpy's einsum here, and
    this runs once on every pixel of a 1152x1728 view."""
    return cv2.transform(cv2.multiply(x, y), _ONES)
