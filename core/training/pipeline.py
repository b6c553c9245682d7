"""The training batches of every epoch, as a pure function of (seed, epoch, step, replica).

An epoch's order is `epoch_order(n, seed, epoch)` and a photo's augmentation draws from
a generator seeded by (seed, epoch, position in that order). Nothing depends on how many
batches came before in this process, so a run resumed at epoch k sees exactly the
batches an unbroken run sees from epoch k, and one device with a batch of 2B sees the
same photos, augmented the same way, as two replicas with B each.

Each step takes `global_batch` positions of the order; replica r takes positions
r*B..(r+1)*B-1 of them. The last step of an epoch wraps round to the order's start, so
every replica always gets a full batch (an empty one would make Dice and batch norm NaN).

The stream is one `tf.data` pipeline per worker (`distribute_datasets_from_function`),
spanning all the epochs left: a parallel, order-keeping map gathers, augments and
normalises each batch from the uint8 arrays in memory (the resized-photo cache), and
prefetch keeps the next batches ready while the accelerator runs this one.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from core.network.preprocessing import to_model_input
from core.training.augment import AugmentConfig, augment_pair


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The order of the `n` training photos in `epoch` (0-based): (n,) int64."""
    return np.random.default_rng([seed, epoch]).permutation(n)


@dataclasses.dataclass(frozen=True)
class Batching:
    """How `n` photos become steps: `per_replica` photos on each of `replicas` per step."""

    n: int
    per_replica: int
    replicas: int = 1

    @property
    def global_batch(self) -> int:
        return self.per_replica * self.replicas

    @property
    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(self.n / self.global_batch))

    def indices(self, order: np.ndarray, step: int, replica: int) -> tuple[np.ndarray, np.ndarray]:
        """(positions in the epoch, photo indices) of `replica`'s batch at `step`: two (B,) int64."""
        positions = step * self.global_batch + replica * self.per_replica + np.arange(self.per_replica)
        return positions, order[positions % self.n]


def make_training_dataset(
    x: np.ndarray,
    y: np.ndarray,
    card_params: Any,
    batching: Batching,
    augment: AugmentConfig | None,
    seed: int,
    start_epoch: int,
    epochs: int,
    input_context=None,
):
    """The batches of epochs `start_epoch`..`epochs - 1` for one worker's replicas.

    `x` is (N, h, w, 3) uint8, `y` (N, h, w, K) uint8 0..255 (K = 1, or 3 for a body head:
    garment, body, body known; every channel follows the photo's geometry). Yields
    (inputs (B, h, w, C) float32 normalised, masks (B, h, w, K) float32 0..1) with B = the per-replica batch,
    one per local replica per step, in replica order (the order tf.distribute hands
    them out). `input_context` is tf.distribute's InputContext (None: one replica).
    """
    from core.network.backend import tf

    n, h, w = x.shape[:3]
    if len(y) != n or batching.n != n:
        raise ValueError(f"{n} images, {len(y)} masks, batching for {batching.n}")
    channels = int(card_params.channels)
    pipelines = input_context.num_input_pipelines if input_context is not None else 1
    pipeline = input_context.input_pipeline_id if input_context is not None else 0
    local = batching.replicas // pipelines
    steps = batching.steps_per_epoch
    y_scale = np.float32(1.0 / 255.0 if y.dtype == np.uint8 else 1.0)

    def load(element: np.int64) -> tuple[np.ndarray, np.ndarray]:
        overall_step, local_replica = divmod(int(element), local)
        epoch, step = divmod(overall_step, steps)
        positions, indices = batching.indices(epoch_order(n, seed, epoch), step, pipeline * local + local_replica)
        images, masks = x[indices], y[indices]
        if augment is not None and augment.enabled:
            for k, position in enumerate(positions):
                rng = np.random.default_rng([seed, epoch, int(position)])
                images[k], masks[k] = augment_pair(images[k], masks[k], augment, rng)
        return (to_model_input(images, card_params).astype(np.float32, copy=False),
                masks.astype(np.float32) * y_scale)

    def to_tensors(element):
        inputs, targets = tf.numpy_function(load, [element], (tf.float32, tf.float32), stateful=False)
        inputs.set_shape((batching.per_replica, h, w, channels))
        targets.set_shape((batching.per_replica, h, w, y.shape[-1]))
        return inputs, targets

    ds = tf.data.Dataset.range(start_epoch * steps * local, epochs * steps * local)
    ds = ds.map(to_tensors, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    options = tf.data.Options()
    # Each worker already builds only its own replicas' batches.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return ds.prefetch(tf.data.AUTOTUNE).with_options(options)


def distributed_training_dataset(strategy, distributed: bool, **kwargs):
    """`make_training_dataset` per worker through `strategy` when `distributed`, else as
    a plain dataset (the default strategy: one replica)."""
    if not distributed:
        return make_training_dataset(**kwargs)
    return strategy.distribute_datasets_from_function(
        lambda context: make_training_dataset(input_context=context, **kwargs))
