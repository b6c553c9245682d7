"""Dialogs: the export options and the keyboard and mouse reference."""
