"""The threshold panel's number box: a dash with no view, every real threshold a number."""

from app.widgets.threshold_panel import ThresholdPanel


def test_the_number_box_shows_a_dash_with_no_view_and_numbers_for_every_threshold(qtbot):
    panel = ThresholdPanel()
    qtbot.addWidget(panel)
    changes = []
    panel.threshold_changed.connect(changes.append)
    assert panel.spin.text() == "\u2013"  # before any view
    panel.set_threshold(1 / 255)  # the lowest threshold is a real one
    assert panel.spin.text() == "0.004" and panel.slider.value() == 1
    panel.show_none()
    assert panel.spin.text() == "\u2013" and panel.slider.value() == 128
    panel.set_threshold(0.42)
    assert panel.spin.text() == "0.420"
    assert changes == [], "showing is not changing"
