"""Autosaved per-view state beside a shoot (DESIGN.md "Nothing is lost").

`<shoot>/.garment-cutout/` holds, per view key, `<key>.view.npz` (threshold + override,
compressed: overrides are mostly zeros, a few kB) and `<key>.prob.npz` (the model's
probability map, a cache stamped with the model id and the photo's mtime and size), plus
`index.json` with the format version. When the shoot folder is read-only the same layout
lives under the user's cache folder instead (Sidecar.for_shoot picks).

A damaged view file is renamed aside (`.corrupt`) and reads as "nothing saved": the user
loses that view's corrections, never the ability to open the shoot.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from core.common.errors import ExportError
from core.files.atomic import write_bytes_atomic, write_text_atomic

FORMAT_VERSION = 1
SIDECAR_DIR = ".garment-cutout"
INDEX_NAME = "index.json"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


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
    """Try a real write: os.access lies for root and for many network shares."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".probe.", dir=folder)
        os.close(fd)
        os.unlink(name)
        return True
    except OSError:
        return False


class Sidecar:
    """Saved thresholds, overrides and probability caches of one shoot folder."""

    def __init__(self, folder: str | Path, root: str | Path | None = None):
        self.folder = Path(folder)
        self.root = Path(root) if root is not None else self.folder / SIDECAR_DIR
        self._index_checked = False

    @classmethod
    def for_shoot(cls, folder: str | Path) -> Sidecar:
        """The sidecar beside the shoot, or under the user's cache folder when the shoot
        folder cannot be written (read-only share, card reader...)."""
        local = cls(folder)
        if _probe_writable(local.root):
            return local
        digest = hashlib.sha1(str(Path(folder).resolve()).encode("utf-8")).hexdigest()[:16]
        return cls(folder, cache_root() / "sidecars" / digest)

    @property
    def is_fallback(self) -> bool:
        """True when the state lives in the user's cache rather than beside the shoot."""
        return self.root != self.folder / SIDECAR_DIR

    # --- views -------------------------------------------------------------------------

    def view_path(self, key: str) -> Path:
        return self.root / f"{_file_name(key)}.view.npz"

    def save_view(self, key: str, threshold: float, override: np.ndarray) -> None:
        """Save a view's threshold and override ((H, W) uint8) atomically; ExportError on failure."""
        if override.ndim != 2 or override.dtype != np.uint8:
            raise ValueError(f"override must be (H, W) uint8, not {override.shape} {override.dtype}")
        buffer = io.BytesIO()
        np.savez_compressed(buffer, format=np.int64(FORMAT_VERSION), key=np.str_(key),
                            threshold=np.float64(threshold), override=override)
        self._ensure_root()
        write_bytes_atomic(self.view_path(key), buffer.getvalue())

    def load_view(self, key: str, shape: tuple[int, int] | None = None) -> tuple[float, np.ndarray] | None:
        """(threshold, override (H, W) uint8) saved for `key`, or None.

        None too when the override's shape differs from `shape` (the photo was replaced),
        when a newer app wrote the file, and when the file is damaged - then it is renamed
        to `*.corrupt` so it is neither lost nor tried again.
        """
        path = self.view_path(key)
        if not path.is_file() or self._newer_format():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                version = int(data["format"])
                if version > FORMAT_VERSION:
                    return None
                stored_key = str(data["key"])
                threshold = float(data["threshold"])
                override = np.array(data["override"])
            if stored_key != key:
                return None
            if (override.ndim != 2 or override.dtype != np.uint8 or not math.isfinite(threshold)
                    or (override.size and override.max() > 2)):
                raise ValueError("unexpected contents")
        except Exception:  # noqa: BLE001 - a damaged file raises anything from zipfile/zlib/numpy
            self._set_aside(path)
            return None
        if shape is not None and override.shape != tuple(shape):
            return None
        return min(max(threshold, 0.0), 1.0), override

    # --- probability cache --------------------------------------------------------------

    def probability_path(self, key: str) -> Path:
        return self.root / f"{_file_name(key)}.prob.npz"

    def save_probability(self, key: str, model_id: str, probability: np.ndarray,
                         source_stamp: tuple[int, int]) -> None:
        """Cache a view's probability ((H, W) uint8) for `model_id` and the photo's
        (mtime_ns, size) stamp (core.imageio.file_stamp); ExportError on failure."""
        if probability.ndim != 2 or probability.dtype != np.uint8:
            raise ValueError(f"probability must be (H, W) uint8, not {probability.shape} {probability.dtype}")
        buffer = io.BytesIO()
        np.savez_compressed(buffer, format=np.int64(FORMAT_VERSION), key=np.str_(key), model_id=np.str_(model_id),
                            source_stamp=np.asarray(source_stamp, np.int64), probability=probability)
        self._ensure_root()
        write_bytes_atomic(self.probability_path(key), buffer.getvalue())

    def load_probability(self, key: str, model_id: str, source_stamp: tuple[int, int]) -> np.ndarray | None:
        """The cached (H, W) uint8 probability, or None when absent, made by another model,
        stale (the photo's stamp changed) or damaged (then deleted: it is only a cache)."""
        path = self.probability_path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format"]) != FORMAT_VERSION or str(data["key"]) != key:
                    return None
                if str(data["model_id"]) != model_id:
                    return None
                if tuple(int(v) for v in data["source_stamp"]) != tuple(int(v) for v in source_stamp):
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

    def _ensure_root(self) -> None:
        if self._index_checked:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot create sidecar folder {self.root}: {exc.strerror or exc}") from exc
        index = self.root / INDEX_NAME
        if not index.is_file():
            text = json.dumps({"format": FORMAT_VERSION, "app": "garment-cutout",
                               "shoot": str(self.folder.resolve())}, indent=2)
            write_text_atomic(index, text + "\n")
        self._index_checked = True

    def _newer_format(self) -> bool:
        try:
            index = json.loads((self.root / INDEX_NAME).read_text(encoding="utf-8"))
            return int(index.get("format", FORMAT_VERSION)) > FORMAT_VERSION
        except (OSError, ValueError, TypeError, AttributeError):
            return False  # a missing or broken index does not make the view files unreadable

    @staticmethod
    def _set_aside(path: Path) -> None:
        target = path.with_name(path.name + ".corrupt")
        n = 1
        while target.exists():
            target = path.with_name(f"{path.name}.corrupt{n}")
            n += 1
        try:
            os.replace(path, target)
        except OSError:
            pass  # nothing more to do: the next save overwrites it
