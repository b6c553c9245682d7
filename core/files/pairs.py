"""Training and evaluation data on disk: photo/mask pairs in a folder, and split files.

Three folder layouts (DESIGN.md), tried in this order:

1. `images/` + `masks/`: same file stems (a mask may end in `_mask`); 8-bit mask,
   >127 = garment.
2. `images/` + `cutouts/`: RGBA cutouts whose alpha is the mask (the studio's Photoshop
   cutouts); a cutout stem may end in `_cutout`. The photo in `images/` gives the RGB.
3. a folder of exported `*_cutout.png` files alone: RGB is the photo, alpha the mask.

Layouts 1 and 2 may also hold `parts/`: 8-bit gray label maps (0 background, 1 garment,
2 the person but not garment), named like the masks (a stem may end in `_parts`). They
give a body-head run (`train --body-head`) its body labels; a pair without one has none.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from core.common.errors import DataError, GarmentCutoutError
from core.files.imageio import list_image_files

_SHOWN = 5  # unmatched/unknown names listed in an error message


@dataclasses.dataclass(frozen=True)
class Pair:
    """One training example: where its photo and its mask (or RGBA cutout) live.

    `mask_path` is an 8-bit mask; otherwise `cutout_path` is an RGBA file whose alpha is
    the mask. For layout 3 `image_path` and `cutout_path` are the same file.
    `parts_path` is the pair's label map (see the module doc), or None.
    """

    name: str
    image_path: Path
    mask_path: Path | None = None
    cutout_path: Path | None = None
    parts_path: Path | None = None


def _image_files(folder: Path) -> list[Path]:
    try:
        return list_image_files(folder)
    except OSError as exc:
        raise DataError(f"cannot list {folder}: {exc.strerror or exc}") from None


def _strip_suffix(stem: str, suffix: str) -> str:
    """`0001_cutout` -> `0001` for suffix `_cutout` (case-insensitive); other stems unchanged."""
    if stem.lower().endswith(suffix) and len(stem) > len(suffix):
        return stem[: -len(suffix)]
    return stem


def _by_stem(files: Iterable[Path], folder: Path, strip: str | None = None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in files:
        stem = _strip_suffix(path.stem, strip) if strip else path.stem
        if stem in found:
            raise DataError(f"{folder}: {found[stem].name} and {path.name} are both named {stem!r}; keep one")
        found[stem] = path
    return found


def _few(names: Iterable[str]) -> str:
    names = sorted(names)
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def _match(folder: Path, images: dict[str, Path], labels: dict[str, Path], label_dir: str) -> list[tuple[str, Path, Path]]:
    lonely_images = images.keys() - labels.keys()
    lonely_labels = labels.keys() - images.keys()
    problems = []
    if lonely_images:
        problems.append(f"{len(lonely_images)} image(s) without a file in {label_dir}/ ({_few(lonely_images)})")
    if lonely_labels:
        problems.append(f"{len(lonely_labels)} file(s) in {label_dir}/ without an image ({_few(lonely_labels)})")
    if problems:
        raise DataError(f"{folder}: unmatched files: " + "; ".join(problems))
    return [(name, images[name], labels[name]) for name in sorted(images)]


def _parts(parts_dir: Path) -> dict[str, Path]:
    """The label maps in `parts_dir` by stem ({} without the folder). Unlike masks they
    are optional per pair: a folder labelled only in part still trains its garments,
    and a stray file there names no photo to train."""
    if not parts_dir.is_dir():
        return {}
    return _by_stem(_image_files(parts_dir), parts_dir, strip="_parts")


def discover_pairs(folder: str | Path) -> list[Pair]:
    """Every training pair in `folder` (one of the three layouts), sorted by name.

    Raises DataError for a missing folder, an empty one, an unknown layout or files
    without their partner.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"training data folder {folder} does not exist")
    images_dir, masks_dir, cutouts_dir = folder / "images", folder / "masks", folder / "cutouts"
    if images_dir.is_dir():
        images = _by_stem(_image_files(images_dir), images_dir)
        if not images:
            raise DataError(f"{images_dir} holds no images")
        parts = _parts(folder / "parts")
        if masks_dir.is_dir():
            masks = _by_stem(_image_files(masks_dir), masks_dir, strip="_mask")
            return [Pair(n, i, mask_path=m, parts_path=parts.get(n))
                    for n, i, m in _match(folder, images, masks, "masks")]
        if cutouts_dir.is_dir():
            cutouts = _by_stem(_image_files(cutouts_dir), cutouts_dir, strip="_cutout")
            return [Pair(n, i, cutout_path=c, parts_path=parts.get(n))
                    for n, i, c in _match(folder, images, cutouts, "cutouts")]
        raise DataError(f"{folder} has images/ but neither masks/ nor cutouts/ beside it")
    cutouts = [p for p in _image_files(folder) if p.suffix.lower() == ".png" and p.stem.lower().endswith("_cutout")]
    if not cutouts:
        raise DataError(
            f"no training data in {folder}: expected images/ with masks/ or cutouts/, "
            "or exported *_cutout.png files"
        )
    return [Pair(_strip_suffix(p.stem, "_cutout"), p, cutout_path=p) for p in cutouts]


