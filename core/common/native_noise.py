"""Native libraries' start-up chatter kept off the user's terminal.

TensorFlow's C++ runtime writes to file descriptor 2 before its own log level applies
("All log messages before absl::InitializeLog()", "Could not find cuda drivers", "failed
call to cuInit ... UNKNOWN ERROR" on every machine without a GPU). Users read those lines
as crashes. While a noisy native call runs, descriptor 2 goes to a temporary file; what
it caught is written back afterwards, less the lines known to be noise, so a real error
message still reaches the terminal.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from typing import Iterator

NOISE = re.compile("|".join((
    r"All log messages before absl::InitializeLog\(\) is called",
    r"cudart_stub\.cc",
    r"cuda_platform\.cc.*cuInit",
    r"failed call to cuInit",
    r"Unable to register cu(DNN|FFT|BLAS) factory",
    r"computation placer already registered",
    r"oneDNN custom operations are on",
    r"This TensorFlow binary is optimized to use available CPU instructions",
    r"To enable the following instructions: .* rebuild TensorFlow",
    r"TF-TRT Warning: Could not find TensorRT",
    r"Unable to register cuda",
    r"external/local_xla/xla/stream_executor/cuda",
    r"^\s*$",
)))

_lock = threading.Lock()


def filter_lines(text: str) -> str:
    """`text` without the lines that are known noise."""
    kept = [line for line in text.splitlines() if not NOISE.search(line)]
    return "".join(line + "\n" for line in kept)


@contextlib.contextmanager
def native_noise_filtered() -> Iterator[None]:
    """Run the body with descriptor 2 captured; replay what was not noise."""
    with _lock:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no descriptor 2 (a GUI app started without one): nothing to filter
            yield
            return
        with tempfile.TemporaryFile() as capture:
            os.dup2(capture.fileno(), 2)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                capture.seek(0)
                rest = filter_lines(capture.read().decode("utf-8", "replace"))
                if rest:
                    with contextlib.suppress(Exception):
                        sys.stderr.write(rest)
                        sys.stderr.flush()
