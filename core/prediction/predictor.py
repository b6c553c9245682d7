"""Full-resolution garment probability maps from a `.keras` model and its card.

A photo is resized to the model's input (INTER_AREA), normalised per the card, run
through the U-Net, and the probability map is brought back to the photo's size with
INTER_CUBIC or, when the card asks for it, an edge-aware guided filter that snaps the
upsampled edges to the full-resolution photo's edges.

TensorFlow is imported in `Predictor.load`, never at module import, so the GUI can
import this module cheaply and load the model on a worker thread.
"""

from __future__ import annotations

import hashlib
import threading
import zipfile
from pathlib import Path
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np

from core.common import paths
from core.common.errors import Cancelled, ModelLoadError
from core.network.card import ModelCard, card_path
from core.network.preprocessing import (
    probability_to_uint8,
    resize_probability_to_photo,
    resize_to_model,
    to_model_input,
)
from core.prediction.guided_filter import fast_guided_filter, guided_upsample_uint8

Progress = Callable[[int, int], None]


IsCancelled = Callable[[], bool]


def model_id_for(path: Path) -> str:
    """A short id that changes whenever the model file changes (for probability caches)."""
    st = path.stat()
    return hashlib.sha1(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:16]


# Photos above this many pixels are upsampled a strip at a time (see
# core.prediction.guided_filter.guided_upsample_uint8); below it the whole-photo filter is
# kept, about 0.05 s faster on a 1152x1728 view and at 51 bytes a pixel no burden there.
WHOLE_PHOTO_PIXELS = 8_000_000


def guided_upsample(probability: np.ndarray, rgb: np.ndarray, eps: float = 1e-2) -> np.ndarray:
    """Edge-aware upsampling: cubic-upsample (h, w) float32 `probability` to the (H, W, 3)
    uint8 photo's size, then guided-filter it with the colour photo as guide so soft
    edges snap to the photo's edges. Returns (H, W) uint8 (p = v / 255).

    The radius follows the upsampling factor (the blur an upsampled edge carries grows
    with it): 8 px at CCP's ~2.2x. Measured on 30 CCP validation photos with the starter
    model: r8/eps 1e-2 lifted boundary F (2 px) from 0.418 to 0.484; smaller eps copies
    photo texture into the mask and hurts (0.205 at eps 1e-4).

    The filter's coefficients are fitted on a grid about half as fine as the upsampling
    factor (every 2nd pixel of a 1152x1728 view from a 384x256 model, every pixel of a
    CCP photo), still finer than the network's own output: on the default model that
    kept boundary F within 0.001 of the full-resolution filter (0.8946 vs 0.8944 on 30
    studio renders). On a 1152x1728 view it takes 0.071 s against 0.082 s for
    opencv-contrib's full-resolution filter with nothing else running (0.09 against 0.15 s
    while a training run shared the cores); see core.guided_filter.
    """
    factor = rgb.shape[0] / max(probability.shape[0], 1)
    radius = max(2, int(round(3.7 * factor)))
    subsample = max(1, int(round(factor / 2)))
    if rgb.shape[0] * rgb.shape[1] > WHOLE_PHOTO_PIXELS:
        return guided_upsample_uint8(rgb, probability, radius, eps, subsample)
    up = resize_probability_to_photo(probability.astype(np.float32), rgb.shape[:2])
    out = fast_guided_filter(rgb.astype(np.float32) / 255.0, up, radius, eps, subsample)
    return probability_to_uint8(np.clip(out, 0.0, 1.0))


def weights_problem(model, card: ModelCard) -> str | None:
    """Why `model` is not the U-Net its card describes (architecture, width), or None."""
    from core.network.architectures import conv_filters

    for name, filters in conv_filters(card.architecture, card.width).items():
        try:
            layer = model.get_layer(name)
        except ValueError:
            return f"the model has no layer {name}: it is not the card's {card.architecture} U-Net"
        if getattr(layer, "filters", None) != filters:
            return (f"layer {name} has {getattr(layer, 'filters', None)} filters where the card's "
                    f"{card.architecture} U-Net at width {card.width:g} has {filters}: the card does not fit the weights")
    return None


def in_bfloat16(model, card: ModelCard):
    """The same U-Net computing in bfloat16 (weights copied, float32 output), or None when
    the card's architecture cannot be rebuilt around these weights."""
    from core.network.architectures import ARCHITECTURES, build_unet

    if card.architecture not in ARCHITECTURES:
        return None
    try:
        twin = build_unet(card.architecture, (card.input_height, card.input_width, card.channels),
                          width=card.width, name=model.name, dtype="mixed_bfloat16")
        twin.set_weights(model.get_weights())
    except ValueError:  # a model this card does not describe exactly: keep float32
        return None
    return twin


