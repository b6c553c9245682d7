"""What a run trains on: the pairs and their split, studio renders, the --init-from model, the card's wording."""

from __future__ import annotations

import numpy as np

from core.common.errors import DataError
from core.files.pairs import Pair, apply_split, discover_many, read_split_file, split_pairs
from core.training.config import TrainConfig


def select_pairs(config: TrainConfig) -> tuple[list[Pair], list[Pair]]:
    pairs = discover_many(config.data_dirs)
    if config.val_split_file is not None:
        train, val = apply_split(pairs, read_split_file(config.val_split_file))
    else:
        train, val = split_pairs(pairs, config.val_fraction, config.split_seed)
    if not val:
        raise DataError("training needs a validation set: give --val-fraction > 0 or --val-split "
                        f"(found {len(pairs)} pair(s))")
    if config.max_train_images is not None and config.max_train_images < len(train):
        keep = np.random.default_rng(config.split_seed).permutation(len(train))[: config.max_train_images]
        train = [train[i] for i in sorted(keep)]
    if not train and config.studio_renders == 0:
        raise DataError("no training pairs left after the validation split")
    return train, val


def studio_arrays(count: int, size_hw: tuple[int, int], seed: int,
                   focus_margin: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` procedural studio renders at model size: X (n, h, w, 3) uint8, Y (n, h, w, 1) uint8.

    With `focus_margin` > 0 each render becomes a focus image. Renders are drawn at model
    size, standing in for studio photos (DEFAULT_SIZE) shrunk to it, so the margin, given
    in studio pixels, is scaled by the same factor; rendering at full studio size only to
    shrink it again would cost seconds per render for the same picture.
    """
    try:
        from core.renders.composition import DEFAULT_SIZE, render_training_pair
    except ImportError:
        raise DataError("--studio-renders needs core.sample_shoot.render_training_pair, "
                        "which this installation lacks") from None
    from core.network.preprocessing import resize_mask_to_model, resize_to_model
    from core.prediction.double_pass import focus_image

    h, w = size_hw
    x = np.empty((count, h, w, 3), np.uint8)
    y = np.empty((count, h, w, 1), np.uint8)
    render_margin = max(1, round(focus_margin * h / DEFAULT_SIZE[1])) if focus_margin > 0 else 0
    for i in range(count):
        # Seeds far from the sample shoot's so renders differ from the bundled shoot.
        rgb, mask = render_training_pair(1_000_000 + seed * 10_000 + i, size=(w, h))
        rgb = np.asarray(rgb)[..., :3]
        if render_margin:
            rgb = focus_image(rgb, np.asarray(mask) > 0, render_margin)
        x[i] = resize_to_model(rgb, (h, w))
        y[i, ..., 0] = np.round(resize_mask_to_model(np.asarray(mask), (h, w)) * 255.0).astype(np.uint8)
    return x, y


def load_start_model(config: TrainConfig):
    """The --init-from model, checked against the run's architecture, width, channels and contrast."""
    from core.common.errors import ModelLoadError
    from core.prediction.predictor import Predictor

    try:
        start = Predictor.load(config.init_from, precision="float32")  # only its weights are needed
    except ModelLoadError as exc:
        raise DataError(f"--init-from: {exc}") from None
    card = start.card
    mismatches = [f"{label} {theirs} (this run: {ours})" for label, theirs, ours in (
        ("architecture", card.architecture, config.architecture), ("width", card.width, config.width),
        ("channels", card.channels, config.channels), ("contrast", card.contrast, config.contrast),
    ) if theirs != ours]
    if mismatches:
        raise DataError(f"--init-from {config.init_from.name} has " + ", ".join(mismatches))
    return start


def trained_on(config: TrainConfig, train_pairs: list[Pair]) -> str:
    folders = ", ".join(d.name or str(d) for d in config.data_dirs)
    text = f"{len(train_pairs)} photo(s) from {folders}"
    if config.studio_renders:
        text += f" + {config.studio_renders} procedural studio render(s)"
    if config.focus_margin:
        text += f", as focus images ({config.focus_margin} px margin) for a double pass's second model"
    return text
