"""The app exports 16-bit photos as 16-bit cutouts, read again from the very file opened."""

from __future__ import annotations

import cv2
import numpy as np

from tests.app.conftest import write_photo


def _write_16bit(path, seed):
    rgb16 = np.random.default_rng(seed).integers(0, 65536, (120, 80, 3), dtype=np.uint16)
    cv2.imwrite(str(path), rgb16[..., ::-1].copy())
    return rgb16


def test_a_16_bit_photo_gives_a_16_bit_cutout_from_the_app(make_window, tmp_path, qtbot):
    folder = tmp_path / "shoot"
    folder.mkdir()
    deep = _write_16bit(folder / "g1_Front.png", 1)
    write_photo(folder / "g1_Back.png", seed=2)  # an 8-bit view beside it stays 8-bit
    window = make_window([folder])
    out = tmp_path / "out"
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(out)
    front = cv2.imread(str(out / "g1_Front_cutout.png"), cv2.IMREAD_UNCHANGED)
    back = cv2.imread(str(out / "g1_Back_cutout.png"), cv2.IMREAD_UNCHANGED)
    assert front.dtype == np.uint16 and back.dtype == np.uint8
    kept = front[..., 3] == 65535
    assert kept.any() and (front[..., 3][~kept] == 0).all()
    assert np.array_equal(front[..., 2::-1][kept], deep[kept])  # the photo's own 16-bit pixels


def test_a_16_bit_photo_replaced_after_opening_is_not_exported(make_window, tmp_path, qtbot):
    folder = tmp_path / "shoot"
    folder.mkdir()
    _write_16bit(folder / "g1_Front.png", 1)
    window = make_window([folder])
    _write_16bit(folder / "g1_Front.png", 7)  # a re-shoot lands while the garment is open
    out = tmp_path / "out"
    assert window.export(out)
    qtbot.waitUntil(lambda: not window.export_controller.garment_exporter.running, timeout=10000)
    assert not (out / "g1_Front_cutout.png").exists()
    assert any("changed on disk" in m for m in window.message_panel.messages())


def test_refine_edge_from_the_export_dialog_writes_a_soft_cutout(make_window, shoot, tmp_path, qtbot, monkeypatch):
    import pytest

    pytest.importorskip("pymatting")
    from app.dialogs.export_dialog import ExportDialog

    window = make_window([shoot])
    out = tmp_path / "soft"

    def fill_and_accept(dialog):
        dialog.folder_edit.setText(str(out))
        assert dialog.refine_spin.text() == "each view's own"  # not "off": a view may refine its own edge
        dialog.refine_spin.setValue(4)
        assert dialog.decontaminate_check.isEnabled() and dialog.decontaminate_check.isChecked()
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", fill_and_accept)
    with qtbot.waitSignal(window.export_finished, timeout=20000):
        window.export_controller.export_with_dialog(window)
    cutout = cv2.imread(str(out / "g1_Front_cutout.png"), cv2.IMREAD_UNCHANGED)
    alpha = cutout[..., 3]
    assert ((alpha > 0) & (alpha < 255)).any()  # matted, not the 0/255 mask
    photo = window.session.states["Front"].rgb
    assert np.array_equal(cutout[..., 2::-1][alpha == 255], photo[alpha == 255])
    assert window.settings.export_options.refine_edge_px == 4  # remembered for the next export
