"""Cutout PNGs of views (DESIGN.md "Export"): RGBA with the photo's own RGB everywhere.

Alpha is straight (not premultiplied), so a retoucher can still pull back an edge in
Photoshop from pixels the mask dropped.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from core.common.errors import ExportError
from core.files.atomic import atomic_path, write_synced
from core.files.imageio import encode_png
from core.files.shoots import SINGLE_VIEW
from core.masks.cleanups import feather


def cutout_rgba(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA from rgb (H, W, 3) uint8 and alpha (H, W) uint8."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or alpha.shape != rgb.shape[:2]:
        raise ValueError(f"need rgb (H, W, 3) and alpha (H, W), got {rgb.shape} and {alpha.shape}")
    out = np.empty((*alpha.shape, 4), np.uint8)
    out[..., :3] = rgb
    out[..., 3] = alpha
    return out


def export_name(garment_id: str, view: str, kind: str = "cutout") -> str:
    """`<garment-id>_<View>_<kind>.png`; a single-image garment drops the view part."""
    if not garment_id or any(sep in garment_id + view for sep in ("/", "\\", "\0")):
        raise ExportError(f"cannot export garment {garment_id!r} view {view!r}: not a valid file name")
    if view in ("", SINGLE_VIEW):
        return f"{garment_id}_{kind}.png"
    return f"{garment_id}_{view}_{kind}.png"


def export_view(rgb: np.ndarray, mask: np.ndarray, out_dir: str | Path, garment_id: str, view: str,
                feather_px: float = 0, write_mask: bool = False,
                source_path: str | Path | None = None) -> list[Path]:
    """Write the view's cutout (and optionally its 0/255 mask) into out_dir; return the paths.

    rgb: (H, W, 3) uint8 photo. mask: (H, W) bool. feather_px softens the cutout's alpha
    edge (the mask file stays hard). source_path: the photo itself, never overwritten.
    Both files are encoded and written to temporary files first, so a failure leaves
    neither target changed. Raises ExportError with the reason.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ExportError(f"export folder {out_dir} does not exist" if not out_dir.exists()
                          else f"export folder {out_dir} is not a folder")
    if mask.shape != rgb.shape[:2]:
        raise ExportError(f"mask {mask.shape} does not match photo {rgb.shape[:2]} for {garment_id} {view}")
    outputs: list[tuple[Path, bytes]] = [
        (out_dir / export_name(garment_id, view, "cutout"), encode_png(cutout_rgba(rgb, feather(mask, feather_px)))),
    ]
    if write_mask:
        outputs.append((out_dir / export_name(garment_id, view, "mask"), encode_png(mask)))
    if source_path is not None:
        source = Path(source_path).resolve()
        for target, _ in outputs:
            if target.resolve() == source:
                raise ExportError(f"refusing to export over the original photo {source}")
    _write_all(outputs)
    return [target for target, _ in outputs]


def _write_all(outputs: list[tuple[Path, bytes]]) -> None:
    """Write every file to a temporary file first; only when all are written, replace."""
    names = " and ".join(target.name for target, _ in outputs)
    try:
        with contextlib.ExitStack() as stack:
            for target, data in outputs:
                write_synced(stack.enter_context(atomic_path(target)), data)
    except OSError as exc:
        raise ExportError(f"cannot write {names} in {outputs[0][0].parent}: {exc.strerror or exc}") from exc
