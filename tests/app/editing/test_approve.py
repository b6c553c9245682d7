"""Approving views (issue 13): A marks the mask on screen as right, it is saved, shown in
the catalogue, drops the garment from "needs review", and any edit withdraws it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.document.garment_session import APPROVED, CORRECTED
from tests.app.conftest import drag, write_photo


def _approve_every_view(window, qtbot):
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3):
        qtbot.keyClick(window.canvas, key)
        qtbot.keyClick(window.canvas, Qt.Key.Key_A)


def test_a_approves_each_view_and_the_approval_survives_reopening(make_window, tmp_path, qtbot):
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for gid in ("g1", "g2"):
        for i, view in enumerate(("Front", "FrontRight", "Back")):
            write_photo(folder / f"{gid}_{view}.png", seed=i + (3 if gid == "g2" else 0))
    window = make_window([folder])
    qtbot.keyClick(window.canvas, Qt.Key.Key_A)
    assert window.state.approved
    assert window.catalogue_panel.state("g1") != APPROVED  # two views still unchecked
    assert "approved" in window.view_strip.buttons["Front"].toolTip()
    qtbot.keyClick(window.canvas, Qt.Key.Key_A)  # A again withdraws it
    assert not window.state.approved and "approved" not in window.view_strip.buttons["Front"].toolTip()
    _approve_every_view(window, qtbot)
    assert all(s.approved for s in window.session.states.values())
    assert window.catalogue_panel.state("g1") == APPROVED
    window.close()  # saves

    again = make_window([folder])
    assert again.catalogue_panel.state("g1") == APPROVED  # from the files, before opening it
    assert all(s.approved for s in again.session.states.values())  # once the probability is in
    # A again withdraws the approval of the view on screen.
    qtbot.keyClick(again.canvas, Qt.Key.Key_A)
    assert not again.state.approved and again.catalogue_panel.state("g1") != APPROVED


def test_an_edit_withdraws_the_approval_and_a_new_model_does_too(make_window, shoot, qtbot, fake_predictor):
    window = make_window([shoot])
    _approve_every_view(window, qtbot)
    assert window.catalogue_panel.state("g1") == APPROVED
    qtbot.keyClick(window.canvas, Qt.Key.Key_1)
    drag(window, [(5, 60), (30, 60)])  # a keep stroke on the Front view
    assert not window.session.states["Front"].approved
    assert window.catalogue_panel.state("g1") == CORRECTED
    assert window.session.states["Back"].approved  # the other views keep theirs
    window.close()

    class Shifted(type(fake_predictor)):
        def predict(self, rgb, progress=None, cancelled=None):
            return (super().predict(rgb) // 2).astype("uint8")

    other = make_window([shoot], predictor=Shifted(model_id="fake-2"))
    # The Back view was approved with fake-1's map; fake-2's mask is another mask.
    assert not other.session.states["Back"].approved


def test_approved_views_leave_the_needs_review_list(make_window, shoot, qtbot, fake_predictor):
    fake_predictor.card.triage = {
        "features": ["log_band_per_area"], "mean": [0.0], "scale": [1.0], "weights": [0.0], "intercept": 5.0,
        "operating_point": 0.5, "dice_target": 0.97}
    window = make_window([shoot])
    estimate = window.catalogue_panel.estimate("g1")
    assert estimate is not None and estimate[1], "every view flagged by a triage that flags everything"
    _approve_every_view(window, qtbot)
    assert not window.catalogue_panel.estimate("g1")[1]


def test_approvals_shown_from_the_cache_survive_the_model_finishing_its_load(make_window, shoot, qtbot,
                                                                             fake_predictor):
    """Reopened while the model still loads, the cached maps bring the approvals back; the
    model's arrival at the same threshold must not take them away again (it did: the
    load set every untouched view's threshold anew, and setting one withdrew the approval
    even when it did not change; found by a helper driving the app)."""
    from tests.app.conftest import opened_while_the_model_loads

    window = make_window([shoot])
    _approve_every_view(window, qtbot)
    window.close()  # saves the approvals and the maps

    again, factory = opened_while_the_model_loads(qtbot, fake_predictor, shoot)
    qtbot.waitUntil(lambda: all(s.predicted for s in again.session.states.values()), timeout=10000)
    assert all(s.approved for s in again.session.states.values()), "the cached maps restore the approvals"
    with qtbot.waitSignal(again.model_loaded, timeout=10000):
        factory.release.set()
    qtbot.wait(50)
    assert all(s.approved for s in again.session.states.values())
    assert again.catalogue_panel.state("g1") == APPROVED
    qtbot.keyClick(again.canvas, Qt.Key.Key_Period)  # a real threshold change still withdraws it
    assert not again.state.approved


def test_exporting_views_still_flagged_for_review_says_which(make_window, shoot, qtbot, fake_predictor, tmp_path):
    """Export wrote views the triage flagged for review, never approved, without a word
    (found by a helper). Now a note names them; approved views are not named."""
    fake_predictor.card.triage = {
        "features": ["log_band_per_area"], "mean": [0.0], "scale": [1.0], "weights": [0.0], "intercept": 5.0,
        "operating_point": 0.5, "dice_target": 0.97}
    window = make_window([shoot])
    qtbot.keyClick(window.canvas, Qt.Key.Key_1)
    qtbot.keyClick(window.canvas, Qt.Key.Key_A)  # Front approved; FrontRight and Back still flagged
    with qtbot.waitSignal(window.export_finished, timeout=20000):
        assert window.export(tmp_path / "out")
    notes = [line for line in window.message_panel.messages() if "still flagged for review" in line]
    assert notes == ["g1: exported with FrontRight, Back still flagged for review (not approved)"]
