"""Atomic file writes: a temporary file in the target folder, then os.replace.

A crash or a full disk mid-write leaves the old file (or nothing), never half a file.
A kill mid-write leaves the temporary file; `remove_stale_temporaries` clears those the
next time the folder is used.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Iterator

from core.common.errors import ExportError


def _read_umask() -> int:
    # os.umask can only be read by setting it; do it once at import, before worker threads exist.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _read_umask()


def temporary_beside(target: Path, kind: str = "") -> Path:
    """A new empty file beside `target`, named as TEMPORARY_NAME expects
    (`.{stem}.{random}{kind}.tmp{suffix}`), with the usual umask mode. Raises OSError."""
    folder = target.parent if str(target.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f"{kind}.tmp{target.suffix}", dir=folder)
    os.close(fd)
    # mkstemp creates 0600 files; a saved cutout or model should get the usual umask mode.
    with contextlib.suppress(OSError):
        os.chmod(name, 0o666 & ~UMASK)
    return Path(name)


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`.

    The temporary name keeps the target's suffix so writers that pick a format by
    extension (OpenCV, Keras) still work. On any exception the temporary file is removed
    and the target is untouched.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"cannot write {target}: folder {folder} does not exist")
    try:
        tmp = temporary_beside(target)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_synced(path: Path, data: bytes) -> None:
    """Write `data` to `path` and flush it to disk (before an atomic replace)."""
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_bytes_atomic(target: str | Path, data: bytes) -> None:
    """Write `data` to `target` atomically; raise ExportError with the reason on failure."""
    try:
        with atomic_path(target) as tmp:
            write_synced(tmp, data)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc


def write_text_atomic(target: str | Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


# `.{stem}.{8 random}[.old].tmp{suffix}`: the names atomic_path and core.files.export use.
TEMPORARY_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}(\.old)?\.tmp(\.[A-Za-z0-9]+)?$")


def remove_stale_temporaries(folder: str | Path, min_age_s: float = 60.0) -> list[Path]:
    """Delete our own temporary files in `folder` older than `min_age_s` (left by a kill
    or a power cut mid-write); returns what was removed. Younger ones may belong to a
    write in progress in another process. Never raises: this is housekeeping."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not TEMPORARY_NAME.match(entry.name):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime >= min_age_s:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def can_write_into(folder: str | Path) -> bool:
    """Whether a file can be created in `folder` (an existing folder): a real write, as
    os.access lies for root and for many network shares."""
    try:
        fd, name = tempfile.mkstemp(prefix=".probe.", dir=folder)
        os.close(fd)
        os.unlink(name)
        return True
    except OSError:
        return False
