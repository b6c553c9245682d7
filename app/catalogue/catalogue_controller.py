"""Opening a shoot folder, a catalogue folder or image files, and moving between its
garments and their views.

It sets what the workspace has open and keeps the garment list, the view strip and the
view on screen in step; leaving a garment finishes the stroke in progress, stops its
prediction and saves it first. Editing, drawing, prediction and saving belong to the
controllers it is given.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from app.catalogue.activity import IDLE_GRACE_S
from app.document.garment_session import (
    BROKEN,
    NOT_STARTED,
    PARTLY_PREDICTED,
    PREDICTED,
    GarmentSession,
    session_state,
    state_on_disk,
)
from app.document.workspace import Workspace
from app.editing.autosave import Autosave
from app.editing.view_display import ViewDisplay
from app.editing.view_editor import ViewEditor
from app.feedback import Feedback
from app.jobs.catalogue_estimates import CatalogueEstimator, GarmentEstimate
from app.model.model_controller import ModelController
from app.settings import AppSettings
from app.widgets.catalogue_panel import CataloguePanel
from app.widgets.thumbnails import shrink
from app.widgets.view_strip import ViewStrip
from core.common.errors import GarmentCutoutError
from core.files.listing_check import listing_problem
from core.files.shoots import Garment, discover


def _triage_from(data: dict | None):
    """The card's triage (core.evaluation.triage.Triage), or None."""
    from core.evaluation.triage import Triage

    try:
        return Triage.from_dict(data) if data else None
    except ValueError:
        return None  # a card from a newer version: no estimates rather than a failure


