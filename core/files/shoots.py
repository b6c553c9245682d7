"""Garments and their views, found in folders or file lists (DESIGN.md "Shoots").

A shoot is the files `<garment-id>_<View>.<ext>` sharing a garment id; View is Front,
FrontRight or Back in any case (also Front-Right, front_right). Any other image opens as
a one-view garment whose only view is SINGLE_VIEW. Our own exports (`*_cutout.png`,
`*_mask.png`) are never taken for photos.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from core.common.errors import GarmentCutoutError
from core.files.imageio import IMAGE_SUFFIXES, list_image_files

VIEWS = ("Front", "FrontRight", "Back")
SINGLE_VIEW = "Image"
EXPORT_SUFFIXES = ("_cutout.png", "_mask.png")

# Non-greedy id so "g1_front_right" is (g1, front_right); the id may hold _ and -.
_VIEW_RE = re.compile(r"^(?P<garment>.+?)_(?P<view>front[-_]?right|front|back)$", re.IGNORECASE)
_CANONICAL = {"front": "Front", "frontright": "FrontRight", "back": "Back"}


class ShootError(GarmentCutoutError):
    """A path given as a shoot does not exist or cannot be listed."""


def is_image_file(path: str | Path) -> bool:
    """True for the photo suffixes the app reads (png, jpg, jpeg, tif, tiff, webp)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def is_export(path: str | Path) -> bool:
    """True for files this app exports (`*_cutout.png`, `*_mask.png`), which are not photos."""
    return Path(path).name.lower().endswith(EXPORT_SUFFIXES)


def parse_view(path: str | Path) -> tuple[str, str] | None:
    """(garment_id, canonical view) for `<garment-id>_<View>.<ext>`, else None.

    None too for non-image suffixes and for our exports.
    """
    path = Path(path)
    if not is_image_file(path) or is_export(path):
        return None
    match = _VIEW_RE.match(path.stem)
    if match is None:
        return None
    view = _CANONICAL[match["view"].lower().replace("-", "").replace("_", "")]
    return match["garment"], view


def _view_order(view: str) -> int:
    return VIEWS.index(view) if view in VIEWS else len(VIEWS)


@dataclass
class Garment:
    """One garment: its views, ordered Front, FrontRight, Back (then SINGLE_VIEW)."""

    garment_id: str
    views: dict[str, Path]

    def __post_init__(self) -> None:
        self.views = {v: Path(self.views[v]) for v in sorted(self.views, key=_view_order)}

    @property
    def is_single_image(self) -> bool:
        """True for a lone image of no standard view name (no views can be missing)."""
        return not any(v in self.views for v in VIEWS)

    @property
    def missing_views(self) -> list[str]:
        """The standard views this garment lacks; empty for a single-image garment."""
        if self.is_single_image:
            return []
        return [v for v in VIEWS if v not in self.views]

    @property
    def folder(self) -> Path:
        """The folder of the garment's first view (where its sidecar lives)."""
        return next(iter(self.views.values())).parent


@dataclass
class Catalogue:
    """What `discover` found: garments in order of first appearance, and what was odd."""

    garments: list[Garment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def is_catalogue(self) -> bool:
        """More than one garment: the app lists them."""
        return len(self.garments) > 1

    def find(self, garment_id: str) -> Garment | None:
        return next((g for g in self.garments if g.garment_id == garment_id), None)


def list_photos(folder: str | Path) -> list[Path]:
    """The photos directly in `folder`, sorted: image files that are not our own exports
    (`*_cutout.png`, `*_mask.png`) nor hidden. Raises OSError when it cannot be listed."""
    return [p for p in list_image_files(folder) if not is_export(p)]


def discover(paths: Iterable[str | Path]) -> Catalogue:
    """Group the photos in `paths` into garments.

    A folder is scanned non-recursively (sorted; hidden files, exports and non-images are
    skipped silently); a file is taken as given, with a problem noted when it is not a
    photo. Two files for the same view keep the first (sorted) and note a problem.
    Raises ShootError for a path that does not exist.
    """
    files: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            try:
                found = list_photos(path)
            except OSError as exc:
                raise ShootError(f"cannot list folder {path}: {exc.strerror or exc}") from exc
            if not found:
                problems.append(f"no photos in {path}")
            files.extend(found)
        elif path.is_file():
            if is_export(path):
                problems.append(f"skipped {path.name}: it is an exported cutout or mask, not a photo")
            elif not is_image_file(path):
                problems.append(f"skipped {path.name}: not a supported image (use {', '.join(IMAGE_SUFFIXES)})")
            else:
                files.append(path)
        else:
            raise ShootError(f"{path} does not exist")

    views_by_id: dict[str, dict[str, Path]] = {}
    for path in files:
        parsed = parse_view(path)
        garment_id, view = parsed if parsed is not None else (path.stem, SINGLE_VIEW)
        views = views_by_id.setdefault(garment_id, {})
        if view in views:
            if views[view].resolve() != path.resolve():
                problems.append(f"two files for {garment_id} {view}: {views[view].name}, {path.name} "
                                f"(using {views[view].name})")
            continue
        views[view] = path
    garments = [Garment(gid, views) for gid, views in views_by_id.items()]
    return Catalogue(garments=garments, problems=problems)
