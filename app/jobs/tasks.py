"""The long jobs the GUI runs on TaskWorkers, as plain Qt-free functions.

Each takes `progress(done, total)`, `cancelled()` and `partial(item)` callbacks
(app.jobs.workers relays them as signals) and raises core.common.errors.Cancelled when asked to stop.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from app.document.garment_session import GarmentSession
from core.common.errors import Cancelled, GarmentCutoutError
from core.files.corrections_report import report_row, update_report
from core.files.export import Painted, deep_pixels, export_view
from core.masks.adjustments import EdgeAdjustments
from core.masks.compose import correction_stats

log = logging.getLogger(__name__)


def predict_views(session: GarmentSession, predictor, views: list[str], progress: Callable, cancelled: Callable,
                  partial: Callable) -> GarmentSession:
    """Predict `views` of `session` one by one; partial((session, view, probability)) each.

    The probability is cached in the sidecar here, on the worker, so the UI thread never
    waits for compression.
    """
    progress(0, len(views))
    for i, view in enumerate(views):
        if cancelled():
            raise Cancelled("prediction")
        probability = predictor.predict(session.states[view].rgb, cancelled=cancelled)
        try:
            session.save_probability(view, predictor.model_id, probability)
        except GarmentCutoutError as exc:
            log.warning("probability cache not written: %s", exc)
        partial((session, view, probability))
        progress(i + 1, len(views))
    return session


# The Messages line of a failed export: the next export that writes takes it away (a red
# "cannot export into ..." stayed listed after the export into another folder worked).
EXPORT_FAILURE = "export failure"


def export_folder_problem(out_dir: Path) -> str | None:
    """Create `out_dir` if needed; the reason it cannot take exports, or None when it can."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"Cannot export into {out_dir}: {exc.strerror or exc}"
    if not os.access(out_dir, os.W_OK):
        return f"Cannot export into {out_dir}: the folder is not writable"
    return None


@dataclass(frozen=True)
class ModelInfo:
    """What made the first mask: the model's id (core.prediction.predictor.model_id_for),
    name and threshold."""

    model_id: str
    name: str
    threshold: float

    @classmethod
    def of(cls, predictor) -> "ModelInfo | None":
        if predictor is None:
            return None
        return cls(str(getattr(predictor, "model_id", "")), str(getattr(predictor.card, "name", "")),
                   float(predictor.threshold))


def correction_record(probability: np.ndarray | None, final: np.ndarray, model: ModelInfo | None,
                      seconds: float) -> dict | None:
    """What the sidecar's export record and corrections.csv keep of a view's corrections."""
    if probability is None or model is None:
        return None
    return {"model_id": model.model_id, "model": model.name, "model_threshold": model.threshold,
            **correction_stats(probability, model.threshold, final), "seconds_on_view": round(float(seconds), 1)}


def write_corrections_report(out_dir: Path, rows: list[dict]) -> None:
    """Update corrections.csv in the export folder; a failure there never fails the export."""
    if not rows:
        return
    try:
        update_report(out_dir, rows)
    except (GarmentCutoutError, OSError) as exc:
        log.warning("corrections report not written: %s", exc)


@dataclass
class ExportJob:
    """One view to export. rgb: (H, W, 3) uint8; mask: (H, W) bool, a snapshot;
    probability: the model's (H, W) uint8 map, to measure the corrections against."""

    view: str
    rgb: np.ndarray
    mask: np.ndarray
    source: Path
    fingerprint: str = ""
    deep: bool = False  # export re-reads its 16-bit pixels (core.files.export.deep_pixels)
    probability: np.ndarray | None = None
    seconds: float = 0.0
    adjustments: EdgeAdjustments | None = None  # the view's smooth/feather/contrast/shift
    widen: np.ndarray | None = None  # the band brush's widen map (a copy)
    painted: Painted | None = None  # the override (a copy) and hard mask, when a soft brush painted it
    digest: str | None = None  # the view's mask digest (app.document.view_state.view_digest), for its record


def export_job(garment_id: str, job: ExportJob, out_dir: Path, feather_px: int, write_mask: bool,
               refine_edge_px: int, decontaminate: bool, model: ModelInfo | None,
               record: Callable[[str, Path, dict | None, str | None], None] | None) -> tuple[list[Path], dict | None]:
    """Write one view's cutout (and mask) and record(view, cutout, correction, digest): the
    paths, and the view's corrections.csv row (None without a model map to measure).
    What the garment export and the catalogue export both do per view."""
    rgb16 = deep_pixels(job.source, job.fingerprint) if job.deep else None
    # The option applies where a refine edge is on, the export's or the view's own.
    refined = refine_edge_px > 0 or (job.adjustments is not None and job.adjustments.refine > 0)
    files = export_view(job.rgb, job.mask, out_dir, garment_id, job.view, feather_px=feather_px,
                        write_mask=write_mask, source_path=job.source, rgb16=rgb16,
                        refine_edge_px=refine_edge_px, decontaminate=decontaminate if refined else None,
                        adjustments=job.adjustments, widen=job.widen, painted=job.painted)
    correction = correction_record(job.probability, job.mask, model, job.seconds)
    if record is not None:
        record(job.view, files[0], correction, job.digest)
    return files, None if correction is None else report_row(files[0], garment_id, job.view, correction)


def export_views(garment_id: str, jobs: list[ExportJob], out_dir: Path, feather_px: int, write_mask: bool,
                 progress: Callable, cancelled: Callable, partial: Callable,
                 record: Callable[[str, Path, dict | None, str | None], None] | None = None,
                 refine_edge_px: int = 0,
                 decontaminate: bool = True, model: ModelInfo | None = None) -> list[Path]:
    """Write each job's cutout (and mask); record(view, cutout, correction, digest) then
    partial(view) after each, and the rows of corrections.csv at the end. Returns the paths."""
    written: list[Path] = []
    rows: list[dict] = []
    for i, job in enumerate(jobs):
        if cancelled():
            raise Cancelled("export")
        files, row = export_job(garment_id, job, out_dir, feather_px, write_mask, refine_edge_px, decontaminate,
                                model, record)
        if row is not None:
            rows.append(row)
        written += files
        partial(job.view)
        progress(i + 1, len(jobs))
    write_corrections_report(out_dir, rows)
    return written
