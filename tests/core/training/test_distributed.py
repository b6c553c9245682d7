"""Distributed training on this CPU-only machine, each run in fresh processes.

MirroredStrategy needs several devices, which a CPU has only once TensorFlow splits it
into logical devices before it initialises; MultiWorkerMirroredStrategy needs several
processes. Each test bounds its processes' time and kills them on failure.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
from pathlib import Path

import pytest

from core.network.card import ModelCard, card_path
from tests.core.training.conftest import REPO, TINY, cli, fresh_env

pytestmark = pytest.mark.slow

# One device with a batch of 4 and two replicas with 2 each compute the same gradient up
# to batch norm's statistics and the Dice term, both per replica's batch. Measured over
# three epochs: losses at most 5e-4 apart; ten times that is the tolerance.
LOSS_TOLERANCE = 5e-3


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= LOSS_TOLERANCE for x, y in zip(a, b))


def test_mirrored_over_two_logical_cpus_matches_one_device(rectangles, tmp_path):
    out = tmp_path / "runs"
    out.mkdir()
    done = subprocess.run([*cli()[:1], str(Path(__file__).with_name("mirrored_run.py")), str(rectangles), str(out)],
                          check=False, cwd=REPO, env=fresh_env(), capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    one, mirrored = runs["one"], runs["mirrored"]
    assert mirrored["distribution"]["strategy"] == "mirrored" and mirrored["distribution"]["replicas"] == 2
    assert mirrored["distribution"]["global_batch"] == one["distribution"]["global_batch"] == 4
    assert one["training_precision"] == mirrored["training_precision"] == "float32"  # auto on a CPU
    assert _close(one["history"]["loss"], mirrored["history"]["loss"]), (one["history"], mirrored["history"])
    assert _close(one["history"]["val_loss"], mirrored["history"]["val_loss"])
    assert one["history"]["loss"][-1] < one["history"]["loss"][0]  # it learned something


def _free_ports(count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


def test_two_workers_over_localhost_train_one_model(rectangles, tmp_path):
    out = tmp_path / "m.keras"
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    args = cli("train", "--data", str(rectangles), "--out", str(out), "--epochs", "2", *TINY)
    workers = [subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=fresh_env(TF_CONFIG=json.dumps({"cluster": cluster,
                                                                    "task": {"type": "worker", "index": i}})))
               for i in range(2)]
    outputs = []
    try:
        for worker in workers:
            outputs.append(worker.communicate(timeout=150))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
    codes = [w.returncode for w in workers]
    assert codes == [0, 0], [err[-2000:] for _, err in outputs]
    assert "validation Dice" in outputs[0][0] and "the chief writes the model" in outputs[1][0]
    card = ModelCard.load(card_path(out))
    assert card.distribution["strategy"] == "multi-worker"
    assert (card.distribution["workers"], card.distribution["replicas"], card.distribution["global_batch"]) == (2, 2, 4)
    # The linear rule: twice the batch of --batch-size 2, twice the default 3e-4.
    assert card.distribution["learning_rate"] == pytest.approx(6e-4)
    assert card.training["epochs_run"] == 2 and card.val_dice is not None
    assert not list(tmp_path.glob("*.backup"))  # both workers cleared their backups
