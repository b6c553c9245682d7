"""What the controllers and the background jobs need from the window to tell the user
how work goes: the progress bar, status-bar messages, errors and the Messages panel.

A Protocol, so that nothing below app.window imports the window (app.window.feedback
implements it over the window's status bar, Messages panel and message boxes).
"""

from __future__ import annotations

from typing import Protocol


class Feedback(Protocol):
    def show_progress(self, text: str | None, busy: bool = False, total: int = 0,
                      cancellable: bool | None = None) -> None:
        """Show the progress bar labelled `text` (busy: no steps, and no Cancel button unless
        `cancellable`); None hides it."""

    def set_progress(self, done: int, total: int, text: str | None = None) -> None:
        """Move the progress bar; `text` replaces its label."""

    def progress_shown(self) -> bool:
        """Whether the (shared) progress bar is on screen."""

    def status_message(self, message: str, timeout_ms: int) -> None:
        """A transient message in the status bar."""

    def show_error(self, message: str, about: str | None = None) -> None:
        """A non-blocking message box, also kept in the Messages panel (as the line
        `about` that thing, which a later forget takes away)."""

    def forget(self, about: str) -> None:
        """Take away the Messages line `about` that thing, if there is one."""

    def note(self, message: str, error: bool = True, about: str | None = None) -> None:
        """A line in the Messages panel, which then shows (no message box); it replaces an
        earlier line `about` the same thing (a photo's path)."""
