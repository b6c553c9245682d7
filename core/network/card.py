"""The JSON card that travels beside every `.keras` model (`NAME.keras` -> `NAME.json`).

It holds everything inference needs besides the weights (input size, colour mode,
normalisation, default threshold) and what a user needs to trust the model (training
data, licence, validation figures).
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.common.errors import ModelLoadError
from core.files.atomic import write_text_atomic
from core.network.precision import PRECISIONS, TRAINING_PRECISIONS

FORMAT_VERSION = 1
# The seed's U-Nets (core.network.architectures builds them); named here so a card can be
# checked without importing TensorFlow.
ARCHITECTURES = ("simple", "basic", "final")
CONTRASTS = ("none", "stretch", "equalize")
# How the probability map goes back to the photo's size (see core.prediction).
UPSAMPLING_MODES = ("cubic", "guided")


def card_path(model_path: str | Path) -> Path:
    """The card of `NAME.keras` is `NAME.json` in the same folder."""
    return Path(model_path).with_suffix(".json")


@dataclasses.dataclass
class ModelCard:
    name: str = "garment-unet"
    architecture: str = "final"          # simple | basic | final (see core.models)
    width: float = 1.0                   # filter multiplier
    input_height: int = 384
    input_width: int = 256
    channels: int = 3                    # 3 = colour, 1 = gray
    mean: list[float] = dataclasses.field(default_factory=lambda: [0.5, 0.5, 0.5])
    std: list[float] = dataclasses.field(default_factory=lambda: [0.25, 0.25, 0.25])
    contrast: str = "none"               # none | stretch | equalize
    threshold: float = 0.5
    val_dice: float | None = None
    upsampling: str = "cubic"            # cubic | guided (edge-aware, see core.prediction)
    tta_flip: bool = False               # average with the horizontally flipped prediction
    precision: str = "float32"           # float32 | bfloat16 | auto (bfloat16 where native; core.precision)
    trained_on: str = ""
    licence: str = ""
    training: dict[str, Any] = dataclasses.field(default_factory=dict)
    evaluation: dict[str, Any] = dataclasses.field(default_factory=dict)
    # What the weights were trained in (float32 | mixed_float16; "" on cards written before
    # training recorded it). Inference precision is `precision` above, chosen separately.
    training_precision: str = ""
    # How training was spread (core.training.distribution): strategy, replicas, workers,
    # per-replica and global batch, and the learning-rate rule with its base and used rate.
    # Empty on older cards.
    distribution: dict[str, Any] = dataclasses.field(default_factory=dict)
    # The fitted auto-triage (core.evaluation.triage.Triage.to_dict; garment-cutout
    # calibrate --triage): features, standardisation, logistic weights, operating point.
    # Empty on cards without one.
    triage: dict[str, Any] = dataclasses.field(default_factory=dict)
    created: str = dataclasses.field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    format_version: int = FORMAT_VERSION

    @property
    def input_size(self) -> tuple[int, int]:
        """(height, width) of the model input."""
        return (self.input_height, self.input_width)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        write_text_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelCard":
        known = {f.name for f in dataclasses.fields(cls)}
        # Unknown keys come from newer versions: ignore rather than refuse the model.
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def load(cls, path: str | Path) -> "ModelCard":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelLoadError(path, "model card (JSON beside the .keras file) is missing") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelLoadError(path, f"model card is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ModelLoadError(path, "model card is not a JSON object")
        try:
            card = cls.from_dict(data)
        except TypeError as exc:
            raise ModelLoadError(path, f"model card has bad fields ({exc})") from None
        problem = _problem(card)
        if problem is not None:
            raise ModelLoadError(path, f"model card: {problem}")
        return card


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _problem(card: ModelCard) -> str | None:
    """Why a loaded card cannot drive inference, or None. JSON can hold any type in any
    field; a wrong one must be refused here, not fail later inside numpy, Keras or the
    app's model panel."""
    if not _is_whole(card.format_version):
        return f"format_version must be a whole number, not {card.format_version!r}"
    if card.format_version > FORMAT_VERSION:
        return (f"format_version {card.format_version} is newer than this app knows ({FORMAT_VERSION}); "
                "update Garment Cutout to use this model")
    if card.architecture not in ARCHITECTURES:
        return f"unknown architecture {card.architecture!r} (expected one of {', '.join(ARCHITECTURES)})"
    if not _is_number(card.width) or card.width <= 0:
        return f"width must be a number above 0, not {card.width!r}"
    if not _is_whole(card.channels):
        return f"channels must be 1 or 3, not {card.channels!r}"
    for name in ("name", "trained_on", "licence", "created"):
        if not isinstance(getattr(card, name), str):
            return f"{name} must be text, not {getattr(card, name)!r}"
    if card.val_dice is not None and not _is_number(card.val_dice):
        return f"val_dice must be a number or null, not {card.val_dice!r}"
    for name in ("input_height", "input_width"):
        value = getattr(card, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"{name} must be a positive whole number, not {value!r}"
    if not isinstance(card.mean, list) or not isinstance(card.std, list) or card.channels not in (1, 3) \
            or len(card.mean) != card.channels or len(card.std) != card.channels:
        return "channels, mean and std disagree"
    if not all(_is_number(v) for v in card.mean) or not all(_is_number(v) and v > 0 for v in card.std):
        return f"mean {card.mean!r} and std {card.std!r} must be finite numbers, std above 0"
    if not _is_number(card.threshold):
        return f"threshold {card.threshold!r} is not a number"
    if not 0.0 <= float(card.threshold) <= 1.0:
        return f"threshold {card.threshold} is outside 0..1"
    if card.contrast not in CONTRASTS:
        return f"unknown contrast option {card.contrast!r}"
    if card.upsampling not in UPSAMPLING_MODES:
        return f"unknown upsampling {card.upsampling!r} (expected one of {', '.join(UPSAMPLING_MODES)})"
    if not isinstance(card.tta_flip, bool):
        return f"tta_flip must be true or false, not {card.tta_flip!r}"
    if card.precision not in PRECISIONS:
        return f"unknown precision {card.precision!r} (expected one of {', '.join(PRECISIONS)})"
    if not isinstance(card.training, dict) or not isinstance(card.evaluation, dict):
        return "training and evaluation must be JSON objects"
    if card.training_precision not in ("",) + TRAINING_PRECISIONS[1:]:
        return (f"unknown training_precision {card.training_precision!r} "
                f"(expected one of {', '.join(TRAINING_PRECISIONS[1:])})")
    if not isinstance(card.distribution, dict):
        return "distribution must be a JSON object"
    for name in ("replicas", "workers", "per_replica_batch", "global_batch"):
        value = card.distribution.get(name)
        if value is not None and not (_is_whole(value) and value >= 1):
            return f"distribution.{name} must be a positive whole number, not {value!r}"
    problem = triage_problem(card.triage)
    if problem is not None:
        return problem
    margin = card.training.get("focus_margin")
    if margin is not None and not (_is_number(margin) and margin >= 0):
        return f"training.focus_margin must be a number of pixels, not {margin!r}"
    return None


def triage_problem(triage: Any) -> str | None:
    """Why a card's `triage` object cannot drive an estimate, or None (empty: no triage).
    Feature names are checked by core.evaluation.triage, which knows them."""
    if not isinstance(triage, dict):
        return f"triage must be a JSON object, not {triage!r}"
    if not triage:
        return None
    for key in ("features", "mean", "scale", "weights", "intercept", "operating_point"):
        if key not in triage:
            return f"triage has no {key}"
    features = triage["features"]
    if not isinstance(features, list) or not features or not all(isinstance(f, str) for f in features):
        return f"triage.features must be a list of feature names, not {features!r}"
    for key in ("mean", "scale", "weights"):
        values = triage[key]
        if not isinstance(values, list) or len(values) != len(features) or not all(_is_number(v) for v in values):
            return f"triage.{key} must be {len(features)} finite numbers, not {values!r}"
    if not all(v > 0 for v in triage["scale"]):
        return "triage.scale must be above 0"
    if not _is_number(triage["intercept"]):
        return f"triage.intercept must be a number, not {triage['intercept']!r}"
    for key in ("operating_point", "dice_target"):
        value = triage.get(key, 0.97)
        if not (_is_number(value) and 0.0 <= value <= 1.0):
            return f"triage.{key} must be a number from 0 to 1, not {value!r}"
    if not isinstance(triage.get("fitted_on", ""), str):
        return f"triage.fitted_on must be text, not {triage['fitted_on']!r}"
    if not isinstance(triage.get("fit", {}), dict):
        return "triage.fit must be a JSON object"
    return None
