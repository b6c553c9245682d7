"""Smoke test of the desktop bundle (packaging/): `make package-smoke`, or
`pytest -m bundle tests/packaging` (which builds it first, several minutes).

GARMENT_CUTOUT_BUNDLE=dist/garment-cutout runs it on a bundle already built. Each test
starts the bundled executables in a fresh environment: HOME, the caches and settings in a
temporary folder, and nothing of the source tree or the virtual environment on the path.
The start-up times go to build/bundle-smoke.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.bundle

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample_shoot"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
REPORT = ROOT / "build" / "bundle-smoke.json"


@pytest.fixture(scope="module")
def bundle() -> Path:
    given = os.environ.get("GARMENT_CUTOUT_BUNDLE")
    if not given:
        pytest.importorskip("PyInstaller", reason="the `package` extra builds the bundle: pip install -e '.[package]'")
        subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], check=True, cwd=ROOT)
    folder = Path(given or ROOT / "dist" / "garment-cutout").resolve()
    assert (folder / f"garment-cutout{EXE_SUFFIX}").is_file(), f"no bundle in {folder}"
    return folder


def clean_env(tmp_path: Path) -> dict[str, str]:
    """What a retoucher's session has: no venv, no PYTHONPATH, a fresh home; offscreen Qt."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP") if k in os.environ}
    return {**keep, "HOME": str(home), "USERPROFILE": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"), "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "2"}


def check_cutout(path: Path, photo: Path) -> np.ndarray:
    """An RGBA cutout of the photo's size: the photo's pixels, a real garment/background split."""
    with Image.open(path) as image:
        assert image.format == "PNG" and image.mode == "RGBA", (image.format, image.mode)
        rgba = np.asarray(image)
    with Image.open(photo) as source:
        rgb = np.asarray(source.convert("RGB"))
    assert rgba.shape[:2] == rgb.shape[:2]
    assert np.array_equal(rgba[..., :3], rgb)
    alpha = rgba[..., 3]
    assert 0.05 < (alpha > 127).mean() < 0.95
    return alpha > 127


def dice_with_truth(mask: np.ndarray, photo: Path) -> float:
    with Image.open(SAMPLE / "truth" / f"{photo.stem}_cutout.png") as truth_image:
        truth = np.asarray(truth_image)[..., 3] > 127
    return 2 * (mask & truth).sum() / (mask.sum() + truth.sum())


def record(**values) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(REPORT.read_text()) if REPORT.is_file() else {}
    REPORT.write_text(json.dumps({**previous, **values}, indent=2))


@pytest.mark.parametrize("platform", [
    "offscreen",
    pytest.param("xcb", marks=pytest.mark.skipif(shutil.which("xvfb-run") is None or sys.platform != "linux",
                                                 reason="the xcb run needs xvfb-run (apt-get install xvfb)")),
])
def test_gui_predicts_and_exports_the_sample_shoot(bundle: Path, tmp_path: Path, platform: str):
    """offscreen: Qt draws into memory; xcb: a real X server (Xvfb), through the bundle's
    own xcb platform plugin and libraries."""
    out = tmp_path / "cutouts"
    env = clean_env(tmp_path)
    command = [str(bundle / f"garment-cutout-gui{EXE_SUFFIX}"), "--smoke-export", str(out)]
    if platform == "xcb":
        env["QT_QPA_PLATFORM"] = "xcb"
        command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", *command]
    elif sys.platform.startswith("linux"):
        # A machine without fonts: the launcher falls back on the bundle's DejaVu Sans.
        (tmp_path / "no-fonts.conf").write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n')
        env["FONTCONFIG_FILE"] = str(tmp_path / "no-fonts.conf")
    launched = time.time()
    run = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    finished = time.time()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((out / "smoke.json").read_text())
    assert report["error"] is None
    assert report["font"], "no font: the window's text would draw as boxes"
    front = SAMPLE / next(p.name for p in SAMPLE.glob("*_Front.png"))
    exported = out / f"{front.stem}_cutout.png"
    assert str(exported) in report["written"]
    dice = dice_with_truth(check_cutout(exported, front), front)
    assert dice > 0.9, dice
    record(**{f"gui_{platform}": {
        "window_shown_s": round(report["window_shown"] - launched, 2),
        "first_overlay_s": round(report["first_overlay"] - launched, 2),
        "all_views_predicted_s": round(report["predicted"] - launched, 2),
        "process_s": round(finished - launched, 2), "front_dice": round(float(dice), 4)}})


