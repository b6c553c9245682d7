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
from typing import Iterable, NamedTuple

import cv2
import numpy as np

from core.common.errors import ExportError, GarmentCutoutError
from core.files.atomic import temporary_beside, write_synced
from core.files.cutout_origin import with_source, written_from, written_from_another
from core.files.imageio import encode_png
from core.files.shoots import SINGLE_VIEW
from core.masks.adjustments import EdgeAdjustments
from core.masks.cleanups import MAX_FEATHER_PX, feather
from core.masks.compose import apply_painted_alpha
from core.masks.refine_edge import MAX_BAND_PX, refine_alpha
from core.masks.refine_edge import decontaminate as decontaminate_colours


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


def export_clashes(garments, out_dirs) -> list[str]:
    """Garments that would write the same file names into one folder: shoots that number
    their garments alike ("g1" in two shoots), exported into one folder, would overwrite
    each other's cutouts. `out_dirs` is {shoot folder: export folder}; one line per clash."""
    return [f"{' and '.join(g.key for g in same)} would {'both' if len(same) == 2 else 'all'} be written as "
            f"{gid}_*_cutout.png into {out_dir}" for (out_dir, gid), same in _clashing(garments, out_dirs).items()]


def clashing_shoots(garments, out_dirs) -> set[Path]:
    """The shoot folders of the garments export_clashes names."""
    return {g.folder for same in _clashing(garments, out_dirs).values() for g in same}


def _clashing(garments, out_dirs) -> dict[tuple[Path, str], list]:
    writers: dict[tuple[Path, str], list] = {}
    for garment in garments:
        out_dir = out_dirs.get(garment.folder)
        if out_dir is not None:
            writers.setdefault((Path(out_dir).resolve(), garment.garment_id), []).append(garment)
    return {where: same for where, same in writers.items() if len(same) > 1}


class Painted(NamedTuple):
    """A corrected view's (H, W) uint8 override and its hard part's (H, W) bool mask."""

    override: np.ndarray
    hard_mask: np.ndarray


def export_view(rgb: np.ndarray, mask: np.ndarray, out_dir: str | Path, garment_id: str, view: str,
                feather_px: float = 0, write_mask: bool = False,
                source_path: str | Path | None = None, rgb16: np.ndarray | None = None,
                protected: Iterable[str | Path] = (), refine_edge_px: int = 0,
                decontaminate: bool | None = None, adjustments: EdgeAdjustments | None = None,
                widen: np.ndarray | None = None, painted: Painted | None = None) -> list[Path]:
    """Write the view's cutout (and optionally its 0/255 mask) into out_dir; return the paths.

    refine_edge_px (0..50): a matted soft alpha in a band that wide either side of the
    mask's edge (core.masks.refine_edge) instead of the hard or feathered one;
    decontaminate (default: on with refine edge) writes the estimated garment colour
    where that alpha is soft.

    widen: (H, W) bool/uint8, where the band brush widened the refine band.
    painted: where a brush painted the view, its override and the mask of the override's
    hard part: the edge is made from that mask (its hard strokes kept by every adjustment,
    core.masks.adjustments), then the soft codes go on top (core.masks.codes.apply_painted_alpha).
    adjustments: the view's own smooth/shift (applied to the mask) and feather/contrast
    (applied to the alpha last), core.masks.adjustments.

    rgb: (H, W, 3) uint8 photo; rgb16: the same photo in 16 bits when it has them (the
    cutout is then 16-bit). mask: (H, W) bool. feather_px (0..MAX_FEATHER_PX) softens the
    cutout's alpha edge. The mask file is the cutout's alpha at 50 % (0/255), so it agrees
    with the cutout beside it, refine edge and feather included; a mask file of ours from
    source_path already in out_dir is rewritten even without write_mask. source_path and
    every path in `protected` (the other inputs of a batch) are never overwritten. The
    files are written all or nothing (see the module). Raises ExportError with the reason.
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
    mask_target = out_dir / export_name(garment_id, view, "mask")
    # A mask of ours from this photo already there is brought up to date, masks asked for
    # or not: a folder must never hold a mask that disagrees with the cutout beside it.
    write_mask = write_mask or (source_path is not None and written_from(mask_target, source_path))
    if write_mask:
        targets.append(mask_target)
    inputs = {Path(p).resolve() for p in (*protected, *([source_path] if source_path is not None else []))}
    for target in targets:
        if target.resolve() in inputs:
            raise ExportError(f"refusing to write {target.name} over the original photo {target.resolve()}")
        if source_path is not None and written_from_another(target, source_path):
            raise ExportError(f"{target.name} in {out_dir} is the cutout of another photo (of another shoot that "
                              "numbers its garments alike, or of this one before it moved); nothing of "
                              f"{garment_id} {view} was written: export into another folder, or move that "
                              "file away first")
    if not 0 <= refine_edge_px <= MAX_BAND_PX:
        raise ExportError(f"refine edge must be between 0 and {MAX_BAND_PX} px, got {refine_edge_px}")
    if painted is not None and not (painted.override.shape == painted.hard_mask.shape == mask.shape):
        raise ExportError(f"painted override {painted.override.shape} does not match photo {mask.shape} "
                          f"for {garment_id} {view}")
    edge = mask if painted is None else painted.hard_mask  # what the cutout's edge is made from
    fixed = None if painted is None else painted.override  # hard strokes: no adjustment moves them
    adjust = adjustments is not None and not adjustments.is_identity
    if adjust:
        if refine_edge_px == 0:  # the export's own refine edge, when asked for, wins
            refine_edge_px = int(adjustments.refine)
        # The view's smooth moves the hard edge, and so does its shift unless it is matted.
        edge = adjustments.adjust_mask(edge, fixed, shift=refine_edge_px == 0)
    if refine_edge_px > 0:
        alpha = refine_alpha(rgb, edge, refine_edge_px, widen, fixed)
        if adjust:  # the matte follows the photo's edge wherever the band lies: shift it after
            alpha = adjustments.shift_alpha(alpha, fixed)
        if feather_px > 0:
            alpha = cv2.GaussianBlur(alpha, (0, 0), feather_px / 2.0, borderType=cv2.BORDER_REPLICATE)
    else:
        alpha = feather(edge, feather_px)
    if adjust:
        alpha = adjustments.soften(alpha)
    if painted is not None:
        alpha = apply_painted_alpha(np.array(alpha, np.uint8), painted.override)
    if decontaminate if decontaminate is not None else refine_edge_px > 0:
        clean = decontaminate_colours(rgb, alpha)
        if rgb16 is not None:  # soft pixels take the estimate, scaled; the rest keeps its 16 bits
            soft = (alpha > 0) & (alpha < 255)
            rgb16 = rgb16.copy()
            rgb16[soft] = clean[soft].astype(np.uint16) * 257
        rgb = clean
    data = [encode_png(cutout_rgba(rgb if rgb16 is None else rgb16, alpha, bgra=True), bgr=True)]
    if write_mask:  # the cutout's own garment, at 50 % alpha: refine edge and feather included
        data.append(encode_png(alpha >= 128))
    del alpha
    if source_path is not None:  # each file names its photo (core.files.cutout_origin)
        data = [with_source(png, source_path) for png in data]
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
