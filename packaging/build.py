"""Build the desktop bundle for the platform this runs on: `python packaging/build.py`
(what `make package` runs, with the `package` extra installed).

    dist/garment-cutout/                            the one-folder bundle
    dist/garment-cutout-<version>-<os>-<arch>.tar.gz   (a .zip on Windows)
    dist/Garment Cutout.app                         macOS only; the archive holds it

On Linux the folder also gets the .desktop entry, the icon and install-desktop-entry.sh,
which adds the app to the user's application menu.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "garment_cutout.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"


def platform_tag() -> str:
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)
    return f"{system}-{machine}"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def add_linux_desktop_files(folder: Path, icon: Path) -> None:
    shutil.copy2(ROOT / "packaging" / "linux" / "garment-cutout.desktop", folder / "garment-cutout.desktop")
    shutil.copy2(ROOT / "packaging" / "linux" / "install-desktop-entry.sh", folder / "install-desktop-entry.sh")
    shutil.copy2(icon, folder / "garment-cutout.png")
    os.chmod(folder / "install-desktop-entry.sh", 0o755)


def strip_tensorflow(folder: Path) -> None:
    """TensorFlow's libraries ship their full symbol tables (about 270 MB); the dynamic
    symbols, all that loading and running them needs, stay. Other packages' libraries are
    left alone: auditwheel-patched ones can break under strip."""
    if shutil.which("strip") is None:
        print("strip not found (binutils): TensorFlow's libraries keep their symbol tables", file=sys.stderr)
        return
    libraries = [p for p in (folder / "_internal" / "tensorflow").rglob("*.so*") if p.is_file() and not p.is_symlink()]
    subprocess.run(["strip", "--strip-unneeded", *map(str, libraries)], check=True)


def write_archive(source: Path, stem: str) -> Path:
    if sys.platform == "win32":
        archive = DIST / f"{stem}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(source.rglob("*")):
                zf.write(path, Path(source.name) / path.relative_to(source))
        return archive
    archive = DIST / f"{stem}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tf:
        tf.add(source, arcname=source.name)  # symbolic links stay links
    return archive


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    name, version = project["name"], project["version"]
    t0 = time.time()
    if sys.platform.startswith("linux"):
        # The bundle carries Qt's xcb libraries only if this machine has them to copy.
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        if subprocess.run(["bash", str(ROOT / "scripts" / "check_qt_libraries.sh")], env=env, check=False).returncode:
            print("Install them before building: the bundle would not start on a machine without them.",
                  file=sys.stderr)
            return 1
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                    "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC)], check=True, cwd=ROOT)
    folder = DIST / name
    if sys.platform.startswith("linux"):
        strip_tensorflow(folder)
        add_linux_desktop_files(folder, WORK / SPEC.stem / f"{name}.png")
    source = DIST / "Garment Cutout.app" if sys.platform == "darwin" else folder
    archive = write_archive(source, f"{name}-{version}-{platform_tag()}")
    print(f"bundle  {folder}  {folder_size(folder) / 2**20:.0f} MiB")
    print(f"archive {archive}  {archive.stat().st_size / 2**20:.0f} MiB  ({time.time() - t0:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
