"""Foundations every layer may use: user-facing errors, bundled resource paths, and the
command line's text progress bar."""
