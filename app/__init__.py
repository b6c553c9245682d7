"""Garment Cutout's Qt desktop app. All image and mask computation lives in core/."""
