"""core.sidecar: autosaved thresholds/overrides and the probability cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.common.errors import ExportError
from core.files import sidecar as sidecar_module
from core.files.fingerprint import photo_fingerprint
from core.files.sidecar import (
    DAMAGED,
    FORMAT_VERSION,
    NOTHING_SAVED,
    OTHER_PHOTO,
    RESTORED,
    SIDECAR_DIR,
    SIZE_CHANGED,
    Sidecar,
    view_key,
)


@pytest.fixture(autouse=True)
def _user_cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the fallback location away from the real user's cache."""
    cache = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def _override() -> np.ndarray:
    over = np.zeros((1728, 1152), np.uint8)
    over[100:300, 200:260] = 1
    over[900:950, 10:400] = 2
    return over


def test_save_and_load_view_round_trip(tmp_path: Path) -> None:
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    car = Sidecar(shoot)
    key = view_key("g1", "Front")
    assert car.load_view(key) is None
    over = _override()
    car.save_view(key, 0.42, over)
    path = shoot / SIDECAR_DIR / "g1_Front.view.npz"
    assert path.is_file() and path.stat().st_size < 20_000  # mostly zeros: tiny
    index = json.loads((shoot / SIDECAR_DIR / "index.json").read_text())
    assert index["format"] == FORMAT_VERSION
    threshold, back = Sidecar(shoot).load_view(key)  # a fresh instance, as after a restart
    assert threshold == pytest.approx(0.42)
    np.testing.assert_array_equal(back, over)
    assert back.dtype == np.uint8
    assert car.load_view(key, shape=(10, 10)) is None  # photo replaced by another size
    assert car.load_view(view_key("g1", "Back")) is None
    assert [p.name for p in (shoot / SIDECAR_DIR).iterdir() if p.name.startswith(".")] == []


def test_keys_are_sanitised_but_distinct(tmp_path: Path) -> None:
    car = Sidecar(tmp_path)
    car.save_view("a/b_Front", 0.1, np.zeros((2, 2), np.uint8))
    car.save_view("a:b_Front", 0.2, np.ones((2, 2), np.uint8))
    assert car.load_view("a/b_Front")[0] == pytest.approx(0.1)
    assert car.load_view("a:b_Front")[0] == pytest.approx(0.2)
    assert all("/" not in p.name for p in car.root.iterdir())


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "bad_values"])
def test_corrupt_view_file_is_set_aside(tmp_path: Path, damage: str) -> None:
    car = Sidecar(tmp_path)
    car.save_view("g1_Front", 0.5, _override())
    path = car.view_path("g1_Front")
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a zip at all" * 10)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        np.savez_compressed(path, format=np.int64(1), key=np.str_("g1_Front"), threshold=np.float64(0.5),
                            override=np.full((2, 2), 7.5))  # every uint8 is a code now; a float is not
    assert car.load_view("g1_Front") is None
    assert not path.exists()
    aside = path.with_name(path.name + ".corrupt")
    assert aside.is_file()
    # saving again works, and a second damaged file does not overwrite the first one set aside
    car.save_view("g1_Front", 0.3, np.zeros((2, 2), np.uint8))
    assert car.load_view("g1_Front")[0] == pytest.approx(0.3)
    path.write_bytes(b"junk")
    assert car.load_view("g1_Front") is None
    assert aside.is_file() and path.with_name(path.name + ".corrupt1").is_file()


def test_newer_format_is_left_alone(tmp_path: Path) -> None:
    car = Sidecar(tmp_path)
    car.save_view("g1_Front", 0.5, np.zeros((2, 2), np.uint8))
    (car.root / "index.json").write_text(json.dumps({"format": FORMAT_VERSION + 1}))
    assert car.load_view("g1_Front") is None
    assert car.view_path("g1_Front").is_file()  # not renamed aside: a newer app may need it


def test_for_shoot_uses_the_shoot_folder_when_writable(tmp_path: Path) -> None:
    car = Sidecar.for_shoot(tmp_path)
    assert car.root == tmp_path / SIDECAR_DIR and not car.is_fallback


