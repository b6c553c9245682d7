"""Work-arounds for bugs in the Qt binding, applied once before any widget exists.

PySide6 6.12.0 drops a reference to `True` on every signal delivered to a Python
callable (checked: 300 emits of a plain `Signal(int)` take 300 off
`sys.getrefcount(True)`; 6.11.3 does not). On Python 3.11, where True is not yet
immortal, a few thousand slider moves then abort the app with "Fatal Python error:
bool_dealloc". Python 3.12 made True/False/None immortal for exactly this class of
bug; we do the same by lending them a huge reference count, which nothing can ever
exhaust. The pin `PySide6-Essentials!=6.12.0` avoids the bug at install time; this keeps
an app on an unpinned install alive.
"""

from __future__ import annotations

import ctypes
import sys

_LOAN = 1 << 40
_applied = False


def refcount_bug_present() -> bool:
    """True for PySide6 releases known to leak references to True."""
    try:
        import PySide6
    except ImportError:
        return False
    return PySide6.__version__.startswith("6.12.0")


def guard_singleton_refcounts() -> None:
    """Make True, False and None effectively immortal on Pythons where they are not."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        _applied = True
        return
    for obj in (True, False, None):
        # ob_refcnt is the first field of every CPython object header.
        ctypes.c_ssize_t.from_address(id(obj)).value += _LOAN
    _applied = True


def apply() -> None:
    if refcount_bug_present():
        guard_singleton_refcounts()
