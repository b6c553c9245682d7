"""The view buttons say "exported" as soon as an export ends, and again on reopening."""

from __future__ import annotations

from app.widgets.view_strip import view_state_word
from tests.app.conftest import drag

VIEWS = ("Front", "FrontRight", "Back")


def _words(window) -> list[str]:
    return [window.view_strip.buttons[v].text().split()[-1] for v in VIEWS]


def test_the_view_buttons_say_exported_at_once_and_after_reopening(make_window, shoot, tmp_path, qtbot):
    window = make_window([shoot])
    assert _words(window) == ["predicted"] * 3
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(tmp_path / "out")
    assert _words(window) == ["exported"] * 3, "without waiting for a view switch"
    window.close()

    reopened = make_window([shoot])
    assert all(s.exported for s in reopened.session.states.values())
    assert _words(reopened) == ["exported"] * 3
    assert reopened.catalogue_panel.state("g1") == "exported"

    reopened.editor.set_brush_radius(3)
    drag(reopened, [(10, 10), (10, 60)])  # a correction: that cutout is out of date now
    assert view_state_word(reopened.state, False) != "exported"
    assert _words(reopened)[0] != "exported" and _words(reopened)[1:] == ["exported"] * 2


def test_a_cutout_in_another_folder_is_not_this_exports(make_window, shoot, tmp_path, qtbot):
    window = make_window([shoot])
    with qtbot.waitSignal(window.export_finished, timeout=10000):
        assert window.export(tmp_path / "out")
    window.close()
    window.settings.export_folder = str(tmp_path / "elsewhere")
    reopened = make_window([shoot])
    assert not any(s.exported for s in reopened.session.states.values())
    assert "exported" not in _words(reopened)
