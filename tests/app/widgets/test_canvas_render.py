"""What the canvas actually paints, read back from a grab of the viewport."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtWidgets import QApplication


@pytest.fixture
def grey_shoot(tmp_path):
    folder = tmp_path / "grey"
    folder.mkdir()
    cv2.imwrite(str(folder / "g_Front.png"), np.full((120, 80, 3), 100, np.uint8))
    return folder


def _pixel(window, x, y):
    QApplication.processEvents()
    image = window.canvas.viewport().grab().toImage()
    pos = window.canvas.image_to_widget(x, y)
    colour = image.pixelColor(pos.x(), pos.y())
    return colour.red(), colour.green(), colour.blue()


def test_overlay_blends_the_garment_and_leaves_the_background(make_window, grey_shoot):
    window = make_window([grey_shoot])
    window.display.overlay_colour = (40, 220, 80)
    window.tools.opacity_slider.setValue(45)
    # Ramp model at 0.5: column 60 is garment, column 10 background.
    a = round(0.45 * 255) / 255
    expected = tuple(round(100 * (1 - a) + c * a) for c in (40, 220, 80))
    assert _pixel(window, 60, 60) == pytest.approx(expected, abs=2)
    assert _pixel(window, 10, 60) == (100, 100, 100)


def test_cutout_modes_paint_the_background(make_window, grey_shoot):
    window = make_window([grey_shoot])
    window.mode_combo.setCurrentIndex(window.mode_combo.findData("white"))
    assert _pixel(window, 10, 60) == (255, 255, 255)
    assert _pixel(window, 60, 60) == (100, 100, 100)
    window.mode_combo.setCurrentIndex(window.mode_combo.findData("black"))
    assert _pixel(window, 10, 60) == (0, 0, 0)
    window.mode_combo.setCurrentIndex(window.mode_combo.findData("checker"))
    assert _pixel(window, 1, 1) in {(204, 204, 204), (153, 153, 153)}
    assert _pixel(window, 60, 60) == (100, 100, 100)
    window.mode_combo.setCurrentIndex(window.mode_combo.findData("photo"))
    assert _pixel(window, 60, 60) == (100, 100, 100) and _pixel(window, 10, 60) == (100, 100, 100)


def test_zoom_stays_for_a_garment_of_the_same_size_and_refits_for_another_size(make_window, tmp_path, qtbot):
    from PySide6.QtCore import QPointF, QRectF

    from tests.app.conftest import write_photo

    folder = tmp_path / "mixed"
    folder.mkdir()
    write_photo(folder / "a1_Front.png", 120, 80, seed=1)
    write_photo(folder / "b2_Front.png", 120, 80, seed=2)
    write_photo(folder / "c3_Front.png", 480, 320, seed=3)  # another camera: four times the size
    window = make_window([folder])
    canvas = window.canvas
    canvas.zoom_at(3.0, QPointF(40, 60))
    zoomed = canvas.view_box.viewRect()

    def open_row(row, gid):
        window.catalogue_panel.list.setCurrentRow(row)
        qtbot.waitUntil(lambda: window.session.garment_id == gid, timeout=5000)
        QApplication.processEvents()
        return canvas.view_box.viewRect()

    assert open_row(1, "b2") == zoomed, "the same size: the same detail, compared"
    whole = open_row(2, "c3")
    assert whole.contains(QRectF(0, 0, 320, 480)), "fitted: the whole of the larger photo shows"
    assert open_row(0, "a1").width() < 200, "and fitted again to the small one, not left at a quarter of the view"
