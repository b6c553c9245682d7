"""Guard against PySide6 6.12.0's bug (one reference to True dropped per signal delivered
to a Python callable: fatal `bool_dealloc` after a few hundred slider moves on Python
3.11). pyproject.toml excludes that release; this fails if an installed Qt binding has it."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(int)


def test_signals_to_python_slots_keep_the_reference_count_of_true(qtbot):
    emitter = _Emitter()
    seen = []
    emitter.fired.connect(seen.append)
    before = sys.getrefcount(True)
    for i in range(2000):
        emitter.fired.emit(i)
    assert len(seen) == 2000
    assert sys.getrefcount(True) >= before - 50
