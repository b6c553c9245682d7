"""Render resources/icons/app.svg to a square PNG: `python packaging/render_icon.py OUT.png [SIZE]`.

The spec runs it at build time (the PNG is not kept in git): the Linux bundle ships the
PNG beside the .desktop file, and PyInstaller turns it into the Windows .ico and the
macOS .icns (with Pillow).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    size = int(argv[1]) if len(argv) > 1 else 256
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (QPainter needs one)
    renderer = QSvgRenderer(str(ROOT / "resources" / "icons" / "app.svg"))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    return 0 if image.save(str(out)) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
