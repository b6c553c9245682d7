"""Which `tf.distribute` strategy a run trains under, what that makes of the batch, and the rate rule.

`--strategy auto` chooses, in this order:

* `multi-worker` (MultiWorkerMirroredStrategy) when `TF_CONFIG` names a cluster of more
  than one chief or worker task: every machine runs the same `garment-cutout train`
  command with its own `TF_CONFIG` task;
* `mirrored` (MirroredStrategy) when more than one GPU is visible;
* `default` otherwise: one device, no distribution.

`--batch-size` is per replica, so the global batch is it times the replicas, and `--lr`
is the rate for one replica's batch: the run uses it times `lr_factor` (linear by
default: twice the batch, twice the rate). The card's `distribution` records all of it.

Only TensorFlow's own engine distributes; nothing here moves tensors itself.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.common.errors import DataError

ENV_VARIABLE = "TF_CONFIG"


@dataclasses.dataclass(frozen=True)
class ClusterRole:
    """This process's place in the `TF_CONFIG` cluster."""

    workers: int            # chief and worker tasks together
    task_type: str
    task_index: int
    has_chief: bool

    @property
    def worker_index(self) -> int:
        """0 for the chief (a "chief" task, or worker 0 when there is none), then 1, 2..."""
        if self.task_type == "chief":
            return 0
        return self.task_index + (1 if self.has_chief else 0)

    @property
    def is_chief(self) -> bool:
        return self.worker_index == 0


def cluster_from_env(environ: Mapping[str, str] | None = None) -> ClusterRole | None:
    """The role `TF_CONFIG` gives this process, or None when it names no cluster."""
    environ = os.environ if environ is None else environ
    text = environ.get(ENV_VARIABLE, "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
        cluster = config.get("cluster") or {}
        task = config.get("task") or {}
        counts = {kind: len(cluster.get(kind) or []) for kind in ("chief", "worker", "ps", "evaluator")}
        task_type, task_index = str(task.get("type", "worker")), int(task.get("index", 0))
    except (ValueError, TypeError, AttributeError) as exc:
        raise DataError(f"{ENV_VARIABLE} is not the JSON TensorFlow expects ({exc})") from None
    if counts["ps"]:
        raise DataError(f"{ENV_VARIABLE} names parameter servers: train runs on MultiWorkerMirroredStrategy, "
                        "which needs chief and worker tasks only")
    workers = counts["chief"] + counts["worker"]
    if workers == 0:
        return None
    if task_type not in ("chief", "worker") or not 0 <= task_index < max(counts.get(task_type, 0), 1):
        raise DataError(f"{ENV_VARIABLE}'s task {task_type}:{task_index} is not in its cluster")
    return ClusterRole(workers, task_type, task_index, counts["chief"] > 0)


def choose_strategy(requested: str, cluster: ClusterRole | None, gpus: int) -> str:
    """"default", "mirrored" or "multi-worker" for `--strategy` (those or "auto")."""
    if requested != "auto":
        return requested
    if cluster is not None and cluster.workers > 1:
        return "multi-worker"
    return "mirrored" if gpus > 1 else "default"


def lr_factor(rule: str, replicas: int) -> float:
    """What `--lr` is multiplied by when the global batch is `replicas` per-replica batches."""
    if rule == "linear":
        return float(replicas)
    if rule == "sqrt":
        return math.sqrt(replicas)
    return 1.0


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """How one run is spread, and the batch and rate that follow; `describe` goes into the card."""

    strategy: str
    replicas: int
    workers: int
    worker_index: int
    per_replica_batch: int
    lr_scaling: str
    base_learning_rate: float
    precision: str

    @property
    def is_chief(self) -> bool:
        return self.worker_index == 0

    @property
    def global_batch(self) -> int:
        return self.per_replica_batch * self.replicas

    @property
    def lr_factor(self) -> float:
        return lr_factor(self.lr_scaling, self.replicas)

    @property
    def learning_rate(self) -> float:
        return self.base_learning_rate * self.lr_factor

    def backup_path(self, chief_backup: Path) -> Path:
        """The chief keeps OUT.backup/; worker i keeps OUT.worker-i.backup/ (on its own
        machine, or beside the chief's when they share a disk)."""
        if self.is_chief:
            return chief_backup
        return chief_backup.with_name(chief_backup.name.replace(".backup", f".worker-{self.worker_index}.backup"))

    def describe(self) -> dict[str, Any]:
        rule = {"linear": "linear: lr = base x replicas", "sqrt": "sqrt: lr = base x sqrt(replicas)",
                "none": "none: lr = base"}[self.lr_scaling]
        return {"strategy": self.strategy, "replicas": self.replicas, "workers": self.workers,
                "per_replica_batch": self.per_replica_batch, "global_batch": self.global_batch,
                "learning_rate_rule": rule, "base_learning_rate": self.base_learning_rate,
                "learning_rate": self.learning_rate}


def visible_gpus() -> int:
    """GPUs TensorFlow can see, without initialising its runtime (MultiWorkerMirroredStrategy
    must be created before that)."""
    from core.network.backend import tf

    return len(tf.config.list_physical_devices("GPU"))


def make_strategy(name: str):
    """The `tf.distribute.Strategy` called `name` (default, mirrored or multi-worker).

    Mirrored uses every GPU, or every logical CPU device when there is no GPU (how the
    tests run it on two logical CPUs). Multi-worker reads `TF_CONFIG` itself and picks
    NCCL or ring all-reduce by what it finds."""
    from core.network.backend import tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if name == "multi-worker":
        options = tf.distribute.experimental.CommunicationOptions(
            implementation=tf.distribute.experimental.CommunicationImplementation.AUTO)
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    raise DataError(f"unknown strategy {name!r}")


def plan_run(strategy_name: str, strategy, cluster: ClusterRole | None, per_replica_batch: int,
             lr_scaling: str, base_learning_rate: float, precision: str) -> RunPlan:
    """The RunPlan of a created strategy (its replica count is known only then)."""
    distributed = strategy_name == "multi-worker" and cluster is not None
    return RunPlan(strategy=strategy_name, replicas=int(strategy.num_replicas_in_sync),
                   workers=cluster.workers if distributed else 1,
                   worker_index=cluster.worker_index if distributed else 0,
                   per_replica_batch=per_replica_batch, lr_scaling=lr_scaling,
                   base_learning_rate=base_learning_rate, precision=precision)
