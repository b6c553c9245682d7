"""Train one of the seed's U-Nets and write `.keras` + card (`garment-cutout train`).

The recipe is the seed's: colour input at model resolution (INTER_AREA), per-channel
mean/std from the training photos, 0.5 BCE - 2 Dice loss, RMSprop 3e-4, early stopping
on validation loss, the best checkpoint kept, then a threshold sweep on the validation
set whose winner becomes the card's default threshold. With `--focus-margin PX` it trains
the double pass's second model on the seed's focus images instead (see
`core.training.data.load_arrays`); the card's `training["focus_margin"]` then tells
`DoublePassPredictor` the margin to use. With `--init-from MODEL` it starts from a trained
model's weights and normalisation instead of random ones (a fine-tune, possibly at
another input size); `--lr-schedule cosine` suits that. With `--body-head` the U-Net also
learns "body" (parts/ maps, the renders' mannequin) as a second output; what is saved,
validated and swept is the garment output alone (`core.training.model`).

Files written beside `OUT.keras`: `OUT.json` (card), `OUT.history.csv` (per-epoch
metrics), `OUT.logs/` (TensorBoard) and, while the run is unfinished, `OUT.backup/`
(`core.training.resume`). The model is saved atomically at each improvement, so a crash
or a cancel leaves the best model so far, never half a file; running the same command
again continues from the last completed epoch.

This module wires the pieces together: `inputs` (pairs, renders, start model),
`distribution` (strategy, replicas, rate rule), `model` (the compiled U-Net at the
run's precision), `pipeline` (the batches), `callbacks` and `resume`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from core.common.errors import Cancelled, DataError, GarmentCutoutError
from core.evaluation.metrics import best_threshold
from core.network.card import ModelCard, card_path
from core.training.config import TrainConfig, TrainResult, TrainStatus
from core.training.data import load_arrays, load_arrays_cached, make_dataset
from core.training.inputs import load_start_model, select_pairs, studio_arrays, trained_on
from core.training.resume import remove_backup

# The old private name, which scripts/gpu_experiments.py imports.
_studio_arrays = studio_arrays


def tensorboard_available() -> bool:
    """tf.summary needs the tensorboard package, which TensorFlow no longer pulls in;
    without it the CSV history still records every epoch."""
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def _settings(config: TrainConfig, plan) -> dict[str, Any]:
    """What a resumed run must share with the run it resumes (strategy and precision as
    resolved, so `auto` on the same machine matches itself)."""
    ignored = ("log_dir", "name", "licence", "strategy", "precision")
    # A binary run leaves the body settings out: its backups from before body heads
    # existed still resume, and a body-head run never resumes a binary one (or back).
    if not config.body_head:
        ignored += ("body_head", "body_weight")
    if not config.freeze_batchnorm:  # likewise for backups from before the option existed
        ignored += ("freeze_batchnorm",)
    settings = {k: v for k, v in config.describe().items() if k not in ignored}
    return {**settings, **plan.describe(), "precision": plan.precision}


def train(
    config: TrainConfig,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    status: Callable[[TrainStatus], None] | None = None,
) -> TrainResult:
    """Train, keep the best checkpoint, sweep the threshold, write model + card + history.

    `progress(done, total)` counts training batches over all epochs; `status` gets a
    TrainStatus after each batch and epoch (for text bars and loss plots), and one with
    phase "resuming" when an unfinished run's backup (OUT.backup/) is taken up. When
    `cancelled()` turns true the run stops within a batch; if a checkpoint exists it
    is kept, its threshold still swept on the validation set (seconds, and it leaves a
    card ready to use) and returned with `cancelled=True`; otherwise Cancelled is raised.
    The backup stays after a cancel or a kill, so running again continues the run.
    """
    config.validate()
    from core.network.precision import resolve_training_precision
    from core.training.distribution import choose_strategy, cluster_from_env, make_strategy, plan_run, visible_gpus
    from core.training.resume import check_settings, read_state

    cluster = cluster_from_env()
    gpus = visible_gpus()
    strategy_name = choose_strategy(config.strategy, cluster, gpus)
    # First, before any other TensorFlow op: MultiWorkerMirroredStrategy sets up the runtime.
    strategy = make_strategy(strategy_name)
    plan = plan_run(strategy_name, strategy, cluster, config.batch_size, config.lr_scaling, config.learning_rate,
                    resolve_training_precision(config.precision, gpus))
    backup_dir = plan.backup_path(config.backup_path)
    state = read_state(backup_dir)
    if state is not None:
        check_settings(state, _settings(config, plan), backup_dir)

    train_pairs, val_pairs = select_pairs(config)
    # Loaded before the photos so a wrong --init-from fails in seconds, not minutes.
    start = load_start_model(config) if config.init_from is not None else None
    h, w = config.input_size
    load_total = len(train_pairs) + len(val_pairs)
    loaded = [0]

    def load_progress(done: int, total: int) -> None:
        if status is not None:
            status(TrainStatus("loading", batch=loaded[0] + done, batches=load_total))

    x_train, y_train = load_arrays_cached(train_pairs, (h, w), backup_dir, load_progress, cancelled,
                                          focus_margin=config.focus_margin, load=load_arrays, body=config.body_head)
    loaded[0] = len(train_pairs)
    x_val, y_val = load_arrays_cached(val_pairs, (h, w), backup_dir, load_progress, cancelled,
                                      focus_margin=config.focus_margin, load=load_arrays, body=config.body_head)
    if config.studio_renders:
        x_extra, y_extra = studio_arrays(config.studio_renders, (h, w), config.seed, config.focus_margin,
                                         body=config.body_head)
        x_train = np.concatenate([x_train, x_extra])
        y_train = np.concatenate([y_train, y_extra])
        del x_extra, y_extra
    if cancelled is not None and cancelled():
        raise Cancelled("training")

    if start is not None:
        # The start weights learned on inputs normalised by their own card's statistics.
        mean, std = list(start.card.mean), list(start.card.std)
    else:
        from core.network.preprocessing import compute_normalisation

        mean, std = compute_normalisation(x_train, config.channels, config.contrast)
    card = ModelCard(
        name=config.name or config.out.stem,
        architecture=config.architecture,
        width=config.width,
        input_height=h,
        input_width=w,
        channels=config.channels,
        mean=mean,
        std=std,
        contrast=config.contrast,
        threshold=0.5,
        trained_on=trained_on(config, train_pairs),
        licence=config.licence,
        training={**config.describe(), "train_count": len(x_train), "val_count": len(x_val)},
        training_precision=plan.precision,
        distribution=plan.describe(),
    )

    from core.network.backend import keras
    from core.training.callbacks import StopNow
    from core.training.model import build_training_model, exporter, work_round_keras_multi_worker
    from core.training.pipeline import Batching, distributed_training_dataset

    try:
        model, twin = build_training_model(config, plan, strategy, start.model if start is not None else None)
    except ValueError as exc:
        raise DataError(f"--init-from {config.init_from.name}: its weights do not fit a {config.architecture} "
                        f"U-Net of width {config.width} ({exc})") from None
    if plan.is_chief:
        try:
            _check_free_space(config.out, model.count_params())
        except DataError:
            if state is None:  # a fresh run's backup holds only the photos' array cache yet
                remove_backup(backup_dir)
            raise
    if start is not None:
        card.training["init_from_card"] = start.card.name
        del start
    if strategy_name == "multi-worker":
        work_round_keras_multi_worker(model, (config.batch_size, h, w, config.channels), y_train.shape[-1])
    batching = Batching(len(x_train), config.batch_size, plan.replicas)
    resumed = state.epoch if state is not None else 0
    train_ds = distributed_training_dataset(
        strategy, strategy_name != "default", x=x_train, y=y_train, card_params=card, batching=batching,
        augment=config.augment, seed=config.seed, start_epoch=resumed, epochs=config.epochs)
    callbacks, backup, checkpoint, stopper = _callbacks(
        config, card, plan, state, backup_dir, batching.steps_per_epoch, (x_val, y_val), exporter(model, twin),
        progress, cancelled, status)
    epochs = config.epochs
    if state is not None:
        if status is not None:
            status(TrainStatus("resuming", resumed, config.epochs))
        if resumed >= config.epochs or stopper.stopped_during_history(model):
            epochs = resumed  # killed after the last epoch: only the sweep is left

    log_dir = config.logs_path if tensorboard_available() and plan.is_chief else None
    # Keras's CSVLogger empties MODEL.history.csv as a fresh run starts; until the run saves
    # a model, the model there is the earlier one, whose history is put back if none comes.
    earlier_history = _read_bytes(config.history_path) if state is None and plan.is_chief else None
    was_cancelled = False
    try:
        model.fit(train_ds, epochs=epochs, initial_epoch=resumed, steps_per_epoch=batching.steps_per_epoch,
                  callbacks=callbacks, shuffle=False, verbose=0)
    except StopNow:
        was_cancelled = True
        for cb in callbacks:  # close the CSV and TensorBoard files Keras would have closed
            if isinstance(cb, (keras.callbacks.CSVLogger, keras.callbacks.TensorBoard)):
                cb.on_train_end()
    finally:
        if checkpoint.best_epoch == 0 and state is None and plan.is_chief:
            _put_back_history(config.history_path, earlier_history)
    history = _columns(backup.history)
    epochs_run = len(backup.history)

    if checkpoint.best_epoch == 0:
        raise Cancelled("training") if was_cancelled else GarmentCutoutError(
            "training produced no model: validation loss was never finite")
    card.training.update({"best_epoch": checkpoint.best_epoch, "epochs_run": epochs_run, "val_loss": checkpoint.best})
    result = TrainResult(config.out, card, history, checkpoint.best_epoch, epochs_run, was_cancelled,
                         config.history_path, log_dir, {}, len(x_train), len(x_val), resumed, plan.is_chief)
    if not plan.is_chief:  # the chief writes the model; this worker's part is done
        if not was_cancelled:
            remove_backup(backup_dir)
        return result
    if status is not None:
        status(TrainStatus("sweeping", epochs_run, config.epochs, 0, 0))
    best = keras.models.load_model(config.out, compile=False)
    sweep = _threshold_sweep(best, x_val, y_val, card, config.batch_size)
    threshold, val_dice = best_threshold(sweep)
    card.threshold = float(threshold)
    card.val_dice = round(float(val_dice), 6)
    card.training["threshold_sweep"] = {str(t): round(d, 6) for t, d in sweep.items()}
    card.save(card_path(config.out))
    if not was_cancelled:
        remove_backup(backup_dir)  # only now: the sweep above could have been killed too
    return dataclasses.replace(result, sweep=sweep)


def _callbacks(config: TrainConfig, card: ModelCard, plan, state, backup_dir: Path, steps: int, validation,
               export, progress, cancelled, status):
    """The run's callbacks in the order they must see each epoch's logs: validation adds
    val_*, the scheduler learning_rate, the backup commits the epoch, and only then the
    checkpoint saves (see BestCheckpoint.on_train_begin for why)."""
    from core.network.backend import keras
    from core.training.callbacks import BestCheckpoint, Relay, ResumableEarlyStopping, Validation, scheduled_rate
    from core.training.model import validation_metrics
    from core.training.resume import make_backup_callback, rewrite_history

    history = state.history if state is not None else []
    backup = make_backup_callback(backup_dir, _settings(config, plan), state)
    checkpoint = BestCheckpoint(config, card, export, writes=plan.is_chief, history=history)
    stopper = ResumableEarlyStopping(history, monitor="val_loss", patience=config.patience,
                                     min_delta=config.min_delta)
    callbacks = [
        Validation(*validation, card, config.batch_size, _loss(config), validation_metrics(config.body_head),
                   cancelled),
        # Also for a fixed rate: the scheduler records learning_rate in the logs.
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: scheduled_rate(config, epoch, plan.lr_factor)),
        backup,
        checkpoint,
        stopper,
    ]
    if plan.is_chief:
        if history:
            rewrite_history(config.history_path, history)
        callbacks.append(keras.callbacks.CSVLogger(str(config.history_path), append=bool(history)))
        if tensorboard_available():
            callbacks.append(keras.callbacks.TensorBoard(log_dir=str(config.logs_path), write_graph=False,
                                                         profile_batch=0))
    callbacks.append(Relay(config.epochs, steps, progress, cancelled, status))
    return callbacks, backup, checkpoint, stopper


def _check_free_space(out: Path, parameters: int) -> None:
    """DataError unless `out`'s disk has room for what a run writes beside it: the model,
    its backup for a resume (weights and the optimiser's slot), a temporary copy while
    either is saved, and the logs. A disk that filled mid-save crashed h5py (a segfault
    and tracebacks, found by a helper), so it is said here, before the first epoch."""
    import shutil

    need = 4 * 4 * parameters + (4 << 20)  # float32 weights, four copies at most, 4 MB of logs and cards
    try:
        free = shutil.disk_usage(out.parent).free
    except OSError:
        return  # the write itself will say what is wrong
    if free < need:
        raise DataError(f"not enough free space for {out.name} in {out.parent}: {free / 1e6:.1f} MB free, "
                        f"training needs about {need / 1e6:.0f} MB (the model, its backup for a resume and a "
                        "temporary copy)")


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _put_back_history(path: Path, earlier: bytes | None) -> None:
    """A run that saved no model leaves MODEL.history.csv as it found it: the earlier
    model's history, or no file (an empty one was all the run had written)."""
    import contextlib

    from core.files.atomic import write_bytes_atomic

    with contextlib.suppress(OSError, GarmentCutoutError):  # a full disk may be why the run ended
        if earlier is not None:
            write_bytes_atomic(path, earlier)
        elif path.is_file() and path.stat().st_size == 0:
            path.unlink()


def _loss(config: TrainConfig):
    """The validation loss: the seed's, on the garment channel alone for a body head, so
    early stopping and the best checkpoint follow the output that is saved."""
    from core.network.losses import garment_only, make_bce_dice_loss

    loss = make_bce_dice_loss(config.w_bce, config.w_dice)
    return garment_only(loss) if config.body_head else loss


def _columns(history: list[dict[str, float]]) -> dict[str, list[float]]:
    """Per-epoch logs as one list per metric (NaN where an epoch lacks one)."""
    keys = sorted({k for logs in history for k in logs})
    return {k: [float(logs.get(k, float("nan"))) for logs in history] for k in keys}


def _threshold_sweep(model, x_val: np.ndarray, y_val: np.ndarray, card: ModelCard, batch_size: int) -> dict[float, float]:
    """Validation Dice at each threshold, at model resolution."""
    from core.evaluation.metrics import SWEEP_THRESHOLDS, threshold_sweep
    from core.network.preprocessing import probability_to_uint8

    probabilities = []
    for start in range(0, len(x_val), batch_size):
        batch = make_dataset(x_val[start:start + batch_size], y_val[start:start + batch_size], card, batch_size)
        inputs = next(iter(batch))[0]
        probabilities.extend(probability_to_uint8(np.asarray(model(inputs, training=False))[..., 0]))
    truths = [m[..., 0] > 127 for m in y_val]
    return threshold_sweep(probabilities, truths, SWEEP_THRESHOLDS)
