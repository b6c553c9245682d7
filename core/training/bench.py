"""`garment-cutout bench --training`: images per second of the input pipeline and of a training step.

Three figures, on photos written to a temporary folder at the studio's view size:

* decode + resize: PNG files to uint8 arrays at model size, in parallel (`load_arrays`),
  what the first epoch pays once (later epochs and resumed runs read the cached arrays);
* pipeline: batches out of the training `tf.data` pipeline alone (gather, flip,
  normalise, prefetch), nothing consuming them but the loop that times them;
* training step: `fit` on that pipeline under the strategy and precision `train` would
  choose, after an untimed warm-up epoch (graph tracing, first allocations).

If the pipeline's rate is well above the training step's, the accelerator never waits
for data.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.common.errors import DataError
from core.files.pairs import discover_pairs
from core.network.card import ModelCard
from core.training.augment import AugmentConfig
from core.training.config import TrainConfig
from core.training.data import load_arrays
from core.training.pipeline import Batching, distributed_training_dataset, make_training_dataset

VIEW_SIZE = (1152, 1728)  # (width, height) of the studio's photos


def _write_photos(folder: Path, count: int, size: tuple[int, int]) -> None:
    """`count` images/ + masks/ PNG pairs of noisy grey with a dark garment, `size` = (w, h)."""
    width, height = size
    rng = np.random.default_rng(0)
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    for i in range(count):
        mask = np.zeros((height, width), np.uint8)
        cv2.ellipse(mask, (width // 2, height // 2), (width // 4, height // 3), 0, 0, 360, 255, cv2.FILLED)
        rgb = np.clip(rng.normal(215.0, 4.0, (height, width, 3)), 0, 255).astype(np.uint8)
        rgb[mask > 0] = (70, 90, 140)
        cv2.imwrite(str(folder / "images" / f"{i:03d}.png"), rgb)
        cv2.imwrite(str(folder / "masks" / f"{i:03d}.png"), mask)


def _rate(images: int, seconds: float) -> float:
    return round(images / seconds, 2) if seconds > 0 else float("inf")


def run_training_bench(
    input_size: tuple[int, int] = (384, 256),
    batch_size: int = 8,
    steps: int = 5,
    width: float = 0.5,
    architecture: str = "final",
    photos: int = 16,
    view_size: tuple[int, int] = VIEW_SIZE,
    strategy: str = "auto",
    precision: str = "auto",
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The three rates as a JSON-friendly dict (see the module docstring).

    `input_size` is the model's (height, width), `batch_size` per replica, `steps` the
    timed training steps, `view_size` the photos' (width, height). DataError for a size or
    width the U-Net cannot take, before anything is timed."""
    from core.network.architectures import STRIDE
    from core.network.precision import resolve_training_precision

    stride = STRIDE.get(architecture, 0)
    h, w = input_size
    if not stride or h <= 0 or w <= 0 or h % stride or w % stride:
        raise DataError(f"input size {h}x{w}: the {architecture} U-Net needs both sides to be positive multiples "
                        f"of {stride or '?'}")
    if not width > 0:
        raise DataError(f"width must be positive, got {width:g}")
    from core.training.distribution import choose_strategy, cluster_from_env, make_strategy, plan_run, visible_gpus

    say = log or (lambda _message: None)
    cluster = cluster_from_env()
    gpus = visible_gpus()
    strategy_name = choose_strategy(strategy, cluster, gpus)
    tf_strategy = make_strategy(strategy_name)
    config = TrainConfig(data_dirs=[], out=Path("bench.keras"), architecture=architecture, width=width,
                         input_size=input_size, batch_size=batch_size, precision=precision, strategy=strategy)
    plan = plan_run(strategy_name, tf_strategy, cluster, batch_size, config.lr_scaling, config.learning_rate,
                    resolve_training_precision(precision, gpus))
    h, w = input_size
    result: dict[str, Any] = {"input": f"{w}x{h}", "photo": f"{view_size[0]}x{view_size[1]}", "photos": photos,
                              "architecture": architecture, "width": width, "strategy": strategy_name,
                              "replicas": plan.replicas, "per_replica_batch": batch_size,
                              "global_batch": plan.global_batch, "precision": plan.precision, "gpus": gpus}

    with tempfile.TemporaryDirectory(prefix="garment-train-bench-") as folder:
        say(f"writing {photos} photos at {view_size[0]}x{view_size[1]}")
        _write_photos(Path(folder), photos, view_size)
        pairs = discover_pairs(Path(folder))
        say("timing decode + resize")
        t0 = time.perf_counter()
        x, y = load_arrays(pairs, input_size)
        result["decode_resize_images_per_s"] = _rate(len(pairs), time.perf_counter() - t0)

    card = ModelCard(input_height=h, input_width=w, mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25])
    batching = Batching(len(x), batch_size, plan.replicas)
    say("timing the input pipeline")
    epochs = max(3, -(-4 * steps // batching.steps_per_epoch))
    stream = make_training_dataset(x, y, card, Batching(len(x), batch_size), AugmentConfig(flip=True),
                                   seed=0, start_epoch=0, epochs=epochs)
    iterator = iter(stream)
    next(iterator)  # the first batch starts the pipeline's threads
    count, t0 = 0, time.perf_counter()
    for inputs, _ in iterator:
        count += int(inputs.shape[0])
    result["pipeline_images_per_s"] = _rate(count, time.perf_counter() - t0)

    from core.network.backend import keras
    from core.training.model import build_training_model, work_round_keras_multi_worker

    say(f"timing {steps} training steps after a warm-up")
    model, _ = build_training_model(config, plan, tf_strategy)
    if strategy_name == "multi-worker":
        work_round_keras_multi_worker(model, (batch_size, h, w, 3))
    train_ds = distributed_training_dataset(tf_strategy, strategy_name != "default", x=x, y=y, card_params=card,
                                            batching=batching, augment=AugmentConfig(flip=True), seed=0,
                                            start_epoch=0, epochs=2 * steps)

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.t0)

    timer = EpochTimer()
    # One step per epoch: the first (tracing) is the warm-up, the median of the rest the figure.
    model.fit(train_ds, epochs=steps + 1, steps_per_epoch=1, callbacks=[timer], shuffle=False, verbose=0)
    step_s = statistics.median(timer.seconds[1:])
    result["train_step_s_median"] = round(step_s, 4)
    result["train_step_images_per_s"] = _rate(plan.global_batch, step_s)
    result["warmup_step_s"] = round(timer.seconds[0], 3)
    return result
