"""The triage estimate of every garment of a catalogue, in the background (issue 13).

A retoucher opening 300 garments wants to start with the ones that need work, before
opening any. So, as soon as a catalogue and a model with a triage are both there, each
garment is read on a worker (photos, saved thresholds and corrections), its views'
probabilities taken from the sidecar's cache or predicted (and cached, so opening the
garment later is instant), and the model's triage (core.evaluation.triage) gives each
view's estimate at its own threshold. The estimates are kept in the sidecar
(core.files.estimate_cache), so a catalogue reopened lists them without reading a photo.
The catalogue panel shows the worst view's estimate per garment as they come, for
"worst first" and "needs review".

The estimates of a garment the retoucher has open are the catalogue controller's (they
follow the edits); the predictor runs one inference at a time, so the garment opened
waits for at most one view of this job.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from app.document.garment_session import GarmentSession
from app.jobs.workers import TaskWorker
from core.common.errors import Cancelled, GarmentCutoutError
from core.files.estimate_cache import CachedEstimate, EstimateCache, triage_id
from core.files.shoots import Garment
from core.files.sidecar import Sidecar, view_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GarmentEstimate:
    """A garment's worst view estimate (P(Dice < the triage's target)) and whether any
    view not approved needs review, under the model `model_id`; `worst` None when none
    of its photos could be read; `broken` (view, why) for each photo that would not open."""

    key: str
    worst: float | None
    needs_review: bool
    model_id: str
    broken: tuple[tuple[str, str], ...] = ()
    # What reading it found about its saved corrections (set aside: another photo now);
    # the list's state and Messages follow at once, not when the garment is opened.
    problems: tuple[str, ...] = ()


def estimate_garment(garment: Garment, predictor, triage, cancelled: Callable[[], bool],
                     sidecars: dict[Path, Sidecar] | None = None, kept_only: bool = False) -> GarmentEstimate | None:
    """Estimate one garment: from the estimates kept in its sidecar when nothing they were
    made from has changed (no photo read), else read it, predict what is not cached
    (caching it) and keep the estimates. `sidecars` shares one Sidecar per folder.
    `kept_only` (the model is still loading: `predictor` need only have a model_id and a
    threshold): None unless every view's estimate is kept."""
    triage_key = triage_id(triage.to_dict(), predictor.threshold)
    keys = {view: view_key(garment.garment_id, view) for view in garment.views}
    cache = _estimate_cache(garment.folder, sidecars)
    stamps = {}
    if cache is not None:
        kept = {v: cache.load(keys[v], path, predictor.model_id, triage_key) for v, path in garment.views.items()}
        if kept and all(k is not None for k in kept.values()):
            return _worst(garment.key, kept, triage, predictor.model_id)
    if kept_only:
        return None
    if cache is not None:
        stamps = {v: cache.stamps(keys[v], path) for v, path in garment.views.items()}  # before reading
    session = GarmentSession.open(garment, predictor.threshold, unattended=True)
    for view in session.load_cached_probabilities(predictor.model_id):
        if cancelled():
            raise Cancelled("estimating the catalogue")
        state = session.states[view]
        state.set_probability(predictor.predict(state.rgb, cancelled=cancelled))
        try:
            session.save_probability(view, predictor.model_id, state.probability)
        except (GarmentCutoutError, OSError) as exc:  # only a cache: the estimate stands
            log.warning("probability cache of %s not written: %s", state.key, exc)
    estimates = {view: CachedEstimate(triage.estimate(s.probability, s.threshold), s.approved)
                 for view, s in session.states.items()}
    estimates.update({view: CachedEstimate(None, problem=message) for view, message in session.broken.items()})
    for view, estimate in estimates.items():
        try:
            if cache is not None:
                cache.save(keys[view], stamps[view], predictor.model_id, triage_key, estimate)
        except (GarmentCutoutError, OSError) as exc:  # only a cache
            log.info("estimate of %s not kept: %s", keys[view], exc)
    found = _worst(garment.key, estimates, triage, predictor.model_id)
    return dataclasses.replace(found, problems=tuple(session.problems)) if session.problems else found


