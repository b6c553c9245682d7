"""Loading the model and predicting the open garment's views, both on worker threads.

The window shows before TensorFlow is imported: `predictor_factory(model_path)` runs on
a TaskWorker (app.jobs.workers), and can be cancelled. Probabilities cached in the sidecar
for the model being loaded are shown at once, before the model is ready: the cache is
keyed by the model file's id (a stat, `model_peek`) and the card is plain JSON, so
neither needs TensorFlow; the catalogue's kept triage estimates are listed the same way
(`expected`). The other views are predicted by app.jobs.prediction_job once
the model is loaded, each shown as soon as it is ready.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from app.document.garment_session import GarmentSession
from app.document.workspace import Workspace
from app.feedback import Feedback
from app.jobs.prediction_job import PredictionJob
from app.jobs.workers import TaskWorker
from app.settings import AppSettings
from core.common import paths

PredictorFactory = Callable[[Path | None], object]


class ExpectedModel(NamedTuple):
    """What a model's files say before it is loaded: its id, threshold and triage."""

    model_id: str
    threshold: float
    triage: dict | None = None  # the card's fitted triage (core.evaluation.triage), if any


ModelPeek = Callable[[Path | None], "ExpectedModel | tuple[str, float] | None"]


def default_predictor_factory(model_path: Path | None):
    """Load a core Predictor (imports TensorFlow: call on a worker thread only)."""
    from core.prediction.predictor import Predictor

    return Predictor.load(model_path)


def peek_model(model_path: Path | None) -> ExpectedModel | None:
    """Model id, default threshold and triage of the model a `default_predictor_factory`
    load of `model_path` will give, read without TensorFlow; None when its card is unreadable."""
    from core.common.errors import GarmentCutoutError
    from core.network.card import ModelCard, card_path
    from core.prediction.predictor import model_id_for

    path = Path(model_path) if model_path is not None else paths.DEFAULT_MODEL
    try:
        card = ModelCard.load(card_path(path))
        return ExpectedModel(model_id_for(path), float(card.threshold), card.triage or None)
    except (GarmentCutoutError, OSError, ValueError):
        return None


