"""What a run trains on: the pairs and their split, studio renders, the --init-from model, the card's wording."""

from __future__ import annotations

import inspect

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
    if config.body_head and config.studio_renders == 0 and not any(p.parts_path for p in train):
        # The body loss would be 0 on every batch: a binary run with a dead channel.
        raise DataError("--body-head needs body labels: none of the training pairs has a parts/ map "
                        "and no --studio-renders were asked for")
    return train, val


def studio_arrays(count: int, size_hw: tuple[int, int], seed: int,
                  focus_margin: int = 0, body: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """`count` procedural studio renders at model size: X (n, h, w, 3) uint8, Y (n, h, w, 1) uint8.

    `body` (a body-head run) makes Y (n, h, w, 3) as `core.training.data.load_arrays`
    does: garment, the mannequin's visible body, and "known" (255 everywhere: a render's
    body is exact).

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

    if body and "with_body" not in inspect.signature(render_training_pair).parameters:
        raise DataError("--body-head with --studio-renders needs render_training_pair(..., with_body=True), "
                        "which this installation's core.renders lacks")
    h, w = size_hw
    x = np.empty((count, h, w, 3), np.uint8)
    y = np.empty((count, h, w, 3 if body else 1), np.uint8)
    render_margin = max(1, round(focus_margin * h / DEFAULT_SIZE[1])) if focus_margin > 0 else 0
    for i in range(count):
        # Seeds far from the sample shoot's so renders differ from the bundled shoot.
        render_seed = 1_000_000 + seed * 10_000 + i
        if body:
            rgb, mask, body_mask = render_training_pair(render_seed, size=(w, h), with_body=True)
        else:
            rgb, mask = render_training_pair(render_seed, size=(w, h))
        rgb = np.asarray(rgb)[..., :3]
        if render_margin:
            rgb = focus_image(rgb, np.asarray(mask) > 0, render_margin)
        x[i] = resize_to_model(rgb, (h, w))
        y[i, ..., 0] = np.round(resize_mask_to_model(np.asarray(mask), (h, w)) * 255.0).astype(np.uint8)
        if body:
            y[i, ..., 1] = np.round(resize_mask_to_model(np.asarray(body_mask, bool), (h, w)) * 255.0).astype(np.uint8)
            y[i, ..., 2] = 255
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
    if config.body_head:
        text += ", with a body head (body as a class of its own; the saved model keeps the garment output)"
    return text