def test_for_shoot_falls_back_to_user_cache(tmp_path: Path, _user_cache_in_tmp: Path) -> None:
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    (shoot / SIDECAR_DIR).write_text("a file where the sidecar folder should be")
    car = Sidecar.for_shoot(shoot)
    assert car.is_fallback
    assert car.root.parent == _user_cache_in_tmp / "garment-cutout" / "sidecars"
    car.save_view("g1_Front", 0.7, np.ones((3, 3), np.uint8))
    assert Sidecar.for_shoot(shoot).load_view("g1_Front")[0] == pytest.approx(0.7)
    index = json.loads((car.root / "index.json").read_text())
    assert index["shoot"] == str(shoot.resolve())


def test_for_shoot_read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, for whom chmod does not block writes: simulate a read-only share.
    shoot = tmp_path / "share"
    shoot.mkdir()
    real_probe = sidecar_module._probe_writable
    monkeypatch.setattr(sidecar_module, "_probe_writable",
                        lambda folder: False if shoot in folder.parents else real_probe(folder))
    car = Sidecar.for_shoot(shoot)
    assert car.is_fallback
    other = tmp_path / "other"
    other.mkdir()
    assert Sidecar.for_shoot(other).root != car.root  # one cache folder per shoot


def test_save_failure_is_export_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    car = Sidecar(blocker)  # its sidecar folder would have to live inside a file
    with pytest.raises(ExportError, match="sidecar"):
        car.save_view("g1_Front", 0.5, np.zeros((2, 2), np.uint8))


def test_probability_cache(tmp_path: Path) -> None:
    photo = np.full((3, 4, 3), 7, np.uint8)
    car = Sidecar(tmp_path)
    prob = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    stamp = photo_fingerprint(photo)
    car.save_probability("g1_Front", "default-v1", prob, stamp)
    np.testing.assert_array_equal(car.load_probability("g1_Front", "default-v1", stamp), prob)
    assert car.load_probability("g1_Front", "other-model", stamp) is None
    assert car.load_probability("g1_Back", "default-v1", stamp) is None
    retouched = photo.copy()
    retouched[0, 0, 0] = 8  # same name, size and (on a fresh card) maybe mtime: other pixels
    assert car.load_probability("g1_Front", "default-v1", photo_fingerprint(retouched)) is None
    # a damaged cache file is simply dropped
    car.probability_path("g1_Front").write_bytes(b"junk")
    assert car.load_probability("g1_Front", "default-v1", stamp) is None
    assert not car.probability_path("g1_Front").exists()


def _photo(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (1728, 1152, 3), dtype=np.uint8)


def test_corrections_of_another_photo_of_the_same_name_and_size_are_never_applied(tmp_path: Path) -> None:
    shoot_day, reshoot = _photo(1), _photo(2)
    car = Sidecar(tmp_path)
    car.save_view("g1_Front", 0.3, _override(), photo_fingerprint(shoot_day))
    restored = Sidecar(tmp_path).restore_view("g1_Front", reshoot.shape[:2], photo_fingerprint(reshoot))
    assert restored.status == OTHER_PHOTO and restored.override is None and restored.lost_corrections
    assert "not the one its saved corrections were made on" in restored.message("g1 Front")
    assert not car.view_path("g1_Front").exists()
    # Kept aside, not lost: the old corrections are still there to recover by hand.
    with np.load(restored.set_aside) as kept:
        np.testing.assert_array_equal(kept["override"], _override())
    assert Sidecar(tmp_path).restore_view("g1_Front", reshoot.shape[:2], photo_fingerprint(reshoot)).status \
        == NOTHING_SAVED  # the new photo starts clean, and stays so


def test_the_photo_they_were_made_on_gets_its_corrections_back(tmp_path: Path) -> None:
    photo = _photo(1)
    Sidecar(tmp_path).save_view("g1_Front", 0.3, _override(), photo_fingerprint(photo))
    restored = Sidecar(tmp_path).restore_view("g1_Front", photo.shape[:2], photo_fingerprint(photo.copy()))
    assert restored.status == RESTORED and restored.threshold == pytest.approx(0.3)
    np.testing.assert_array_equal(restored.override, _override())


def test_a_size_change_and_damage_are_reported_not_silent(tmp_path: Path) -> None:
    car = Sidecar(tmp_path)
    car.save_view("g1_Front", 0.3, _override(), "f")
    restored = car.restore_view("g1_Front", (100, 100), "f")
    assert restored.status == SIZE_CHANGED and restored.lost_corrections and restored.set_aside.is_file()
    car.save_view("g1_Front", 0.3, _override(), "f")
    car.view_path("g1_Front").write_bytes(b"junk")
    restored = car.restore_view("g1_Front", (1728, 1152), "f")
    assert restored.status == DAMAGED and restored.set_aside.name.endswith(".corrupt")
    assert "damaged" in restored.message("g1 Front")


