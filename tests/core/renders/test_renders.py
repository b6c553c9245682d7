"""Procedural studio renders: determinism, sizes, truth masks and the bundled sample shoot."""

import re

import cv2
import numpy as np
import pytest

from core.common import paths
from core.common.errors import GarmentCutoutError
from core.renders import composition as ss
from core.renders.garment import random_garment
from core.renders.geometry import Y_TURNTABLE
from core.renders.studio import Frame, ViewPose

SMALL = (256, 384)  # (width, height)
NAME = re.compile(r"^(?P<id>.+)_(?P<view>Front|FrontRight|Back)\.png$")


def _pixel(seed: int, size, x_body: float, y_body: float) -> tuple[int, int]:
    """(row, col) of a point in the mannequin's frame (Front view, so X is not turned)."""
    _, studio = ss._scene(seed, size)
    frame = Frame(size[0], size[1], studio, ViewPose("Front", 0.0, 0.0), np.random.default_rng(0))
    x, y = frame.to_px(np.array([[x_body, y_body]]))[0]
    return int(y), int(x)


def test_same_seed_gives_identical_arrays():
    a = ss.render_view(5, "FrontRight", SMALL)
    b = ss.render_view(5, "FrontRight", SMALL)
    assert np.array_equal(a.rgb, b.rgb) and np.array_equal(a.mask, b.mask) and np.array_equal(a.alpha, b.alpha)
    c = ss.render_view(6, "FrontRight", SMALL)
    assert not np.array_equal(a.rgb, c.rgb)


def test_render_view_equals_the_views_of_its_garment():
    spec, _ = ss._scene(9, SMALL)
    assert spec == random_garment(np.random.default_rng([9, 0]))
    views = ss.render_garment_views(spec, 9, SMALL)
    assert list(views) == ["Front", "FrontRight", "Back"]
    one = ss.render_view(9, "Back", SMALL)
    assert np.array_equal(views["Back"].rgb, one.rgb) and np.array_equal(views["Back"].mask, one.mask)


@pytest.mark.parametrize("size", [(200, 333), (257, 256), (9, 8)])
def test_any_size_gives_arrays_of_that_size(size):
    r = ss.render_view(3, "Front", size)
    w, h = size
    assert r.rgb.shape == (h, w, 3) and r.rgb.dtype == np.uint8
    assert r.mask.shape == (h, w) and r.mask.dtype == bool
    assert np.array_equal(r.mask, r.alpha >= 128)


def test_bad_requests_raise_project_errors():
    with pytest.raises(GarmentCutoutError, match="unknown view"):
        ss.render_view(1, "Side", SMALL)
    with pytest.raises(GarmentCutoutError, match="size"):
        ss.render_view(1, "Front", (0, 100))
    with pytest.raises(GarmentCutoutError, match="size"):
        ss.render_view(1, "Front", "big")
    assert ss.render_view(1, "front_right", (64, 96)).rgb.shape == (96, 64, 3)  # names as shoots spell them


@pytest.mark.parametrize("seed", range(8))
def test_mask_is_a_garment_not_the_frame_nor_the_turntable(seed):
    for view in ss.VIEWS:
        r = ss.render_view(seed, view, SMALL)
        h, w = r.mask.shape
        assert 0.02 < r.mask.mean() < 0.5, f"seed {seed} {view}: garment area {r.mask.mean():.3f}"
        # Never at the image border, and nothing at the turntable's level (it is 8% from the bottom).
        assert not r.mask[0].any() and not r.mask[:, 0].any() and not r.mask[:, -1].any()
        assert not r.mask[int(0.93 * h):].any(), f"seed {seed} {view}: garment on the turntable"


def test_mannequin_and_stand_are_not_garment():
    # Seed 20: a sleeveless top on a full mannequin with arms; seed 2: a top on a dress form.
    spec, studio = ss._scene(20, SMALL)
    m = studio.mannequin
    assert (spec.kind, spec.sleeves, m.style, m.arms) == ("top", "none", "full", "full")
    r = ss.render_view(20, "Front", SMALL)
    assert r.mask[_pixel(20, SMALL, 0.0, 0.3)], "the chest is covered by the top"
    assert not r.mask[_pixel(20, SMALL, 0.0, (m.neck_top + 0.14) / 2)], "neck"
    assert not r.mask[_pixel(20, SMALL, 0.05, 0.75)], "leg"
    assert not r.mask[_pixel(20, SMALL, m.shoulder_w + 0.012, 0.51)], "hand"
    bottom = _pixel(20, SMALL, 0.0, Y_TURNTABLE - 0.06)[0]
    assert not r.mask[bottom:].any(), "feet, rod and turntable"
    spec, studio = ss._scene(2, SMALL)
    assert (spec.kind, studio.mannequin.style) == ("top", "form")
    r = ss.render_view(2, "Front", SMALL)
    assert not r.mask[_pixel(2, SMALL, 0.0, 0.7)], "the dress form's pole"
    # The pole is drawn there: a dark-to-mid grey, unlike the light backdrop around it.
    row, col = _pixel(2, SMALL, 0.0, 0.7)
    assert r.rgb[row, col].mean() < r.rgb[row, col + 40].mean() - 30


