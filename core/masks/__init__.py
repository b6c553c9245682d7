"""The mask model: the mask composed from probability, threshold and override; the edits
that write the override (strokes, undoable change records); and whole-mask clean-ups."""
