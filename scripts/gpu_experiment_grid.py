"""The issue-4 experiment grid that `gpu_experiments.py` trains: one recipe per run.

Each run changes one thing from the issue's floor recipe (plus the studio renders), so
the table in docs/MODEL.md reads one change per row."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One training recipe. The defaults are the issue's floor recipe (plus renders)."""

    architecture: str = "final"
    width: float = 0.5
    size: tuple[int, int] = (384, 256)   # (h, w)
    epochs: int = 25
    optimizer: str = "rmsprop"
    lr: float = 3e-4
    schedule: str = "fixed"              # fixed | cyclic | cosine_time
    min_lr: float = 1e-6
    w_bce: float = 0.5
    w_dice: float = 2.0
    flip: bool = True
    hsv: bool = False
    shift_scale_rotate: bool = False
    normalise: bool = True               # per-channel mean/std; False: x / 255 only
    interpolation: str = "area"          # area (the seed's finding) | linear
    channels: int = 3
    batch_size: int = 8
    time_budget: bool = False            # train until the deadline instead of `epochs`
    note: str = ""


# Priority order: the scheduler starts them in this order as slots free up.
EXPERIMENTS: dict[str, Experiment] = {
    # Candidates for the bundled model: as long as the lease allows, at the larger input.
    "long_flip": Experiment(size=(512, 352), epochs=400, schedule="cosine_time", time_budget=True,
                            note="512x352, cosine over the time budget, flips"),
    "long_aug": Experiment(size=(512, 352), epochs=400, schedule="cosine_time", time_budget=True, hsv=True,
                           shift_scale_rotate=True, note="512x352, cosine over the time budget, flips+HSV+SSR"),
    # The table: each changes one thing from the floor recipe.
    "floor": Experiment(note="the issue's floor recipe"),
    "basic_unet": Experiment(architecture="basic", note="seed's basic U-Net, width 0.5"),
    "width_1.0": Experiment(width=1.0, note="final U-Net at full width"),
    "input_512x352": Experiment(size=(512, 352), note="larger input"),
    "adam": Experiment(optimizer="adam", note="Adam 3e-4"),
    "aug_heavy": Experiment(hsv=True, shift_scale_rotate=True, note="flips + HSV + shift/scale/rotate"),
    "bce_only": Experiment(w_bce=1.0, w_dice=0.0, note="loss: BCE only"),
    "no_normalisation": Experiment(normalise=False, note="x/255, no mean/std"),
    "linear_resize": Experiment(interpolation="linear", note="INTER_LINEAR resize instead of INTER_AREA"),
    "cyclic_lr": Experiment(schedule="cyclic", note="seed's declining cyclic rate 5e-5..5e-4"),
    "width_0.25": Experiment(width=0.25, note="final U-Net at quarter width"),
    "no_augmentation": Experiment(flip=False, note="no flips"),
    "dice_only": Experiment(w_bce=0.0, w_dice=1.0, note="loss: -Dice only"),
    "gray": Experiment(channels=1, note="one gray channel"),
}
