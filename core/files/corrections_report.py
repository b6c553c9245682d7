"""`corrections.csv` in an export folder: one row per exported view, saying how much the
retoucher changed the model's mask and how long the view was on screen.

The catalogue-level view of the learning loop (issue 13): which garments cost the most
work, and how much a better model would save. Rows are keyed by the cutout's file name,
so exporting a view again replaces its row; the file is rewritten atomically.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable

from core.files.atomic import write_text_atomic

REPORT_NAME = "corrections.csv"

COLUMNS = ("file", "garment", "view", "model", "model_threshold", "changed_pixels", "model_garment_pixels",
           "changed_share", "seconds_on_view")


def read_report(folder: str | Path) -> dict[str, dict[str, str]]:
    """The rows of `folder`'s report by file name ({} when there is none or it is unreadable)."""
    path = Path(folder) / REPORT_NAME
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return {row["file"]: row for row in csv.DictReader(fh) if row.get("file")}
    except (OSError, csv.Error, KeyError, UnicodeDecodeError):
        return {}


def update_report(folder: str | Path, rows: Iterable[dict]) -> Path:
    """Add or replace `rows` (dicts with COLUMNS' keys) in `folder`'s report; its path."""
    table = read_report(folder)
    for row in rows:
        table[str(row["file"])] = {k: str(row.get(k, "")) for k in COLUMNS}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for name in sorted(table):
        writer.writerow(table[name])
    path = Path(folder) / REPORT_NAME
    write_text_atomic(path, buffer.getvalue())
    return path


def report_row(cutout: Path, garment_id: str, view: str, correction: dict) -> dict:
    """A report row from an export record's `correction` (see Sidecar.record_export)."""
    return {"file": Path(cutout).name, "garment": garment_id, "view": view, **correction}
