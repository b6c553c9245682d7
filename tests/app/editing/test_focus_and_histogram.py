"""Small things that bit users: keys after typing a threshold, and the histogram of a
garment whose photos cannot be read."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.app.conftest import write_photo


def test_keys_work_again_right_after_a_typed_threshold(make_window, shoot, qtbot):
    window = make_window([shoot])
    spin = window.threshold_panel.spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin.lineEdit(), "0.3")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert abs(window.state.threshold - 0.3) < 0.003
    # No mouse move: the next key goes to the window's shortcuts, not into the number box.
    assert window.focusWidget() is window.canvas
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_R)
    assert window.editor.tool == "remove"
    assert abs(spin.value() - 0.3) < 0.003


def test_a_garment_with_no_readable_photo_shows_no_histogram(make_window, tmp_path, qtbot):
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for i, view in enumerate(("Front", "FrontRight", "Back")):
        write_photo(folder / f"g1_{view}.png", seed=i)
        (folder / f"g2_{view}.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    window = make_window([folder])
    curve = window.threshold_panel.curve
    assert np.nanmax(curve.getData()[1]) > 0  # g1's histogram
    window.catalogue_controller.select_garment("g2")
    assert window.session.garment_id == "g2" and not window.session.states
    _, heights = curve.getData()
    assert heights is None or not np.any(heights)