def discover_many(folders: Sequence[str | Path]) -> list[Pair]:
    """Pairs of several folders; clashing names get their folder's name as a prefix."""
    if not folders:
        raise DataError("no training data folder given")
    per_folder = [(Path(f), discover_pairs(f)) for f in folders]
    counts: dict[str, int] = {}
    for _, pairs in per_folder:
        for p in pairs:
            counts[p.name] = counts.get(p.name, 0) + 1
    result = []
    for folder, pairs in per_folder:
        for p in pairs:
            result.append(dataclasses.replace(p, name=f"{folder.name}/{p.name}") if counts[p.name] > 1 else p)
    names = [p.name for p in result]
    if len(set(names)) != len(names):
        raise DataError("two data folders share a name and a file stem; rename one folder")
    return result


def load_pair(pair: Pair) -> tuple[np.ndarray, np.ndarray]:
    """The photo (H, W, 3) uint8 RGB and its mask (H, W) bool, at native resolution."""
    from core.files.imageio import read_image, read_mask

    try:
        loaded = read_image(pair.image_path)
        rgb = loaded.rgb
        if pair.mask_path is not None:
            mask = read_mask(pair.mask_path)
        elif pair.cutout_path is not None:
            if pair.cutout_path != pair.image_path:
                loaded = read_image(pair.cutout_path)
            if loaded.alpha is None:
                raise DataError(f"{pair.cutout_path} has no alpha channel, so it holds no mask")
            mask = loaded.alpha > 127
        else:
            raise DataError(f"{pair.name}: neither a mask nor a cutout")
    except DataError:
        raise
    except GarmentCutoutError as exc:  # unreadable file: say which pair it belongs to
        raise DataError(f"training pair {pair.name}: {exc}") from None
    if mask.shape != rgb.shape[:2]:
        raise DataError(
            f"training pair {pair.name}: mask is {mask.shape[1]}x{mask.shape[0]} "
            f"but the photo is {rgb.shape[1]}x{rgb.shape[0]}"
        )
    return rgb, mask


BODY_LABEL = 2  # parts/ label of the person but not garment (skin, hair, shoes...)