def _worst(key: str, estimates: dict[str, CachedEstimate], triage, model_id: str) -> GarmentEstimate:
    """The garment's estimate from its views' (an unreadable one has a problem instead)."""
    readable = [e for e in estimates.values() if e.estimate is not None]
    broken = tuple((view, e.problem) for view, e in estimates.items() if e.estimate is None)
    if not readable:
        return GarmentEstimate(key, None, False, model_id, broken)
    review = any(triage.needs_review(e.estimate) and not e.approved for e in readable)
    return GarmentEstimate(key, max(e.estimate for e in readable), review, model_id, broken)


def _estimate_cache(folder: Path, sidecars: dict[Path, Sidecar] | None) -> EstimateCache | None:
    try:
        if sidecars is None:
            return EstimateCache(Sidecar.for_shoot(folder))
        if folder not in sidecars:
            sidecars[folder] = Sidecar.for_shoot(folder)
        return EstimateCache(sidecars[folder])
    except (GarmentCutoutError, OSError):
        return None


def estimate_catalogue(garments: Sequence[Garment], predictor, triage, progress: Callable, cancelled: Callable,
                       partial: Callable, kept_only: bool = False) -> int:
    """estimate_garment for each garment in turn, partial(GarmentEstimate) after each;
    a garment that fails is skipped (the listing and opening it say why), and so is one
    with no kept estimate when `kept_only`. Returns how many were estimated."""
    done = 0
    sidecars: dict[Path, Sidecar] = {}  # one writability probe per folder, not per garment
    progress(0, len(garments))
    for i, garment in enumerate(garments, 1):
        if cancelled():
            raise Cancelled("estimating the catalogue")
        try:
            estimate = estimate_garment(garment, predictor, triage, cancelled, sidecars, kept_only)
        except Cancelled:
            raise
        except GarmentCutoutError as exc:
            log.info("no estimate for %s: %s", garment.key, exc)
        except Exception:  # a bug on one garment must not stop the others' estimates
            log.exception("estimating %s failed", garment.key)
        else:
            if estimate is not None:
                partial(estimate)
                done += estimate.worst is not None
        progress(i, len(garments))
    return done


class CatalogueEstimator(QObject):
    """Runs estimate_catalogue on a TaskWorker; one run at a time (a new start stops the
    last). `estimated(GarmentEstimate)` per garment, `progressed(done, total)`, and
    `ended()` however it ended."""

    estimated = Signal(object)
    progressed = Signal(int, int)
    ended = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._worker: TaskWorker | None = None

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, garments: Sequence[Garment], predictor, triage, kept_only: bool = False) -> None:
        """Estimate `garments` with `predictor`; `kept_only`: only list the estimates kept
        in the sidecars (the model is still loading; `predictor` its ExpectedModel)."""
        self.detach()
        garments = list(garments)

        def task(progress, cancelled, partial):
            return estimate_catalogue(garments, predictor, triage, progress, cancelled, partial, kept_only)

        worker = TaskWorker(task, "estimating the catalogue", self)
        worker.partial.connect(self._on_worker_partial)
        worker.progressed.connect(self._on_worker_progressed)
        worker.succeeded.connect(self._on_worker_done)
        worker.failed.connect(self._on_worker_failed)
        worker.was_cancelled.connect(self._on_worker_done)
        self._worker = worker
        worker.start()

    def stop(self) -> None:
        """Stop after the view in progress; its garments estimated so far keep theirs."""
        if self._worker is not None:
            self._worker.cancel()

    def detach(self) -> None:
        """Stop, and forget the run: what it still sends is not this estimator's."""
        if self._worker is not None:
            self._worker.detach()
            self._worker = None
            self.ended.emit()

    def _on_worker_partial(self, estimate: GarmentEstimate) -> None:
        if self.sender() is self._worker:
            self.estimated.emit(estimate)

    def _on_worker_progressed(self, done: int, total: int) -> None:
        if self.sender() is self._worker:
            self.progressed.emit(done, total)

    def _on_worker_failed(self, message: str) -> None:
        log.warning("estimating the catalogue failed: %s", message)
        self._on_worker_done()

    def _on_worker_done(self, _result=None) -> None:
        if self.sender() is self._worker:
            self._worker = None
            self.ended.emit()
