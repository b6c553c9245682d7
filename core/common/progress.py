"""A dependency-free text progress bar for the command line (on stderr)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class TextProgress:
    """Callable as `progress(done, total)`; redraws one line, at most ~10 times a second."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._open = False  # a bar drawn and its line not ended
        self.suffix = ""

    def __call__(self, done: int, total: int, suffix: str | None = None) -> None:
        if suffix is not None:
            self.suffix = suffix
        now = time.perf_counter()
        if done < total and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        frac = done / total if total else 1.0
        filled = int(round(frac * self.width))
        elapsed = now - self.start
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        line = (f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}"
                f" {elapsed:5.1f}s eta {eta:5.1f}s {self.suffix}")
        self.stream.write(line)
        self._open = done < total
        if not self._open:
            self.stream.write("\n")
        self.stream.flush()

    def end(self) -> None:
        """End the bar's line if it is still open (the run stopped short of its total:
        photos skipped), so the next message starts a line of its own and is not lost at
        the end of the bar."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
