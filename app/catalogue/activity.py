"""Whether the retoucher is at work: input events anywhere in the app, for the time a
view's export records (issue 13's learning loop measures what a correction costs).

Wall-clock time on screen counted a view left open over lunch as hours of work (found
by a helper). The catalogue controller counts the time between two inputs instead, each
gap at most IDLE_GRACE_S: studying a view without touching anything for a minute is work,
an hour is not.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject

IDLE_GRACE_S = 120.0

ACTIVE_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                           QEvent.Type.Wheel, QEvent.Type.TabletMove})


class ActivityWatcher(QObject):
    """An application-wide event filter that calls `on_activity()` on each input event
    and lets every event through."""

    def __init__(self, on_activity: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self._on_activity = on_activity

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in ACTIVE_EVENTS:
            self._on_activity()
        return False