def test_three_views_differ():
    views = ss.render_garment_views(ss._scene(13, SMALL)[0], 13, SMALL)
    masks = [v.mask for v in views.values()]
    for i in range(3):
        for j in range(i + 1, 3):
            iou = (masks[i] & masks[j]).sum() / (masks[i] | masks[j]).sum()
            assert iou < 0.97
            assert np.abs(views[ss.VIEWS[i]].rgb.astype(int) - views[ss.VIEWS[j]].rgb).mean() > 1.0
    # Turned 45 degrees the garment is narrower than from the front.
    width = {v: np.ptp(np.nonzero(r.mask.any(axis=0))[0]) for v, r in views.items()}
    assert width["FrontRight"] < width["Front"]


def test_training_pair_is_a_photo_and_a_boolean_mask():
    rgb, mask = ss.render_training_pair(1_000_123, size=(128, 192))
    assert rgb.shape == (192, 128, 3) and rgb.dtype == np.uint8
    assert mask.shape == (192, 128) and mask.dtype == bool and 0 < mask.mean() < 0.6


def test_write_sample_shoot_writes_parsable_rgba_photos_and_cutouts(tmp_path):
    written = ss.write_sample_shoot(tmp_path, seed=4, png_compression=1)
    gid = ss.garment_id_for_seed(4)
    assert gid == ss.garment_id_for_seed(4) != ss.garment_id_for_seed(5)
    photos = sorted(p.name for p in tmp_path.glob("*.png"))
    assert photos == sorted(f"{gid}_{v}.png" for v in ss.VIEWS)
    assert {NAME.match(p).group("view") for p in photos} == set(ss.VIEWS)
    assert all(NAME.match(p).group("id") == gid for p in photos)
    assert len(written) == 6 and all(p.is_file() for p in written)
    for view in ss.VIEWS:
        photo = cv2.imread(str(tmp_path / f"{gid}_{view}.png"), cv2.IMREAD_UNCHANGED)
        assert photo.shape == (1728, 1152, 4) and photo.dtype == np.uint8
        assert (photo[..., 3] == 255).all()
        cut = cv2.imread(str(tmp_path / "truth" / f"{gid}_{view}_cutout.png"), cv2.IMREAD_UNCHANGED)
        assert cut.shape == (1728, 1152, 4)
        inside = cut[..., 3] > 127
        assert 0.02 < inside.mean() < 0.5
        assert np.array_equal(cut[inside][:, :3], photo[inside][:, :3]), "cutout colour is the photo's"
        assert set(np.unique(cut[..., 3])) >= {0, 255}


def test_write_sample_shoot_refuses_a_path_as_garment_id(tmp_path):
    with pytest.raises(GarmentCutoutError):
        ss.write_sample_shoot(tmp_path, seed=4, garment_id="../x", size=(32, 48), png_compression=1)


def test_cli_reports_an_unwritable_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert ss.main([str(blocker / "shoot")]) == 1
    assert "error:" in capsys.readouterr().err


@pytest.mark.skipif(not paths.SAMPLE_SHOOT.is_dir(), reason="bundled sample shoot missing")
def test_bundled_sample_shoot_is_what_the_generator_makes():
    gid = ss.garment_id_for_seed(ss.DEFAULT_SEED)
    names = sorted(p.name for p in paths.SAMPLE_SHOOT.glob("*.png"))
    assert names == sorted(f"{gid}_{v}.png" for v in ss.VIEWS)
    assert sorted(p.name for p in (paths.SAMPLE_SHOOT / "truth").glob("*.png")) == sorted(
        f"{gid}_{v}_cutout.png" for v in ss.VIEWS)
    fresh = ss.render_view(ss.DEFAULT_SEED, "Front")
    photo = cv2.imread(str(paths.SAMPLE_SHOOT / f"{gid}_Front.png"), cv2.IMREAD_UNCHANGED)
    assert photo.shape == (1728, 1152, 4)
    rgb = cv2.cvtColor(photo, cv2.COLOR_BGRA2RGB)
    # Exact on one machine; a little slack for other builds of numpy/OpenCV.
    assert np.abs(rgb.astype(np.int16) - fresh.rgb).mean() < 0.5
    cut = cv2.imread(str(paths.SAMPLE_SHOOT / "truth" / f"{gid}_Front_cutout.png"), cv2.IMREAD_UNCHANGED)
    assert (cut[..., 3] > 127).sum() == pytest.approx(fresh.mask.sum(), rel=1e-3)
    assert ((cut[..., 3] > 127) != fresh.mask).mean() < 1e-3