class Predictor:
    """A loaded model + card. `predict` is thread-safe (one inference at a time).

    `precision` says what the model computes in ("float32" or "bfloat16"); `load`
    chooses it from the card (see core.precision)."""

    def __init__(self, model, card: ModelCard, model_path: Path | None = None, precision: str = "float32"):
        from core.network.backend import tf

        self.model = model
        self.card = card
        self.model_path = model_path
        self.precision = precision
        self.model_id = model_id_for(model_path) if model_path is not None else f"memory:{id(model)}"
        self._lock = threading.Lock()
        # A traced function avoids Keras' per-call predict() overhead (~tens of ms).
        self._run = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, model_path: str | Path | None = None, precision: str | None = None) -> "Predictor":
        """Load `NAME.keras` and `NAME.json`; None loads the bundled default model.

        `precision` (float32, bfloat16 or auto) replaces the card's. Raises
        ModelLoadError with the reason for a missing, broken or mismatched file."""
        path = Path(model_path) if model_path is not None else paths.DEFAULT_MODEL
        if path.is_dir():
            raise ModelLoadError(path, "this is a folder; give the model file, NAME.keras")
        if not path.is_file():
            raise ModelLoadError(path, "file not found" if not path.exists() else "not a regular file")
        if path.suffix.lower() != ".keras":
            raise ModelLoadError(path, "a model file ends in .keras (its card, NAME.json, lies beside it)")
        card = ModelCard.load(card_path(path))
        if not zipfile.is_zipfile(path):  # Keras would say "File not found" of a file it sees
            raise ModelLoadError(path, "the file is damaged or not a Keras model (a .keras file is a zip archive)")
        try:
            import core.network.losses  # noqa: F401  registers the custom objects of compiled models
            from core.network.backend import keras

            model = keras.models.load_model(path, compile=False)
        except Exception as exc:  # Keras raises many types for a bad file
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelLoadError(path, f"not a readable Keras model ({reason[:200]})") from None
        expected = (None, card.input_height, card.input_width, card.channels)
        got = tuple(model.input_shape)
        if got[1:] != expected[1:] and not (got[1] is None and got[2] is None and got[3] == card.channels):
            raise ModelLoadError(path, f"model input {got[1:]} does not match its card {expected[1:]}")
        problem = weights_problem(model, card)
        if problem:
            raise ModelLoadError(path, problem)
        from core.network.precision import resolve_precision

        predictor = None
        if resolve_precision(precision or card.precision) == "bfloat16":
            twin = in_bfloat16(model, card)
            if twin is not None:
                predictor = cls(twin, card, path, precision="bfloat16")
        predictor = predictor or cls(model, card, path)
        problem = predictor.output_problem()
        if problem:
            raise ModelLoadError(path, problem)
        return predictor

    def output_problem(self) -> str | None:
        """Run the model once on a fixed noise input (normalised pixels are about N(0, 1)):
        why its answer is not one (H, W, 1) map of probabilities, or None. Done at load so a
        bad model fails there, not at the first photo (it also traces the inference function
        the first photo would)."""
        h, w = self.card.input_size
        # The batch of one photo as _infer_small sends it (with its mirror image under flip
        # averaging), so the trace made here is the one the first photo uses.
        batch = 2 if self.card.tta_flip else 1
        probe = np.random.default_rng(0).normal(0, 1, (batch, h, w, self.card.channels)).astype(np.float32)
        try:
            with self._lock:
                out = np.asarray(self._run(probe))
        except Exception as exc:  # noqa: BLE001 - TensorFlow raises many types for a bad graph
            return f"the model cannot run on a {h}x{w} input ({str(exc).splitlines()[0][:200] if str(exc) else exc})"
        if out.shape != (batch, h, w, 1):
            return f"the model answers {out.shape[1:]} per photo, not one {h}x{w} probability map"
        if not np.isfinite(out).all() or out.min() < 0 or out.max() > 1:
            return "the model's output is not a probability (values outside 0..1 or not finite)"
        return None

    @property
    def threshold(self) -> float:
        return float(self.card.threshold)

    # ------------------------------------------------------------------ inference
    def _infer_small(self, batch_rgb: np.ndarray) -> np.ndarray:
        """(N, h, w, 3) uint8 at model size -> (N, h, w) float32 probabilities."""
        x = to_model_input(batch_rgb, self.card)
        n = len(x)
        if self.card.tta_flip:
            # One call on photos + their mirror images is cheaper than two calls.
            x = np.concatenate([x, x[:, :, ::-1]])
        with self._lock:
            p = self._run(x).numpy()[..., 0]
        if self.card.tta_flip:
            p = 0.5 * (p[:n] + p[n:, :, ::-1])
        return p.astype(np.float32)

    def _to_photo(self, small: np.ndarray, rgb: np.ndarray) -> np.ndarray:
        if self.card.upsampling == "guided":
            return guided_upsample(small, rgb)
        if rgb.shape[0] * rgb.shape[1] > WHOLE_PHOTO_PIXELS:
            # A float32 map of a big photo costs 4 bytes a pixel; cubic on uint8 rounds once.
            return cv2.resize(probability_to_uint8(small), rgb.shape[1::-1], interpolation=cv2.INTER_CUBIC)
        return probability_to_uint8(resize_probability_to_photo(small, rgb.shape[:2]))

    def predict(self, rgb: np.ndarray, progress: Progress | None = None,
                cancelled: IsCancelled | None = None) -> np.ndarray:
        """(H, W, 3) uint8 photo -> (H, W) uint8 garment probability (p = v / 255)."""
        return self.predict_many([rgb], progress=progress, cancelled=cancelled)[0]

    def predict_many(self, images: Sequence[np.ndarray] | Iterable[np.ndarray], batch_size: int = 4,
                     progress: Progress | None = None, cancelled: IsCancelled | None = None) -> list[np.ndarray]:
        """Probability maps for photos of any sizes, run in batches at model size."""
        images = list(images)
        out: list[np.ndarray] = []
        total = len(images)
        for start in range(0, total, batch_size):
            if cancelled is not None and cancelled():
                raise Cancelled("prediction")
            chunk = images[start:start + batch_size]
            small = np.stack([resize_to_model(im, self.card.input_size) for im in chunk])
            probs = self._infer_small(small)
            out.extend(self._to_photo(p, im) for p, im in zip(probs, chunk))
            if progress is not None:
                progress(len(out), total)
        return out
