"""`garment-cutout evaluate`: score a model on photo/mask pairs at native resolution.

Every photo is predicted at its own size and compared with its mask there: Dice, IoU
and boundary F (2 px) per image, mean and median, IQR outliers, a threshold sweep from
per-image histograms (one pass, however many thresholds) and seconds per prediction.
A report folder gets CSVs, a JSON summary, a Dice histogram and a gallery of the worst
cases drawn over the photo. A pair that cannot be read is recorded as failed, not fatal.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import heapq
import io
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import cv2
import numpy as np

from core import metrics
from core.atomic import atomic_path, write_text_atomic
from core.errors import Cancelled, DataError, ExportError, GarmentCutoutError
from core.imageio import write_png
from core.cli_args import positive_int, probability

Progress = Callable[[int, int], None]
IsCancelled = Callable[[], bool]

# 0.05, 0.06, ... 0.95; rounded so the keys print and compare as written.
BOUNDARY_TOLERANCE_PX = 2

# Overlay colours (RGB): the seed's green for the prediction, magenta for the truth's edge.
_GREEN = np.array([0, 255, 0], np.float32)
_MAGENTA = (255, 0, 255)
_OVERLAY_OPACITY = 0.45
# Contact-sheet cell (portrait, as garment photos are) and its columns.
_CELL_HW = (320, 240)
_SHEET_COLUMNS = 4


class PredictorLike(Protocol):
    """What evaluation needs of a predictor (core.prediction.Predictor fits)."""

    card: Any

    def predict(self, rgb: np.ndarray) -> np.ndarray: ...


@dataclasses.dataclass(frozen=True)
class ImageResult:
    """Scores of one photo; `seconds` is its prediction time (photo in memory to
    full-resolution probability map; decoding the files is not counted)."""

    name: str
    dice: float
    iou: float
    boundary_f: float
    seconds: float


@dataclasses.dataclass(frozen=True)
class FailedPair:
    name: str
    reason: str


@dataclasses.dataclass
class EvaluationSummary:
    model_name: str
    threshold: float
    results: list[ImageResult]
    failed: list[FailedPair]
    sweep: dict[float, float]
    outliers: list[str]
    data_dir: str = ""
    report_dir: str | None = None
    total_seconds: float = 0.0
    precision: str = "float32"  # what the model computed in (core.precision)

    @property
    def n(self) -> int:
        return len(self.results)

    def _values(self, field: str) -> list[float]:
        return [getattr(r, field) for r in self.results]

    @property
    def mean_dice(self) -> float:
        return float(np.mean(self._values("dice")))

    @property
    def median_dice(self) -> float:
        return float(statistics.median(self._values("dice")))

    @property
    def mean_iou(self) -> float:
        return float(np.mean(self._values("iou")))

    @property
    def mean_boundary_f(self) -> float:
        return float(np.mean(self._values("boundary_f")))

    @property
    def median_boundary_f(self) -> float:
        return float(statistics.median(self._values("boundary_f")))

    @property
    def seconds_per_image(self) -> float:
        return float(np.mean(self._values("seconds")))

    @property
    def best_threshold(self) -> float:
        # First of equal maxima: the sweep runs upwards, so ties favour the lower cut.
        return max(self.sweep, key=lambda t: self.sweep[t])

    @property
    def best_threshold_dice(self) -> float:
        return self.sweep[self.best_threshold]

    def to_dict(self) -> dict[str, Any]:
        """Everything but the per-image rows (those go to per_image.csv)."""
        return {
            "model": self.model_name,
            "precision": self.precision,
            "data": self.data_dir,
            "threshold": self.threshold,
            "n": self.n,
            "mean_dice": self.mean_dice,
            "median_dice": self.median_dice,
            "mean_iou": self.mean_iou,
            "mean_boundary_f": self.mean_boundary_f,
            "median_boundary_f": self.median_boundary_f,
            "boundary_tolerance_px": BOUNDARY_TOLERANCE_PX,
            "best_threshold": self.best_threshold,
            "best_threshold_dice": self.best_threshold_dice,
            "seconds_per_image": self.seconds_per_image,
            "total_seconds": self.total_seconds,
            "outliers": self.outliers,
            "failed": [dataclasses.asdict(f) for f in self.failed],
        }

    def to_json_line(self) -> str:
        """One line of JSON for stdout: headline numbers rounded, counts not lists."""
        line = {
            "n": self.n,
            "mean_dice": round(self.mean_dice, 4),
            "median_dice": round(self.median_dice, 4),
            "mean_iou": round(self.mean_iou, 4),
            "mean_boundary_f": round(self.mean_boundary_f, 4),
            "threshold": round(self.threshold, 4),
            "best_threshold": self.best_threshold,
            "best_threshold_dice": round(self.best_threshold_dice, 4),
            "outliers": len(self.outliers),
            "failed": len(self.failed),
            "seconds_per_image": round(self.seconds_per_image, 3),
            "model": self.model_name,
            "precision": self.precision,
        }
        return json.dumps(line, separators=(", ", ": "))


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def find_pairs(data_dir: str | Path, limit: int | None = None, split: str | Path | None = None,
               part: str = "test") -> list:
    """The data folder's photo/mask pairs (core.data layouts), the first `limit` by name.

    With `split` (a split JSON as training reads it) only the names of one part are
    kept: "test", the held-out photos no model choice ever saw (evaluation), or "val",
    the validation photos that choices such as the threshold are made on (calibration).

    Raises DataError for a missing folder or an unknown layout, before any model loads.
    """
    from core.data import discover_pairs

    if not Path(data_dir).is_dir():
        raise DataError(f"data folder {data_dir} does not exist")
    pairs = discover_pairs(data_dir)
    if split is not None:
        from core.data import read_split_file

        if part not in ("test", "val"):
            raise DataError(f"split part must be \"test\" or \"val\", got {part!r}")
        spec = read_split_file(split)
        wanted = set(spec.held_out if part == "test" else spec.val)
        if not wanted:
            raise DataError(f"split file {split} has no \"{part}\" list")
        pairs = [p for p in pairs if p.name in wanted]
        if not pairs:
            raise DataError(f"none of the {part} names of {split} are in {data_dir}")
    if limit is not None:
        if limit < 1:
            raise DataError(f"--limit must be at least 1, got {limit}")
        pairs = pairs[:limit]
    return pairs


def _load_pair(pair) -> tuple[np.ndarray, np.ndarray]:
    from core.data import load_pair

    return load_pair(pair)


def evaluate(
    data_dir: str | Path,
    predictor: PredictorLike,
    report_dir: str | Path | None = None,
    threshold: float | None = None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
    gallery_size: int = 12,
    limit: int | None = None,
    split: str | Path | None = None,
    split_part: str = "test",
) -> EvaluationSummary:
    """Score `predictor` on every pair of `data_dir` (first `limit` pairs by name if given;
    with `split`, only the names of its `split_part`, see find_pairs).

    `threshold` defaults to the model card's. Raises DataError when the folder holds no
    pairs or none could be evaluated, Cancelled when `cancelled()` turns true.
    """
    started = time.perf_counter()
    card = getattr(predictor, "card", None)
    if threshold is None:
        threshold = float(getattr(card, "threshold", 0.5))
    if not 0.0 <= threshold <= 1.0:
        raise DataError(f"threshold must be between 0 and 1, got {threshold}")
    pairs = find_pairs(data_dir, limit, split, split_part)

    results: list[ImageResult] = []
    failed: list[FailedPair] = []
    histograms: list[np.ndarray] = []
    # The worst cases' probability maps, kept as a bounded heap so memory stays at
    # `gallery_size` maps whatever the data size: entries (-dice, -order, name, pair, prob),
    # so among equal Dice the earlier names stay.
    worst: list[tuple[float, int, str, Any, np.ndarray]] = []
    for done, pair in enumerate(pairs, 1):
        if cancelled is not None and cancelled():
            raise Cancelled("evaluation")
        try:
            rgb, truth = _load_pair(pair)
            t0 = time.perf_counter()
            probability = np.asarray(predictor.predict(rgb))
            seconds = time.perf_counter() - t0
        except Cancelled:
            raise
        except GarmentCutoutError as exc:
            failed.append(FailedPair(pair.name, str(exc)))
        else:
            if probability.shape != truth.shape or probability.dtype != np.uint8:
                failed.append(FailedPair(
                    pair.name,
                    f"prediction is {probability.dtype} {probability.shape}, expected uint8 {truth.shape}"))
            else:
                pred = metrics.binarise(probability, threshold)
                result = ImageResult(
                    pair.name,
                    metrics.dice(pred, truth),
                    metrics.iou(pred, truth),
                    metrics.boundary_f_score(pred, truth, BOUNDARY_TOLERANCE_PX),
                    seconds,
                )
                results.append(result)
                histograms.append(metrics.dice_histograms(probability, truth))
                if report_dir is not None and gallery_size > 0:
                    entry = (-result.dice, -done, pair.name, pair, probability)
                    if len(worst) < gallery_size:
                        heapq.heappush(worst, entry)
                    elif entry > worst[0]:
                        heapq.heapreplace(worst, entry)
        if progress is not None:
            progress(done, len(pairs))

    if not results:
        reason = failed[0].reason if failed else "no pairs"
        raise DataError(f"none of the {len(pairs)} pair(s) in {data_dir} could be evaluated (first: {reason})")
    sweep_scores = metrics.dice_from_histograms(np.stack(histograms), metrics.SWEEP_THRESHOLDS).mean(axis=0)
    summary = EvaluationSummary(
        model_name=str(getattr(card, "name", "unknown")),
        precision=str(getattr(predictor, "precision", "float32")),
        threshold=float(threshold),
        results=results,
        failed=failed,
        sweep={t: float(s) for t, s in zip(metrics.SWEEP_THRESHOLDS, sweep_scores)},
        outliers=[results[i].name for i in metrics.iqr_outliers([r.dice for r in results])],
        data_dir=str(data_dir),
        report_dir=str(report_dir) if report_dir is not None else None,
    )
    if report_dir is not None:
        gallery = sorted(worst, reverse=True)  # worst Dice first
        write_report(summary, Path(report_dir), [(name, pair, prob) for _, _, name, pair, prob in gallery])
    summary.total_seconds = time.perf_counter() - started
    if report_dir is not None:  # now with the total time
        write_text_atomic(Path(report_dir) / "summary.json", json.dumps(summary.to_dict(), indent=2) + "\n")
    return summary


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def write_report(summary: EvaluationSummary, report_dir: Path, gallery: Sequence[tuple[str, Any, np.ndarray]]) -> None:
    """Write the report files; `gallery` holds (name, pair, (H, W) uint8 probability), worst first."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create report folder {report_dir}: {exc.strerror or exc}") from None
    rows = [["name", "dice", "iou", "boundary_f", "seconds"]]
    rows += [[r.name, f"{r.dice:.6f}", f"{r.iou:.6f}", f"{r.boundary_f:.6f}", f"{r.seconds:.4f}"] for r in summary.results]
    write_text_atomic(report_dir / "per_image.csv", _csv(rows))
    sweep_rows = [["threshold", "mean_dice"]] + [[f"{t:.2f}", f"{d:.6f}"] for t, d in summary.sweep.items()]
    write_text_atomic(report_dir / "threshold_sweep.csv", _csv(sweep_rows))
    write_text_atomic(report_dir / "summary.json", json.dumps(summary.to_dict(), indent=2) + "\n")
    _write_dice_histogram(summary, report_dir / "dice_histogram.png")
    _write_gallery(summary, report_dir, gallery)


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _write_dice_histogram(summary: EvaluationSummary, target: Path) -> None:
    # A bare Figure with the Agg canvas leaves pyplot's global backend alone (the GUI
    # may have chosen another) and needs no display.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    values = [r.dice for r in summary.results]
    figure = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    low = min(min(values), 0.5)
    axes.hist(values, bins=np.linspace(low, 1.0, 41), color="#3a7d44", edgecolor="white")
    axes.axvline(summary.mean_dice, color="black", linestyle="--", label=f"mean {summary.mean_dice:.3f}")
    axes.axvline(summary.median_dice, color="#c0392b", linestyle=":", label=f"median {summary.median_dice:.3f}")
    axes.set_xlabel(f"Dice at threshold {summary.threshold:.2f}")
    axes.set_ylabel("photos")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"{summary.model_name}: {summary.n} photos")
    axes.legend(loc="upper left")
    figure.tight_layout()
    with atomic_path(target) as tmp:
        figure.savefig(tmp, format="png")


