"""Export in the app: the options (folder, feather, masks) asked and remembered, and the
export of the garment on screen or of every garment of the catalogue as background jobs."""
