"""Autosaved per-view state beside a shoot (DESIGN.md "Nothing is lost").

`<shoot>/.garment-cutout/` holds, per view key, `<key>.view.npz` (threshold + override,
compressed: overrides are mostly zeros, a few kB) and `<key>.prob.npz` (the model's
probability map, a cache stamped with the model id), plus `index.json` with the format
version and `seconds.json`, the time spent on each view. When the shoot folder is
read-only the same layout lives under the user's cache folder instead (Sidecar.for_shoot
picks).

Both files carry the fingerprint of the photo they were made on (core.files.fingerprint).
Corrections saved for another photo of the same name (a re-shoot, another card at the
same path), or for a photo whose size changed, are never applied: the file is moved
aside (`.other-photo`, `.corrupt` when damaged), and `restore_view` says what happened so
the app can tell the user and hold back an unattended export.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.common import paths
from core.common.errors import ExportError
from core.files.atomic import can_write_into, remove_stale_temporaries, write_bytes_atomic, write_text_atomic
from core.masks.codes import has_soft

# 2: view and probability files carry the photo's fingerprint. Format-1 view files (no
# fingerprint) are still read when the photo's size matches: they predate the check.
FORMAT_VERSION = 2
# A view file holding the soft brush's codes (override values above 2) says format 3, so
# a release from before them answers "saved by a newer Garment Cutout" instead of taking
# the codes for damage and setting the file aside. Files without them stay format 2.
SOFT_VIEW_FORMAT = 3
SIDECAR_DIR = ".garment-cutout"
INDEX_NAME = "index.json"
# The retoucher's time on each view, for the export's correction record: {key: {"seconds":
# s, "fingerprint": the photo's}}. One small file per shoot, not one per view.
SECONDS_NAME = "seconds.json"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


# What restore_view found.
NOTHING_SAVED, RESTORED, OTHER_PHOTO, SIZE_CHANGED, DAMAGED, NEWER_FORMAT = (
    "nothing saved", "restored", "other photo", "size changed", "damaged", "newer format")


@dataclass(frozen=True)
class RestoredView:
    """What was saved for a view: `status` is one of the constants above; threshold and
    override only when RESTORED; `set_aside` is where a refused file now lies."""

    status: str
    threshold: float | None = None
    override: np.ndarray | None = None
    set_aside: Path | None = None
    adjustments: dict | None = None  # core.masks.adjustments.EdgeAdjustments.to_dict(), when saved
    widen: np.ndarray | None = None  # the band brush's (H, W) uint8 widen map, when saved
    threshold_set: bool = True  # the retoucher chose the threshold (older files: assumed)

    @property
    def lost_corrections(self) -> bool:
        """True when corrections existed but cannot be applied (the user must be told)."""
        return self.status in (OTHER_PHOTO, SIZE_CHANGED, DAMAGED, NEWER_FORMAT)

    def message(self, name: str) -> str:
        where = f" They are kept in {self.set_aside}." if self.set_aside else ""
        return {
            OTHER_PHOTO: f"{name}: the photo is not the one its saved corrections were made on "
                         f"(replaced or re-shot?), so they were not applied.{where}",
            SIZE_CHANGED: f"{name}: the photo's size changed since its corrections were saved, "
                          f"so they were not applied.{where}",
            DAMAGED: f"{name}: its saved corrections are damaged and could not be read.{where}",
            NEWER_FORMAT: f"{name}: its corrections were saved by a newer Garment Cutout; "
                          "this version leaves them untouched and starts the view clean.",
        }.get(self.status, "")


def view_key(garment_id: str, view: str) -> str:
    """The sidecar key of one view of a garment."""
    return f"{garment_id}_{view}"


def cache_root() -> Path:
    """The app's per-user cache folder ($XDG_CACHE_HOME honoured on every platform)."""
    if os.environ.get("XDG_CACHE_HOME"):
        base = Path(os.environ["XDG_CACHE_HOME"])
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path.home() / ".cache"
    return base / "garment-cutout"


def _file_name(key: str) -> str:
    """A portable file name for `key`; a short hash keeps altered names unique."""
    safe = _SAFE.sub("_", key).lstrip(".")[:80]
    if safe != key or not safe:
        safe = f"{safe}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"
    return safe