class CatalogueController(QObject):
    """Opens what the user asks for and shows the chosen garment and view."""

    catalogue_opened = Signal(bool)  # whether it has several garments (then the garment list shows)
    garment_opened = Signal(str)  # the garment's catalogue key
    view_shown = Signal()  # the view on screen changed (or its garment did)
    recent_paths_changed = Signal()

    def __init__(self, workspace: Workspace, feedback: Feedback, settings: AppSettings, editor: ViewEditor,
                 display: ViewDisplay, model: ModelController, autosave: Autosave,
                 catalogue_panel: CataloguePanel, view_strip: ViewStrip, parent: QObject | None = None):
        super().__init__(parent)
        self._workspace = workspace
        self._feedback = feedback
        self._settings = settings
        self._editor = editor
        self._display = display
        self._model = model
        self._autosave = autosave
        self._catalogue_panel = catalogue_panel
        self._view_strip = view_strip
        # The view on screen and since when (time.monotonic): the seconds a retoucher
        # spends on each view go into its export record (the learning loop's cost).
        self._on_screen: tuple[object, float] | None = None
        self._estimates_of: str | None = None  # the model whose estimates the list shows
        self._estimator = CatalogueEstimator(self)
        self._estimator.estimated.connect(self._on_estimator_estimated)
        self._estimator.progressed.connect(self._on_estimator_progressed)
        self._estimator.ended.connect(self._on_estimator_ended)
        catalogue_panel.stop_estimating_requested.connect(self._estimator.stop)

    # -- opening -----------------------------------------------------------------
    def open_folder_with_dialog(self, parent: QWidget) -> None:
        folder = QFileDialog.getExistingDirectory(parent, "Open shoot or catalogue folder",
                                                  self._settings.last_open_folder)
        if folder:
            self.open_paths([folder])

    def open_files_with_dialog(self, parent: QWidget) -> None:
        files, _ = QFileDialog.getOpenFileNames(parent, "Open images", self._settings.last_open_folder,
                                                "Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp)")
        if files:
            self.open_paths(files)

    def open_recent(self, path: str) -> None:
        if Path(path).exists():
            self.open_paths([Path(path)])
        else:
            self._feedback.show_error(f"{Path(path)} no longer exists")

    def open_paths(self, paths: Sequence[str | Path]) -> bool:
        """Open a shoot folder, a catalogue folder or image files; False if nothing opened."""
        paths = [Path(p) for p in paths]
        try:
            catalogue = discover(paths)
        except GarmentCutoutError as exc:
            self._feedback.show_error(str(exc))
            return False
        for problem in catalogue.problems:
            self._feedback.note(problem, error=False)
        if not catalogue.garments:
            self._feedback.show_error(f"No photos found in {', '.join(str(p) for p in paths)}")
            return False
        self._leave_garment()
        self._workspace.catalogue = catalogue
        for refusal in self._workspace.lock_shoots(catalogue):
            self._feedback.show_error(refusal)
        for p in paths[:1]:
            self._settings.add_recent_path(p.resolve())
            self._settings.last_open_folder = str(p if p.is_dir() else p.parent)
        self.recent_paths_changed.emit()
        sidecars: dict = {}  # one writability probe per folder, not per garment
        exports = self._settings.export_folders_for({g.folder for g in catalogue.garments})
        states = {g.key: state_on_disk(g, exports[g.folder], sidecars) for g in catalogue.garments}
        self._flag_damaged_photos(catalogue.garments, states)
        self._catalogue_panel.set_garments([g.key for g in catalogue.garments], states)
        self.catalogue_opened.emit(catalogue.is_catalogue)
        self.open_garment(catalogue.garments[0])
        self.estimate_catalogue()
        return True

    def open_garment(self, garment: Garment) -> None:
        self._leave_garment()
        ws = self._workspace
        default = self._model.default_threshold()
        session = GarmentSession.open(garment, default, read_only=ws.refused.get(garment.folder))
        ws.session = session
        session.mark_exported(self._settings.export_folder_for(garment.folder))
        gid = garment.key
        for problem in session.problems:
            self._feedback.note(problem)
        for view, message in session.broken.items():
            self._feedback.note(f"{gid} {view}: {message}", about=str(garment.views[view]))
            self._feedback.status_message(message, 8000)
        for view in session.states:  # read whole: a doubt the listing raised about it is gone
            self._feedback.forget(str(garment.views[view]))
        self._editor.open_garment(session)
        self._view_strip.set_garment(session)
        self._catalogue_panel.select(gid)
        self._update_view_strip()
        first = next(iter(session.states), None)
        ws.current_view = None
        if first is None:
            self._display.show_photo(None)
            self._editor.show_nothing()
            self.set_garment_state(gid, BROKEN)
        else:
            self.show_view(first)
            self._model.predict_missing()
        self.refresh_garment_state()
        self.refresh_estimate()  # views whose cached probability was installed
        self.garment_opened.emit(gid)

    def _flag_damaged_photos(self, garments: Sequence[Garment], states: dict[str, str]) -> None:
        """Photos visibly broken are named under Messages as the catalogue is listed, not
        when their garment is clicked (core.files.listing_check reads headers and ends
        only); a garment none of whose photos will open is listed as unreadable."""
        for garment in garments:
            problems = {view: listing_problem(path) for view, path in garment.views.items()}
            for view, problem in problems.items():
                if problem is not None:
                    hint = "" if problem.certain else "; open the garment to check it"
                    self._feedback.note(f"{garment.key} {view}: {garment.views[view].name}: "
                                        f"{problem.what}{hint}", error=problem.certain,
                                        about=str(garment.views[view]))
            if problems and all(p is not None and p.certain for p in problems.values()):
                states[garment.key] = BROKEN

    def _count_time(self, state=None) -> None:
        """Add the time since the last input (at most IDLE_GRACE_S) to the view that was
        on screen; `state` is on screen now."""
        self.note_activity()
        self._on_screen = (state, time.monotonic()) if state is not None else None

    def note_activity(self) -> None:
        """An input event: the time since the last one, up to IDLE_GRACE_S, was spent on
        the view on screen (app.catalogue.activity)."""
        if self._on_screen is None:
            return
        now = time.monotonic()
        shown, since = self._on_screen
        shown.seconds_on_view += min(max(0.0, now - since), IDLE_GRACE_S)
        self._on_screen = (shown, now)

    def count_time_on_screen(self) -> None:
        """Bring the view on screen's seconds up to now (before an export reads them)."""
        if self._on_screen is not None:
            self._count_time(self._on_screen[0])

    def save_time_on_views(self) -> None:
        """Count the time up to now and record it in the sidecar (the window is closing)."""
        self.count_time_on_screen()
        if self._workspace.session is not None:
            self._workspace.session.save_seconds()

    def _leave_garment(self) -> None:
        """Stop work on the current garment and save it."""
        self._count_time()
        if self._workspace.session is not None:
            self._workspace.session.save_seconds()  # an export after leaving still knows them
        self._editor.finish_stroke()  # a stroke in progress stays one undo step of its own garment
        self._model.stop_prediction()
        self._autosave.leave_garment()

    # -- moving ------------------------------------------------------------------
    def show_view(self, view: str) -> None:
        """Show `view` of the current garment (keeps zoom and pan)."""
        session = self._workspace.session
        if session is None:
            return
        if view not in session.states:
            message = session.broken.get(view)
            if message:
                self._feedback.status_message(message, 6000)
            self._update_view_strip()
            return
        self._editor.finish_stroke()
        self._workspace.current_view = view
        state = session.states[view]
        self._count_time(state)
        self._display.show_photo(state)
        self._editor.show_view(state)
        self._update_view_strip()
        self.view_shown.emit()

    def step_garment(self, step: int) -> None:
        """Open the next (1) or previous (-1) garment in the list's order as shown ("Worst
        first", "Needs review"), not the catalogue's."""
        ws = self._workspace
        if ws.catalogue is None or ws.session is None or len(ws.catalogue.garments) < 2:
            return
        key = self._catalogue_panel.neighbour(ws.session.key, step)
        garment = ws.catalogue.find(key) if key is not None else None
        if garment is not None and garment is not ws.session.garment:
            self.open_garment(garment)

    def select_garment(self, key: str) -> None:
        ws = self._workspace
        if ws.catalogue is None or (ws.session and ws.session.key == key):
            return
        garment = ws.catalogue.find(key)
        if garment is not None:
            self.open_garment(garment)

    # -- keeping in step ---------------------------------------------------------
    def on_view_predicted(self, view: str) -> None:
        """A view of the open garment got its probability."""
        if view == self._workspace.current_view:
            self.show_view(view)
        self.refresh_garment_state()
        self.refresh_estimate()  # and the view strip

    def on_model_changed(self) -> None:
        """The open garment's thresholds and probabilities changed with the model."""
        if self._workspace.current_view is not None:
            self.show_view(self._workspace.current_view)
        if self._estimates_of != self._workspace.predictor.model_id:
            self._catalogue_panel.clear_estimates()  # they were the old model's
        self.refresh_estimate()
        self.estimate_catalogue()

    # -- the whole catalogue's estimates -------------------------------------------
    def estimate_catalogue(self) -> None:
        """Estimate, in the background, every garment but the one on screen (whose
        estimate follows its edits), when the catalogue has several and the model a triage.
        While the model loads, list the estimates kept for it in the sidecars."""
        ws = self._workspace
        predictor, triage = ws.predictor or self._model.expected, self._triage()
        if ws.catalogue is None or not ws.catalogue.is_catalogue or triage is None:
            self._estimator.detach()
            return
        current = ws.session.garment if ws.session is not None else None
        garments = [g for g in ws.catalogue.garments if g is not current]
        self._estimator.start(garments, predictor, triage, kept_only=ws.predictor is None)

    def stop_estimating(self) -> None:
        """Let the background estimate end on its own (the window is closing)."""
        self._estimator.detach()

    def _triage(self):
        """The loaded model's triage, or while it loads, the triage of the model on its way
        (the open garment's cached maps are shown then, and estimated with it)."""
        predictor, expected = self._workspace.predictor, self._model.expected
        if predictor is not None:
            return _triage_from(getattr(getattr(predictor, "card", None), "triage", None))
        return _triage_from(expected.triage) if expected is not None else None

    def _on_estimator_estimated(self, estimate: GarmentEstimate) -> None:
        ws = self._workspace
        expected = self._model.expected
        model_id = ws.predictor.model_id if ws.predictor is not None else expected.model_id if expected else None
        if estimate.model_id != model_id:
            return  # the last model's
        if ws.session is not None and ws.session.key == estimate.key:
            return  # opened meanwhile: its live estimate (with the edits on screen) stands
        garment = ws.catalogue.find(estimate.key) if ws.catalogue is not None else None
        for view, message in estimate.broken:  # found unreadable by reading it, or earlier
            about = str(garment.views[view]) if garment is not None and view in garment.views else None
            self._feedback.note(f"{estimate.key} {view}: {message}", about=about)
        for problem in estimate.problems:
            self._feedback.note(problem)
        if estimate.worst is None:  # none of its photos would open
            self.set_garment_state(estimate.key, BROKEN)
            return
        if estimate.problems and garment is not None:  # corrections set aside: what the files say now
            exports = self._settings.export_folders_for({garment.folder})
            self.set_garment_state(estimate.key, state_on_disk(garment, exports[garment.folder]))
        self._estimates_of = estimate.model_id
        self._catalogue_panel.set_estimate(estimate.key, estimate.worst, estimate.needs_review)
        if self._catalogue_panel.state(estimate.key) in (NOT_STARTED, PARTLY_PREDICTED):
            self.set_garment_state(estimate.key, PREDICTED)  # the estimate predicted every readable view

    def _on_estimator_progressed(self, done: int, total: int) -> None:
        self._catalogue_panel.show_estimating(done, total)

    def _on_estimator_ended(self) -> None:
        self._catalogue_panel.show_estimating(None)

    def refresh_estimate(self) -> None:
        """Show the open garment's worst view estimate from the loaded model's triage
        (core.evaluation.triage), over the views that have a probability, each at its own
        threshold. Nothing without a model, a triage in its card, or a predicted view.
        The view strip follows (its buttons say which views need review)."""
        ws = self._workspace
        session = ws.session
        if session is None:
            return
        triage = self._triage()
        states = [s for s in session.states.values() if s.probability is not None]
        if triage is None or not states:
            self._catalogue_panel.set_estimate(session.key, None)
            self._view_strip.set_review({})
            self._update_view_strip()
            return
        estimates = [triage.estimate(s.probability, s.threshold) for s in states]
        # A view the retoucher approved needs no more review, whatever its estimate.
        review = {s.view: triage.needs_review(e) and not s.approved for s, e in zip(states, estimates)}
        self._view_strip.set_review(review)
        self._update_view_strip()
        self._catalogue_panel.set_estimate(session.key, max(estimates), any(review.values()))

    def note_unreviewed_export(self) -> None:
        """After an export of the open garment: name the views it wrote that the triage
        still flags for review and nobody approved (an export wrote them without a word:
        found by a helper). A note, not an error: exporting them may be the plan."""
        session = self._workspace.session
        flagged = self._view_strip.flagged_for_review()
        if session is not None and flagged:
            self._feedback.note(f"{session.key}: exported with {', '.join(flagged)} still flagged for review "
                                "(not approved)", error=False)

    def on_view_edited(self) -> None:
        """An edit became an undo step (or a view was approved): view tooltips, the
        garment's state and its review flag follow."""
        self.refresh_garment_state()
        self.refresh_estimate()  # and the view strip

    def set_garment_state(self, key: str, state: str) -> None:
        if state == NOT_STARTED and self._catalogue_panel.state(key) == BROKEN:
            return  # "not started" from the files says nothing new about photos that will not open
        self._catalogue_panel.set_state(key, state)

    def refresh_garment_state(self) -> None:
        session = self._workspace.session
        if session is not None:
            self.set_garment_state(session.key, session_state(session))

    def _update_view_strip(self) -> None:
        self._view_strip.show_session(self._workspace.session, self._workspace.current_view)
        self._update_thumbnail()

    def _update_thumbnail(self) -> None:
        """The garment's list icon: its first predicted view's cutout (kept after leaving
        it), shrunk from the one the view strip has just drawn."""
        session = self._workspace.session
        state = next((s for s in session.states.values() if s.predicted), None) if session else None
        thumb = self._view_strip.thumbnails.get(state.view) if state is not None else None
        if thumb is not None:
            self._catalogue_panel.set_thumbnail(session.key, shrink(thumb, 42))
