"""Real faults on the file layer: a SIGKILL mid-write, a second process on one shoot, a
full disk (a real tmpfs where this machine lets the test mount one)."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.common.errors import ExportError
from core.files.atomic import TEMPORARY_NAME, remove_stale_temporaries
from core.files.export import export_view
from core.files.shoot_lock import ShootLock
from core.files.sidecar import RESTORED, Sidecar

REPO = Path(__file__).resolve().parents[3]

# A child that saves a big file atomically, slowly, so the parent can kill it mid-write.
SLOW_WRITER = r"""
import sys, time
import core.files.atomic as atomic
def slow(path, data):
    with open(path, "wb") as fh:
        for i in range(0, len(data), 1 << 16):
            fh.write(data[i:i + (1 << 16)]); fh.flush(); time.sleep(0.01)
atomic.write_synced = slow
print("writing", flush=True)
atomic.write_bytes_atomic(sys.argv[1], b"n" * (1 << 24))
"""


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_sigkill_mid_write_leaves_the_old_file_and_the_next_run_clears_the_leftover(tmp_path):
    target = tmp_path / "g1_Front.view.npz"
    target.write_bytes(b"the old, complete file")
    child = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target)], cwd=REPO, stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == b"writing"
        temporaries = lambda: [p for p in tmp_path.iterdir() if TEMPORARY_NAME.match(p.name)]  # noqa: E731
        assert _wait_for(lambda: any(p.stat().st_size > 1 << 20 for p in temporaries()))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        with contextlib.suppress(OSError):
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"the old, complete file"
    (leftover,) = temporaries()
    assert remove_stale_temporaries(tmp_path) == []  # younger than a minute: maybe still being written
    old = time.time() - 120
    os.utime(leftover, (old, old))
    assert remove_stale_temporaries(tmp_path) == [leftover]
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_opening_a_sidecar_clears_what_a_killed_save_left(tmp_path):
    car = Sidecar(tmp_path)
    car.root.mkdir()
    leftover = car.root / ".g1_Front.view.abcd1234.tmp.npz"
    leftover.write_bytes(b"half")
    old = time.time() - 120
    os.utime(leftover, (old, old))
    car.save_view("g1_Front", 0.5, np.zeros((2, 2), np.uint8))
    assert not leftover.exists()


HOLDER = r"""
import sys, time
from core.files.shoot_lock import ShootLock
lock = ShootLock(sys.argv[1])
print("held" if lock.acquire() is None else "refused", flush=True)
time.sleep(120)
"""


def test_a_second_process_on_one_shoot_is_told_and_a_killed_holder_frees_it(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == b"held"
        mine = ShootLock(tmp_path)
        refusal = mine.acquire()
        assert refusal is not None and "already open in another Garment Cutout window" in refusal
        assert f"process {child.pid}" in refusal
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert mine.acquire() is None and mine.held  # the OS dropped the dead holder's lock
        assert ShootLock(tmp_path).acquire() is not None  # and now this process holds it
        mine.release()
        assert ShootLock(tmp_path).acquire() is None
    finally:
        with contextlib.suppress(OSError):
            child.kill()


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """A folder on a real, full 64 kB tmpfs where this machine allows mounting one;
    elsewhere ENOSPC injected at the write layer (core.files.atomic.write_synced)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True).returncode == 0
    if not mounted:
        import core.files.atomic as atomic
        import core.files.export as export

        def no_space(path, data):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(atomic, "write_synced", no_space)
        monkeypatch.setattr(export, "write_synced", no_space)
    try:
        yield mount, mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(mount)], capture_output=True)


def _fill(folder: Path) -> None:
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as fh:
        while True:
            fh.write(b"x" * 4096)
            fh.flush()


def test_a_full_disk_keeps_the_saved_corrections_and_leaves_no_half_file(full_disk):
    folder, real = full_disk
    car = Sidecar(folder)
    if real:
        car.save_view("g1_Front", 0.25, np.zeros((4, 4), np.uint8), "photo")
        _fill(folder)
    else:
        car.root.mkdir()
    before = car.view_path("g1_Front").read_bytes() if real else None
    noisy = np.random.default_rng(0).integers(0, 3, (400, 400), dtype=np.uint8)  # compresses badly
    with pytest.raises(ExportError, match="No space left on device"):
        car.save_view("g1_Front", 0.75, noisy, "photo")
    if real:
        assert car.view_path("g1_Front").read_bytes() == before
        assert Sidecar(folder).restore_view("g1_Front", (4, 4), "photo").status == RESTORED
    assert not [p for p in car.root.iterdir() if TEMPORARY_NAME.match(p.name)]


def test_a_full_disk_fails_an_export_whole(full_disk):
    folder, real = full_disk
    if real:
        _fill(folder)
    rgb = np.random.default_rng(1).integers(0, 255, (300, 300, 3), dtype=np.uint8)
    with pytest.raises(ExportError, match="No space left on device"):
        export_view(rgb, np.ones((300, 300), bool), folder, "g1", "Front", write_mask=True)
    assert not [p for p in folder.iterdir() if p.name != "filler"]
