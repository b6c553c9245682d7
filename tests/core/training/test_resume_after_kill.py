"""A `garment-cutout train` killed with SIGKILL and run again ends where an unbroken run does."""

from __future__ import annotations

import csv
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.core.training.conftest import REPO, TINY, cli, fresh_env, run_cli

pytestmark = pytest.mark.slow

EPOCHS = "4"


def _committed_epoch(backup: Path) -> int:
    try:
        return int(json.loads((backup / "training_metadata.json").read_text())["epoch"])
    except (OSError, ValueError, KeyError):
        return 0


def _weights(path: Path) -> list[np.ndarray]:
    import keras

    return [np.asarray(w) for w in keras.models.load_model(path, compile=False).weights]


def test_a_run_killed_after_its_first_epoch_resumes_and_ends_as_an_unbroken_run(rectangles, tmp_path):
    args = ["--data", str(rectangles), "--epochs", EPOCHS, "--patience", "3", "--lr-schedule", "cyclic", *TINY]
    killed_out = tmp_path / "killed" / "m.keras"
    killed_out.parent.mkdir()
    backup = killed_out.with_name("m.backup")
    run = subprocess.Popen(cli("train", "--out", str(killed_out), *args), cwd=REPO, env=fresh_env(),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _committed_epoch(backup) < 1 and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        run.kill()  # SIGKILL: no handler, no clean-up
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    done = _committed_epoch(backup)
    assert run.returncode == -9 and 1 <= done < int(EPOCHS), (run.returncode, done)

    resumed = run_cli(["train", "--out", str(killed_out), *args], timeout=150)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    resuming = [line for line in resumed.stderr.splitlines() if line.startswith("resuming")]
    assert len(resuming) == 1 and f"epochs 1-{done} of {EPOCHS} restored" in resuming[0], resumed.stderr[-2000:]
    assert not backup.exists()

    unbroken_out = tmp_path / "unbroken" / "m.keras"
    unbroken_out.parent.mkdir()
    unbroken = run_cli(["train", "--out", str(unbroken_out), *args], timeout=150)
    assert unbroken.returncode == 0, unbroken.stderr[-3000:]
    assert "resuming" not in unbroken.stderr

    rows = [list(csv.DictReader(out.with_name("m.history.csv").read_text().splitlines()))
            for out in (killed_out, unbroken_out)]
    assert [r["epoch"] for r in rows[0]] == [r["epoch"] for r in rows[1]]  # one row per epoch, none twice
    for a, b in zip(*rows):
        assert float(a["val_loss"]) == pytest.approx(float(b["val_loss"]), abs=1e-4)
        assert float(a["learning_rate"]) == pytest.approx(float(b["learning_rate"]))  # the same schedule
    cards = [json.loads(out.with_name("m.json").read_text()) for out in (killed_out, unbroken_out)]
    assert cards[0]["training"]["best_epoch"] == cards[1]["training"]["best_epoch"]
    assert cards[0]["threshold"] == cards[1]["threshold"]
    for a, b in zip(_weights(killed_out), _weights(unbroken_out)):
        assert np.allclose(a, b, atol=1e-4)
