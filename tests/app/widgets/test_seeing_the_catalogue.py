"""Seeing the catalogue (issue 13): cutout thumbnails in the view strip and the garment
list, each view's state under its name, and a compare window with the views side by
side sharing zoom and pan."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from tests.app.conftest import drag, write_photo


def test_view_buttons_show_the_cutout_and_the_views_state(make_window, shoot, qtbot):
    window = make_window([shoot])
    button = window.view_strip.buttons["Front"]
    assert button.text().endswith("predicted")
    assert not button.icon().isNull()
    thumb = window.view_strip.thumbnails["Front"]
    assert thumb.shape == (56, 37, 3)
    # The fake model keeps the right half (ramp >= 0.5): the left half is the checkerboard.
    left, right = thumb[:, 2: thumb.shape[1] // 2 - 4], thumb[:, thumb.shape[1] // 2 + 4:]
    assert set(np.unique(left)) <= set(range(195, 242)), "background drawn as a light checkerboard"
    assert right.std() > 20, "the garment side shows the photo's noise"
    back = window.view_strip.thumbnails["Back"]
    window.editor.set_brush_radius(3)
    drag(window, [(10, 10), (10, 100)])
    assert button.text().endswith("corrected")
    # The keep stroke shows in the Front thumbnail; the untouched Back one is not redrawn.
    edited = window.view_strip.thumbnails["Front"]
    changed = np.abs(edited.astype(int) - thumb)
    assert changed[8:44, 4:6].mean() > 10 and changed[:, 20:].max() == 0
    assert window.view_strip.thumbnails["Back"] is back
    qtbot.keyClick(window.canvas, Qt.Key.Key_A)
    assert "approved" in button.text()
    assert window.view_strip.buttons["Back"].text().endswith("predicted")


def test_the_garment_list_shows_each_opened_garments_cutout(make_window, tmp_path, qtbot):
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for gid in ("a1", "b2"):
        write_photo(folder / f"{gid}_Front.png", seed=1)
    window = make_window([folder])
    panel = window.catalogue_panel
    assert panel.has_thumbnail("a1") and not panel.has_thumbnail("b2")
    with qtbot.waitSignal(window.predictions_finished, timeout=10000):
        window.catalogue_controller.select_garment("b2")
    assert panel.has_thumbnail("b2") and panel.has_thumbnail("a1")  # kept after leaving a1


def test_compare_shows_the_views_side_by_side_with_one_zoom(make_window, shoot, qtbot):
    window = make_window([shoot])
    qtbot.keyClick(window.canvas, Qt.Key.Key_V)
    compare = window.compare
    qtbot.waitExposed(compare)
    for view, state in window.session.states.items():
        image = compare.images[view].image
        assert image.shape == (120, 80, 3)
        mask = state.mask()
        np.testing.assert_array_equal(image[mask], state.rgb[mask])
        assert not np.array_equal(image[~mask], state.rgb[~mask]), "background replaced by the checkerboard"
    front, back = compare.panes["Front"], compare.panes["Back"]
    front.scaleBy((0.5, 0.5), center=QPointF(40, 60))
    front.translateBy(QPointF(5, 3))
    np.testing.assert_allclose(front.viewRange(), back.viewRange(), atol=1e-6)
    # An edit on the canvas shows in the compare pane.
    window.editor.set_brush_radius(3)
    drag(window, [(10, 10), (10, 100)])
    assert (compare.images["Front"].image[50, 10] == window.state.rgb[50, 10]).all()


def test_escape_or_v_closes_the_compare_window(make_window, shoot, qtbot):
    window = make_window([shoot])
    for key in (Qt.Key.Key_Escape, Qt.Key.Key_V):
        qtbot.keyClick(window.canvas, Qt.Key.Key_V)
        compare = window.compare
        qtbot.waitExposed(compare)
        qtbot.keyClick(compare.graphics, key)  # the panes pass keys they don't use up
        qtbot.waitUntil(lambda: not compare.isVisible())
