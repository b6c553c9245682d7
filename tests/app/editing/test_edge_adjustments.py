"""Select-and-Mask-style edge adjustments in the app: the Edge box's real spin boxes,
the live preview in the cutout modes, undo, the sidecar and the export."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt

from core.masks.adjustments import EdgeAdjustments


def _render_and_its_true_model(tmp_path):
    """([a shoot of one studio render], predictor=a model that predicts its true mask)."""
    from core.renders.composition import render_view
    from tests.app.conftest import FakePredictor

    folder = tmp_path / "shoot"
    folder.mkdir()
    r = render_view(5000001, "Front", (160, 240))
    cv2.imwrite(str(folder / "g9_Front.png"), cv2.cvtColor(r.rgb, cv2.COLOR_RGB2BGR))

    class Truth(FakePredictor):
        def predict(self, rgb, progress=None, cancelled=None):
            return r.mask.astype(np.uint8) * 255

    return [folder], Truth()


def _set(spin, value, qtbot):
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, f"{value:g}")
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def test_edge_box_adjusts_the_view_previews_it_and_undoes(make_window, shoot, qtbot):
    window = make_window([shoot])
    panel = window.tools.edge_panel
    _set(panel.spins["shift"], 4, qtbot)
    _set(panel.spins["feather"], 3, qtbot)
    state = window.state
    assert state.adjustments == EdgeAdjustments(shift=4, feather=3)
    assert state.corrected and window.view_strip.buttons["Front"].text().endswith("corrected")
    combo = window.mode_combo
    combo.setCurrentIndex(combo.findData("checker"))
    layer = window.canvas.checker_item
    assert layer.isVisible() and not window.canvas.mask_item.isVisible()
    expected = 255 - state.adjustments.alpha(state.mask())
    np.testing.assert_array_equal(layer.image[..., 3], expected)
    # The edge moved out by 4 px: column 36 (garment from 40 on) is now garment, softly.
    assert layer.image[60, 30, 3] == 255 and layer.image[60, 45, 3] == 0 and layer.image[60, 37, 3] < 255
    combo.setCurrentIndex(combo.findData("white"))
    assert (window.canvas.checker_item.image[60, 20, :3] == 255).all()
    # Each change within a second merges: one Ctrl+Z takes both back.
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert state.adjustments.is_identity and panel.spins["shift"].value() == 0
    assert window.canvas.mask_item.isVisible()


def test_adjustments_are_saved_restored_and_exported(make_window, shoot, qtbot, tmp_path):
    window = make_window([shoot])
    _set(window.tools.edge_panel.spins["shift"], -3, qtbot)
    _set(window.tools.edge_panel.spins["contrast"], 50, qtbot)
    adjustments = window.state.adjustments
    assert adjustments == EdgeAdjustments(shift=-3, contrast=0.5)
    out = tmp_path / "out"
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(out, write_mask=True)
    alpha = cv2.imread(str(out / "g1_Front_cutout.png"), cv2.IMREAD_UNCHANGED)[..., 3]
    np.testing.assert_array_equal(alpha, adjustments.alpha(window.state.mask()))
    back = cv2.imread(str(out / "g1_Back_cutout.png"), cv2.IMREAD_UNCHANGED)[..., 3]
    np.testing.assert_array_equal(back, window.session.states["Back"].mask() * 255)  # its own: none
    window.close()
    again = make_window([Path(shoot)])
    assert again.state.adjustments == adjustments
    assert again.tools.edge_panel.spins["contrast"].value() == 50


def test_refine_edge_is_previewed_from_a_worker_and_exported(make_window, tmp_path, qtbot):
    paths, truth = _render_and_its_true_model(tmp_path)
    window = make_window(paths, predictor=truth)
    combo = window.mode_combo
    combo.setCurrentIndex(combo.findData("checker"))
    preview = window.display.refine_preview
    said = []  # (busy, the status bar's "Refining edge..." shown) as the matting starts and ends
    preview.busy.connect(lambda busy: said.append((busy, window.status_bar.refining.isVisible())))
    with qtbot.waitSignal(preview.ready, timeout=30000):
        _set(window.tools.edge_panel.spins["refine"], 4, qtbot)
    assert said[0] == (True, True) and said[-1] == (False, False), said
    state = window.state
    expected = state.adjustments.cutout_alpha(state.rgb, state.mask())
    soft = (expected > 0) & (expected < 255)
    assert soft.any(), "the matting gives a soft edge"
    layer = window.canvas.checker_item.image
    np.testing.assert_array_equal(layer[..., 3][~soft], 255 - expected[~soft])
    out = tmp_path / "out"
    with qtbot.waitSignal(window.export_finished, timeout=30000):
        assert window.export(out)
    cutout = cv2.cvtColor(cv2.imread(str(out / "g9_Front_cutout.png"), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
    np.testing.assert_array_equal(cutout[..., 3], expected)
    # What the canvas shows (the photo under the backdrop layer) is the exported cutout over
    # that backdrop, decontaminated edge colours included (they differed: found by a helper).
    from app.document.overlay import make_checker_layer

    backdrop = make_checker_layer(*expected.shape)[..., :3].astype(np.float32)
    a = expected[..., None].astype(np.float32) / 255.0
    exported = cutout[..., :3] * a + backdrop * (1.0 - a)
    la = layer[..., 3:].astype(np.float32) / 255.0
    shown = state.rgb * (1.0 - la) + layer[..., :3] * la
    assert np.abs(shown - exported).max() <= 1.0
    assert (cutout[..., :3] != state.rgb)[soft].any(), "decontamination changed edge colours"


def test_the_band_brush_widens_the_refine_band_is_undoable_saved_and_exported(make_window, shoot, qtbot,
                                                                                tmp_path):
    from core.masks.refine_edge import trimap_from_mask
    from tests.app.conftest import drag

    window = make_window([shoot])
    qtbot.keyClick(window.canvas, Qt.Key.Key_W)
    assert window.editor.tool == "band" and window.tools.edge_panel.band_button.isChecked()
    window.editor.set_brush_radius(4)
    override_before = window.state.override.copy()
    drag(window, [(20, 60), (60, 60)])
    state = window.state
    assert state.has_widen() and state.widen[60, 30] == 1 and state.widen[10, 30] == 0
    np.testing.assert_array_equal(state.override, override_before)  # no correction painted
    assert window.canvas.band_item.isVisible()
    # The widened pixels are unknown in the trimap the refine edge mattes.
    trimap = trimap_from_mask(state.mask(), 2, state.widen.astype(bool))
    assert trimap[60, 25] == 0.5 and trimap[10, 25] == 0.0
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not state.has_widen()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    assert state.has_widen()
    widen = state.widen.copy()
    window.autosave.save_now()
    window.close()
    again = make_window([shoot])
    np.testing.assert_array_equal(again.state.widen, widen)


def test_a_hard_remove_stroke_stays_removed_under_shift_edge_in_preview_and_export(make_window, shoot, qtbot,
                                                                                 tmp_path):
    from core.masks import codes
    from tests.app.conftest import drag

    window = make_window([shoot])
    window.editor.apply_tool("remove")
    window.editor.set_brush_radius(2)
    drag(window, [(50, 30), (50, 90)])  # a cut down the garment (columns 40 on), 10 px from its edge
    _set(window.tools.edge_panel.spins["shift"], 12, qtbot)  # grows the edges, the cut's too
    state = window.state
    removed = state.override == codes.REMOVE
    assert removed.any()
    combo = window.mode_combo
    combo.setCurrentIndex(combo.findData("checker"))
    shown = 255 - window.canvas.checker_item.image[..., 3]
    assert (shown[removed] == 0).all(), "the preview keeps the cut"
    assert shown[60, 30] == 255, "the garment's own edge moved out"
    out = tmp_path / "out"
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(out, write_mask=True)
    alpha = cv2.imread(str(out / "g1_Front_cutout.png"), cv2.IMREAD_UNCHANGED)[..., 3]
    mask = cv2.imread(str(out / "g1_Front_mask.png"), cv2.IMREAD_UNCHANGED)
    assert (alpha[removed] == 0).all() and (mask[removed] == 0).all()
    np.testing.assert_array_equal(alpha, shown)


def test_moving_to_another_view_stops_the_last_views_refine(make_window, shoot, qtbot, monkeypatch):
    """'Refining edge...' stayed up over the next garment, which had no refine (found by a helper)."""
    import threading

    release = threading.Event()
    real = EdgeAdjustments.cutout_alpha

    def slow(self, rgb, mask, widen=None):
        release.wait(10)
        return real(self, rgb, mask, widen)

    monkeypatch.setattr(EdgeAdjustments, "cutout_alpha", slow)
    window = make_window([shoot])
    combo = window.mode_combo
    combo.setCurrentIndex(combo.findData("checker"))
    try:
        _set(window.tools.edge_panel.spins["refine"], 4, qtbot)
        assert window.display.refine_preview.running and window.status_bar.refining.isVisible()
        window.canvas.setFocus()
        qtbot.keyClick(window.canvas, Qt.Key.Key_3)  # Back: no refine of its own
        assert window.current_view == "Back"
        assert not window.display.refine_preview.running and not window.status_bar.refining.isVisible()
    finally:
        release.set()


def test_the_preview_follows_the_decontaminate_option_of_the_export_just_made(make_window, tmp_path, qtbot):
    """After an export without decontamination the preview kept the decontaminated colours
    until the garment was left (found by a helper)."""
    paths, truth = _render_and_its_true_model(tmp_path)
    window = make_window(paths, predictor=truth)
    combo = window.mode_combo
    combo.setCurrentIndex(combo.findData("black"))
    preview = window.display.refine_preview
    with qtbot.waitSignal(preview.ready, timeout=30000):
        _set(window.tools.edge_panel.spins["refine"], 4, qtbot)
    state = window.state
    soft = (lambda a: (a > 0) & (a < 255))(state.adjustments.cutout_alpha(state.rgb, state.mask()))
    assert (window.canvas.checker_item.image[..., 3][soft] == 255).all(), "decontaminated: drawn over the photo"
    with qtbot.waitSignal(preview.ready, timeout=30000), qtbot.waitSignal(window.export_finished, timeout=30000):
        assert window.export(tmp_path / "out", decontaminate=False)
    qtbot.waitUntil(lambda: not preview.running, timeout=30000)
    assert (window.canvas.checker_item.image[..., 3][soft] < 255).all(), "the photo's own colours again"
