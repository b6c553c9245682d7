"""Editing the view on screen: brush strokes, thresholds and clean-ups as undo steps,
how the view is drawn on the canvas, and the autosave of what changed."""
