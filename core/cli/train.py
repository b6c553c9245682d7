"""`garment-cutout train`: its arguments, and a one-line-per-epoch status on the terminal."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from core.common.errors import Cancelled, GarmentCutoutError
from core.network.card import ARCHITECTURES, CONTRASTS
from core.network.precision import TRAINING_PRECISIONS
from core.training.config import LR_SCALINGS, OPTIMIZERS, SCHEDULES, STRATEGIES, TrainConfig, TrainStatus
from core.training.loop import train


def parse_input_size(text: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTH such as 384x256, got {text!r}") from None
    return h, w


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TrainConfig(data_dirs=[], out=Path("model.keras"))
    p = parser.add_argument
    p("--data", action="append", required=True, metavar="DIR", type=Path,
      help="data folder (images/+masks/, images/+cutouts/ or *_cutout.png); repeatable")
    p("--out", required=True, type=Path, metavar="MODEL.keras", help="model to write (card, history and logs beside it)")
    p("--architecture", choices=ARCHITECTURES, default=None,
      help=f"U-Net variant (default {defaults.architecture}; with --init-from, the start model's)")
    p("--width", type=float, default=None,
      help=f"filter multiplier (default {defaults.width}; with --init-from, the start model's)")
    p("--input-size", type=parse_input_size, default=None, metavar="HxW",
      help="model input, height x width (default 384x256; with --init-from, the start model's)")
    p("--epochs", type=int, default=defaults.epochs)
    p("--batch-size", type=int, default=defaults.batch_size,
      help="photos per replica per step; the global batch is this times the replicas (default %(default)s)")
    p("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer)
    p("--lr", type=float, default=None,
      help=f"learning rate (default {defaults.learning_rate}; with --init-from {FINE_TUNE_LR}, a fine-tune's)")
    p("--nesterov", action="store_true", help="Nesterov momentum for sgd")
    p("--lr-schedule", choices=SCHEDULES, default=defaults.lr_schedule,
      help="cyclic: the seed's plateau then declining triangle, 5e-5..5e-4; "
           "cosine: half a cosine from --lr down to --min-lr over the epochs (for fine-tuning)")
    p("--min-lr", type=float, default=defaults.min_lr, help="lowest rate of the cyclic and cosine schedules "
      "(default %(default)s)")
    p("--bce-weight", type=float, default=defaults.w_bce)
    p("--dice-weight", type=float, default=defaults.w_dice)
    p("--no-flip", action="store_true", help="no random horizontal flips")
    p("--hsv", action="store_true", help="random hue/saturation/value shifts")
    p("--shift-scale-rotate", action="store_true", help="random shift/scale/rotation (the seed found it hurt)")
    p("--gray", action="store_true", help="one gray channel instead of colour")
    p("--contrast", choices=CONTRASTS, default=defaults.contrast)
    p("--val-fraction", type=float, default=defaults.val_fraction)
    p("--val-split", type=Path, metavar="FILE", help='JSON split ({"val": [...], "test": [...]}) instead of a random one')
    p("--split-seed", type=int, default=defaults.split_seed, help="seed of the random validation split")
    p("--patience", type=int, default=defaults.patience, help="epochs without val_loss improvement before stopping")
    p("--limit", type=int, metavar="N", help="train on at most N photos (validation set unchanged)")
    p("--studio-renders", type=int, default=0, metavar="N", help="add N procedural studio renders to training")
    p("--focus-margin", type=int, default=defaults.focus_margin, metavar="PX",
      help="train a double pass's second model: photos blanked beyond PX native pixels of their true "
           "mask (the seed used 50; 0, the default, trains an ordinary model)")
    p("--init-from", type=Path, metavar="MODEL.keras",
      help="start from this model's weights and normalisation (same architecture, width and channels; "
           "any input size), e.g. to fine-tune the bundled model at a larger input")
    p("--freeze-batchnorm", action="store_true",
      help="with --init-from: batch normalisation keeps the start model's statistics and scales, so a "
           "fine-tune on a different mix of photos moves the convolutions only")
    p("--body-head", action="store_true",
      help="also learn 'body' (parts/ label 2: skin, hair, shoes; a render's mannequin) as a second output, "
           "so a bare mannequin is not taken for garment; the saved model keeps the garment output alone")
    p("--body-weight", type=float, default=defaults.body_weight, metavar="W",
      help="weight of the body output's BCE (over pixels with body labels) in the loss (default %(default)s)")
    p("--strategy", choices=STRATEGIES, default=defaults.strategy,
      help="tf.distribute strategy; auto: multi-worker when TF_CONFIG names a cluster, mirrored when "
           "several GPUs are visible, else default (one device)")
    p("--precision", choices=TRAINING_PRECISIONS, default=defaults.precision,
      help="what training computes in; auto: mixed_float16 on GPUs, float32 on CPUs (loss and output "
           "always float32)")
    p("--lr-scaling", choices=LR_SCALINGS, default=defaults.lr_scaling,
      help="how --lr follows the global batch: linear (lr x replicas), sqrt (lr x sqrt(replicas)) or none "
           "(default %(default)s)")
    p("--seed", type=int, default=defaults.seed, help="seed of weights, shuffling and augmentation")
    p("--log-dir", type=Path, help="TensorBoard folder (default MODEL.logs/ beside the model)")
    p("--licence", default="", help="licence of the training data, recorded in the card")


# A fine-tune (--init-from) starts from weights that already fit: a third of the seed's
# rate moves them without undoing what they learned (the bundled model's second stage
# ran at 1.5e-4 on the first stage's weights).
FINE_TUNE_LR = 1e-4


def _start_card(init_from: Path | None):
    """The --init-from model's card (read without TensorFlow), or None; a missing or bad
    card is reported later, by the run's own check of the start model."""
    from core.network.card import ModelCard, card_path

    if init_from is None:
        return None
    try:
        return ModelCard.load(card_path(init_from))
    except (GarmentCutoutError, OSError, ValueError):
        return None


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The run's config; with --init-from, what is not given follows the start model
    (architecture, width, input size) and the rate is a fine-tune's."""
    defaults = TrainConfig(data_dirs=[], out=Path("model.keras"))
    start = _start_card(args.init_from)
    architecture = args.architecture or (start.architecture if start else defaults.architecture)
    width = args.width if args.width is not None else (start.width if start else defaults.width)
    input_size = args.input_size or ((start.input_height, start.input_width) if start else defaults.input_size)
    lr = args.lr if args.lr is not None else (FINE_TUNE_LR if args.init_from is not None else defaults.learning_rate)
    return TrainConfig(
        data_dirs=args.data, out=args.out, architecture=architecture, width=width,
        input_size=input_size, channels=1 if args.gray else 3, contrast=args.contrast,
        epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer, learning_rate=lr,
        nesterov=args.nesterov, lr_schedule=args.lr_schedule, min_lr=args.min_lr, w_bce=args.bce_weight, w_dice=args.dice_weight,
        flip=not args.no_flip, hsv=args.hsv, shift_scale_rotate=args.shift_scale_rotate,
        val_fraction=args.val_fraction, split_seed=args.split_seed, val_split_file=args.val_split,
        patience=args.patience, max_train_images=args.limit, studio_renders=args.studio_renders,
        focus_margin=args.focus_margin, init_from=args.init_from,
        body_head=args.body_head, body_weight=args.body_weight, freeze_batchnorm=args.freeze_batchnorm,
        seed=args.seed, log_dir=args.log_dir, licence=args.licence,
        strategy=args.strategy, precision=args.precision, lr_scaling=args.lr_scaling,
    )