def overlay(rgb: np.ndarray, predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """The photo with the predicted mask in green and the true mask's edge in magenta.

    `rgb` (H, W, 3) uint8, `predicted` and `truth` (H, W) bool; returns (H, W, 3) uint8.
    The edge line thickens with the photo so it stays visible when the photo is shrunk.
    """
    out = rgb.astype(np.float32)
    out[predicted] = (1.0 - _OVERLAY_OPACITY) * out[predicted] + _OVERLAY_OPACITY * _GREEN
    out = out.astype(np.uint8)
    edges = metrics.mask_edges(truth)
    thickness = max(1, round(max(truth.shape) / 700))
    if thickness > 1:
        edges = cv2.dilate(edges.astype(np.uint8), np.ones((thickness, thickness), np.uint8)) > 0
    out[edges] = _MAGENTA
    return out


def _caption(image: np.ndarray, text: str) -> None:
    """Write `text` top-left on an (H, W, 3) uint8 image in place, white on a dark box.

    A box rather than an outline: OpenCV advances glyphs by stroke thickness, so a
    thick dark copy under thin white text does not line up.
    """
    scale = max(0.4, image.shape[0] / 900)
    thick = max(1, round(scale * 1.5))
    (tw, th), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    pad = max(2, round(4 * scale))
    cv2.rectangle(image, (0, 0), (tw + 2 * pad, th + baseline + 2 * pad), (0, 0, 0), cv2.FILLED)
    cv2.putText(image, text, (pad, pad + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)


def _fit_size(hw: tuple[int, int]) -> tuple[int, int]:
    """(h, w) of an image of size `hw` shrunk (or grown) to fit a contact-sheet cell."""
    h, w = hw
    scale = min(_CELL_HW[0] / h, _CELL_HW[1] / w)
    return max(1, round(h * scale)), max(1, round(w * scale))


def _resize_mask(mask: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    return cv2.resize(mask.astype(np.float32), (hw[1], hw[0]), interpolation=cv2.INTER_AREA) >= 0.5


def _cell(rgb: np.ndarray, predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """A contact-sheet cell: the overlay drawn at cell size (so the truth's edge stays a
    visible line rather than being averaged away), letterboxed on dark grey."""
    nh, nw = _fit_size(rgb.shape[:2])
    interpolation = cv2.INTER_AREA if nh < rgb.shape[0] else cv2.INTER_CUBIC
    small = cv2.resize(rgb, (nw, nh), interpolation=interpolation)
    picture = overlay(small, _resize_mask(predicted, (nh, nw)), _resize_mask(truth, (nh, nw)))
    ch, cw = _CELL_HW
    cell = np.full((ch, cw, 3), 40, np.uint8)
    top, left = (ch - nh) // 2, (cw - nw) // 2
    cell[top:top + nh, left:left + nw] = picture
    return cell


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _write_gallery(summary: EvaluationSummary, report_dir: Path,
                   gallery: Sequence[tuple[str, Any, np.ndarray]]) -> None:
    """worst/NN_name.png overlays at full resolution and worst.png, a contact sheet."""
    if not gallery:
        return
    folder = report_dir / "worst"
    folder.mkdir(exist_ok=True)
    by_name = {r.name: r for r in summary.results}
    cells = []
    for rank, (name, pair, probability) in enumerate(gallery, 1):
        try:
            rgb, truth = _load_pair(pair)
        except GarmentCutoutError:
            continue  # the file changed since it was scored; the gallery is best effort
        predicted = metrics.binarise(probability, summary.threshold)
        picture = overlay(rgb, predicted, truth)
        label = f"{name}  Dice {by_name[name].dice:.3f}"
        cell = _cell(rgb, predicted, truth)
        _caption(cell, label)
        cells.append(cell)
        _caption(picture, label)
        write_png(folder / f"{rank:02d}_{_safe_name(name)}.png", picture)
    if not cells:
        return
    columns = min(_SHEET_COLUMNS, len(cells))
    rows = -(-len(cells) // columns)
    ch, cw = _CELL_HW
    sheet = np.full((rows * ch, columns * cw, 3), 255, np.uint8)
    for i, cell in enumerate(cells):
        r, c = divmod(i, columns)
        sheet[r * ch:(r + 1) * ch, c * cw:(c + 1) * cw] = cell
    write_png(report_dir / "worst.png", sheet)


# ---------------------------------------------------------------------------
# Command line (core.cli wires these into `garment-cutout evaluate`)
# ---------------------------------------------------------------------------


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=Path, metavar="DIR",
                        help="folder with images/ + masks/ (or images/ + cutouts/, or *_cutout.png files)")
    parser.add_argument("--model", type=Path, metavar="M", help="a .keras model with its JSON card (default: bundled)")
    parser.add_argument("--report", type=Path, metavar="DIR",
                        help="write CSVs, summary.json, a Dice histogram and the worst cases here")
    parser.add_argument("--threshold", type=probability, metavar="T", help="binarising threshold (default: the card's)")
    parser.add_argument("--limit", type=positive_int, metavar="N", help="evaluate only the first N pairs by name")
    parser.add_argument("--split", type=Path, metavar="FILE",
                        help="evaluate only the held-out \"test\" names of this split file (e.g. resources/splits/ccp_split.json)")


def run_cli(args: argparse.Namespace) -> int:
    """Progress on stderr, the one-line JSON summary on stdout; 0 ok, 2 bad input, 130 cancelled."""
    from core.progress import TextProgress

    try:
        find_pairs(args.data, args.limit, args.split)  # a bad folder should fail before a slow model load
        from core.prediction import Predictor

        predictor = Predictor.load(args.model)
        summary = evaluate(args.data, predictor, report_dir=args.report, threshold=args.threshold,
                           progress=TextProgress("evaluating"), limit=args.limit,
                           split=args.split)
    except KeyboardInterrupt:
        print("\nevaluation interrupted", file=sys.stderr)
        return 130
    except GarmentCutoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for failure in summary.failed:
        print(f"skipped {failure.name}: {failure.reason}", file=sys.stderr)
    print(summary.to_json_line())
    return 0