def load_body(pair: Pair, photo_hw: tuple[int, int]) -> np.ndarray | None:
    """The pair's body mask (H, W) bool (parts == 2), or None when it has no label map.

    `photo_hw` is the photo's (height, width); a label map of another size, one that is
    not 8-bit gray, or one with labels other than 0, 1 and 2 (a mask saved in parts/ by
    mistake, say) is a DataError naming the pair.
    """
    if pair.parts_path is None:
        return None
    from core.files.imageio import read_image

    try:
        loaded = read_image(pair.parts_path)
    except GarmentCutoutError as exc:
        raise DataError(f"training pair {pair.name}: {exc}") from None
    labels = loaded.rgb[..., 0]
    # Gray files decode to three equal channels; a colour (or palette) file's channels
    # differ, and its red channel is not a label.
    if loaded.rgb16 is not None or loaded.alpha is not None or not (
            np.array_equal(labels, loaded.rgb[..., 1]) and np.array_equal(labels, loaded.rgb[..., 2])):
        raise DataError(f"training pair {pair.name}: {pair.parts_path.name} is not an 8-bit gray label map")
    if labels.shape != tuple(photo_hw):
        raise DataError(
            f"training pair {pair.name}: {pair.parts_path.name} is {labels.shape[1]}x{labels.shape[0]} "
            f"but the photo is {photo_hw[1]}x{photo_hw[0]}"
        )
    top = int(labels.max(initial=0))
    if top > BODY_LABEL:
        raise DataError(f"training pair {pair.name}: {pair.parts_path.name} holds label {top}; "
                        "a parts map has only 0 (background), 1 (garment) and 2 (body)")
    return labels == BODY_LABEL


def load_pair_with_body(pair: Pair) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """`load_pair` plus `load_body`: photo, mask and body mask (or None)."""
    rgb, mask = load_pair(pair)
    return rgb, mask, load_body(pair, rgb.shape[:2])


def split_pairs(pairs: Sequence[Pair], val_fraction: float, seed: int = 0) -> tuple[list[Pair], list[Pair]]:
    """Deterministic split: sort by name, shuffle with `seed`, the first part validates.

    At least one validation pair when `val_fraction` > 0 and there are two pairs or
    more. Both lists come back sorted by name.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise DataError(f"validation fraction must be in [0, 1), got {val_fraction}")
    ordered = sorted(pairs, key=lambda p: p.name)
    n_val = int(round(len(ordered) * val_fraction))
    if val_fraction > 0 and len(ordered) >= 2:
        n_val = min(max(n_val, 1), len(ordered) - 1)
    order = np.random.default_rng(seed).permutation(len(ordered))
    val_idx = set(order[:n_val].tolist())
    train = [p for i, p in enumerate(ordered) if i not in val_idx]
    val = [p for i, p in enumerate(ordered) if i in val_idx]
    return train, val


@dataclasses.dataclass(frozen=True)
class SplitSpec:
    """A fixed split by name: `val` validates, `held_out` (a test set) is never used."""

    val: tuple[str, ...]
    held_out: tuple[str, ...] = ()


def read_split_file(path: str | Path) -> SplitSpec:
    """Read a split from JSON: a list of validation names, or an object with a "val"
    list and optionally a "test" list (held out). A "train" list, if any, is not
    needed: every pair that is neither val nor test trains."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"validation split file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"validation split file {path} is not valid JSON ({exc})") from None
    val = data.get("val") if isinstance(data, dict) else data
    test = data.get("test", []) if isinstance(data, dict) else []
    for names in (val, test):
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise DataError(f"validation split file {path} must hold lists of names "
                            '(a list, or {"val": [...], "test": [...]})')
    return SplitSpec(val=tuple(val), held_out=tuple(test))


def write_split_file(path: str | Path, val_pairs: Sequence[Pair], held_out: Sequence[Pair] = ()) -> None:
    """Record a split as {"val": [names], "test": [names]} so later runs can reuse it."""
    from core.files.atomic import write_text_atomic

    data = {"val": sorted(p.name for p in val_pairs), "test": sorted(p.name for p in held_out)}
    write_text_atomic(path, json.dumps(data, indent=1) + "\n")


def apply_split(pairs: Sequence[Pair], spec: SplitSpec) -> tuple[list[Pair], list[Pair]]:
    """(train, val) by name: val as listed, train everything neither val nor held out.

    A validation name missing from the data is a DataError (the split belongs to other
    data); held-out names may be absent.
    """
    val_names, held_out = set(spec.val), set(spec.held_out)
    unknown = val_names - {p.name for p in pairs}
    if unknown:
        raise DataError(f"{len(unknown)} validation name(s) are not in the data ({_few(unknown)})")
    ordered = sorted(pairs, key=lambda p: p.name)
    train = [p for p in ordered if p.name not in val_names and p.name not in held_out]
    return train, [p for p in ordered if p.name in val_names]
