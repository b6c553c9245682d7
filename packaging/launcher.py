"""Entry point of both bundled executables (packaging/garment_cutout.spec).

One script, two executables in one folder: `garment-cutout` (console) runs the command
line, `garment-cutout-gui` (windowed: no console window on Windows) opens the app. The
executable's own name decides which, so both share one analysis and one library folder.

Hidden, for scripted smoke runs (scripts/smoke_test_bundle.sh):
    garment-cutout gui --smoke-export OUTDIR [PATH]
    garment-cutout-gui --smoke-export OUTDIR [PATH]
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path


def ensure_a_font() -> None:
    """Qt 6 ships no fonts, and a Linux machine with only an X server may have none (or no
    fontconfig set-up): then the app's text would not show. The bundle has DejaVu Sans
    anyway (matplotlib's copy), so the app registers it when Qt finds no font at all
    (fontconfig still lists its generic families then, but the default font resolves to
    no family and text draws as boxes)."""
    from PySide6.QtGui import QFontDatabase, QFontInfo
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])  # app.main uses this one
    if QFontInfo(app.font()).family():
        return
    fonts = Path(getattr(sys, "_MEIPASS", Path(__file__).parent)) / "matplotlib" / "mpl-data" / "fonts" / "ttf"
    for font in sorted(fonts.glob("DejaVuSans*.ttf")):
        QFontDatabase.addApplicationFont(str(font))


def main() -> int:
    multiprocessing.freeze_support()
    argv = sys.argv[1:]
    if Path(sys.executable).stem.lower().endswith("-gui"):
        argv = ["gui", *argv]
    if argv[:1] == ["gui"] and sys.platform.startswith("linux") and "-h" not in argv and "--help" not in argv:
        ensure_a_font()
    if argv[:1] == ["gui"] and "--smoke-export" in argv[1:]:
        from app.smoke_export import main as smoke_main

        return smoke_main(argv[1:])
    from app.command_line import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
