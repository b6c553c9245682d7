"""The window's status bar: position, probability, area and zoom under the cursor, and
the progress bar with its Cancel button that the background jobs share."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from app.document.view_state import ViewState
from core.masks import codes, compose


class StatusBar(QStatusBar):
    """Emits `cancel_requested` when the Cancel button beside the progress bar is clicked."""

    cancel_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.position_label = QLabel()
        self.probability_label = QLabel()
        self.area_label = QLabel()
        self.zoom_label = QLabel()
        for label in (self.position_label, self.probability_label, self.area_label, self.zoom_label):
            label.setMinimumWidth(90)
            self.addPermanentWidget(label)
        # Lasting, unlike status messages: shown while corrections cannot be saved.
        self.save_warning = QLabel()
        self.save_warning.setStyleSheet("color: white; background: #b3261e; padding: 0 6px; font-weight: bold")
        self.save_warning.hide()
        self.addPermanentWidget(self.save_warning)
        # While the refine edge preview is being matted, the edge shown is the unrefined one.
        self.refining = QLabel("Refining edge...")
        self.refining.setStyleSheet("color: #8a5a00; font-weight: bold; padding: 0 6px")
        self.refining.hide()
        self.addPermanentWidget(self.refining)
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.addPermanentWidget(self.progress_bar)
        self.addPermanentWidget(self.cancel_button)
        # A fixed height: the bar must not grow when progress shows, or the canvas under
        # the user's brush would shift mid-stroke.
        self.setFixedHeight(max(self.progress_bar.sizeHint().height(), self.cancel_button.sizeHint().height()) + 6)
        self._cursor_xy: tuple[float, float] | None = None  # image (x, y) under the mouse
        self.show_progress(None)

    def show_save_problem(self, problem: str) -> None:
        """A lasting warning while saving fails ("" hides it)."""
        self.save_warning.setText("Corrections NOT saved - retrying" if problem else "")
        self.save_warning.setToolTip(problem)
        self.save_warning.setVisible(bool(problem))

    # -- progress ----------------------------------------------------------------
    def show_progress(self, text: str | None, busy: bool = False, total: int = 0,
                      cancellable: bool | None = None) -> None:
        """Show (text) or hide (None) the progress bar; busy: no total known. Cancel shows
        for counted work, and for busy work that says it can be cancelled."""
        visible = text is not None
        self.progress_bar.setVisible(visible)
        self.cancel_button.setVisible(visible and (not busy if cancellable is None else cancellable))
        if visible:
            self.progress_bar.setRange(0, 0 if busy else total)
            self.progress_bar.setValue(0)
            self.progress_bar.setFormat(text if busy else f"{text} %v/%m")

    def set_progress(self, done: int, total: int, text: str | None = None) -> None:
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        if text is not None:
            self.progress_bar.setFormat(text)

    def progress_shown(self) -> bool:
        return self.progress_bar.isVisible()

    # -- under the cursor ----------------------------------------------------------
    def set_cursor(self, x: float, y: float, state: ViewState | None) -> None:
        self._cursor_xy = (x, y)
        self.show_pixel(state)

    def clear_cursor(self) -> None:
        self._cursor_xy = None
        self.position_label.setText("")
        self.probability_label.setText("")

    def show_pixel(self, state: ViewState | None) -> None:
        """Position and probability under the cursor; also after an edit under a still cursor."""
        if state is None or self._cursor_xy is None:
            return
        x, y = self._cursor_xy
        c, r = int(round(x)), int(round(y))
        h, w = state.shape
        if not (0 <= r < h and 0 <= c < w):
            self.position_label.setText("")
            self.probability_label.setText("")
            return
        self.position_label.setText(f"x {c}  y {r}")
        if state.probability is not None:
            p = state.probability[r, c] / 255
            o = state.override[r, c]
            note = {compose.KEEP: " kept", compose.REMOVE: " removed"}.get(int(o), "")
            if o >= compose.SOFT_BASE:  # the soft brush's fade: which kind, and its alpha
                kind = ("keep fade", "remove fade", "painted")[int(codes.CODE_FAMILY[o])]
                note = f" {kind} {codes.CODE_ALPHA[o] / 255:.2f}"
            self.probability_label.setText(f"p {p:.2f}{note}")
        else:
            self.probability_label.setText("p -")

    def show_area(self, state: ViewState | None) -> None:
        if state is None or not state.predicted:
            self.area_label.setText("")
            return
        area = state.area()
        h, w = state.shape
        self.area_label.setText(f"area {area:,} px ({100 * area / (h * w):.1f} %)")

    def show_zoom(self, pixel_size: float) -> None:
        self.zoom_label.setText(f"zoom {pixel_size * 100:.0f} %")
