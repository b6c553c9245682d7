"""Cutout PNGs of views (DESIGN.md "Export"): RGBA with the photo's own RGB everywhere.

Alpha is straight (not premultiplied), so a retoucher can still pull back an edge in
Photoshop from pixels the mask dropped. A photo with 16 bits per sample gets a 16-bit
cutout. A view's files (cutout, mask) are written all or nothing: every file goes to a
temporary file first, a copy of each old target is kept until every new one is in
place, and any failure puts the old ones back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Iterable

import numpy as np

from core.common.errors import ExportError, GarmentCutoutError
from core.files.atomic import temporary_beside, write_synced
from core.files.imageio import encode_png
from core.files.shoots import SINGLE_VIEW
from core.masks.cleanups import MAX_FEATHER_PX, feather


def cutout_rgba(rgb: np.ndarray, alpha: np.ndarray, bgra: bool = False) -> np.ndarray:
    """(H, W, 4) RGBA from rgb (H, W, 3) and alpha (H, W) uint8, in rgb's type.

    A uint16 rgb gets its 8-bit alpha stretched to 16 bits (x 257: 255 -> 65535).
    bgra: in OpenCV's channel order, for the PNG encoder (one full-size copy fewer than
    RGBA converted afterwards: 576 MB on a 144 MP photo).
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or alpha.shape != rgb.shape[:2]:
        raise ValueError(f"need rgb (H, W, 3) and alpha (H, W), got {rgb.shape} and {alpha.shape}")
    out = np.empty((*alpha.shape, 4), rgb.dtype)
    out[..., :3] = rgb[..., ::-1] if bgra else rgb
    if rgb.dtype == np.uint16:
        np.multiply(alpha, 257, out=out[..., 3], dtype=np.uint16)
    else:
        out[..., 3] = alpha
    return out


def deep_pixels(path: str | Path, fingerprint: str) -> np.ndarray | None:
    """The (H, W, 3) uint16 pixels of a photo with more than 8 bits per sample, read again
    at export time (the app edits the 8-bit copy and keeps no 16-bit one in memory), or
    None when the file has only 8 bits. Raises ExportError when the file no longer holds
    the photo whose 8-bit pixels have `fingerprint` (replaced since it was opened): its
    corrections would not fit it."""
    from core.files.fingerprint import photo_fingerprint
    from core.files.imageio import read_image

    try:
        image = read_image(path)
    except GarmentCutoutError as exc:
        raise ExportError(f"cannot read the photo again for its 16-bit pixels: {exc}") from None
    if photo_fingerprint(image.rgb) != fingerprint:
        raise ExportError(f"{Path(path).name} changed on disk since it was opened; open it again before export")
    return image.rgb16


def export_name(garment_id: str, view: str, kind: str = "cutout") -> str:
    """`<garment-id>_<View>_<kind>.png`; a single-image garment drops the view part."""
    if not garment_id or any(sep in garment_id + view for sep in ("/", "\\", "\0")):
        raise ExportError(f"cannot export garment {garment_id!r} view {view!r}: not a valid file name")
    if view in ("", SINGLE_VIEW):
        return f"{garment_id}_{kind}.png"
    return f"{garment_id}_{view}_{kind}.png"


def export_view(rgb: np.ndarray, mask: np.ndarray, out_dir: str | Path, garment_id: str, view: str,
                feather_px: float = 0, write_mask: bool = False,
                source_path: str | Path | None = None, rgb16: np.ndarray | None = None,
                protected: Iterable[str | Path] = ()) -> list[Path]:
    """Write the view's cutout (and optionally its 0/255 mask) into out_dir; return the paths.

    rgb: (H, W, 3) uint8 photo; rgb16: the same photo in 16 bits when it has them (the
    cutout is then 16-bit). mask: (H, W) bool. feather_px (0..MAX_FEATHER_PX) softens the
    cutout's alpha edge (the mask file stays hard). source_path and every path in
    `protected` (the other inputs of a batch) are never overwritten. The files are
    written all or nothing (see the module). Raises ExportError with the reason.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ExportError(f"export folder {out_dir} does not exist" if not out_dir.exists()
                          else f"export folder {out_dir} is not a folder")
    if mask.shape != rgb.shape[:2] or (rgb16 is not None and rgb16.shape != rgb.shape):
        raise ExportError(f"mask {mask.shape} does not match photo {rgb.shape[:2]} for {garment_id} {view}")
    if not 0 <= feather_px <= MAX_FEATHER_PX:
        raise ExportError(f"feather must be between 0 and {MAX_FEATHER_PX} px, got {feather_px:g}")
    targets = [out_dir / export_name(garment_id, view, "cutout")]
    if write_mask:
        targets.append(out_dir / export_name(garment_id, view, "mask"))
    inputs = {Path(p).resolve() for p in (*protected, *([source_path] if source_path is not None else []))}
    for target in targets:
        if target.resolve() in inputs:
            raise ExportError(f"refusing to write {target.name} over the original photo {target.resolve()}")
    alpha = feather(mask, feather_px)
    data = [encode_png(cutout_rgba(rgb if rgb16 is None else rgb16, alpha, bgra=True), bgr=True)]
    del alpha
    if write_mask:
        data.append(encode_png(mask))
    write_all_or_nothing(list(zip(targets, data)))
    return targets


def write_all_or_nothing(outputs: list[tuple[Path, bytes]]) -> None:
    """Write every (target, bytes): all new files, or on any failure the old ones (or none).

    Every file is written and synced to a temporary file beside its target first, and a
    copy of each existing target is kept (a hard link where the disk has them). Then each
    new file replaces its target atomically; a failure puts back the targets already
    replaced from their copies, and only a full success deletes the copies.
    """
    names = " and ".join(target.name for target, _ in outputs)
    temporaries: list[Path] = []
    backups: dict[Path, Path] = {}
    replaced: list[Path] = []
    try:
        for target, payload in outputs:
            temporaries.append(temporary_beside(target))
            write_synced(temporaries[-1], payload)
            if target.exists():
                backups[target] = _backup_of(target)
        for (target, _), temporary in zip(outputs, temporaries):
            os.replace(temporary, target)
            replaced.append(target)
    except OSError as exc:
        for target in reversed(replaced):
            with contextlib.suppress(OSError):
                if target in backups:
                    os.replace(backups.pop(target), target)
                else:
                    target.unlink()
        for leftover in (*temporaries, *backups.values()):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise ExportError(f"cannot write {names} in {outputs[0][0].parent}: {exc.strerror or exc}") from exc
    for backup in backups.values():
        with contextlib.suppress(OSError):
            backup.unlink()


def _backup_of(target: Path) -> Path:
    backup = temporary_beside(target, ".old")
    backup.unlink()
    try:
        os.link(target, backup)
    except OSError:  # FAT/exFAT cards and some shares have no hard links
        shutil.copyfile(target, backup)
    return backup
