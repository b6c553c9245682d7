"""Widgets that show and emit, never decide: the canvas, the side panels, the view strip
and the status bar."""
