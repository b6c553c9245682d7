"""Each view's triage estimate, kept in its shoot's sidecar (issue 13).

A reopened catalogue of 300 garments should list its estimates at once. Estimating a
view again means decoding its photo (about 0.08 s at 1152x1728) even when its
probability map is cached, so 900 views took over a minute each time the catalogue was
opened. The estimate itself is a few bytes: it is kept here with what it was made from,
and read back when nothing it depends on has changed.

An estimate depends on the photo, the model, the view's threshold and the triage. Those
are checked cheaply (stat only): the photo's and the saved view file's stat stamps
(the threshold lives in the view file, or is the model's own), the model's id
(core.prediction.predictor.model_id_for, itself a stat of the model file), and a digest
of the triage and the model's threshold from the card. Whether the view is approved is
kept with it, stamped by the approval file. A photo found unreadable is kept too, with
the reason, as long as the photo file is unchanged: a reopened catalogue names it at once
(the listing's quick check reads only a file's ends). Anything else (a damaged or
foreign file) reads as no estimate: it is only a cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from core.files.atomic import write_text_atomic
from core.files.sidecar import Sidecar


@dataclass(frozen=True)
class CachedEstimate:
    """A view's P(Dice < target) at its threshold, and whether its mask was approved; or,
    for a photo that would not open, `estimate` None and `problem` why."""

    estimate: float | None
    approved: bool = False
    problem: str | None = None


def triage_id(triage_dict: dict, default_threshold: float) -> str:
    """What else an estimate depends on besides photo, view file and model file: the
    card's triage and the threshold a view not set by the retoucher takes."""
    text = json.dumps({"triage": triage_dict, "threshold": round(float(default_threshold), 6)}, sort_keys=True)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _stamp(path: Path) -> list[int] | None:
    """Modification time and size, and the inode and its change time: a view or approval
    file is written anew (a new inode) at each save, so two saves within a coarse clock's
    tick (FAT, SMB) still differ; `cp -p` over a photo keeps its mtime, not its ctime; a
    chmod that makes an unreadable photo readable changes the ctime too."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns]


class EstimateCache:
    """The estimates of one shoot's views, one small JSON file per view in its sidecar."""

    def __init__(self, sidecar: Sidecar):
        self.sidecar = sidecar

    def path(self, key: str) -> Path:
        return Path(f"{self.sidecar.file_stem(key)}.estimate.json")

    def stamps(self, key: str, photo: Path) -> dict:
        """What the estimate of `key` was made from, as it is on disk now. Take them before
        reading what the estimate is made of: a change made meanwhile then reads as stale."""
        return {"photo": _stamp(Path(photo)), "view": _stamp(self.sidecar.view_path(key)),
                "approval": _stamp(self.sidecar.approval_path(key))}

    def load(self, key: str, photo: Path, model_id: str, triage: str) -> CachedEstimate | None:
        """The estimate kept for this view, or None when absent, stale or unreadable."""
        try:
            record = json.loads(self.path(key).read_text(encoding="utf-8"))
            if record["key"] != key:
                return None
            stamps = self.stamps(key, photo)
            if record.get("unreadable"):  # whatever the model: the photo itself is the matter
                if stamps["photo"] is None or record["stamps"]["photo"] != stamps["photo"]:
                    return None
                return CachedEstimate(None, False, str(record["unreadable"]))
            if record["model"] != model_id or record["triage"] != triage:
                return None
            if stamps["photo"] is None or record["stamps"] != stamps:
                return None
            estimate = float(record["estimate"])
            if not 0.0 <= estimate <= 1.0:
                return None
            return CachedEstimate(estimate, bool(record["approved"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, key: str, stamps: dict, model_id: str, triage: str, estimate: CachedEstimate) -> None:
        """Keep `estimate`, made from what `stamps` (taken before it was made) describe;
        ExportError or OSError on failure (callers carry on: it is only a cache)."""
        record = {"key": key, "model": model_id, "triage": triage, "stamps": stamps,
                  "estimate": None if estimate.estimate is None else float(estimate.estimate),
                  "approved": bool(estimate.approved), "unreadable": estimate.problem}
        if estimate.estimate is None and not estimate.problem:
            raise ValueError("an estimate, or why the photo would not open")
        self.sidecar.ensure_root()
        write_text_atomic(self.path(key), json.dumps(record) + "\n")
