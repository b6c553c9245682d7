"""What a training run is asked to do (`TrainConfig`), what it reports while it runs, and what it returns."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from core.common.errors import DataError
from core.files.atomic import can_write_into
from core.network.card import ARCHITECTURES, CONTRASTS, ModelCard
from core.network.precision import TRAINING_PRECISIONS
from core.training.augment import AugmentConfig

OPTIMIZERS = ("rmsprop", "adam", "sgd", "adadelta")


SCHEDULES = ("fixed", "cyclic", "cosine")

# tf.distribute strategies `--strategy` can force; auto picks one (core.training.distribution).
STRATEGIES = ("auto", "default", "mirrored", "multi-worker")

# How the learning rate follows the global batch: linear (Goyal et al. 2017: k times the
# batch, k times the rate), sqrt (k times the batch, sqrt(k) times the rate, gentler for
# RMSprop and Adam) or none. --lr is the rate for one replica's batch (--batch-size).
LR_SCALINGS = ("linear", "sqrt", "none")


@dataclasses.dataclass
class TrainConfig:
    """Everything one training run needs; defaults are the seed's choices at CPU size."""

    data_dirs: list[Path]
    out: Path
    architecture: str = "final"
    width: float = 0.5
    input_size: tuple[int, int] = (384, 256)  # (height, width): 2:3 portrait like the studio shots
    channels: int = 3
    contrast: str = "none"
    epochs: int = 50
    batch_size: int = 8
    optimizer: str = "rmsprop"
    learning_rate: float = 3e-4
    nesterov: bool = False
    lr_schedule: str = "fixed"
    plateau_steps: int = 2
    step_size: int = 10
    min_lr: float = 5e-5
    max_lr: float = 5e-4
    w_bce: float = 0.5
    w_dice: float = 2.0
    flip: bool = True
    hsv: bool = False
    shift_scale_rotate: bool = False
    val_fraction: float = 0.15
    split_seed: int = 0
    val_split_file: Path | None = None
    patience: int = 20
    min_delta: float = 1e-4
    max_train_images: int | None = None
    studio_renders: int = 0
    # > 0: train the double pass's second model on focus images (the photo within this
    # many native pixels of its true mask, black beyond); recorded in the card.
    focus_margin: int = 0
    # Warm start: begin from this model's weights (same architecture, width and channels;
    # the input size may differ, the U-Nets are fully convolutional) and its normalisation.
    init_from: Path | None = None
    # A second output learns "body" (parts/ label 2, the renders' mannequin) so that a
    # bare mannequin torso stops passing for garment; saved models keep the garment
    # output alone (core.training.model). body_weight scales the body BCE in the loss.
    body_head: bool = False
    body_weight: float = 0.5
    # Fine-tuning: batch normalisation keeps the start model's statistics and scales (its
    # layers run in inference mode), so a batch mix unlike the start model's data (renders
    # of a new kind) moves the convolutions only, not every layer's normalisation.
    freeze_batchnorm: bool = False
    seed: int = 0
    # Distribution and precision: see core.training.distribution and core.network.precision.
    strategy: str = "auto"
    precision: str = "auto"
    lr_scaling: str = "linear"
    log_dir: Path | None = None
    name: str | None = None
    licence: str = ""

    def __post_init__(self) -> None:
        self.data_dirs = [Path(d) for d in self.data_dirs]
        self.out = Path(self.out)
        self.input_size = (int(self.input_size[0]), int(self.input_size[1]))
        if self.val_split_file is not None:
            self.val_split_file = Path(self.val_split_file)
        if self.init_from is not None:
            self.init_from = Path(self.init_from)
        if self.log_dir is not None:
            self.log_dir = Path(self.log_dir)

    @property
    def logs_path(self) -> Path:
        return self.log_dir if self.log_dir is not None else self.out.with_name(self.out.name[: -len(".keras")] + ".logs")

    @property
    def history_path(self) -> Path:
        return self.out.with_name(self.out.name[: -len(".keras")] + ".history.csv")

    @property
    def backup_path(self) -> Path:
        """Where an unfinished run keeps what it needs to resume (deleted when it completes)."""
        return self.out.with_name(self.out.name[: -len(".keras")] + ".backup")

    @property
    def augment(self) -> AugmentConfig:
        return AugmentConfig(hsv=self.hsv, shift_scale_rotate=self.shift_scale_rotate, flip=self.flip)

    def validate(self) -> None:
        """Raise DataError for settings that cannot work, before any data is loaded."""
        from core.network.architectures import STRIDE

        problems = []
        if self.out.suffix != ".keras":
            problems.append(f"the model file must end in .keras, got {self.out.name}")
        elif not self.out.parent.is_dir():
            problems.append(f"output folder {self.out.parent} does not exist")
        elif not can_write_into(self.out.parent):  # found now, not by Keras' logger after the photos load
            problems.append(f"cannot write into the output folder {self.out.parent}")
        if self.architecture not in ARCHITECTURES:
            problems.append(f"architecture must be one of {', '.join(ARCHITECTURES)}")
        else:
            stride = STRIDE[self.architecture]
            h, w = self.input_size
            if h <= 0 or w <= 0 or h % stride or w % stride:
                problems.append(f"input size {h}x{w}: the {self.architecture} U-Net needs both sides to be "
                                f"positive multiples of {stride}")
        if self.channels not in (1, 3):
            problems.append("channels must be 1 (gray) or 3 (colour)")
        if self.contrast not in CONTRASTS:
            problems.append(f"contrast must be one of {', '.join(CONTRASTS)}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if self.lr_schedule not in SCHEDULES:
            problems.append(f"learning-rate schedule must be one of {', '.join(SCHEDULES)}")
        if self.epochs < 1 or self.batch_size < 1:
            problems.append("epochs and batch size must be at least 1")
        if self.patience < 0:
            problems.append(f"patience must be 0 or more epochs, got {self.patience}")
        if self.width <= 0 or self.learning_rate <= 0:
            problems.append("width and learning rate must be positive")
        if self.max_train_images is not None and self.max_train_images < 1:
            problems.append("--limit must be at least 1")
        if self.studio_renders < 0:
            problems.append("--studio-renders cannot be negative")
        if self.focus_margin < 0:
            problems.append("--focus-margin cannot be negative")
        if not (0.0 <= self.body_weight < float("inf")):
            problems.append("--body-weight must be a finite number >= 0")
        if self.body_head and self.focus_margin:
            # Focus images are black beyond the margin: body labels there would teach
            # "black is body", and the second model never sees a bare mannequin anyway.
            problems.append("--body-head and --focus-margin do not go together")
        if self.lr_schedule == "cosine" and not 0 < self.min_lr <= self.learning_rate:
            problems.append("the cosine schedule needs 0 < --min-lr <= --lr")
        if self.strategy not in STRATEGIES:
            problems.append(f"strategy must be one of {', '.join(STRATEGIES)}")
        if self.precision not in TRAINING_PRECISIONS:
            problems.append(f"precision must be one of {', '.join(TRAINING_PRECISIONS)}")
        if self.lr_scaling not in LR_SCALINGS:
            problems.append(f"learning-rate scaling must be one of {', '.join(LR_SCALINGS)}")
        if self.freeze_batchnorm and self.init_from is None:
            problems.append("--freeze-batchnorm needs --init-from: a new model's statistics must be learned")
        if self.init_from is not None and not self.init_from.is_file():
            problems.append(f"--init-from: {self.init_from} not found")
        if problems:
            raise DataError("; ".join(problems))

    def describe(self) -> dict[str, Any]:
        """JSON-friendly hyper-parameters for the card's `training` entry."""
        out = dataclasses.asdict(self)
        for key, value in out.items():
            if isinstance(value, Path):
                out[key] = str(value)
        out["data_dirs"] = [str(d) for d in self.data_dirs]
        out["input_size"] = list(self.input_size)
        return out


@dataclasses.dataclass
class TrainStatus:
    """What a progress display shows: where training is and its latest numbers.

    phase: "loading" (batch/batches then count photos), "resuming" (epoch = the epochs
    already done, restored from the backup), "training", "epoch_done" (after
    validation) or "sweeping"; epoch and batch are 1-based; `logs` holds the Keras
    metrics seen last (loss, dice_coeff, val_loss, val_dice_coeff, learning_rate...).
    """

    phase: str
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    logs: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class TrainResult:
    model_path: Path
    card: ModelCard
    history: dict[str, list[float]]
    best_epoch: int            # 1-based epoch whose weights were kept
    epochs_run: int
    cancelled: bool            # stopped by `cancelled`; the best model so far was kept
    history_path: Path
    log_dir: Path | None       # TensorBoard logs; None without the tensorboard package
    sweep: dict[float, float]  # validation Dice per threshold
    train_count: int
    val_count: int
    resumed_from: int = 0      # epochs restored from an unfinished run's backup (0: a fresh run)
    is_chief: bool = True      # False on a multi-worker run's other workers: they write no model