def test_a_view_file_of_format_1_without_fingerprint_is_still_read(tmp_path: Path) -> None:
    car = Sidecar(tmp_path)
    car.save_view("g1_Front", 0.4, np.zeros((2, 2), np.uint8))
    np.savez_compressed(car.view_path("g1_Front"), format=np.int64(1), key=np.str_("g1_Front"),
                        threshold=np.float64(0.4), override=np.ones((2, 2), np.uint8))
    restored = car.restore_view("g1_Front", (2, 2), "any photo")
    assert restored.status == RESTORED and restored.override.sum() == 4


@pytest.mark.parametrize("index", ['{"format": 1e400}', '{"format": Infinity}', '{"format": "2"}', "[1, 2]",
                                   '{"format": true}', "not json", ""])
def test_a_broken_index_does_not_stop_the_shoot_from_opening(tmp_path: Path, index: str) -> None:
    car = Sidecar(tmp_path)
    car.save_view("g1_Front", 0.4, np.zeros((2, 2), np.uint8))
    (car.root / "index.json").write_text(index)
    assert Sidecar(tmp_path).restore_view("g1_Front", (2, 2)).status == RESTORED


def test_the_bundled_sample_shoot_keeps_its_sidecar_in_the_user_cache(_user_cache_in_tmp: Path) -> None:
    from core.common import paths

    car = Sidecar.for_shoot(paths.SAMPLE_SHOOT)
    assert car.is_fallback and _user_cache_in_tmp in car.root.parents


def test_a_view_file_says_whether_it_holds_a_correction_and_a_chosen_threshold(tmp_path: Path) -> None:
    import io

    car = Sidecar(tmp_path)
    key = view_key("g1", "Front")
    assert not car.holds_correction(key)
    car.save_view(key, 0.4, np.zeros((4, 4), np.uint8), threshold_set=False, corrected=False)  # a stroke undone
    assert car.view_path(key).is_file() and not car.holds_correction(key)
    assert car.restore_view(key).threshold_set is False
    car.save_view(key, 0.4, _override())
    assert car.holds_correction(key) and car.restore_view(key).threshold_set is True

    buffer = io.BytesIO()  # a file of an earlier release: neither flag, so both as it meant them
    np.savez_compressed(buffer, format=np.int64(2), key=np.str_(key), threshold=np.float64(0.4),
                        override=np.zeros((4, 4), np.uint8), fingerprint=np.str_(""))
    car.view_path(key).write_bytes(buffer.getvalue())
    assert car.holds_correction(key) and car.restore_view(key).threshold_set is True
    car.view_path(key).write_bytes(b"PK\x03\x04 damaged")
    assert car.holds_correction(key), "a damaged file: listed as corrected, opening the garment says more"


def test_a_view_saved_after_its_export_is_still_exported_only_when_it_makes_the_same_mask(tmp_path: Path) -> None:
    import os

    photo, cutout = tmp_path / "g1_Front.png", tmp_path / "out" / "g1_Front_cutout.png"
    cutout.parent.mkdir()
    photo.write_bytes(b"photo")
    cutout.write_bytes(b"cutout")
    car = Sidecar(tmp_path)
    key = view_key("g1", "Front")
    car.record_export(key, cutout, photo, mask_digest="d1")
    assert car.is_exported(key, cutout.parent, photo) and car.export_digest(key) == "d1"

    def save_later(digest):
        car.save_view(key, 0.5, np.zeros((2, 2), np.uint8), mask_digest=digest)
        later = cutout.stat().st_mtime_ns + 10**9  # saved after the export, whatever the clock's grain
        os.utime(car.view_path(key), ns=(later, later))

    save_later("d1")  # a stroke and its undo: the same mask
    assert car.is_exported(key, cutout.parent, photo)
    save_later("d2")  # a correction kept
    assert not car.is_exported(key, cutout.parent, photo)
    save_later(None)  # an older release's file: nothing says which mask
    assert not car.is_exported(key, cutout.parent, photo)