def _probe_writable(folder: Path) -> bool:
    """Create `folder` if need be and try a real write in it (core.files.atomic.can_write_into)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return can_write_into(folder)


class Sidecar:
    """Saved thresholds, overrides and probability caches of one shoot folder."""

    def __init__(self, folder: str | Path, root: str | Path | None = None):
        self.folder = Path(folder)
        self.root = Path(root) if root is not None else self.folder / SIDECAR_DIR
        self._index_checked = False

    @classmethod
    def for_shoot(cls, folder: str | Path) -> Sidecar:
        """The sidecar beside the shoot, or under the user's cache folder when the shoot
        folder cannot be written (read-only share, card reader...) or is the bundled
        sample shoot."""
        local = cls(folder)
        # The bundled sample shoot lives in the install folder, which is no place for a
        # user's corrections (and is read-only in a packaged app).
        bundled = Path(folder).resolve().is_relative_to(paths.RESOURCES.resolve())
        if not bundled and _probe_writable(local.root):
            return local
        digest = hashlib.sha1(str(Path(folder).resolve()).encode("utf-8")).hexdigest()[:16]
        return cls(folder, cache_root() / "sidecars" / digest)

    @property
    def is_fallback(self) -> bool:
        """True when the state lives in the user's cache rather than beside the shoot."""
        return self.root != self.folder / SIDECAR_DIR

    def file_stem(self, key: str) -> Path:
        """Where the files of `key` go, less their suffix (`<stem>.view.npz`, ...)."""
        return self.root / _file_name(key)

    # --- views -------------------------------------------------------------------------

    def view_path(self, key: str) -> Path:
        return self.root / f"{_file_name(key)}.view.npz"

    def save_view(self, key: str, threshold: float, override: np.ndarray, fingerprint: str = "",
                  adjustments: dict | None = None, widen: np.ndarray | None = None,
                  threshold_set: bool = True, corrected: bool = True, mask_digest: str | None = None) -> None:
        """Save a view's threshold, override ((H, W) uint8) and edge adjustments
        (EdgeAdjustments.to_dict()) atomically, with the fingerprint of the photo they
        belong to; ExportError on failure.

        `threshold_set`: the retoucher chose the threshold (a new model's own does not
        replace it). `corrected`: the view differs from the model's answer at all; a view
        saved clean (a stroke undone, set-aside corrections acknowledged) is not listed
        as corrected (holds_correction). `mask_digest`: the digest of the mask the view
        makes now (core.files.fingerprint.mask_digest), for is_exported."""
        if override.ndim != 2 or override.dtype != np.uint8:
            raise ValueError(f"override must be (H, W) uint8, not {override.shape} {override.dtype}")
        buffer = io.BytesIO()
        extra = {} if not adjustments else {"adjustments": np.str_(json.dumps(adjustments))}
        if widen is not None and widen.any():  # the band brush's (H, W) widen map, 0/1
            extra["widen"] = np.ascontiguousarray(widen, dtype=np.uint8)
        if mask_digest:
            extra["mask_digest"] = np.str_(mask_digest)
        version = SOFT_VIEW_FORMAT if has_soft(override) else FORMAT_VERSION
        # threshold_set and corrected were added within format 2: older files lack them
        # (read as True: what those files meant).
        np.savez_compressed(buffer, format=np.int64(version), key=np.str_(key),
                            threshold=np.float64(threshold), override=override, fingerprint=np.str_(fingerprint),
                            threshold_set=np.bool_(threshold_set), corrected=np.bool_(corrected), **extra)
        self.ensure_root()
        write_bytes_atomic(self.view_path(key), buffer.getvalue())

    def load_view(self, key: str, shape: tuple[int, int] | None = None,
                  fingerprint: str | None = None) -> tuple[float, np.ndarray] | None:
        """(threshold, override (H, W) uint8) saved for `key` and this photo, or None
        (see restore_view, which also says why nothing was restored)."""
        restored = self.restore_view(key, shape, fingerprint)
        return (restored.threshold, restored.override) if restored.status == RESTORED else None

    def restore_view(self, key: str, shape: tuple[int, int] | None = None,
                     fingerprint: str | None = None) -> RestoredView:
        """What was saved for `key`, applied only to the photo it was made on.

        `shape` and `fingerprint` describe the photo now on disk. A file saved for other
        pixels or another size is moved aside (`.other-photo`), a damaged one too
        (`.corrupt`): neither is lost, nor tried again, nor applied.
        """
        path = self.view_path(key)
        if not path.is_file():
            return RestoredView(NOTHING_SAVED)
        if self._newer_format():
            return RestoredView(NEWER_FORMAT)
        try:
            with np.load(path, allow_pickle=False) as data:
                version = int(data["format"])
                if version > SOFT_VIEW_FORMAT:
                    return RestoredView(NEWER_FORMAT)
                stored_key = str(data["key"])
                threshold = float(data["threshold"])
                override = np.array(data["override"])
                saved_for = str(data["fingerprint"]) if "fingerprint" in data.files else ""
                # Added within format 2: older files have none (no adjustments).
                adjustments = None
                if "adjustments" in data.files:
                    from core.masks.adjustments import EdgeAdjustments

                    adjustments = EdgeAdjustments.from_dict(json.loads(str(data["adjustments"]))).to_dict()
                widen = np.array(data["widen"]) if "widen" in data.files else None
                threshold_set = bool(data["threshold_set"]) if "threshold_set" in data.files else True
                if widen is not None and (widen.shape != override.shape or widen.dtype != np.uint8):
                    raise ValueError("widen map does not match the override")
            if stored_key != key:
                return RestoredView(NOTHING_SAVED)  # a hash-named file of another key
            # Every uint8 override value means something (NONE, KEEP, REMOVE, soft codes).
            if override.ndim != 2 or override.dtype != np.uint8 or not math.isfinite(threshold):
                raise ValueError("unexpected contents")
        except Exception:  # noqa: BLE001 - a damaged file raises anything from zipfile/zlib/numpy
            return RestoredView(DAMAGED, set_aside=self._set_aside(path, "corrupt"))
        if shape is not None and override.shape != tuple(shape):
            return RestoredView(SIZE_CHANGED, set_aside=self._set_aside(path, "other-photo"))
        if fingerprint and saved_for and saved_for != fingerprint:
            return RestoredView(OTHER_PHOTO, set_aside=self._set_aside(path, "other-photo"))
        return RestoredView(RESTORED, min(max(threshold, 0.0), 1.0), override, adjustments=adjustments,
                            widen=widen, threshold_set=threshold_set)

    def holds_correction(self, key: str) -> bool:
        """True when a view file is saved for `key` and says the view was corrected (or
        cannot say: an older or damaged file). Reads only that flag, not the override."""
        path = self.view_path(key)
        if not path.is_file():
            return False
        try:
            with np.load(path, allow_pickle=False) as data:
                return bool(data["corrected"]) if "corrected" in data.files else True
        except Exception:  # noqa: BLE001 - a damaged file: opening the garment will say so
            return True

    def unacknowledged_set_aside(self, key: str) -> Path | None:
        """The newest file of `key` set aside and not yet followed by a save of the view
        (the user has not seen the garment since), or None."""
        view = self.view_path(key)
        set_aside = [p for p in self.root.glob(f"{view.name}.*")
                     if re.fullmatch(r"(corrupt|other-photo)\d*", p.name[len(view.name) + 1:])]
        if not set_aside:
            return None
        newest = max(set_aside, key=lambda p: p.stat().st_mtime)
        if view.is_file() and view.stat().st_mtime >= newest.stat().st_mtime:
            return None
        return newest

    # --- exports ------------------------------------------------------------------------

    def export_record_path(self, key: str) -> Path:
        return self.root / f"{_file_name(key)}.export.json"

    def record_export(self, key: str, cutout: Path, photo: Path, correction: dict | None = None,
                      mask_digest: str | None = None) -> None:
        """Remember that `cutout` was written from `photo` (both as they are now on disk),
        with `correction` how much the retoucher changed the model's mask
        (core.masks.compose.correction_stats: pixels, model, seconds on the view), and
        with `mask_digest` the mask it was made from."""
        cutout_stat, photo_stat = os.stat(cutout), os.stat(photo)
        record = {"cutout": str(Path(cutout).resolve()), "cutout_stamp": [cutout_stat.st_mtime_ns, cutout_stat.st_size],
                  "photo": str(Path(photo).resolve()), "photo_stamp": [photo_stat.st_mtime_ns, photo_stat.st_size]}
        if correction:
            record["correction"] = correction
        if mask_digest:
            record["mask_digest"] = mask_digest
        self.ensure_root()
        write_text_atomic(self.export_record_path(key), json.dumps(record) + "\n")

    def export_record(self, key: str) -> dict | None:
        """The view's export record as record_export wrote it, or None (none, unreadable)."""
        try:
            record = json.loads(self.export_record_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def is_exported(self, key: str, folder: Path, photo: Path) -> bool:
        """True when this photo's cutout in `folder` is the one last exported from it and
        no correction was saved since, or what was saved since makes the same mask (a
        stroke undone). A cheap check (stat only, unless the view was saved since): a
        copied catalogue, another export folder, a replaced photo or a cutout written by
        something else all say no."""
        try:
            record = json.loads(self.export_record_path(key).read_text(encoding="utf-8"))
            cutout, source = Path(record["cutout"]), Path(photo).resolve()
            if cutout.parent != Path(folder).resolve() or Path(record["photo"]) != source:
                return False
            cutout_stat, photo_stat = os.stat(cutout), os.stat(source)
            if [cutout_stat.st_mtime_ns, cutout_stat.st_size] != record["cutout_stamp"] or \
                    [photo_stat.st_mtime_ns, photo_stat.st_size] != record["photo_stamp"]:
                return False
            view = self.view_path(key)
            if not view.is_file() or view.stat().st_mtime_ns <= cutout_stat.st_mtime_ns:
                return True
            exported_from = record.get("mask_digest")
            return bool(exported_from) and self.saved_digest(key) == exported_from
        except (OSError, ValueError, KeyError, TypeError):
            return False

    def export_digest(self, key: str) -> str | None:
        """The mask digest the view's last export was made from, or None (unknown)."""
        digest = (self.export_record(key) or {}).get("mask_digest")
        return digest if isinstance(digest, str) and digest else None

    def saved_digest(self, key: str) -> str | None:
        try:
            with np.load(self.view_path(key), allow_pickle=False) as data:
                return str(data["mask_digest"]) if "mask_digest" in data.files else None
        except Exception:  # noqa: BLE001 - a damaged file: opening the garment will say so
            return None

    # --- time on views --------------------------------------------------------------------

    def seconds_on_view(self, key: str, fingerprint: str) -> float:
        """The seconds spent on this photo's view so far (0 for another photo, or when
        nothing was recorded or the file is unreadable: time is worth less than a refusal)."""
        entry = self._seconds().get(key)
        if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint:
            return 0.0
        seconds = entry.get("seconds")
        return float(seconds) if _is_real(seconds) and seconds >= 0 else 0.0

    def record_seconds(self, seconds: dict[str, tuple[float, str]]) -> None:
        """Set the time spent on views ({key: (seconds so far, photo fingerprint)}) and
        keep the others'; written atomically, ExportError on failure."""
        if not seconds:
            return
        table = self._seconds()
        table.update({key: {"seconds": round(float(s), 1), "fingerprint": f} for key, (s, f) in seconds.items()})
        self.ensure_root()
        write_text_atomic(self.root / SECONDS_NAME, json.dumps(table, sort_keys=True) + "\n")

    def _seconds(self) -> dict:
        try:
            table = json.loads((self.root / SECONDS_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return table if isinstance(table, dict) else {}

    # --- approvals ------------------------------------------------------------------------

    def approval_path(self, key: str) -> Path:
        return self.root / f"{_file_name(key)}.approved.json"

    def record_approval(self, key: str, fingerprint: str, digest: str) -> None:
        """Remember that the retoucher approved this photo's mask as it is (its
        core.files.fingerprint.mask_digest); ExportError on failure."""
        self.ensure_root()
        write_text_atomic(self.approval_path(key), json.dumps({"fingerprint": fingerprint, "mask": digest}) + "\n")

    def clear_approval(self, key: str) -> None:
        try:
            self.approval_path(key).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise ExportError(f"cannot clear the approval of {key}: {exc.strerror or exc}") from exc

    def approved_mask(self, key: str, fingerprint: str) -> str | None:
        """The approved mask's digest for this photo, or None (none, another photo, unreadable)."""
        try:
            record = json.loads(self.approval_path(key).read_text(encoding="utf-8"))
            if record["fingerprint"] == fingerprint and isinstance(record["mask"], str):
                return record["mask"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def is_approved_on_disk(self, key: str) -> bool:
        """Cheap (stat only): an approval recorded no earlier than the view's corrections."""
        try:
            approved = self.approval_path(key).stat().st_mtime_ns
        except OSError:
            return False
        view = self.view_path(key)
        return not view.is_file() or view.stat().st_mtime_ns <= approved

    # --- probability cache --------------------------------------------------------------

    def probability_path(self, key: str) -> Path:
        return self.root / f"{_file_name(key)}.prob.npz"

    def save_probability(self, key: str, model_id: str, probability: np.ndarray, fingerprint: str) -> None:
        """Cache a view's probability ((H, W) uint8) for `model_id` and the photo's
        fingerprint (core.files.fingerprint); ExportError on failure."""
        if probability.ndim != 2 or probability.dtype != np.uint8:
            raise ValueError(f"probability must be (H, W) uint8, not {probability.shape} {probability.dtype}")
        buffer = io.BytesIO()
        np.savez_compressed(buffer, format=np.int64(FORMAT_VERSION), key=np.str_(key), model_id=np.str_(model_id),
                            fingerprint=np.str_(fingerprint), probability=probability)
        self.ensure_root()
        write_bytes_atomic(self.probability_path(key), buffer.getvalue())

    def load_probability(self, key: str, model_id: str, fingerprint: str) -> np.ndarray | None:
        """The cached (H, W) uint8 probability, or None when absent, made by another model
        or for other pixels (the photo was replaced), or damaged (then deleted: it is only
        a cache). Caches of format 1, stamped by mtime and size only, never match."""
        path = self.probability_path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format"]) != FORMAT_VERSION or str(data["key"]) != key:
                    return None
                if str(data["model_id"]) != model_id:
                    return None
                if str(data["fingerprint"]) != fingerprint:
                    return None
                probability = np.array(data["probability"])
            if probability.ndim != 2 or probability.dtype != np.uint8:
                raise ValueError("unexpected contents")
        except Exception:  # noqa: BLE001 - see load_view
            try:
                path.unlink()
            except OSError:
                pass
            return None
        return probability

    # --- housekeeping -------------------------------------------------------------------

    def ensure_root(self) -> None:
        """Create the sidecar folder (and its index) before a first write; ExportError."""
        if self._index_checked:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot create sidecar folder {self.root}: {exc.strerror or exc}") from exc
        remove_stale_temporaries(self.root)  # left by a kill mid-save in an earlier run
        index = self.root / INDEX_NAME
        if not index.is_file():
            text = json.dumps({"format": FORMAT_VERSION, "app": "garment-cutout",
                               "shoot": str(self.folder.resolve())}, indent=2)
            write_text_atomic(index, text + "\n")
        self._index_checked = True

    def _newer_format(self) -> bool:
        """True when index.json says a newer app owns this folder. A missing or broken
        index (1e400, Infinity, text, a list...) does not make the view files unreadable."""
        try:
            index = json.loads((self.root / INDEX_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        version = index.get("format") if isinstance(index, dict) else None
        return isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION

    @staticmethod
    def _set_aside(path: Path, kind: str) -> Path | None:
        """Move `path` to `<name>.<kind>[N]`; the new path, or None when it cannot move."""
        target = path.with_name(f"{path.name}.{kind}")
        n = 1
        while target.exists():
            target = path.with_name(f"{path.name}.{kind}{n}")
            n += 1
        try:
            os.replace(path, target)
        except OSError:
            return None  # nothing more to do: the next save overwrites it
        return target


def _is_real(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
