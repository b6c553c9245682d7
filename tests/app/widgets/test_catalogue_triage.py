"""The catalogue panel's triage: each garment's worst view estimate, "worst first" and
"needs review"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.document.garment_session import PREDICTED
from app.widgets.catalogue_panel import CataloguePanel
from tests.app.conftest import ramp_catalogue, triage_card


def _panel(qtbot) -> CataloguePanel:
    panel = CataloguePanel()
    qtbot.addWidget(panel)
    panel.set_garments(["a", "b", "c", "d"], {})
    return panel


def test_estimates_show_and_sort_worst_first(qtbot):
    panel = _panel(qtbot)
    panel.set_state("b", PREDICTED)
    panel.set_estimate("b", 0.31, False)
    panel.set_estimate("c", 0.87, True)
    panel.set_estimate("d", 0.05, False)
    assert "risk 87% · review" in panel._item("c").text() and "risk 31%" in panel._item("b").text()
    assert "1 of 3 predicted need review" in panel.summary.text()
    panel.select("b")
    panel.worst_first.setChecked(True)
    assert panel.garment_keys() == ["c", "b", "d", "a"]  # a has no estimate: last
    assert panel.list.currentItem().text().startswith("b")  # the selection stays
    panel.set_estimate("a", 0.95, True)  # a newly predicted garment takes its place
    assert panel.garment_keys() == ["a", "c", "b", "d"]
    panel.worst_first.setChecked(False)
    assert panel.garment_keys() == ["a", "b", "c", "d"]


def test_needs_review_filter_hides_the_rest(qtbot):
    panel = _panel(qtbot)
    panel.set_estimate("b", 0.9, True)
    panel.set_estimate("c", 0.1, False)
    panel.review_only.setChecked(True)
    assert panel.visible_garment_ids() == ["b"]
    panel.set_estimate("d", 0.7, True)
    assert panel.visible_garment_ids() == ["b", "d"]
    panel.set_estimate("b", None)  # forgotten (another model)
    assert panel.visible_garment_ids() == ["d"]
    panel.clear_estimates()
    assert panel.visible_garment_ids() == [] and "worst" not in panel._item("d").text()
    panel.review_only.setChecked(False)
    assert panel.visible_garment_ids() == ["a", "b", "c", "d"]


def test_selecting_in_a_sorted_list_still_names_the_garment(qtbot):
    panel = _panel(qtbot)
    panel.set_estimate("d", 0.9, True)
    panel.worst_first.setChecked(True)
    with qtbot.waitSignal(panel.garment_selected) as blocker:
        panel.list.setCurrentRow(0)
    assert blocker.args == ["d"]


def test_a_predicted_garment_gets_its_worst_view_estimate(make_window, fake_predictor, tmp_path):
    from core.evaluation.triage import Triage
    from tests.app.conftest import write_photo

    folder = tmp_path / "catalogue"
    folder.mkdir()
    for gid in ("a1", "b2"):
        for i, view in enumerate(("Front", "Back")):
            write_photo(folder / f"{gid}_{view}.png", seed=i)
    # The fake ramp's band is wide: log(band / area) is about log(0.8 / 0.5) = 0.47 > 0.
    triage = Triage(("log_band_per_area",), (0.0,), (1.0,), (4.0,), 0.0, 0.5)
    fake_predictor.card.triage = triage.to_dict()
    window = make_window([folder])
    panel = window.catalogue_panel
    worst, review = panel.estimate("a1")
    assert worst > 0.5 and review and "· review" in panel._item("a1").text()


def test_every_garment_is_estimated_in_the_background_as_opening_it_would(make_window, fake_predictor, tmp_path,
                                                                          qtbot):
    from core.files.sidecar import Sidecar, view_key

    triage_card(fake_predictor)
    folder = ramp_catalogue(tmp_path)
    window = make_window([folder])
    panel = window.catalogue_panel
    qtbot.waitUntil(lambda: all(panel.estimate(g) is not None for g in ("a1", "b2", "c3")), timeout=10000)
    qtbot.waitUntil(lambda: not panel.stop_estimating.isVisible() and not panel.estimating.text(), timeout=5000)
    assert panel.state("c3") == "predicted", "never opened, but predicted"
    assert "of 3 predicted need review" in panel.summary.text()
    assert Sidecar.for_shoot(folder).probability_path(view_key("c3", "Back")).is_file()
    in_background = panel.estimate("c3")
    calls = fake_predictor.calls
    panel.list.setCurrentRow(2)
    qtbot.waitUntil(lambda: window.session.garment_id == "c3" and window.state.predicted, timeout=5000)
    assert fake_predictor.calls == calls, "its probabilities came from the cache the estimate wrote"
    assert panel.estimate("c3") == pytest.approx(in_background), "the same estimate as opening the garment gives"


def test_the_background_estimate_stops_at_the_panels_stop_button(make_window, fake_predictor, tmp_path, qtbot):
    import threading

    from tests.app.conftest import FakePredictor

    gate, waiting = threading.Event(), threading.Event()
    background = []

    class SlowPredictor(FakePredictor):
        def predict(self, rgb, progress=None, cancelled=None):
            if rgb.shape[1] != 60:  # not a1 (on screen): the background's views wait here
                background.append(rgb.shape[1])
                waiting.set()
                gate.wait(5)
            return super().predict(rgb)

    predictor = SlowPredictor()
    triage_card(predictor)
    window = make_window([ramp_catalogue(tmp_path, ("a1", "b2", "c3", "d4"))], predictor=predictor)
    panel = window.catalogue_panel
    qtbot.waitUntil(waiting.is_set, timeout=5000)
    assert panel.stop_estimating.isVisible() and panel.estimating.text() == "Estimating garments: 0 of 3"
    qtbot.mouseClick(panel.stop_estimating, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: not panel.stop_estimating.isVisible() and not panel.estimating.text(), timeout=5000)
    assert background == [80], "stopped after b2's first view, the one in progress"
    assert all(panel.estimate(g) is None and panel.state(g) == "not started" for g in ("b2", "c3", "d4"))


def test_a_late_word_about_the_previous_catalogues_garment_is_not_counted(qtbot):
    from app.document.garment_session import EXPORTED

    panel = _panel(qtbot)
    panel.set_state("a", EXPORTED)
    panel.set_garments(["c1", "c2"], {})  # another catalogue opened
    panel.set_state("a", EXPORTED)  # the old garment's export or autosave ends now
    panel.set_estimate("a", 0.9, True)
    assert panel.summary.text() == "2 garments, 0 exported"
    assert panel.garment_keys() == ["c1", "c2"]
    panel.set_state("c2", EXPORTED)
    assert panel.summary.text() == "2 garments, 1 exported"


def test_next_garment_follows_the_list_as_shown_sorted_and_filtered(make_window, tmp_path, qtbot):
    window = make_window([ramp_catalogue(tmp_path, ("a1", "b2", "c3", "d4", "e5"))])
    panel = window.catalogue_panel
    for key, worst, review in (("b2", 0.9, True), ("c3", 0.5, False), ("d4", 0.7, True), ("e5", 0.3, True)):
        panel.set_estimate(key, worst, review)
    panel.worst_first.setChecked(True)

    def page(key, expected_order):
        shown = panel.visible_garment_ids()
        assert shown == expected_order
        row = shown.index(window.session.key) if window.session.key in shown else -1
        expected = shown[(row + 1) % len(shown)]
        qtbot.keyClick(window.canvas, key)
        qtbot.waitUntil(lambda: window.session.key == expected, timeout=5000)

    page(Qt.Key.Key_PageDown, ["b2", "d4", "c3", "e5", "a1"])  # a1, open and unestimated, is last: on to b2
    page(Qt.Key.Key_PageDown, ["d4", "c3", "e5", "a1", "b2"])  # b2 opened: its estimate is live (none here)
    panel.review_only.setChecked(True)  # c3 needs no review: hidden, and skipped
    assert panel.neighbour("d4", 1) == "e5" and panel.neighbour("d4", -1) == "e5"
    assert panel.neighbour("c3", 1) == "e5", "from a garment just hidden: the next one shown after its place"


def test_the_lists_sort_and_filter_come_back_with_the_app(make_window, tmp_path):
    folder = ramp_catalogue(tmp_path, ("a1", "b2"))
    window = make_window([folder])
    height = window.catalogue_panel.stop_estimating.sizeHint().height()
    window.catalogue_panel.worst_first.setChecked(True)
    window.catalogue_panel.review_only.setChecked(True)
    window.close()
    again = make_window([folder])
    assert again.catalogue_panel.worst_first.isChecked() and again.catalogue_panel.review_only.isChecked()
    again.catalogue_panel.review_only.setChecked(False)
    assert not make_window([folder]).catalogue_panel.review_only.isChecked()
    assert height > 0 and not again.catalogue_panel.stop_estimating.isVisible()
