"""Tiny training data and a way to run `garment-cutout` in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]


def write_rectangles(root: Path, n: int = 6, h: int = 48, w: int = 32) -> Path:
    """images/ + masks/ of bright rectangles on noise: learnable in an epoch or two."""
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(n):
        rgb = rng.integers(0, 80, size=(h, w, 3), dtype=np.uint8)
        mask = np.zeros((h, w), np.uint8)
        top, left = rng.integers(2, 12), rng.integers(2, 10)
        mask[top:top + 24, left:left + 14] = 255
        rgb[mask > 0] = (220, 180, 60)
        cv2.imwrite(str(root / "images" / f"{i:02d}.png"), rgb)
        cv2.imwrite(str(root / "masks" / f"{i:02d}.png"), mask)
    return root


@pytest.fixture
def rectangles(tmp_path) -> Path:
    return write_rectangles(tmp_path / "data", n=10)


def fresh_env(**changes: str) -> dict[str, str]:
    """The environment for a child Python: this repository importable, one TF thread
    pool small enough for two processes on two cores, no TF_CONFIG unless given."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update({"PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONHASHSEED": "0",
                "CUDA_VISIBLE_DEVICES": "-1"})
    env.update(changes)
    return env


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "core.cli", *args]


def run_cli(args: list[str], timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli(*args), check=False, cwd=REPO, env=fresh_env(**env), capture_output=True, text=True,
                          timeout=timeout)


# Small enough for a second per epoch on two shared cores.
TINY = ["--architecture", "simple", "--width", "0.25", "--input-size", "48x32", "--val-fraction", "0.2",
        "--batch-size", "2", "--seed", "3"]