class _TextStatus:
    """One redrawn stderr line per epoch: `epoch 3/50 [####....] 12/40 loss -1.62 val_dice 0.91`."""

    def __init__(self, stream=None, width: int = 24):
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._last = 0.0
        self._epoch = 0
        self._open = False

    def __call__(self, s: TrainStatus) -> None:
        if s.phase == "resuming":
            self.stream.write(f"resuming an unfinished run: epochs 1-{s.epoch} of {s.epochs} restored from its "
                              "backup, continuing with the same schedule, split and random state\n")
            self.stream.flush()
            return
        now = time.monotonic()
        final = s.phase in ("epoch_done", "sweeping") or (s.phase == "loading" and s.batch == s.batches)
        if not final and now - self._last < 0.2:
            return
        self._last = now
        if s.phase == "loading":
            line = f"loading {s.batch}/{s.batches} photos"
        elif s.phase == "sweeping":
            line = "sweeping thresholds on the validation set"
        else:
            filled = int(round(self.width * s.batch / max(s.batches, 1)))
            line = (f"epoch {s.epoch}/{s.epochs} [{'#' * filled}{'.' * (self.width - filled)}] "
                    f"{s.batch}/{s.batches}")
            if "loss" in s.logs:
                line += f" loss {s.logs['loss']:.4f}"
            if "val_dice_coeff" in s.logs:
                line += f" val_dice {s.logs['val_dice_coeff']:.4f}"
        self.stream.write("\r" + line.ljust(78))
        self._open = not final
        if final:
            self.stream.write("\n")
        self.stream.flush()

    def end(self) -> None:
        """End a line left open (a run stopped mid-epoch), so a message after it starts a line of its own."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


def run_cli(args: argparse.Namespace) -> int:
    """Train from parsed arguments; 0 on success, 2 on a data problem, 130 when interrupted.

    The first Ctrl+C stops training cleanly (the best model so far is kept); a second
    one interrupts at once.
    """
    interrupted = [False]
    previous = None

    def on_sigint(signum, frame):
        if interrupted[0]:
            raise KeyboardInterrupt
        interrupted[0] = True
        sys.stderr.write("\nstopping after this batch (Ctrl+C again to abort)\n")

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: no clean-stop handler
        previous = None
    try:
        config = config_from_args(args)
        status = _TextStatus()
        try:
            result = train(config, cancelled=lambda: interrupted[0], status=status)
        finally:
            status.end()
    except GarmentCutoutError as exc:
        if isinstance(exc, Cancelled):
            print("training stopped before any model was saved", file=sys.stderr)
            return 130
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    card = result.card
    if result.cancelled:
        print(f"training stopped at epoch {result.epochs_run}; best model (epoch {result.best_epoch}) kept at "
              f"{result.model_path}; run the same command again to continue from epoch {result.epochs_run + 1}",
              file=sys.stderr)
        return 130
    if not result.is_chief:
        print(f"worker done: {result.epochs_run} epoch(s), best epoch {result.best_epoch}; the chief writes the model")
        return 0
    print(f"{result.model_path}: best epoch {result.best_epoch}/{result.epochs_run}, "
          f"validation Dice {card.val_dice:.4f} at threshold {card.threshold:.2f} "
          f"({result.train_count} train, {result.val_count} validation)")
    return 0
