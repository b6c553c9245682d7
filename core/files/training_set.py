"""Corrected views become training data (issue 13's learning loop).

`add_corrected_views` copies each view exported into an export folder (its sidecar's
export record says the cutout there was written from this very photo) into a training
folder in the `images/` + `cutouts/` layout that `garment-cutout train` reads as it is:

    TRAIN/images/<garment>_<view>.<ext>     the photo's own bytes
    TRAIN/cutouts/<garment>_<view>_cutout.png   the exported cutout (alpha = the final mask)
    TRAIN/provenance.jsonl                  one line per view: the photo's fingerprint and
                                            path, the model that made the first mask and
                                            how much the retoucher changed it

Adding a view again replaces its files and its line. A view of another shoot that
numbers its garments alike is named after its shoot's folder instead of replacing it.
Every file is written atomically.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from core.common.errors import Cancelled, ExportError, GarmentCutoutError
from core.files.atomic import write_text_atomic
from core.files.export import write_all_or_nothing
from core.files.fingerprint import photo_fingerprint
from core.files.imageio import read_image
from core.files.shoots import Garment
from core.files.sidecar import Sidecar, view_key

PROVENANCE = "provenance.jsonl"


@dataclass
class CollectReport:
    added: list[str] = field(default_factory=list)  # "<garment>_<view>" names
    skipped: list[str] = field(default_factory=list)  # one line each: which view and why

    def to_dict(self) -> dict:
        return {"added": len(self.added), "skipped": len(self.skipped), "skipped_views": self.skipped}


def _read_provenance(path: Path) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue  # a damaged line costs only itself
            if isinstance(row, dict) and isinstance(row.get("name"), str):
                rows[row["name"]] = row
    except OSError:
        pass
    return rows


def _prepare(target: Path) -> tuple[Path, Path]:
    images, cutouts = target / "images", target / "cutouts"
    for folder in (images, cutouts):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    return images, cutouts


def add_corrected_views(garments: Iterable[Garment], export_folder: str | Path | Mapping[Path, Path],
                        target: str | Path, progress: Callable[[int, int], None] | None = None,
                        cancelled: Callable[[], bool] | None = None) -> CollectReport:
    """Copy every view of `garments` exported into `export_folder` (from its photo as it
    is now) into the training folder `target`. ExportError when `target` cannot be written.

    `export_folder` is one folder for all, or {shoot folder: its export folder} (the app
    remembers one per shoot); a garment whose shoot is not in it is skipped."""
    garments = list(garments)
    folders = dict(export_folder) if isinstance(export_folder, Mapping) else None
    if folders is None and not Path(export_folder).is_dir():  # said once, before any folder is made
        raise ExportError(f"export folder {export_folder} does not exist" if not Path(export_folder).exists()
                          else f"export folder {export_folder} is not a folder")
    target = Path(target)
    images, cutouts = _prepare(target)
    provenance = _read_provenance(target / PROVENANCE)
    report = CollectReport()
    sidecars: dict[Path, Sidecar] = {}
    total = sum(len(g.views) for g in garments)
    done = 0
    for garment in garments:
        for view, photo in garment.views.items():
            if cancelled is not None and cancelled():
                raise Cancelled("adding views to the training set")
            name = _training_name(garment, view, Path(photo), provenance)
            try:
                if garment.folder not in sidecars:
                    sidecars[garment.folder] = Sidecar.for_shoot(garment.folder)
                sidecar = sidecars[garment.folder]
                key = view_key(garment.garment_id, view)
                folder = Path(export_folder) if folders is None else folders.get(garment.folder)
                if folder is None:
                    report.skipped.append(f"{name}: its shoot was never exported")
                    continue
                record = sidecar.export_record(key) or {}
                loaded = read_image(photo)  # also refuses a photo that no longer decodes
                if sidecar.is_exported(key, folder, Path(photo)):
                    cutout = Path(record["cutout"])
                    # The record's stamps are a stat: a photo replaced by another of the same
                    # size and time would pass them. Its pixels must be the cutout's.
                    if not carries_photo_pixels(cutout, loaded):
                        report.skipped.append(f"{name}: the photo is not the one its cutout was made from")
                        continue
                else:  # the shoot or the export folder may have moved since: the files say
                    cutout = exported_before_a_move(sidecar, key, record, Path(folder), loaded)
                    if cutout is None:
                        report.skipped.append(f"{name}: not exported into {folder} from this photo")
                        continue
                image_file = images / f"{name}{Path(photo).suffix.lower()}"
                # Photo and cutout together or neither (on a full disk a photo without its
                # cutout made the whole folder unreadable to train and evaluate).
                write_all_or_nothing([(image_file, Path(photo).read_bytes()),
                                      (cutouts / f"{name}_cutout.png", cutout.read_bytes())])
                for old in images.glob(f"{name}.*"):  # one photo per name, whatever its format
                    if old.suffix.lower() != image_file.suffix:
                        old.unlink()
            except (GarmentCutoutError, OSError, KeyError) as exc:
                report.skipped.append(f"{name}: {exc}")
                continue
            finally:
                done += 1
                if progress is not None:
                    progress(done, total)
            provenance[name] = {"name": name, "garment": garment.garment_id, "view": view,
                                "photo": str(Path(photo).resolve()), "fingerprint": photo_fingerprint(loaded.rgb),
                                "cutout": str(cutout), **(record.get("correction") or {})}
            report.added.append(name)
    text = "".join(json.dumps(provenance[n]) + "\n" for n in sorted(provenance))
    write_text_atomic(target / PROVENANCE, text)
    return report


def _training_name(garment: Garment, view: str, photo: Path, provenance: dict[str, dict]) -> str:
    """`<garment-id>_<View>`, unless that name holds another shoot's photo (shoots that
    number their garments alike): then `<shoot folder>_<garment-id>_<View>`, then with
    _2, _3, ... A photo added again keeps the name it was added under."""
    base = f"{garment.garment_id}_{view}"
    here = str(photo.resolve())
    names = itertools.chain([base, f"{garment.folder.name}_{base}"],
                            (f"{garment.folder.name}_{base}_{n}" for n in itertools.count(2)))
    for name in names:
        held = provenance.get(name)
        if held is None or held.get("photo") == here:
            return name
    raise AssertionError("unreachable: the names never run out")


def exported_before_a_move(sidecar: Sidecar, key: str, record: dict, folder: Path, photo) -> Path | None:
    """The cutout of `key` in `folder` when its export record names other places (the
    shoot, the export folder or both were moved or copied since): None unless the cutout
    of that name is there, carries the photo's own pixels wherever it is opaque, and no
    correction was saved since the export (the saved view makes the exported mask).
    `photo` is the photo as read (core.files.imageio.LoadedImage)."""
    if not record.get("cutout"):
        return None
    cutout = folder / Path(record["cutout"]).name
    exported_from = record.get("mask_digest")
    if sidecar.view_path(key).is_file() and (not exported_from or sidecar.saved_digest(key) != exported_from):
        return None
    # Without the record's stamps to go by, a cutout almost all transparent proves little.
    return cutout if carries_photo_pixels(cutout, photo, min_opaque_share=0.01) else None


def carries_photo_pixels(cutout: Path, photo, min_opaque_share: float = 0.0) -> bool:
    """Whether the cutout PNG at `cutout` has the photo's size and its own pixels wherever
    it is opaque (an export never changes those), opaque over at least `min_opaque_share`
    of it: it was made from this photo. `photo` is the photo as read
    (core.files.imageio.LoadedImage)."""
    import cv2
    import numpy as np

    pixels = cv2.imread(str(cutout), cv2.IMREAD_UNCHANGED)
    if pixels is None or pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.shape[:2] != photo.rgb.shape[:2]:
        return False
    rgb = pixels[..., 2::-1]
    source = photo.rgb16 if pixels.dtype == np.uint16 and photo.rgb16 is not None else photo.rgb
    opaque = pixels[..., 3] == np.iinfo(pixels.dtype).max
    if source.dtype != pixels.dtype or opaque.mean() < min_opaque_share:
        return False
    return bool(np.array_equal(rgb[opaque], source[opaque]))
