"""The window's side of app.feedback: progress and transient messages in its status bar,
lasting ones in its Messages panel, errors also in a non-blocking message box."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMessageBox, QWidget

from app.widgets.catalogue_panel import MessagePanel
from app.widgets.status_bar import StatusBar

log = logging.getLogger(__name__)


class WindowFeedback:
    """Implements app.feedback.Feedback for `window`; the last error box is `message_box`."""

    def __init__(self, window: QWidget, status_bar: StatusBar, message_panel: MessagePanel,
                 message_dock: QDockWidget):
        self._window = window
        self._status_bar = status_bar
        self._message_panel = message_panel
        self._message_dock = message_dock
        self.message_box: QMessageBox | None = None

    def show_progress(self, text: str | None, busy: bool = False, total: int = 0,
                      cancellable: bool | None = None) -> None:
        self._status_bar.show_progress(text, busy, total, cancellable)

    def set_progress(self, done: int, total: int, text: str | None = None) -> None:
        self._status_bar.set_progress(done, total, text)

    def progress_shown(self) -> bool:
        return self._status_bar.progress_shown()

    def status_message(self, message: str, timeout_ms: int) -> None:
        self._status_bar.showMessage(message, timeout_ms)

    def forget(self, about: str) -> None:
        self._message_panel.forget(about)

    def note(self, message: str, error: bool = True, about: str | None = None) -> None:
        self._message_panel.add_message(message, error=error, about=about)
        self._message_dock.show()

    def show_error(self, message: str, about: str | None = None) -> None:
        log.warning("%s", message)
        self._message_panel.add_message(message, about=about)
        self._status_bar.showMessage(message, 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Garment Cutout", message, QMessageBox.StandardButton.Ok,
                          self._window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self.message_box = box
