"""Procedural studio renders: a garment on a mannequin on a turntable, from three viewpoints.

The renders stand in for studio photos that cannot be bundled: the app's sample shoot,
tests, and extra training pairs whose true cutout is known exactly (the garment mask is
the garment's drawn coverage, never the mannequin, the stand or the studio).

Geometry lives in "body units" of the unzoomed image height. The mannequin's frame has X
lateral (right positive), Y down (turntable top at Y = 0.92) and Z toward the camera in the
Front view; a view turns the mannequin by theta about the vertical axis. Torso sections are
ellipses (depth = K_TORSO * width), so a turned torso is narrower and its front centre line
moves sideways; fabric textures are painted in (surface angle, Y) space so the same garment
stays consistent between views.

Run `python -m core.renders.composition OUT_DIR [--seed N]` to write a shoot.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from core.common.errors import ExportError, GarmentCutoutError
from core.files.atomic import write_bytes_atomic
from core.renders.figure import DressedFigure
from core.renders.garment import GarmentSpec, random_garment
from core.renders.geometry import VIEW_LIGHT, VIEW_THETA
from core.renders.scene_kinds import UnknownSceneKind, apply_kind, training_kind
from core.renders.studio import Frame, Studio, ViewPose, draw_background, finish_photo, random_studio
from core.renders.textures import fabric_texture

VIEWS = ("Front", "FrontRight", "Back")


DEFAULT_SIZE = (1152, 1728)  # (width, height), the studio's format


DEFAULT_SEED = 24


_UUID_NAMESPACE = uuid.UUID("6f1c8a52-3b7e-4f0e-9a57-2c4d8e1b9f30")


class RenderRequestError(GarmentCutoutError, ValueError):
    """A render was asked for with an unknown view or an unusable size."""


@dataclass(frozen=True)
class RenderedView:
    """One studio photo and its truth.

    rgb: (H, W, 3) uint8 photo. mask: (H, W) bool, True on garment pixels only.
    alpha: (H, W) uint8 anti-aliased garment coverage; alpha >= 128 exactly where mask.
    body: (H, W) bool, True where the mannequin's body shows (never where mask is; the
    stand and the studio are neither).
    """

    rgb: np.ndarray
    mask: np.ndarray
    alpha: np.ndarray
    body: np.ndarray


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise RenderRequestError(f"render size must be (width, height), got {size!r}") from None
    if w < 8 or h < 8 or w > 8192 or h > 8192:
        raise RenderRequestError(f"render size must be between 8 and 8192 pixels a side, got {w}x{h}")
    return w, h


def _check_view(view: str) -> str:
    for v in VIEWS:
        if str(view).lower().replace("-", "").replace("_", "") == v.lower():
            return v
    raise RenderRequestError(f"unknown view {view!r}: expected one of {', '.join(VIEWS)}")


def _scene(seed: int, size: tuple[int, int], kind: str = "classic") -> tuple[GarmentSpec, Studio]:
    spec = random_garment(np.random.default_rng([seed, 0]))
    studio = random_studio(np.random.default_rng([seed, 1]), spec, size[0] / size[1])
    try:
        return apply_kind(spec, studio, kind, seed)
    except UnknownSceneKind as exc:
        raise RenderRequestError(str(exc)) from None


def _render(spec: GarmentSpec, studio: Studio, seed: int, view: str, size: tuple[int, int],
            textures: tuple[np.ndarray, np.ndarray] | None = None) -> RenderedView:
    w, h = size
    v = ViewPose(view, VIEW_THETA[view], VIEW_LIGHT[view])
    rng = np.random.default_rng([seed, 2, VIEWS.index(view)])
    fr = Frame(w, h, studio, v, rng)
    if textures is None:
        textures = fabric_texture(spec, fr.ppu)
    DressedFigure(fr, spec, textures).draw()
    bg = draw_background(studio, w, h, v)
    rgb = finish_photo(bg, fr, studio, rng)
    mask = fr.garment >= 0.5
    alpha = np.clip(np.round(fr.garment * 255.0), 0, 255).astype(np.uint8)
    alpha = np.where(mask, np.maximum(alpha, 128), np.minimum(alpha, 127)).astype(np.uint8)
    return RenderedView(rgb=rgb, mask=mask, alpha=alpha, body=(fr.body >= 0.5) & ~mask)


def render_garment_views(spec: GarmentSpec, seed: int, size: tuple[int, int] = DEFAULT_SIZE) -> dict[str, RenderedView]:
    """The three views of one garment in one studio (the studio and mannequin follow `seed`)."""
    size = _check_size(size)
    studio = random_studio(np.random.default_rng([seed, 1]), spec, size[0] / size[1])
    textures = fabric_texture(spec, size[1] * studio.zoom)
    return {view: _render(spec, studio, seed, view, size, textures) for view in VIEWS}


def render_view(seed: int, view: str, size: tuple[int, int] = DEFAULT_SIZE, kind: str = "classic") -> RenderedView:
    """One view of the garment that `seed` picks; size is (width, height) in pixels.

    The same seed gives the same garment and studio in every view, so this equals
    render_garment_views(random_garment(default_rng([seed, 0])), seed, size)[view] for
    the classic kind. `kind` is one of core.renders.scene_kinds.SCENE_KINDS.
    """
    size = _check_size(size)
    view = _check_view(view)
    spec, studio = _scene(int(seed), size, kind)
    return _render(spec, studio, int(seed), view, size)


def render_training_pair(seed: int, size: tuple[int, int] = (256, 384), with_body: bool = False):
    """A random garment of a random scene kind (scene_kinds.TRAINING_MIX) from a random
    view: rgb (H, W, 3) uint8 and mask (H, W) bool, and with `with_body` the body (H, W) bool.

    Flat in-shop kinds are shot from the front or the back, never turned."""
    kind = training_kind(seed)
    views = ("Front", "Back") if kind == "flat" else VIEWS
    view = views[int(np.random.default_rng([int(seed), 3]).integers(len(views)))]
    r = render_view(seed, view, size, kind)
    return (r.rgb, r.mask, r.body) if with_body else (r.rgb, r.mask)


def garment_id_for_seed(seed: int) -> str:
    """The shoot's garment id: a UUID derived from the seed, like the studio's ids."""
    return str(uuid.uuid5(_UUID_NAMESPACE, f"sample-shoot-{int(seed)}"))


def _png_bytes(rgba: np.ndarray, compression: int) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA), [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:
        raise ExportError("could not encode a PNG")
    return buf.tobytes()


def write_sample_shoot(folder: str | Path, seed: int = DEFAULT_SEED, garment_id: str | None = None,
                       size: tuple[int, int] = DEFAULT_SIZE, png_compression: int = 9) -> list[Path]:
    """Write `<id>_<View>.png` (opaque RGBA) for the three views and the true cutouts
    `truth/<id>_<View>_cutout.png` (RGB = the photo everywhere, alpha = coverage: a
    cutout as the studio's Photoshop ones and `predict` write them, so `truth/` is an
    evaluation/training folder of its own).

    Returns the paths written, photo then cutout for each view. png_compression 0-9
    trades file size for time (9, the default, takes a few seconds per photo)."""
    folder = Path(folder)
    size = _check_size(size)
    try:
        (folder / "truth").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {folder / 'truth'}: {exc.strerror or exc}") from exc
    garment_id = garment_id or garment_id_for_seed(seed)
    if any(c in garment_id for c in '/\\:') or garment_id.strip(". ") == "":
        raise RenderRequestError(f"garment id {garment_id!r} cannot be part of a file name")
    spec, _ = _scene(int(seed), size)
    views = render_garment_views(spec, int(seed), size)
    written: list[Path] = []
    for view, r in views.items():
        h, w = r.mask.shape
        photo = np.dstack([r.rgb, np.full((h, w), 255, np.uint8)])
        path = folder / f"{garment_id}_{view}.png"
        write_bytes_atomic(path, _png_bytes(photo, png_compression))
        written.append(path)
        # Transparent pixels carry no colour: the file stays small and says nothing false.
        cut = np.dstack([r.rgb, r.alpha]).astype(np.uint8)
        truth = folder / "truth" / f"{garment_id}_{view}_cutout.png"
        write_bytes_atomic(truth, _png_bytes(cut, png_compression))
        written.append(truth)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.renders.composition",
                                     description="Render a procedural studio shoot (3 views + true cutouts).")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--garment-id", default=None)
    args = parser.parse_args(argv)
    try:
        for path in write_sample_shoot(args.out_dir, seed=args.seed, garment_id=args.garment_id):
            print(path)
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
