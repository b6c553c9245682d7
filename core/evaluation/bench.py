"""`garment-cutout bench`: how long the things a retoucher waits for take, as JSON.

Two parts, measured at the studio's view size (1152x1728 by default):

* prediction: from a PNG on disk to the full-resolution probability map (decode +
  resize + model + upsample), median and best of a few repeats after a warm-up, and
  the model load time (which includes importing TensorFlow the first time);
* mask edits the GUI runs while the user drags: a threshold move (full compose), one
  brush dab (paint + recompose its box) and undoing a 300 px stroke; median of many runs.

The mask part needs no model, so it still runs (and the JSON says why the model part
did not) when the model cannot be loaded.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from core.common import paths
from core.common.errors import GarmentCutoutError
from core.files.imageio import read_image, write_png
from core.masks import compose, edits

DEFAULT_SIZE = (1152, 1728)  # (width, height): the studio's portrait views


BRUSH_RADIUS = 20


STROKE_LENGTH_PX = 300


# Pointer events arrive every few pixels during a drag; each becomes one dab segment.
_STROKE_STEP_PX = 5


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000.0, 4)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def _sample_view(width: int, height: int) -> np.ndarray:
    """A (height, width, 3) uint8 photo: the first bundled sample-shoot view, resized, or a
    synthetic studio shot when the sample shoot is absent or unreadable."""
    if paths.SAMPLE_SHOOT.is_dir():
        for candidate in sorted(paths.SAMPLE_SHOOT.iterdir()):
            if candidate.suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"):
                continue
            try:
                rgb = read_image(candidate).rgb
            except GarmentCutoutError:
                continue
            shrinking = width * height < rgb.shape[0] * rgb.shape[1]
            return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)
    return _synthetic_view(width, height)


def _synthetic_view(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A grey studio backdrop with a dark garment silhouette and a little sensor noise
    (so PNG decoding costs what a real photo's does). (height, width, 3) uint8."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(235, 200, height, dtype=np.float32)[:, None, None]
    rgb = np.broadcast_to(ramp, (height, width, 3)).copy()
    garment = _garment_shape(width, height)
    rgb[garment] = (70, 90, 140)
    rgb += rng.normal(0.0, 3.0, rgb.shape).astype(np.float32)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _garment_shape(width: int, height: int) -> np.ndarray:
    """(height, width) bool: a torso ellipse with sleeves, centred."""
    shape = np.zeros((height, width), np.uint8)
    cx, cy = width // 2, height // 2
    cv2.ellipse(shape, (cx, cy), (max(1, width // 4), max(1, height // 3)), 0, 0, 360, 1, cv2.FILLED)
    cv2.rectangle(shape, (width // 8, height // 4), (width - width // 8, height // 4 + max(1, height // 10)), 1,
                  cv2.FILLED)
    return shape.astype(bool)


def _synthetic_probability(width: int, height: int) -> np.ndarray:
    """(height, width) uint8 probability with soft edges, for when no model ran."""
    soft = cv2.GaussianBlur(_garment_shape(width, height).astype(np.float32), (0, 0), max(1.0, width / 200))
    return (soft * 255.0 + 0.5).astype(np.uint8)


def bench_prediction(predictor: Any, rgb: np.ndarray, repeats: int) -> tuple[dict[str, Any], np.ndarray]:
    """Time PNG on disk -> full-resolution probability for `rgb` ((H, W, 3) uint8).

    One untimed warm-up (graph tracing, caches), then `repeats` timed runs. Returns the
    figures and the last probability map ((H, W) uint8).
    """
    totals, reads, predicts = [], [], []
    stages: dict[str, list[float]] = {}
    timed_predict = getattr(predictor, "predict_timed", None)
    with tempfile.TemporaryDirectory(prefix="garment-bench-") as folder:
        png = Path(folder) / "view.png"
        write_png(png, rgb)
        probability = predictor.predict(read_image(png).rgb)  # warm-up
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            photo = read_image(png).rgb
            t1 = time.perf_counter()
            if timed_predict is not None:
                probability, stage_seconds = timed_predict(photo)
                for name, seconds in stage_seconds.items():
                    stages.setdefault(name, []).append(float(seconds))
            else:
                probability = predictor.predict(photo)
            t2 = time.perf_counter()
            totals.append(t2 - t0)
            reads.append(t1 - t0)
            predicts.append(t2 - t1)
    result: dict[str, Any] = {
        "seconds_per_view_median": round(statistics.median(totals), 6),
        "seconds_per_view_min": round(min(totals), 6),
        "read_image_median_s": round(statistics.median(reads), 6),
        "predict_median_s": round(statistics.median(predicts), 6),
    }
    if stages:
        result["stages_median_s"] = {k: round(statistics.median(v), 6) for k, v in stages.items()}
    return result, np.asarray(probability)


def _stroke_points(start: tuple[float, float], length: float, step: float) -> list[tuple[float, float]]:
    """(x, y) points every `step` px along a diagonal of `length` px from `start`."""
    n = max(1, math.ceil(length / step))
    unit = 1.0 / math.sqrt(2.0)
    return [(start[0] + i * step * unit, start[1] + i * step * unit) for i in range(n + 1)]


def bench_masks(probability: np.ndarray, runs: int = 50, threshold: float = 0.5) -> dict[str, float | None]:
    """Median milliseconds of the GUI's mask work on a (H, W) uint8 probability map."""
    height, width = probability.shape
    runs = max(1, runs)
    override = np.zeros((height, width), np.uint8)
    mask = compose.compose_mask(probability, threshold, override)
    rng = np.random.default_rng(0)

    # Threshold slider: the whole mask again, into a reused buffer, at moving thresholds.
    samples = []
    for i in range(runs):
        t = 0.3 + 0.4 * (i % 20) / 19
        samples.append(_timed(lambda: compose.compose_mask(probability, t, override, out=mask))[1])
    threshold_ms = _median_ms(samples)

    # One brush dab: paint a disc, then recompose only the touched box. Alternating
    # KEEP/REMOVE makes every dab change pixels, as a real one over the garment edge does.
    def dab(x: float, y: float, value: int) -> None:
        record = edits.paint_stroke(override, [(x, y)], BRUSH_RADIUS, value)
        if record is not None:
            compose.compose_mask_region(probability, threshold, override, record.bbox, mask)

    samples = []
    for i in range(runs):
        x, y = rng.uniform(0, width - 1), rng.uniform(0, height - 1)
        samples.append(_timed(lambda: dab(x, y, compose.KEEP if i % 2 == 0 else compose.REMOVE))[1])
    dab_ms = _median_ms(samples)

    # Undo of a 300 px stroke: the GUI merges a drag's dab records into one; undo writes
    # the old override back and recomposes that box.
    override[...] = compose.NONE
    reach = STROKE_LENGTH_PX / math.sqrt(2.0) + BRUSH_RADIUS
    start = (max(0.0, (width - reach) / 2), max(0.0, (height - reach) / 2))
    points = _stroke_points(start, STROKE_LENGTH_PX, _STROKE_STEP_PX)
    records = [edits.paint_stroke(override, [p, q], BRUSH_RADIUS, compose.KEEP) for p, q in zip(points[:-1], points[1:])]
    stroke = edits.merge_records(records)
    samples = []
    if stroke is not None:
        def undo() -> None:
            stroke.undo(override)
            compose.compose_mask_region(probability, threshold, override, stroke.bbox, mask)

        for _ in range(runs):
            samples.append(_timed(undo)[1])
            stroke.redo(override)
    undo_ms = _median_ms(samples) if samples else None
    return {
        "threshold_update_ms": threshold_ms,
        "brush_dab_ms": dab_ms,
        "undo_stroke_300px_ms": undo_ms,
    }