def test_cli_predicts_a_folder(bundle: Path, tmp_path: Path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for photo in SAMPLE.glob("*.png"):
        shutil.copy2(photo, photos / photo.name)
    out = tmp_path / "out"
    launched = time.time()
    run = subprocess.run([str(bundle / f"garment-cutout{EXE_SUFFIX}"), "predict", str(photos), "--out", str(out),
                          "--masks"], env=clean_env(tmp_path), cwd=tmp_path, capture_output=True, text=True,
                         timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    record(cli_predict_3_views_s=round(time.time() - launched, 2))
    for photo in sorted(photos.glob("*.png")):
        mask = check_cutout(out / f"{photo.stem}_cutout.png", photo)
        with Image.open(out / f"{photo.stem}_mask.png") as mask_image:
            assert np.array_equal(np.asarray(mask_image) > 127, mask)
        assert dice_with_truth(mask, SAMPLE / photo.name) > 0.9


def test_cli_help_starts_without_qt_or_tensorflow(bundle: Path, tmp_path: Path):
    run = subprocess.run([str(bundle / f"garment-cutout{EXE_SUFFIX}"), "--help"], env=clean_env(tmp_path),
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "predict" in run.stdout


# What the bundle may take from the machine: glibc, and what comes with the machine's
# graphics stack, which PyInstaller leaves out on purpose: the GL/EGL dispatch libraries
# and libxcb (every X server package depends on libgl1, which brings libxcb1; Xorg also
# on libegl1).
SYSTEM_LIBRARIES = ("linux-vdso", "ld-linux", "libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so",
                    "libutil.so", "libresolv.so", "libGL.so", "libEGL.so", "libGLX.so", "libGLdispatch.so",
                    "libOpenGL.so", "libxcb.so")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: Qt's xcb plugin and its libraries")
def test_bundle_carries_the_qt_xcb_libraries(bundle: Path):
    internal = bundle / "_internal"
    plugin = next(internal.rglob("platforms/libqxcb.so"))
    env = {"PATH": os.environ.get("PATH", ""), "LD_LIBRARY_PATH": str(internal)}
    libraries = subprocess.run(["ldd", str(plugin)], env=env, capture_output=True, text=True, check=True).stdout
    outside = []
    for line in libraries.splitlines():
        name, _, where = line.strip().partition(" => ")
        where = where.split(" (")[0].strip()
        if "not found" in where:
            outside.append(f"{name} (not found)")
        elif where and not where.startswith(str(internal)) and not name.startswith(SYSTEM_LIBRARIES):
            outside.append(f"{name} => {where}")
    assert not outside, "from the machine, not the bundle: " + ", ".join(outside)
    # The libraries scripts/check_qt_libraries.sh asks `make run` users to install.
    needed = ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-image.so.0",
              "libxcb-render-util.so.0", "libxcb-xkb.so.1", "libxkbcommon-x11.so.0", "libxcb-shape.so.0",
              "libxcb-randr.so.0", "libxcb-xfixes.so.0", "libfontconfig.so.1", "libdbus-1.so.3"]
    missing = [name for name in needed if not (internal / name).exists()]
    assert not missing, missing
    assert (bundle / "garment-cutout.desktop").is_file() and (bundle / "garment-cutout.png").is_file()