class ModelController(QObject):
    """Sets the workspace's predictor once loaded and keeps the open garment predicted."""

    model_loaded = Signal()
    model_described = Signal(str)  # rich text for the model panel: loading, the model's card, or why none
    probabilities_reset = Signal()  # another model: the open garment's thresholds and probabilities changed
    view_predicted = Signal(str)  # a view of the open garment has its probability
    predictions_finished = Signal()  # every view of the open garment has its probability

    def __init__(self, workspace: Workspace, feedback: Feedback, settings: AppSettings,
                 predictor_factory: PredictorFactory | None = None, model_path: Path | None = None,
                 parent: QObject | None = None, model_peek: ModelPeek | None = None):
        super().__init__(parent)
        self._workspace = workspace
        self._feedback = feedback
        self._settings = settings
        self._predictor_factory = predictor_factory or default_predictor_factory
        # Only the real loader is known to give the id peek_model computes.
        self._model_peek = model_peek or (peek_model if predictor_factory is None else (lambda _p: None))
        self._loading: Path | None = None  # the model being loaded
        self._expected: ExpectedModel | None  # the model being loaded, as its files say
        self._shown_model_id: str | None = None  # the model whose probabilities the open garment shows
        self._fall_back = False  # load the bundled model once the failed load has ended
        self.model_path: Path | None = model_path or (Path(settings.model_path) if settings.model_path else None)
        # Known before the load starts, so a shoot opened first shows its cached overlay.
        self._expected = self._peek(self.model_path)
        self._model_worker: TaskWorker | None = None
        self.prediction_job = PredictionJob(feedback, self)
        self.prediction_job.probability_ready.connect(self._on_prediction_job_probability_ready)
        self.prediction_job.finished_predictions.connect(self.predictions_finished)

    # -- loading -----------------------------------------------------------------
    def start(self) -> None:
        """Start loading the model in the background (call once the window shows)."""
        self._load(self.model_path)

    def load_with_dialog(self, parent: QWidget) -> None:
        # Start where the current model lies (the bundled models folder for the default),
        # not in whatever folder the app was started from.
        folder = self.model_path.parent if self.model_path else paths.DEFAULT_MODEL.parent
        path, _ = QFileDialog.getOpenFileName(parent, "Load model", str(folder), "Keras models (*.keras)")
        if path:
            self.load_model(Path(path))

    def load_model(self, model_path: Path | None) -> None:
        """Load `model_path` (None: the bundled default); it becomes the remembered model
        only once it has loaded, so a broken file never greets the next start."""
        self._load(model_path)

    def default_threshold(self) -> float:
        """The threshold a view starts at: the loaded model's, else the loading model's card's."""
        if self._workspace.predictor is not None:
            return self._workspace.predictor.threshold
        return self._expected.threshold if self._expected is not None else 0.5

    @property
    def expected(self) -> ExpectedModel | None:
        """The model on its way while none is loaded (as its files say), else None."""
        return self._expected if self._workspace.predictor is None else None

    def _peek(self, model_path: Path | None) -> ExpectedModel | None:
        peek = self._model_peek(model_path)
        return ExpectedModel(*peek) if peek is not None else None

    @property
    def loading(self) -> bool:
        return self._model_worker is not None

    def cancel_loading(self) -> None:
        """Stop waiting for the model being loaded: the window works on without it (TensorFlow
        cannot be interrupted mid-import, so the worker finishes on its own, unheard)."""
        worker = self._model_worker
        if worker is None:
            return
        for signal in (worker.succeeded, worker.failed, worker.finished):
            signal.disconnect()
        worker.detach()
        self._model_worker = None
        self._fall_back = False
        self._expected = None if self._workspace.predictor is None else self._expected
        self._feedback.show_progress(None)
        current = self._workspace.predictor
        self.model_described.emit(card_text(current) if current is not None else
                                  "No model: loading was cancelled. Model > Load model... or "
                                  "Use the default model to try again.")
        self._feedback.status_message("Model loading cancelled", 5000)

    def _load(self, model_path: Path | None) -> None:
        if self._model_worker is not None:
            return
        factory = self._predictor_factory
        self._loading = model_path
        if self._workspace.predictor is None:
            self._expected = self._peek(model_path)
        name = model_path.name if model_path else "default model"
        self.model_described.emit(f"Loading {name}...")

        def task(progress, cancelled, partial):
            return factory(model_path)

        worker = TaskWorker(task, "loading the model", self)
        worker.succeeded.connect(self._on_model_worker_succeeded)
        worker.failed.connect(self._on_model_worker_failed)
        worker.finished.connect(self._on_model_worker_finished)
        self._model_worker = worker
        self._feedback.show_progress("Loading model", busy=True, cancellable=True)
        worker.start()

    def _on_model_worker_succeeded(self, predictor) -> None:
        ws = self._workspace
        old = ws.predictor
        ws.predictor = predictor
        self.model_path = self._loading
        self._settings.model_path = str(self._loading) if self._loading else ""
        self.model_described.emit(card_text(predictor))
        self._feedback.status_message("Model ready", 3000)
        self._feedback.show_progress(None)
        self.model_loaded.emit()
        if ws.session is None:
            return
        shown = self._shown_model_id if old is None else old.model_id
        if shown is not None and shown != predictor.model_id:
            for state in ws.session.states.values():
                state.probability = None  # new model, new probabilities; overrides stay
                state.approved = False  # its mask is not the one approved (set_probability checks again)
                state.effective = None
                state.histogram = None
        for state in ws.session.states.values():
            if not state.threshold_changed:
                state.set_threshold(predictor.threshold)
        self.predict_missing()
        self.probabilities_reset.emit()

    def _on_model_worker_failed(self, message: str) -> None:
        self._feedback.show_progress(None)
        if self._workspace.predictor is None:
            self._expected = None  # it will not come: its kept estimates and triage are not to be used
        current = self._workspace.predictor
        if current is not None:  # keep working with the model that was already loaded
            self.model_described.emit(card_text(current))
            self._feedback.show_error(f"{message}\nThe model in use stays.")
        elif self._loading is not None and str(self._loading) == self._settings.model_path:
            # The remembered model broke since the last start (moved, damaged): fall back
            # to the bundled one rather than open with no overlay and no export.
            self.model_described.emit(f"No model: {message}")
            self._feedback.show_error(f"{message}\nUsing the bundled default model instead.")
            self._fall_back = True
        else:
            self.model_described.emit(f"No model: {message}")
            self._feedback.show_error(message)

    def _on_model_worker_finished(self) -> None:
        self._model_worker = None
        if self._fall_back:
            self._fall_back = False
            self._load(None)

    # -- prediction --------------------------------------------------------------
    def predict_missing(self) -> None:
        """Install the open garment's cached probabilities and predict the other views."""
        session = self._workspace.session
        predictor = self._workspace.predictor
        if session is None:
            return
        if predictor is None:
            # Still loading: show what the cache holds for the model on its way.
            if self._expected is not None:
                self._shown_model_id = self._expected.model_id
                cached = set(session.states) - set(session.load_cached_probabilities(self._expected.model_id))
                for view in cached:
                    self.view_predicted.emit(view)
            return
        self._shown_model_id = predictor.model_id
        missing = session.load_cached_probabilities(predictor.model_id)
        for view in session.states:
            if view not in missing:
                self.view_predicted.emit(view)
        if not missing:
            self.predictions_finished.emit()
            return
        self.prediction_job.start(session, predictor, missing)

    def stop_prediction(self) -> None:
        self.prediction_job.stop()

    def cancel_prediction(self) -> None:
        self.prediction_job.cancel()

    def _on_prediction_job_probability_ready(self, session: GarmentSession, view: str, probability) -> None:
        if session is not self._workspace.session:
            return  # the user moved on to another garment
        session.states[view].set_probability(probability)
        self.view_predicted.emit(view)

    def detach(self) -> None:
        """Let the workers finish on their own (the window is closing)."""
        if self._model_worker is not None:
            self._model_worker.detach()
        self.prediction_job.detach()


def card_text(predictor) -> str:
    card = predictor.card
    lines = [f"<b>{card.name}</b> ({card.architecture}, {card.input_width}x{card.input_height})"]
    if card.trained_on:
        lines.append(f"Trained on: {card.trained_on}")
    if card.val_dice is not None:
        lines.append(f"Validation Dice: {card.val_dice:.3f}")
    lines.append(f"Default threshold: {card.threshold:.2f}")
    # bfloat16 where the CPU has it natively (core.network.precision): worth knowing when comparing speeds.
    lines.append(f"Computes in: {getattr(predictor, 'precision', 'float32')}")
    return "<br>".join(lines)