def run_bench(
    model_path: str | Path | None = None,
    repeats: int = 5,
    size: tuple[int, int] = DEFAULT_SIZE,
    predictor: Any | None = None,
    mask_runs: int = 50,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Benchmark prediction and mask edits on a `size` = (width, height) view.

    `predictor` (anything with `.predict(rgb)` and `.card`) skips loading `model_path`
    (None = the bundled model). A model that fails to load leaves `model_error` set and
    the prediction figures out; the mask figures are always there.
    """
    width, height = int(size[0]), int(size[1])
    say = log or (lambda _message: None)
    result: dict[str, Any] = {
        "image": f"{width}x{height}",
        "repeats": repeats,
        "mask_runs": mask_runs,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "model": None,
        "model_error": None,
    }
    if predictor is None:
        from core.prediction.predictor import Predictor

        say("loading model")
        try:
            predictor, result["model_load_s"] = _timed(lambda: Predictor.load(model_path))
            result["model_load_s"] = round(result["model_load_s"], 3)
            result["model_path"] = str(getattr(predictor, "model_path", model_path or paths.DEFAULT_MODEL))
        except GarmentCutoutError as exc:
            predictor = None
            result["model_error"] = str(exc)
    probability = None
    if predictor is not None:
        card = getattr(predictor, "card", None)
        result["model"] = getattr(card, "name", None)
        if card is not None and hasattr(card, "input_height"):
            result["model_input"] = f"{card.input_height}x{card.input_width}"  # HxW, as --input-size
        # float32 or bfloat16 (core.precision): the same model differs by ~0.1 s per view.
        result["precision"] = getattr(predictor, "precision", "float32")
        say(f"timing prediction ({repeats} runs after a warm-up)")
        figures, probability = bench_prediction(predictor, _sample_view(width, height), repeats)
        result.update(figures)
    if probability is None or probability.shape != (height, width) or probability.dtype != np.uint8:
        probability = _synthetic_probability(width, height)
    say(f"timing mask edits ({mask_runs} runs each)")
    result.update(bench_masks(probability, mask_runs))
    return result
