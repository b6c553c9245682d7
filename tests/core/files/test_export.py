"""core.export: cutout PNGs, written atomically and never over a photo."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from core.common.errors import ExportError
from core.files.export import cutout_rgba, export_name, export_view
from core.files.shoots import SINGLE_VIEW, parse_view


def _photo() -> tuple[np.ndarray, np.ndarray]:
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[..., 0] = np.arange(5) * 50
    rgb[..., 1] = 100
    rgb[..., 2] = np.arange(4)[:, None] * 60
    mask = np.zeros((4, 5), bool)
    mask[1:3, 1:4] = True
    return rgb, mask


def test_cutout_rgba_keeps_rgb_everywhere() -> None:
    rgb, mask = _photo()
    alpha = mask.astype(np.uint8) * 255
    out = cutout_rgba(rgb, alpha)
    assert out.shape == (4, 5, 4) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., :3], rgb)  # also under alpha 0: straight alpha
    np.testing.assert_array_equal(out[..., 3], alpha)
    with pytest.raises(ValueError):
        cutout_rgba(rgb, alpha[:3])


def test_export_names() -> None:
    assert export_name("g1", "Front") == "g1_Front_cutout.png"
    assert export_name("g1", "FrontRight", "mask") == "g1_FrontRight_mask.png"
    assert export_name("IMG_0042", SINGLE_VIEW) == "IMG_0042_cutout.png"
    # exports are never mistaken for photos when the folder is reopened
    assert parse_view(export_name("g1", "Back")) is None
    with pytest.raises(ExportError):
        export_name("../g1", "Front")


def test_export_view_writes_cutout_and_mask(tmp_path: Path) -> None:
    rgb, mask = _photo()
    paths = export_view(rgb, mask, tmp_path, "g1", "Front", write_mask=True)
    assert paths == [tmp_path / "g1_Front_cutout.png", tmp_path / "g1_Front_mask.png"]
    cut = Image.open(paths[0])
    assert cut.mode == "RGBA"
    arr = np.asarray(cut)
    np.testing.assert_array_equal(arr[..., :3], rgb)
    np.testing.assert_array_equal(arr[..., 3], mask * 255)
    m = Image.open(paths[1])
    assert m.mode == "L"
    np.testing.assert_array_equal(np.asarray(m), mask * 255)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g1_Front_cutout.png", "g1_Front_mask.png"]


def test_export_view_feathers_cutout_only(tmp_path: Path) -> None:
    rgb = np.full((20, 20, 3), 90, np.uint8)
    mask = np.zeros((20, 20), bool)
    mask[:, :10] = True
    cut, m = export_view(rgb, mask, tmp_path, "g1", "Back", feather_px=2, write_mask=True)
    alpha = np.asarray(Image.open(cut))[..., 3]
    assert alpha[5, 0] == 255 and alpha[5, 19] == 0 and 128 < alpha[5, 9] < 255
    assert set(np.unique(np.asarray(Image.open(m)))) == {0, 255}


def test_export_refuses_to_overwrite_the_photo(tmp_path: Path) -> None:
    rgb, mask = _photo()
    photo = tmp_path / "g1_Front_cutout.png"  # a photo that happens to carry this name
    photo.write_bytes(b"original")
    with pytest.raises(ExportError, match="original photo"):
        export_view(rgb, mask, tmp_path, "g1", "Front", source_path=photo)
    assert photo.read_bytes() == b"original"


def test_export_into_missing_folder(tmp_path: Path) -> None:
    rgb, mask = _photo()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="is not a folder"):
        export_view(rgb, mask, blocker, "g1", "Front")
    with pytest.raises(ExportError, match="does not exist"):
        export_view(rgb, mask, blocker / "sub", "g1", "Front")
    with pytest.raises(ExportError, match="does not exist"):
        export_view(rgb, mask, tmp_path / "nope", "g1", "Front")


def test_failed_export_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rgb, mask = _photo()
    old = tmp_path / "g1_Front_cutout.png"
    old.write_bytes(b"previous export")
    real_replace = os.replace
    calls: list[str] = []

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        calls.append(Path(dst).name)
        if Path(dst).name.endswith("_cutout.png"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ExportError, match="No space left on device"):
        export_view(rgb, mask, tmp_path, "g1", "Front")
    assert old.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g1_Front_cutout.png"]  # no temporary files left


def test_failed_write_before_replace_touches_no_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rgb, mask = _photo()
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "Input/output error")))
    with pytest.raises(ExportError, match="Input/output error"):
        export_view(rgb, mask, tmp_path, "g1", "Front", write_mask=True)
    assert list(tmp_path.iterdir()) == []


def test_export_shape_mismatch(tmp_path: Path) -> None:
    rgb, mask = _photo()
    with pytest.raises(ExportError, match="does not match"):
        export_view(rgb, mask[:2], tmp_path, "g1", "Front")


def test_a_cutout_and_mask_pair_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rgb, mask = _photo()
    (tmp_path / "g1_Front_cutout.png").write_bytes(b"old cutout")
    (tmp_path / "g1_Front_mask.png").write_bytes(b"old mask")
    real_replace = os.replace

    def full_disk_on_the_mask(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == "g1_Front_mask.png" and ".tmp" in Path(src).name and ".old" not in Path(src).name:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_disk_on_the_mask)
    with pytest.raises(ExportError, match="No space left on device"):
        export_view(rgb, mask, tmp_path, "g1", "Front", write_mask=True)
    # The cutout had already been replaced; it is back to the old one, beside the old mask.
    assert (tmp_path / "g1_Front_cutout.png").read_bytes() == b"old cutout"
    assert (tmp_path / "g1_Front_mask.png").read_bytes() == b"old mask"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g1_Front_cutout.png", "g1_Front_mask.png"]


def test_a_sixteen_bit_photo_gets_a_sixteen_bit_cutout(tmp_path: Path) -> None:
    rgb, mask = _photo()
    deep = rgb.astype(np.uint16) * 257 + 3  # low bits an 8-bit copy would lose
    (path,) = export_view(rgb, mask, tmp_path, "g1", "Front", rgb16=deep)
    import cv2

    written = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint16
    np.testing.assert_array_equal(written[..., 2::-1], deep)
    np.testing.assert_array_equal(written[..., 3], np.where(mask, 65535, 0))


def test_export_refuses_any_protected_input(tmp_path: Path) -> None:
    rgb, mask = _photo()
    other_input = tmp_path / "g1_Front_mask.png"  # another photo of the batch, by chance
    other_input.write_bytes(b"an input")
    with pytest.raises(ExportError, match="original photo"):
        export_view(rgb, mask, tmp_path, "g1", "Front", write_mask=True, protected=[other_input])
    assert other_input.read_bytes() == b"an input" and not (tmp_path / "g1_Front_cutout.png").exists()


@pytest.mark.parametrize("feather", [-1, 1e9, float("nan")])
def test_export_refuses_a_feather_out_of_range(tmp_path: Path, feather: float) -> None:
    rgb, mask = _photo()
    with pytest.raises(ExportError, match="feather must be between 0 and"):
        export_view(rgb, mask, tmp_path, "g1", "Front", feather_px=feather)


def test_a_cutout_names_its_photo_and_another_photos_cutout_is_not_written_over(tmp_path: Path) -> None:
    from core.files.cutout_origin import source_of, source_tag

    rgb, mask = _photo()
    out = tmp_path / "delivery"
    out.mkdir()
    shoot_a, shoot_b = tmp_path / "a" / "g1_Front.png", tmp_path / "b" / "g1_Front.png"
    written = export_view(rgb, mask, out, "g1", "Front", write_mask=True, source_path=shoot_a)
    first = [p.read_bytes() for p in written]
    assert [source_of(p) for p in written] == [source_tag(shoot_a)] * 2
    assert str(tmp_path) not in first[0].decode("latin-1"), "a hash, not the studio's folder names"
    with Image.open(written[0]) as image:  # still a plain RGBA PNG to any reader
        assert image.mode == "RGBA" and image.text.get("GarmentCutoutSource") == source_tag(shoot_a)

    with pytest.raises(ExportError, match="is the cutout of another photo"):
        export_view(rgb, ~mask, out, "g1", "Front", write_mask=True, source_path=shoot_b)
    assert [p.read_bytes() for p in written] == first, "shoot a's files untouched"

    export_view(rgb, ~mask, out, "g1", "Front", source_path=shoot_a)  # its own photo again: replaced
    assert written[0].read_bytes() != first[0]
    (out / "g2_Front_cutout.png").write_bytes(written[0].read_bytes()[:8] + b"not ours")  # no tag: replaced
    export_view(rgb, mask, out, "g2", "Front", source_path=shoot_b)
    assert source_of(out / "g2_Front_cutout.png") == source_tag(shoot_b)


def test_an_export_without_masks_brings_its_own_old_mask_up_to_date(tmp_path: Path) -> None:
    """Exported with masks, corrected, exported again without: the old mask used to stay
    beside the new cutout, disagreeing with it (found by a helper driving the app)."""
    rgb, mask = _photo()
    out = tmp_path / "out"
    out.mkdir()
    photo = tmp_path / "shoot" / "g1_Front.png"
    export_view(rgb, mask, out, "g1", "Front", write_mask=True, source_path=photo)
    corrected = mask.copy()
    corrected[0] = True
    written = export_view(rgb, corrected, out, "g1", "Front", source_path=photo)
    assert written == [out / "g1_Front_cutout.png", out / "g1_Front_mask.png"]
    np.testing.assert_array_equal(cv2.imread(str(out / "g1_Front_mask.png"), cv2.IMREAD_GRAYSCALE) > 127, corrected)

    other = out / "g2_Front_mask.png"  # another tool's mask (no tag): not ours to update
    cv2.imwrite(str(other), np.zeros(mask.shape, np.uint8))
    before = other.read_bytes()
    assert export_view(rgb, mask, out, "g2", "Front", source_path=photo.with_name("g2_Front.png")) == [
        out / "g2_Front_cutout.png"]
    assert other.read_bytes() == before
