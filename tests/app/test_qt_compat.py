"""The PySide6 6.12.0 reference bug must not be able to kill the app."""

import sys

from PySide6.QtCore import QObject, Signal

import app  # noqa: F401  applies the guard


class _Emitter(QObject):
    fired = Signal(int)


def test_many_signals_to_python_slots_do_not_exhaust_true(qtbot):
    emitter = _Emitter()
    seen = []
    emitter.fired.connect(seen.append)
    for i in range(20000):  # far more than True's natural reference count on Python 3.11
        emitter.fired.emit(i)
    assert len(seen) == 20000
    assert sys.getrefcount(True) > 1000
