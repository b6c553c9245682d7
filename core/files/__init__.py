"""Files and shoots: read images, write atomically, discover garments and training pairs,
keep the autosaved sidecar, and export cutouts."""
