"""One app window per shoot: a lock file in the shoot's sidecar folder.

Two windows on one shoot would each autosave their own view of the corrections, and the
last to save would silently replace the other's work. The first window holds an OS lock
on `.garment-cutout/lock` (flock, or msvcrt on Windows) and writes who it is into the file;
a second window is refused the lock and told who holds it. The OS drops the lock when
the process ends, however it ends (a SIGKILL or a crash included), so no stale lock file
can ever keep a shoot closed.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from pathlib import Path

LOCK_NAME = "lock"


class ShootLock:
    """The lock of one sidecar folder; `acquire` once, `release` when the shoot closes."""

    def __init__(self, sidecar_root: str | Path):
        self.path = Path(sidecar_root) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> str | None:
        """Take the lock: None when held now, else why not (who holds it, in words)."""
        if self._fd is not None:
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            # A folder we cannot write gets no lock: the sidecar itself lives elsewhere then.
            return f"cannot create the lock file {self.path}: {exc.strerror or exc}"
        if not _try_lock(fd):
            holder = _describe(_read_owner(fd))
            os.close(fd)
            return f"this shoot is already open in another Garment Cutout window ({holder})"
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(owner).encode("utf-8"), 0)
        self._fd = fd
        return None

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = None


def _read_owner(fd: int) -> dict:
    with contextlib.suppress(OSError, ValueError):
        owner = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        if isinstance(owner, dict):
            return owner
    return {}


def _describe(owner: dict) -> str:
    if not owner:
        return "a window that is still starting"
    return f"process {owner.get('pid', '?')} on {owner.get('host', '?')}, since {owner.get('since', '?')}"


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
