"""The project's exceptions: each carries a message fit to show a user as is."""

from __future__ import annotations

from pathlib import Path


class GarmentCutoutError(Exception):
    """Base of every error the command line and the app report without a traceback."""


class ImageReadError(GarmentCutoutError):
    """An image file could not be decoded (missing, truncated, corrupt, unsupported)."""

    def __init__(self, path: str | Path, cause: str):
        self.path = Path(path)
        self.cause = cause
        super().__init__(f"cannot read image {self.path}: {cause}")


class ModelLoadError(GarmentCutoutError):
    """A model file or its card is missing, broken or incompatible."""

    def __init__(self, path: str | Path, cause: str):
        self.path = Path(path)
        self.cause = cause
        super().__init__(f"cannot load model {self.path}: {cause}")


class DataError(GarmentCutoutError):
    """A training/evaluation data folder is missing or has an unexpected layout."""


class ExportError(GarmentCutoutError):
    """A file could not be written (folder missing or not writable, disk full...)."""


class Cancelled(GarmentCutoutError):
    """Long work stopped because its `cancelled` callback returned True."""

    def __init__(self, what: str = "operation"):
        super().__init__(f"{what} cancelled")
