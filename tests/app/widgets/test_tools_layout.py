"""With the Messages dock open in a short window, the Tools panel scrolls instead of
drawing its widgets over each other."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QPushButton


def _rect_in(widget, ancestor) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def test_the_tools_panel_keeps_its_layout_when_messages_take_the_height(make_window, shoot, qtbot):
    window = make_window([shoot])
    window.resize(1280, 560)
    for i in range(8):
        window.feedback.note(f"message {i}")
    qtbot.waitUntil(lambda: window.message_dock.isVisible())
    qtbot.wait(50)
    tools = window.tools
    # Never squeezed below the height its layout needs: Qt then overlaps the widgets.
    assert tools.height() >= tools.minimumSizeHint().height()
    panel = window.threshold_panel
    plot = _rect_in(panel.plot, tools)
    buttons = [b for b in panel.findChildren(QPushButton) if b.isVisible()]
    assert buttons and all(not _rect_in(b, tools).intersects(plot) for b in buttons)
    # The model card is whole inside the panel, reachable by scrolling.
    label = _rect_in(window.model_label, tools)
    assert tools.rect().contains(label)
    assert window.tools_dock.widget().verticalScrollBar().maximum() > 0
    # Messages span only under the canvas: the right column runs down to the status bar.
    assert window.message_dock.geometry().right() < window.tools_dock.geometry().left()
