"""Strategy choice, the rate rule, training precision, the epoch-keyed batches and the backup's checks."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from core.common.errors import DataError
from core.network.card import ModelCard
from core.network.precision import resolve_training_precision
from core.training.augment import AugmentConfig
from core.training.config import TrainConfig, TrainStatus
from core.training.distribution import RunPlan, choose_strategy, cluster_from_env, lr_factor
from core.training.pipeline import Batching, epoch_order, make_training_dataset
from core.training.resume import RunState, check_settings, read_state, rewrite_history
from tests.core.training.conftest import write_rectangles

# ---------------------------------------------------------------------------
# TF_CONFIG, the strategy, the rate rule, the precision
# ---------------------------------------------------------------------------


def _tf_config(cluster: dict, task_type: str = "worker", index: int = 0) -> dict[str, str]:
    return {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": task_type, "index": index}})}


def test_tf_config_roles():
    assert cluster_from_env({}) is None
    two = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    first, second = cluster_from_env(_tf_config(two, index=0)), cluster_from_env(_tf_config(two, index=1))
    assert (first.workers, first.is_chief, second.is_chief, second.worker_index) == (2, True, False, 1)
    with_chief = {"chief": ["a:1"], "worker": ["b:1"]}
    assert cluster_from_env(_tf_config(with_chief, "chief")).is_chief
    assert cluster_from_env(_tf_config(with_chief, "worker", 0)).worker_index == 1


@pytest.mark.parametrize("environ, message", [
    ({"TF_CONFIG": "{not json"}, "not the JSON"),
    (_tf_config({"worker": ["a:1"], "ps": ["b:1"]}), "parameter servers"),
    (_tf_config({"worker": ["a:1"]}, index=3), "not in its cluster"),
])
def test_a_bad_tf_config_is_a_data_error(environ, message):
    with pytest.raises(DataError, match=message):
        cluster_from_env(environ)


def test_auto_picks_the_strategy_from_the_cluster_and_the_gpus():
    two = cluster_from_env(_tf_config({"worker": ["a:1", "b:1"]}))
    one = cluster_from_env(_tf_config({"worker": ["a:1"]}))
    assert choose_strategy("auto", None, gpus=0) == "default"
    assert choose_strategy("auto", None, gpus=1) == "default"
    assert choose_strategy("auto", None, gpus=4) == "mirrored"
    assert choose_strategy("auto", two, gpus=4) == "multi-worker"
    assert choose_strategy("auto", one, gpus=0) == "default"  # a cluster of one is one machine
    assert choose_strategy("mirrored", two, gpus=0) == "mirrored"  # forced


def test_the_rate_follows_the_stated_rule():
    assert (lr_factor("linear", 4), lr_factor("sqrt", 4), lr_factor("none", 4)) == (4.0, 2.0, 1.0)
    plan = RunPlan("mirrored", replicas=4, workers=1, worker_index=0, per_replica_batch=8, lr_scaling="linear",
                   base_learning_rate=3e-4, precision="float32")
    described = plan.describe()
    assert (described["global_batch"], described["replicas"]) == (32, 4)
    assert described["learning_rate"] == pytest.approx(1.2e-3)
    assert described["learning_rate_rule"].startswith("linear")


def test_each_worker_keeps_its_own_backup(tmp_path):
    chief = RunPlan("multi-worker", 2, 2, 0, 2, "linear", 3e-4, "float32")
    other = RunPlan("multi-worker", 2, 2, 1, 2, "linear", 3e-4, "float32")
    backup = TrainConfig(data_dirs=[], out=tmp_path / "m.keras").backup_path
    assert backup == tmp_path / "m.backup"
    assert (chief.backup_path(backup), other.backup_path(backup)) == (backup, tmp_path / "m.worker-1.backup")


def test_auto_precision_is_mixed_float16_on_gpus_only():
    assert resolve_training_precision("auto", gpus=0) == "float32"
    assert resolve_training_precision("auto", gpus=2) == "mixed_float16"
    assert resolve_training_precision("float32", gpus=2) == "float32"
    with pytest.raises(ValueError, match="mixed_bfloat16"):
        resolve_training_precision("mixed_bfloat16", gpus=0)


# ---------------------------------------------------------------------------
# Batches as a function of (seed, epoch, step, replica)
# ---------------------------------------------------------------------------


def test_two_replicas_take_the_photos_one_device_takes_and_every_batch_is_full():
    order = epoch_order(7, seed=1, epoch=2)
    one, two = Batching(7, per_replica=4), Batching(7, per_replica=2, replicas=2)
    assert one.steps_per_epoch == two.steps_per_epoch == 2
    for step in range(2):
        single = one.indices(order, step, 0)[1]
        split = np.concatenate([two.indices(order, step, r)[1] for r in range(2)])
        assert np.array_equal(single, split) and len(single) == 4
    covered = np.concatenate([one.indices(order, s, 0)[1] for s in range(2)])
    assert set(covered) == set(range(7))  # the last step wraps round to the first photos
    assert not np.array_equal(order, epoch_order(7, seed=1, epoch=3))


def _batches(dataset) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.asarray(a), np.asarray(b)) for a, b in dataset]


def test_the_stream_is_the_same_resumed_or_split_over_replicas():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (6, 8, 4, 3), dtype=np.uint8)
    y = rng.integers(0, 255, (6, 8, 4, 1), dtype=np.uint8)
    card = ModelCard(input_height=8, input_width=4)
    augment = AugmentConfig(flip=True, hsv=True)
    common = {"x": x, "y": y, "card_params": card, "augment": augment, "seed": 5, "epochs": 3}
    whole = _batches(make_training_dataset(batching=Batching(6, 4), start_epoch=0, **common))
    resumed = _batches(make_training_dataset(batching=Batching(6, 4), start_epoch=1, **common))
    assert len(whole) == 3 * 2 and len(resumed) == 2 * 2
    for (a, b), (c, d) in zip(whole[2:], resumed):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    context = SimpleNamespace(num_input_pipelines=1, input_pipeline_id=0)
    split = _batches(make_training_dataset(batching=Batching(6, 2, replicas=2), start_epoch=0,
                                           input_context=context, **common))
    assert all(a.shape[0] == 2 for a, _ in split) and len(split) == 2 * len(whole)
    for k, (a, b) in enumerate(whole):
        assert np.array_equal(a, np.concatenate([split[2 * k][0], split[2 * k + 1][0]]))
        assert np.array_equal(b, np.concatenate([split[2 * k][1], split[2 * k + 1][1]]))


# ---------------------------------------------------------------------------
# The backup: its checks, and resuming in this process
# ---------------------------------------------------------------------------


def test_a_changed_setting_is_refused_and_named(tmp_path):
    state = RunState(1, tmp_path / "w", {"epochs": 5, "learning_rate": 3e-4}, [{"loss": 1.0}])
    check_settings(state, {"epochs": 5, "learning_rate": 3e-4}, tmp_path)
    with pytest.raises(DataError, match=r"learning_rate 0.0003 -> 0.001.*delete"):
        check_settings(state, {"epochs": 5, "learning_rate": 1e-3}, tmp_path)


def test_a_backup_without_its_weights_is_damaged(tmp_path):
    assert read_state(tmp_path) is None
    (tmp_path / "training_metadata.json").write_text(json.dumps(
        {"epoch": 1, "weights": "epoch-0001.weights.h5", "settings": {}, "history": [{}]}))
    with pytest.raises(DataError, match="damaged"):
        read_state(tmp_path)


def test_the_history_is_rewritten_as_keras_writes_it(tmp_path):
    path = tmp_path / "h.csv"
    rewrite_history(path, [{"loss": 0.5, "val_loss": 0.25}, {"loss": 0.125, "val_loss": 0.0625}])
    assert path.read_text() == "epoch,loss,val_loss\n0,0.5,0.25\n1,0.125,0.0625\n"


def _tiny(tmp_path: Path, **changes) -> TrainConfig:
    data = tmp_path / "data"
    if not data.exists():
        write_rectangles(data, n=6)
    settings = {"architecture": "simple", "width": 0.25, "input_size": (48, 32), "batch_size": 2,
                "val_fraction": 0.34, "epochs": 3, **changes}
    return TrainConfig(data_dirs=[data], out=tmp_path / "m.keras", **settings)


@pytest.mark.slow
def test_a_cancelled_run_resumes_with_its_settings_only(tmp_path):
    config = _tiny(tmp_path)
    seen: list[TrainStatus] = []
    first = train_tiny(config, cancelled=lambda: any(s.phase == "training" and s.epoch == 2 for s in seen),
                       status=seen.append)
    assert first.cancelled and first.epochs_run == 1 and config.backup_path.is_dir()
    with pytest.raises(DataError, match="learning_rate"):
        train_tiny(_tiny(tmp_path, learning_rate=1e-3))
    statuses: list[TrainStatus] = []
    second = train_tiny(config, status=statuses.append)
    assert second.resumed_from == 1 and second.epochs_run == 3 and not second.cancelled
    assert [s.epoch for s in statuses if s.phase == "resuming"] == [1]
    assert len(second.history["val_loss"]) == 3 and second.history["val_loss"][0] == first.history["val_loss"][0]
    assert not config.backup_path.exists()


def train_tiny(config, **kwargs):
    from core.training.loop import train

    return train(config, **kwargs)


@pytest.mark.slow
def test_mixed_float16_trains_in_float16_and_saves_a_float32_model(tmp_path):
    import keras

    result = train_tiny(_tiny(tmp_path, epochs=1, precision="mixed_float16"))
    assert result.card.training_precision == "mixed_float16" and np.isfinite(result.history["loss"][0])
    saved = keras.models.load_model(result.model_path, compile=False)
    assert {layer.dtype_policy.name for layer in saved.layers} == {"float32"}
    assert ModelCard.load(result.model_path.with_suffix(".json")).training_precision == "mixed_float16"
