"""An evaluation's report folder: CSVs, a JSON summary, a Dice histogram and a gallery of
the worst cases drawn over the photo.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np

from core.common.errors import ExportError, GarmentCutoutError
from core.evaluation import metrics
from core.evaluation.summary import EvaluationSummary
from core.files.atomic import atomic_path, write_text_atomic
from core.files.imageio import write_png
from core.files.pairs import load_pair

# Overlay colours (RGB): the seed's green for the prediction, magenta for the truth's edge.
_GREEN = np.array([0, 255, 0], np.float32)


_MAGENTA = (255, 0, 255)


_OVERLAY_OPACITY = 0.45


# Contact-sheet cell (portrait, as garment photos are) and its columns.
_CELL_HW = (320, 240)


_SHEET_COLUMNS = 4


def write_report(summary: EvaluationSummary, report_dir: Path, gallery: Sequence[tuple[str, Any, np.ndarray]]) -> None:
    """Write the report files; `gallery` holds (name, pair, (H, W) uint8 probability), worst first."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create report folder {report_dir}: {exc.strerror or exc}") from None
    rows = [["name", "dice", "iou", "boundary_f", "seconds", "triage_estimate", "triage_baseline"]]
    rows += [[r.name, f"{r.dice:.6f}", f"{r.iou:.6f}", f"{r.boundary_f:.6f}", f"{r.seconds:.4f}",
              "" if r.estimate is None else f"{r.estimate:.4f}", "" if r.baseline is None else f"{r.baseline:.4f}"]
             for r in summary.results]
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
            rgb, truth = load_pair(pair)
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
