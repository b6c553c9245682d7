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
# How far below an opened folder without photos of its own shoots are looked for: a
# day's folder of shoots (1), a client's folder of days (2).
SUBFOLDER_DEPTH = 2

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
    """One garment: its views, ordered Front, FrontRight, Back (then SINGLE_VIEW).

    `garment_id` names its files (exports, sidecar keys); `key` tells it apart in a
    catalogue. They differ only where shoots number their garments alike: "g1" in two
    shoots is "shootA/g1" and "shootB/g1"."""

    garment_id: str
    views: dict[str, Path]
    key: str = ""

    def __post_init__(self) -> None:
        self.views = {v: Path(self.views[v]) for v in sorted(self.views, key=_view_order)}
        self.key = self.key or self.garment_id

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

    def find(self, key: str) -> Garment | None:
        """The garment of this catalogue `key` (Garment.key), or None."""
        return next((g for g in self.garments if g.key == key), None)


def list_photos(folder: str | Path) -> list[Path]:
    """The photos directly in `folder`, sorted: image files that are not our own exports
    (`*_cutout.png`, `*_mask.png`) nor hidden. Raises OSError when it cannot be listed."""
    return [p for p in list_image_files(folder) if not is_export(p)]


def shoot_photos(folder: Path, depth: int = SUBFOLDER_DEPTH) -> list[Path]:
    """The photos of `folder`; a folder with none of its own is a folder of shoots (a
    day's or a client's), whose subfolders are searched in name order, `depth` levels
    down. A shoot's own subfolders (its cutouts/) are never searched. Hidden and
    unreadable subfolders are skipped; ShootError when `folder` itself cannot be listed."""
    try:
        found = list_photos(folder)
    except OSError as exc:
        raise ShootError(f"cannot list folder {folder}: {exc.strerror or exc}") from exc
    if found or depth <= 0:
        return found
    try:
        subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    for sub in subfolders:
        try:
            found.extend(shoot_photos(sub, depth - 1))
        except ShootError:
            continue  # one unreadable shoot does not keep the others closed
    return found


def discover(paths: Iterable[str | Path]) -> Catalogue:
    """Group the photos in `paths` into garments.

    A folder is scanned non-recursively (sorted; hidden files, exports and non-images are
    skipped silently), unless it has no photos of its own: then its subfolders are its
    shoots (`shoot_photos`). A file is taken as given, with a problem noted when it is
    not a photo. A garment is its views in one folder (its sidecar's); the same id in two
    folders is two garments, told apart by their `key`. Two files for the same view keep
    the first (sorted) and note a problem. Raises ShootError for a path that does not
    exist.
    """
    files: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = shoot_photos(path)
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

    views_by_garment: dict[tuple[Path, str], dict[str, Path]] = {}
    for path in files:
        parsed = parse_view(path)
        garment_id, view = parsed if parsed is not None else (path.stem, SINGLE_VIEW)
        views = views_by_garment.setdefault((path.parent.resolve(), garment_id), {})
        if view in views:
            if views[view].resolve() != path.resolve():
                problems.append(f"two files for {garment_id} {view}: {views[view].name}, {path.name} "
                                f"(using {views[view].name})")
            continue
        views[view] = path
    keys = _catalogue_keys(list(views_by_garment))
    garments = [Garment(gid, views, keys[(folder, gid)]) for (folder, gid), views in views_by_garment.items()]
    # Folders in the order given (then found), and in each the garments in natural order:
    # h2 before h10, as a studio numbers them (file names sort h10_Front before h1_Front).
    folder_rank = {folder: i for i, folder in enumerate(dict.fromkeys(f for f, _ in views_by_garment))}
    garments.sort(key=lambda g: (folder_rank[next(iter(g.views.values())).parent.resolve()],
                                 natural_key(g.garment_id)))
    return Catalogue(garments=garments, problems=problems)


def natural_key(text: str) -> tuple:
    """Sort key that orders the numbers inside `text` by value: g2 < g10, 0009 < 10."""
    parts = tuple((0, int(part)) if part.isdigit() else (1, part.casefold())
                  for part in re.split(r"(\d+)", text) if part)
    return parts, text  # the text itself decides between "h1" and "H1", "01" and "1"


def shoot_labels(folders: Iterable[Path]) -> dict[Path, str]:
    """{folder: its name}, or as many of its trailing parts as tell it from the others
    ("monday/look" and "tuesday/look"): how a shoot is named to the retoucher."""
    folders = list(dict.fromkeys(folders))
    resolved = [Path(f).resolve() for f in folders]
    most = max((len(f.parts) for f in resolved), default=1)
    for n in range(1, most + 1):
        tails = [Path(*f.parts[-n:]).as_posix() for f in resolved]
        if len(set(tails)) == len(tails):
            break
    return dict(zip(folders, tails))


def _catalogue_keys(garments: list[tuple[Path, str]]) -> dict[tuple[Path, str], str]:
    """{(folder, id): key}: the id alone where it is the catalogue's only one, else
    "<shoot label>/<id>", the label telling apart the shoots that share the id."""
    folders_of: dict[str, list[Path]] = {}
    for folder, gid in garments:
        folders_of.setdefault(gid, []).append(folder)
    labels = {gid: shoot_labels(folders) for gid, folders in folders_of.items() if len(folders) > 1}
    return {(folder, gid): f"{labels[gid][folder]}/{gid}" if gid in labels else gid for folder, gid in garments}
