"""Training data in memory: pairs loaded at model resolution, then fed to Keras.

Photos and masks are decoded and resized once, in parallel, and kept at model resolution
(the seed held both sets in RAM; 804 photos at 384x256 are ~240 MB as uint8), then
`make_dataset` (validation) and `core.training.pipeline` (training) normalise and augment
them on the fly in a parallel `tf.data` map. `load_arrays_cached` also keeps the resized
arrays on disk beside an unfinished run, so a resumed run does not decode again.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from core.common.errors import Cancelled, DataError
from core.files.pairs import Pair, load_body, load_pair
from core.network.preprocessing import resize_mask_to_model, resize_to_model, to_model_input
from core.prediction.double_pass import focus_image
from core.training.augment import AugmentConfig, augment_pair


def load_arrays(
    pairs: Sequence[Pair],
    size_hw: tuple[int, int],
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int | None = None,
    focus_margin: int = 0,
    body: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Load and resize every pair: X (N, h, w, 3) uint8 RGB, Y (N, h, w, 1) uint8 0..255.

    Photos shrink with INTER_AREA (enlarge with INTER_CUBIC) as in the seed; masks are
    area-resized, keeping a soft 0..255 edge rather than a jagged 0/255 one. Decoding
    runs in a thread pool (OpenCV and the decoders release the GIL).

    `focus_margin` > 0 makes X the seed's focus images for the double pass's second
    model: each photo is blanked beyond `focus_margin` pixels of its true mask. The
    margin is in native photo pixels, like the one `DoublePassPredictor` applies to
    full-resolution photos, so the blanking happens before the resize.

    `body` (a body-head run) makes Y (N, h, w, 3): the garment mask, the body mask
    (`core.files.pairs.load_body`, resized like the mask) and "body known", 255 for a
    pair with a parts map and 0 for one without (its body channel is then 0 and is not
    to be learned from). Known is a channel, not a flag per photo, so that augmentation
    moves it with the pixels.
    """
    if focus_margin < 0:
        raise DataError(f"the focus margin cannot be negative, got {focus_margin}")
    h, w = size_hw
    n = len(pairs)
    x = np.empty((n, h, w, 3), np.uint8)
    y = np.empty((n, h, w, 3 if body else 1), np.uint8)

    def load(i: int) -> None:
        if cancelled is not None and cancelled():
            return
        rgb, mask = load_pair(pairs[i])
        if focus_margin > 0:
            rgb = focus_image(rgb, mask, focus_margin)
        x[i] = resize_to_model(rgb, (h, w))
        y[i, ..., 0] = np.round(resize_mask_to_model(mask, (h, w)) * 255.0).astype(np.uint8)
        if body:
            body_mask = load_body(pairs[i], rgb.shape[:2])
            if body_mask is None:
                y[i, ..., 1:] = 0
            else:
                y[i, ..., 1] = np.round(resize_mask_to_model(body_mask, (h, w)) * 255.0).astype(np.uint8)
                y[i, ..., 2] = 255

    workers = workers or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(load, i) for i in range(n)]
        try:
            for done, future in enumerate(futures, 1):
                future.result()
                if cancelled is not None and cancelled():
                    raise Cancelled("loading training data")
                if progress is not None:
                    progress(done, n)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return x, y


def _cache_key(pairs: Sequence[Pair], size_hw: tuple[int, int], focus_margin: int, body: bool = False) -> str:
    """Changes when a file of `pairs` (path, size, modification time) or the resize does."""
    files = []
    for pair in pairs:
        for path in (pair.image_path, pair.mask_path, pair.cutout_path, pair.parts_path if body else None):
            if path is not None:
                stat = Path(path).stat()
                files.append([str(path), stat.st_size, stat.st_mtime_ns])
    # A binary run's key is what it was before body heads existed: its caches stay valid.
    text = json.dumps([files, list(size_hw), focus_margin] + ([True] if body else []))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def load_arrays_cached(
    pairs: Sequence[Pair],
    size_hw: tuple[int, int],
    cache_dir: Path | None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    focus_margin: int = 0,
    load: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None,
    body: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """`load` (default `load_arrays`), through `cache_dir/arrays-KEY.npy` (x then y) when `cache_dir` is given.

    The key covers every file's path, size and modification time, the model size, the
    focus margin and `body` (parts maps included), so an edited photo is decoded again. The cache is written with a
    temporary name and os.replace: a kill mid-write leaves no half cache to read.
    """
    load = load or load_arrays
    extra = {"body": True} if body else {}  # a `load` written for binary runs still fits them
    if cache_dir is None or not pairs:
        return load(pairs, size_hw, progress, cancelled, focus_margin=focus_margin, **extra)
    path = Path(cache_dir) / f"arrays-{_cache_key(pairs, size_hw, focus_margin, body)}.npy"
    if path.is_file():
        try:
            with open(path, "rb") as fh:
                x, y = np.load(fh), np.load(fh)
            if (len(x) == len(y) == len(pairs) and x.shape[1:3] == tuple(size_hw)
                    and y.shape[-1] == (3 if body else 1)):
                if progress is not None:
                    progress(len(pairs), len(pairs))
                return x, y
        except (OSError, ValueError, EOFError):
            pass  # unreadable: decode again and rewrite it
    x, y = load(pairs, size_hw, progress, cancelled, focus_margin=focus_margin, **extra)
    try:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, x)
            np.save(fh, y)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs the next run a decode
    return x, y


def make_dataset(
    x: np.ndarray,
    y: np.ndarray,
    card_params: Any,
    batch_size: int,
    augment: AugmentConfig | None = None,
    shuffle: bool = False,
    seed: int = 0,
):
    """A `tf.data.Dataset` of (inputs (B, h, w, C) float32 normalised, masks (B, h, w, K) float32 0..1).

    `x` is (N, h, w, 3) uint8, `y` (N, h, w, K) uint8 0..255 (or float 0..1), K = 1, or 3
    for a body head (garment, body, body known);
    `card_params` is a ModelCard or anything with channels, contrast, mean and std.
    Each batch is augmented and normalised in numpy inside a parallel map: the arrays
    stay uint8 in memory and only a batch at a time becomes float32. Shuffling is
    seeded and reshuffles every epoch; augmentation draws a fresh generator per batch
    from `seed` and a running counter, so epochs differ.
    """
    from core.network.backend import tf

    n, h, w = x.shape[:3]
    if len(y) != n:
        raise ValueError(f"{n} images but {len(y)} masks")
    channels = int(card_params.channels)
    y_scale = 1.0 / 255.0 if y.dtype == np.uint8 else 1.0
    lock = threading.Lock()
    counter = [0]

    def load_batch(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        images = x[indices]
        masks = y[indices]
        if augment is not None and augment.enabled:
            with lock:
                counter[0] += 1
                draw = counter[0]
            rng = np.random.default_rng([seed, draw])
            for k in range(len(indices)):
                images[k], masks[k] = augment_pair(images[k], masks[k], augment, rng)
        return (to_model_input(images, card_params).astype(np.float32, copy=False),
                masks.astype(np.float32) * np.float32(y_scale))

    def to_tensors(indices):
        inputs, targets = tf.numpy_function(load_batch, [indices], (tf.float32, tf.float32), stateful=True)
        inputs.set_shape((None, h, w, channels))
        targets.set_shape((None, h, w, y.shape[-1]))
        return inputs, targets

    ds = tf.data.Dataset.range(n)
    if shuffle:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    ds = ds.map(to_tensors, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)
