"""How the view on screen is drawn on the canvas: the mask layer through the lookup table
of the display mode (app.document.overlay), the checkerboard layer, and the display
preferences (mode, overlay colour, opacity, uncertain-pixel highlight), remembered in
the settings."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QWidget

from app.document import overlay
from app.document.view_state import ViewState, bbox_slices
from app.document.workspace import Workspace
from app.editing.refine_preview import RefinePreview
from app.settings import AppSettings
from app.widgets.canvas_widget import CanvasWidget
from core.masks import compose

UNCERTAIN_MARGIN = 26  # uint8 levels either side of the cut: about +-0.1 in probability


class ViewDisplay:
    """Draws the workspace's view on screen; every redraw goes through here."""

    def __init__(self, workspace: Workspace, canvas: CanvasWidget, settings: AppSettings):
        self._workspace = workspace
        self._canvas = canvas
        self._settings = settings
        self.view_mode = settings.view_mode if settings.view_mode in overlay.MODES else "overlay"
        self.overlay_colour = settings.overlay_colour
        self.opacity = settings.overlay_opacity
        self.show_uncertain = False
        self.show_corrections = True  # the retoucher's strokes tinted over the mask (C)
        self._checker: np.ndarray | None = None
        self._backdrop_mode: str | None = None  # what self._checker is filled with
        # The edge adjustments' preview is a whole-view computation (tens of ms): during a
        # stroke it is redone once the mouse rests, not at every move.
        self._preview_timer = QTimer()
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(80)
        self._preview_timer.timeout.connect(lambda: self._update_checker(full=True))
        # A refine edge is matted on a worker; the latest result is kept with what it is of.
        self.refine_preview = RefinePreview()
        self.refine_preview.ready.connect(self._on_refine_ready)
        self._refined: tuple[tuple, np.ndarray, np.ndarray | None] | None = None  # key, alpha, colours
        self._backdrop: np.ndarray | None = None  # the backdrop's own colours, (H, W, 3)
        self._tinted = False  # self._checker holds decontaminated edge colours
        self._shown_previewing = False  # what show_mask last drew: the adjusted preview or not

    # -- what to draw ------------------------------------------------------------
    def show_photo(self, state: ViewState | None) -> None:
        """A newly shown view: its photo and its mask (or nothing, for None)."""
        self.refine_preview.keep_only(None if state is None else state.key)
        self._canvas.set_photo(None if state is None else state.rgb)
        if state is None:
            self._canvas.set_mask_layer(None, None)
        else:
            self.show_mask()

    def show_mask(self) -> None:
        state = self._workspace.state
        if state is None or state.effective is None:
            self._canvas.set_mask_layer(None, None)
            self._canvas.set_checker_layer(None)
            self._canvas.set_corrections_layer(None, None)
            return
        self._shown_previewing = self._previewing()
        self._canvas.set_mask_visible(self.view_mode != "photo" and not self._shown_previewing)
        self._canvas.set_mask_layer(state.effective, self._lut())
        self._update_checker(full=True)
        self._update_corrections()

    def redraw_box(self, bbox) -> None:
        """The view on screen was edited inside core's `bbox` (its effective image is up to date)."""
        if self._previewing() != self._shown_previewing:  # a first soft stroke, or its undo
            self.show_mask()
            return
        self._canvas.refresh_mask_layer()
        if self._previewing():
            self._preview_timer.start()
        else:
            self._update_checker(bbox=bbox)
        self._canvas.refresh_corrections_layer()  # both arrays are edited in place
        if self._band_layer_missing():  # the band brush's first stroke made the widen map
            self._update_corrections()

    def redraw_adjustments(self) -> None:
        """The view on screen's edge adjustments changed: redraw the cutout preview."""
        self.show_mask()

    def set_show_corrections(self, show: bool) -> None:
        self.show_corrections = bool(show)
        self._update_corrections()

    def redraw_cut(self) -> None:
        """The threshold of the view on screen moved."""
        self._canvas.set_mask_lut(self._lut())
        if self._previewing():
            self._preview_timer.start()
        else:
            self._update_checker(full=True)

    # -- preferences -------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        self.view_mode = mode
        self._settings.view_mode = self.view_mode
        self.show_mask()

    def set_opacity(self, opacity: float) -> None:
        self.opacity = opacity
        self._settings.overlay_opacity = self.opacity
        self._redraw_lut()

    def choose_overlay_colour(self, parent: QWidget) -> None:
        chosen = QColorDialog.getColor(QColor(*self.overlay_colour), parent, "Overlay colour")
        if chosen.isValid():
            self.set_overlay_colour((chosen.red(), chosen.green(), chosen.blue()))

    def set_overlay_colour(self, rgb: tuple[int, int, int]) -> None:
        """The garment overlay's colour (remembered in the settings)."""
        self.overlay_colour = tuple(int(v) for v in rgb)
        self._settings.overlay_colour = self.overlay_colour
        self._redraw_lut()

    def set_uncertain(self, checked: int) -> None:
        self.show_uncertain = bool(checked)
        self._redraw_lut()

    # -- internals ---------------------------------------------------------------
    def _redraw_lut(self) -> None:
        state = self._workspace.state
        if state is not None and state.effective is not None:
            self._canvas.set_mask_lut(self._lut())

    def _lut(self) -> np.ndarray:
        state = self._workspace.state
        cut = state.cut if state is not None else 128
        return overlay.mask_lut(cut, self.view_mode, self.overlay_colour, self.opacity,
                                UNCERTAIN_MARGIN if self.show_uncertain else None)

    def _update_corrections(self) -> None:
        """The override map itself, edited in place by strokes, drawn through its own table,
        over the overlay only: the cutout modes show the cutout as the export writes it, and
        a tint there looked like a colour the export would write. The band brush's widen
        map shows in those modes too, where its refine edge is previewed."""
        state = self._workspace.state
        if not self.show_corrections or self.view_mode == "photo" or state is None or state.effective is None:
            self._canvas.set_corrections_layer(None, None)
            self._canvas.set_band_layer(None, None)
            return
        if self.view_mode == "overlay":
            self._canvas.set_corrections_layer(state.override, overlay.corrections_lut())
        else:
            self._canvas.set_corrections_layer(None, None)
        self._canvas.set_band_layer(state.widen if state.has_widen() else None, overlay.band_lut())

    def _band_layer_missing(self) -> bool:
        state = self._workspace.state
        return (self.show_corrections and self.view_mode != "photo" and state is not None
                and not self._canvas.band_item.isVisible() and state.has_widen())

    def _previewing(self) -> bool:
        """True when the cutout modes draw the view's alpha as the export will: with edge
        adjustments (soft, shifted edge) or a soft brush's painted alpha."""
        state = self._workspace.state
        return (self.view_mode in ("checker", "white", "black") and state is not None
                and state.effective is not None and (not state.adjustments.is_identity or state.has_soft()))

    def _preview(self, state: ViewState) -> tuple[np.ndarray, np.ndarray | None]:
        """The alpha to preview and, where the export will decontaminate (a refine edge, and
        the last export's option), the photo with the export's edge colours (None until the
        worker has them): the adjusted edge (with a refine edge, the worker's result once in
        - asked for here - the edge without refine until then), then the brushes' painted
        values, as core.files.export does."""
        if state.adjustments.refine > 0:  # the key hashes the whole view: only for a refine edge
            decontaminate = self._decontaminates(state)
            key = RefinePreview.key_of(state, decontaminate)
            if self._refined is not None and self._refined[0] == key:
                _, alpha, clean = self._refined  # the cached result stays as the worker made it
                return compose.apply_painted_alpha(alpha.copy(), state.override), clean
            self.refine_preview.request(state, decontaminate, key)  # matted, colours estimated, on the worker
        return compose.apply_painted_alpha(state.adjustments.alpha(state.hard_mask(), state.override),
                                           state.override), None

    def _on_refine_ready(self, key: tuple, alpha: np.ndarray, clean: np.ndarray | None) -> None:
        self._refined = (key, alpha, clean)
        state = self._workspace.state
        if state is not None and self._previewing() and RefinePreview.key_of(state, self._decontaminates(state)) == key:
            self._update_checker(full=True)

    def _decontaminates(self, state: ViewState) -> bool:
        """Whether the export will decontaminate this view's edge colours: where its own
        refine edge is on and the last export asked for it (app.jobs.tasks.export_job)."""
        return state.adjustments.refine > 0 and self._settings.export_options.decontaminate

    def _update_checker(self, full: bool = False, bbox=None) -> None:
        """The backdrop layer: in checker mode a checkerboard whose alpha follows the mask;
        with edge adjustments, in every cutout mode, the backdrop (checkerboard, white or
        black) over everything the adjusted alpha leaves out, as the export will."""
        state = self._workspace.state
        previewing = self._previewing()
        if (self.view_mode != "checker" and not previewing) or state is None or state.effective is None:
            self._canvas.set_checker_layer(None)
            return
        h, w = state.shape
        if self._checker is None or self._checker.shape[:2] != (h, w) or self._backdrop_mode != self.view_mode:
            self._checker = overlay.make_checker_layer(h, w)
            if self.view_mode in ("white", "black"):
                self._checker[..., :3] = 255 if self.view_mode == "white" else 0
            self._backdrop = self._checker[..., :3].copy()
            self._backdrop_mode, self._tinted = self.view_mode, False
            full = True
        if self._tinted:  # the last preview's edge colours: the backdrop's own again
            self._checker[..., :3] = self._backdrop
            self._tinted = False
        if previewing:
            alpha, clean = self._preview(state)
            self._checker[..., 3] = 255 - alpha
            if clean is not None:  # the export's edge colours, over the backdrop, drawn opaque
                soft = (alpha > 0) & (alpha < 255)
                a = alpha[soft].astype(np.float32)[:, None] / 255.0
                mixed = clean[soft] * a + self._backdrop[soft] * (1.0 - a)
                self._checker[soft, :3] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
                self._checker[soft, 3] = 255
                self._tinted = True
            self._canvas.set_checker_layer(self._checker)
            return
        alpha_lut = overlay.checker_alpha_lut(state.cut)
        if full or bbox is None:
            self._checker[..., 3] = alpha_lut[state.effective]
            self._canvas.set_checker_layer(self._checker)
        else:
            sl = bbox_slices(bbox)
            self._checker[sl + (3,)] = alpha_lut[state.effective[sl]]
            self._canvas.refresh_checker_layer()
