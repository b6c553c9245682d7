"""Garment Cutout's engine: everything that is not GUI. Never imports Qt."""

__version__ = "0.1.0"
