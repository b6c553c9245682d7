"""Output folders of a command: made before the work (so a folder that cannot be written
is found before any photo is predicted), and taken back when the run wrote nothing."""

from __future__ import annotations

from pathlib import Path

from core.files.atomic import can_write_into


def make_output_folder(folder: Path, what: str = "output folder") -> tuple[list[Path], str | None]:
    """Create `folder` (and its missing parents) and try a write in it: (the folders this
    made, deepest first, for take_back) and why it cannot be used, or None."""
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    if folder.exists() and not folder.is_dir():
        return [], f"{what} {folder} is a file"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return take_back(created), f"cannot create {what} {folder}: {exc.strerror or exc}"
    if not can_write_into(folder):
        return take_back(created), f"cannot write into the {what} {folder}"
    return created, None


def take_back(created: list[Path]) -> list[Path]:
    """Remove the folders a run created (deepest first) while they are still empty, so a
    run that wrote nothing leaves nothing behind; returns []."""
    for folder in created:
        try:
            folder.rmdir()
        except OSError:
            break
    return []
