"""Garment Cutout's Qt desktop app. All image and mask computation lives in core/."""
from app import qt_compat as _qt_compat

# Before any signal is emitted: see app/qt_compat.py (PySide6 6.12.0 refcount bug).
_qt_compat.apply()
