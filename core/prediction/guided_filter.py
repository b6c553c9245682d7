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

    mean_a, mean_b = box(a), box(b.astype(np.float32))
    if s > 1:
        mean_a = cv2.resize(mean_a, (full_w, full_h), interpolation=cv2.INTER_LINEAR)
        mean_b = cv2.resize(mean_b, (full_w, full_h), interpolation=cv2.INTER_LINEAR)
    return _dot3(mean_a, guide) + mean_b


_ONES = np.ones((1, 3), np.float32)


def _dot3(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-pixel dot product of two (H, W, 3) float32 images -> (H, W) float32.

    OpenCV's multiply + channel sum is about 3x faster than numpy's einsum here, and
    this runs once on every pixel of a 1152x1728 view."""
    return cv2.transform(cv2.multiply(x, y), _ONES)
