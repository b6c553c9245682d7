"""File > Open recent: the paths the settings remember, newest first."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu

from app.settings import AppSettings


class RecentFilesMenu(QMenu):
    """Emits `path_chosen(path)`; `rebuild()` after the settings' list changed."""

    path_chosen = Signal(str)

    def __init__(self, settings: AppSettings, parent=None):
        super().__init__("Open &recent", parent)
        self._settings = settings
        self.rebuild()

    def rebuild(self) -> None:
        self.clear()
        for path in self._settings.recent_paths():
            action = self.addAction(path)
            action.setData(path)
            action.triggered.connect(self._on_action_triggered)
        self.setEnabled(bool(self._settings.recent_paths()))

    def _on_action_triggered(self) -> None:
        self.path_chosen.emit(self.sender().data())
