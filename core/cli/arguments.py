"""argparse value types shared by the subcommands: bad values end in argparse's usage
line and a clear reason (exit 2), never a traceback."""

from __future__ import annotations

import argparse
from pathlib import Path


def _int_at_least(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
    return value


def positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"threshold must be between 0 and 1, got {value}")
    return value


def bounded_number(maximum: float):
    """A number from 0 to `maximum` (an argparse type)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not 0.0 <= value <= maximum:  # NaN fails too
            raise argparse.ArgumentTypeError(f"must be between 0 and {maximum:g}, got {text}")
        return value
    return parse


def folder_path(text: str) -> Path:
    """A folder path that is not empty: `--out ""` would silently mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path is not a folder (use . for the current folder)")
    return Path(text)
