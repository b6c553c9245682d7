"""A reopened catalogue lists its estimates from the sidecar, without reading a photo
(core.files.estimate_cache), and a garment changed since is estimated again."""

from __future__ import annotations

import pytest

import app.document.garment_session as garment_session
from tests.app.conftest import opened_while_the_model_loads, ramp_catalogue, triage_card


@pytest.fixture
def photos_read(monkeypatch):
    """The names of the photos read from now on."""
    names = []
    real = garment_session.read_image

    def counting(path, *args, **kwargs):
        names.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(garment_session, "read_image", counting)
    return names


def _estimated(window, qtbot, keys):
    panel = window.catalogue_panel
    qtbot.waitUntil(lambda: all(panel.estimate(k) is not None for k in keys), timeout=10000)
    qtbot.waitUntil(lambda: not panel.stop_estimating.isVisible(), timeout=5000)
    return {k: panel.estimate(k) for k in keys}


def test_a_reopened_catalogue_lists_its_estimates_without_reading_a_photo(make_window, fake_predictor, tmp_path,
                                                                         qtbot, photos_read):
    triage_card(fake_predictor)
    folder = ramp_catalogue(tmp_path)
    window = make_window([folder])
    first = _estimated(window, qtbot, ("b2", "c3"))
    window.close()
    assert {"b2_Front.png", "c3_Back.png"} <= set(photos_read)

    photos_read.clear()
    again = _estimated(make_window([folder]), qtbot, ("b2", "c3"))
    assert again == first
    assert set(photos_read) == {"a1_Front.png", "a1_Back.png"}, "only the garment opened was read"


def test_a_garment_changed_since_is_estimated_again(make_window, fake_predictor, tmp_path, qtbot, photos_read):
    from tests.app.conftest import write_photo

    triage_card(fake_predictor)
    folder = ramp_catalogue(tmp_path)
    window = make_window([folder])
    _estimated(window, qtbot, ("b2", "c3"))
    window.catalogue_panel.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: window.session.garment_id == "b2" and window.state.predicted, timeout=5000)
    window.editor.set_threshold(0.9)  # saved in b2's view file: b2's kept estimate is stale
    window.autosave.save_now()
    window.close()
    write_photo(folder / "c3_Back.png", w=100, seed=7)  # re-shot
    photos_read.clear()

    again = make_window([folder])
    estimates = _estimated(again, qtbot, ("b2", "c3"))
    assert {"b2_Front.png", "b2_Back.png", "c3_Back.png"} <= set(photos_read)
    again.catalogue_panel.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: again.session.garment_id == "b2" and again.state.predicted, timeout=5000)
    assert again.state.threshold == pytest.approx(0.9, abs=0.01)
    assert again.catalogue_panel.estimate("b2") == pytest.approx(estimates["b2"]), "at its new threshold"


def test_kept_estimates_are_listed_while_the_model_is_still_loading(make_window, fake_predictor, tmp_path, qtbot):

    triage_card(fake_predictor)
    folder = ramp_catalogue(tmp_path)
    window = make_window([folder])
    first = _estimated(window, qtbot, ("b2", "c3"))
    window_estimate_of_a1 = window.catalogue_panel.estimate("a1")
    window.close()

    loading, factory = opened_while_the_model_loads(qtbot, fake_predictor, folder)
    try:
        panel = loading.catalogue_panel
        qtbot.waitUntil(lambda: all(panel.estimate(k) is not None for k in ("a1", "b2", "c3")), timeout=5000)
        assert loading.model_controller.loading and loading.predictor is None
        assert {k: panel.estimate(k) for k in ("b2", "c3")} == first
        # a1, open, from its cached maps and the card's triage (it had none until the load)
        assert panel.estimate("a1") == window_estimate_of_a1
    finally:
        factory.release.set()
    qtbot.waitUntil(lambda: loading.predictor is fake_predictor, timeout=10000)
    assert _estimated(loading, qtbot, ("b2", "c3")) == first, "the same once the model has loaded"


def test_a_photo_the_estimate_finds_unreadable_is_named_and_stays_unreadable_on_reopening(
        make_window, fake_predictor, tmp_path, qtbot):
    """An overwritten JPEG passes the listing's quick check (its ends are whole): the
    background estimate marked it unreadable without a word under Messages, and a reopened
    catalogue listed it as not started (found by a helper)."""
    import cv2
    import numpy as np

    from app.document.garment_session import BROKEN
    from tests.core.files.conftest import overwritten_jpeg

    triage_card(fake_predictor)
    folder = ramp_catalogue(tmp_path, ("a1", "b2"))
    photo = np.random.default_rng(3).integers(0, 255, (120, 80, 3), dtype=np.uint8)
    (folder / "d4_Front.jpg").write_bytes(overwritten_jpeg(cv2.GaussianBlur(photo, (0, 0), 3), size=600))
    window = make_window([folder])
    panel = window.catalogue_panel
    qtbot.waitUntil(lambda: panel.state("d4") == BROKEN, timeout=10000)
    said = [m for m in window.message_panel.messages() if "d4_Front.jpg" in m]
    assert len(said) == 1 and said[0].startswith("d4 Front: cannot read image") and "corrupt" in said[0], said
    qtbot.waitUntil(lambda: not panel.stop_estimating.isVisible(), timeout=5000)
    window.close()

    loading, factory = opened_while_the_model_loads(qtbot, fake_predictor, folder)
    try:
        qtbot.waitUntil(lambda: loading.catalogue_panel.state("d4") == BROKEN, timeout=5000)
        assert loading.predictor is None, "known from the sidecar, before the model has loaded"
        assert any("d4_Front.jpg" in m and "corrupt" in m for m in loading.message_panel.messages())
    finally:
        factory.release.set()


def test_corrections_the_estimate_sets_aside_show_in_the_list_and_messages_at_once(make_window, fake_predictor,
                                                                                    tmp_path, qtbot):
    """b2's photo was replaced by another of the same size: the background estimate read
    it and set its corrections aside, but the list said "corrected" and Messages said
    nothing until b2 was opened (found by a helper driving the app)."""
    from app.document.garment_session import CORRECTED
    from tests.app.conftest import drag, front_only_catalogue, write_photo

    triage_card(fake_predictor)
    folder = front_only_catalogue(tmp_path, seed=3)
    window = make_window([folder])
    window.catalogue_panel.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: window.session.garment_id == "b2" and window.state.predicted, timeout=5000)
    drag(window, [(10, 30), (30, 30)])
    window.autosave.save_now()
    window.close()
    write_photo(folder / "b2_Front.png", seed=9)  # another photo, the same size

    again = make_window([folder])
    assert again.session.garment_id == "a1"
    _estimated(again, qtbot, ("b2",))
    assert again.catalogue_panel.state("b2") != CORRECTED
    lines = again.message_panel.messages()
    assert any("b2" in line and "not the one its saved corrections" in line for line in lines), lines
