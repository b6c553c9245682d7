"""What the app remembers between sessions, kept in QSettings under a version key.

Only user preferences and window layout live here; corrections live in the shoot's
sidecar (core.files.sidecar) so they travel with the photos. Tests redirect QSettings to a
temporary folder (see tests/app/conftest.py), so they never touch the user's settings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "GarmentCutout"
APPLICATION = "GarmentCutout"
# Bump when a stored value changes meaning; older settings are then dropped, not misread.
SETTINGS_VERSION = 1
MAX_RECENT = 10
MAX_REMEMBERED_SHOOTS = 500  # export folders remembered per shoot; the oldest are forgotten

DEFAULT_BRUSH_RADIUS = 12
DEFAULT_OVERLAY_COLOUR = (40, 220, 80)
DEFAULT_OPACITY = 0.45


class AppSettings:
    """Typed accessors over QSettings (INI file in the user's config folder)."""

    def __init__(self, settings: QSettings | None = None):
        self._s = settings or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
        )
        stored = self._int("settings_version", 0)
        if stored != SETTINGS_VERSION:
            self._s.clear()
            self._s.setValue("settings_version", SETTINGS_VERSION)

    # -- helpers -----------------------------------------------------------------
    def _int(self, key: str, default: int) -> int:
        try:
            return int(self._s.value(key, default))
        except (TypeError, ValueError):
            return default

    def _float(self, key: str, default: float) -> float:
        try:
            return float(self._s.value(key, default))
        except (TypeError, ValueError):
            return default

    def _bool(self, key: str, default: bool) -> bool:
        """Stored as 0/1 (QSettings' own bools come back as strings on some backends)."""
        return self._int(key, int(default)) == 1

    def _str(self, key: str, default: str = "") -> str:
        value = self._s.value(key, default)
        return value if isinstance(value, str) else default

    def sync(self) -> None:
        self._s.sync()

    # -- window ------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self._s.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)
        self._s.setValue("window/state", state)

    # -- folders -----------------------------------------------------------------
    @property
    def last_open_folder(self) -> str:
        return self._str("folders/open")

    @last_open_folder.setter
    def last_open_folder(self, value: str) -> None:
        self._s.setValue("folders/open", str(value))

    def export_folder_for(self, shoot: str | Path) -> Path | None:
        """Where this shoot's garments were last exported, None if never. Each shoot keeps
        its own: one shoot's cutouts are not offered another shoot's folder, and a shoot
        still shows as exported after another shoot was exported elsewhere."""
        return self.export_folders_for([shoot])[shoot]

    def export_folders_for(self, shoots: Iterable[str | Path]) -> dict:
        """{shoot: export_folder_for(shoot)} for many shoots, the settings read once."""
        stored = self._export_folders()
        return {shoot: Path(f) if (f := stored.get(_shoot_key(shoot))) else None for shoot in shoots}

    def remember_export_folders(self, folders: Mapping[str | Path, str | Path]) -> None:
        """Remember {shoot: the folder it was exported to}, written once."""
        stored = self._export_folders()
        for shoot, folder in folders.items():
            key = _shoot_key(shoot)
            stored.pop(key, None)  # re-inserted last: the dict stays oldest-first
            stored[key] = str(folder)
        kept = dict(list(stored.items())[-MAX_REMEMBERED_SHOOTS:])
        self._s.setValue("folders/export_by_shoot", json.dumps(kept))

    def _export_folders(self) -> dict[str, str]:
        try:
            value = json.loads(self._str("folders/export_by_shoot", "{}"))
        except ValueError:
            return {}
        return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}

    @property
    def training_folder(self) -> str:
        """Where File > Add corrected views to training set last copied to."""
        return self._str("folders/training")

    @training_folder.setter
    def training_folder(self, value: str) -> None:
        self._s.setValue("folders/training", str(value))

    @property
    def model_path(self) -> str:
        """The user's chosen model; empty means the bundled default."""
        return self._str("model/path")

    @model_path.setter
    def model_path(self, value: str) -> None:
        self._s.setValue("model/path", str(value))

    def recent_paths(self) -> list[str]:
        value = self._s.value("recent/paths", [])
        if isinstance(value, str):  # QSettings INI collapses one-element lists
            value = [value]
        return [v for v in (value or []) if isinstance(v, str)]

    def add_recent_path(self, path: str | Path) -> list[str]:
        path = str(path)
        paths = [path] + [p for p in self.recent_paths() if p != path]
        paths = paths[:MAX_RECENT]
        self._s.setValue("recent/paths", paths)
        return paths

    # -- tools -------------------------------------------------------------------
    @property
    def brush_radius(self) -> int:
        return max(1, self._int("brush/radius", DEFAULT_BRUSH_RADIUS))

    @brush_radius.setter
    def brush_radius(self, value: int) -> None:
        self._s.setValue("brush/radius", int(value))

    @property
    def brush_hardness(self) -> int:
        """Brush hardness in percent: 100 paints a hard edge, less a soft falloff."""
        return min(100, max(0, self._int("brush/hardness", 100)))

    @brush_hardness.setter
    def brush_hardness(self, value: int) -> None:
        self._s.setValue("brush/hardness", int(value))

    @property
    def overlay_opacity(self) -> float:
        return min(1.0, max(0.0, self._float("overlay/opacity", DEFAULT_OPACITY)))

    @overlay_opacity.setter
    def overlay_opacity(self, value: float) -> None:
        self._s.setValue("overlay/opacity", float(value))

    @property
    def overlay_colour(self) -> tuple[int, int, int]:
        text = self._str("overlay/colour")
        try:
            r, g, b = (int(v) for v in text.split(","))
            return (r & 255, g & 255, b & 255)
        except ValueError:
            return DEFAULT_OVERLAY_COLOUR

    @overlay_colour.setter
    def overlay_colour(self, value: tuple[int, int, int]) -> None:
        self._s.setValue("overlay/colour", ",".join(str(int(v)) for v in value))

    @property
    def catalogue_worst_first(self) -> bool:
        return self._bool("catalogue/worst_first", False)

    @catalogue_worst_first.setter
    def catalogue_worst_first(self, value: bool) -> None:
        self._s.setValue("catalogue/worst_first", int(bool(value)))

    @property
    def catalogue_review_only(self) -> bool:
        return self._bool("catalogue/review_only", False)

    @catalogue_review_only.setter
    def catalogue_review_only(self, value: bool) -> None:
        self._s.setValue("catalogue/review_only", int(bool(value)))

    @property
    def export_options(self) -> ExportOptions:
        """The export dialog's options as last accepted (folders are kept per shoot)."""
        from core.masks.cleanups import MAX_FEATHER_PX
        from core.masks.refine_edge import MAX_BAND_PX

        # Clamped both ways: an export that skips the dialog must not fail on a bad setting.
        return ExportOptions(feather_px=min(int(MAX_FEATHER_PX), max(0, self._int("export/feather", 0))),
                             write_mask=self._bool("export/masks", False),
                             refine_edge_px=min(MAX_BAND_PX, max(0, self._int("export/refine_edge", 0))),
                             decontaminate=self._bool("export/decontaminate", True),
                             each_shoot=self._bool("export/each_shoot", True))

    @export_options.setter
    def export_options(self, value: ExportOptions) -> None:
        for key, number in (("feather", value.feather_px), ("masks", value.write_mask),
                            ("refine_edge", value.refine_edge_px), ("decontaminate", value.decontaminate),
                            ("each_shoot", value.each_shoot)):
            self._s.setValue(f"export/{key}", int(number))

    @property
    def view_mode(self) -> str:
        return self._str("overlay/mode", "overlay")

    @view_mode.setter
    def view_mode(self, value: str) -> None:
        self._s.setValue("overlay/mode", value)


class ExportOptions(NamedTuple):
    feather_px: int = 0
    write_mask: bool = False
    refine_edge_px: int = 0
    decontaminate: bool = True
    each_shoot: bool = True  # Export all of several shoots: each into its own folder


def _shoot_key(shoot: str | Path) -> str:
    return str(Path(shoot).resolve())
