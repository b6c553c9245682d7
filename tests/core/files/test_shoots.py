"""core.shoots: garment ids and views from file names, folders and file lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.common.errors import GarmentCutoutError
from core.files.shoots import SINGLE_VIEW, VIEWS, Garment, discover, parse_view, shoot_labels

UUID = "3f2b9c1e-8a4d-4b7e-9f10-2c3d4e5f6a7b"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("g1_Front.png", ("g1", "Front")),
        ("g1_front.JPG", ("g1", "Front")),
        ("g1_BACK.tiff", ("g1", "Back")),
        ("g1_FrontRight.webp", ("g1", "FrontRight")),
        ("g1_Front-Right.jpeg", ("g1", "FrontRight")),
        ("g1_front_right.tif", ("g1", "FrontRight")),
        ("g1_frontright.png", ("g1", "FrontRight")),
        (f"{UUID}_Front.png", (UUID, "Front")),
        ("coat_2024_v2_Back.png", ("coat_2024_v2", "Back")),
        ("shirt_front_Back.png", ("shirt_front", "Back")),
        ("g1_Front.txt", None),
        ("g1_Front_cutout.png", None),
        ("g1_Front_mask.png", None),
        ("g1_Side.png", None),
        ("g1-Front.png", None),
        ("_Front.png", None),
        ("Front.png", None),
        ("photo.jpg", None),
    ],
)
def test_parse_view(name: str, expected: tuple[str, str] | None) -> None:
    assert parse_view(Path("/some/folder") / name) == expected


def test_garment_orders_views_and_lists_missing() -> None:
    g = Garment("g1", {"Back": Path("b.png"), "Front": Path("f.png")})
    assert list(g.views) == ["Front", "Back"]
    assert g.missing_views == ["FrontRight"]
    assert not g.is_single_image
    full = Garment("g2", {v: Path(f"{v}.png") for v in reversed(VIEWS)})
    assert list(full.views) == list(VIEWS) and full.missing_views == []
    single = Garment("photo", {SINGLE_VIEW: Path("photo.jpg")})
    assert single.is_single_image and single.missing_views == []


def _touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_bytes(b"x")


def test_discover_folder_catalogue(tmp_path: Path) -> None:
    _touch(tmp_path, "b_Back.png", "a_Front.png", "a_FrontRight.png", "a_Back.png",
           "a_Front_cutout.png", "a_Front_mask.png", "notes.txt", ".a_Front.png", "lone.jpg")
    (tmp_path / "sub").mkdir()
    _touch(tmp_path / "sub", "c_Front.png")  # not recursive
    cat = discover([tmp_path])
    assert [g.garment_id for g in cat.garments] == ["a", "b", "lone"]
    a, b, lone = cat.garments
    assert a.views == {v: tmp_path / f"a_{v}.png" for v in VIEWS}
    assert b.missing_views == ["Front", "FrontRight"]
    assert lone.views == {SINGLE_VIEW: tmp_path / "lone.jpg"}
    assert cat.is_catalogue
    assert cat.problems == []


def test_discover_single_garment_from_files(tmp_path: Path) -> None:
    _touch(tmp_path, "g_Front.png", "g_Back.png")
    cat = discover([tmp_path / "g_Back.png", str(tmp_path / "g_Front.png")])
    assert len(cat.garments) == 1 and not cat.is_catalogue
    assert list(cat.garments[0].views) == ["Front", "Back"]
    assert cat.find("g") is cat.garments[0] and cat.find("x") is None


def test_discover_single_image(tmp_path: Path) -> None:
    _touch(tmp_path, "IMG_0042.jpg")
    cat = discover([tmp_path / "IMG_0042.jpg"])
    assert [(g.garment_id, list(g.views)) for g in cat.garments] == [("IMG_0042", [SINGLE_VIEW])]
    assert not cat.is_catalogue


def test_discover_duplicate_views_are_problems(tmp_path: Path) -> None:
    _touch(tmp_path, "g1_Front.png", "g1_front.jpg", "g1_Back.png")
    cat = discover([tmp_path])
    g1 = cat.garments[0]
    assert g1.views["Front"] == tmp_path / "g1_Front.png"  # sorted first: 'F' < 'f'
    assert cat.problems == ["two files for g1 Front: g1_Front.png, g1_front.jpg (using g1_Front.png)"]


def test_discover_same_file_twice_is_not_a_duplicate(tmp_path: Path) -> None:
    _touch(tmp_path, "g1_Front.png")
    cat = discover([tmp_path, tmp_path / "g1_Front.png"])
    assert len(cat.garments) == 1 and cat.problems == []


def test_discover_explicit_oddities_are_reported(tmp_path: Path) -> None:
    _touch(tmp_path, "g1_Front_cutout.png", "notes.txt")
    empty = tmp_path / "empty"
    empty.mkdir()
    cat = discover([tmp_path / "g1_Front_cutout.png", tmp_path / "notes.txt", empty])
    assert cat.garments == []
    assert len(cat.problems) == 3
    assert "exported" in cat.problems[0] and "notes.txt" in cat.problems[1] and "no photos" in cat.problems[2]


def test_discover_missing_path(tmp_path: Path) -> None:
    with pytest.raises(GarmentCutoutError, match="nope.png does not exist"):
        discover([tmp_path / "nope.png"])


def test_a_folder_without_photos_of_its_own_opens_the_shoots_below_it(tmp_path: Path) -> None:
    day = tmp_path / "day"
    for shoot, gid in (("shoot_b", "h1"), ("shoot_a", "g1")):
        (day / shoot).mkdir(parents=True)
        _touch(day / shoot, f"{gid}_Front.png", f"{gid}_Back.png")
    (day / "shoot_a" / "cutouts").mkdir()
    _touch(day / "shoot_a" / "cutouts", "old_Front.png")  # a shoot's own subfolder: not a shoot
    (day / ".hidden").mkdir()
    _touch(day / ".hidden", "x1_Front.png")
    (day / "client" / "week" / "deep").mkdir(parents=True)
    _touch(day / "client" / "week" / "deep", "z1_Front.png")  # three levels down: too deep
    (day / "client" / "week" / "w1_Front.png").touch()  # two levels down: found
    cat = discover([day])
    assert [g.garment_id for g in cat.garments] == ["w1", "g1", "h1"]  # subfolders in name order
    assert cat.garments[1].folder == day / "shoot_a" and cat.problems == []


def test_the_same_id_in_two_shoots_is_two_garments_told_apart_by_key(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
    _touch(a, "g1_Front.png", "g1_Back.png", "g2_Front.png")
    _touch(b, "g1_Back.png")  # not a's g1's missing view: another garment of another shoot
    cat = discover([a, b])
    assert [(g.key, g.garment_id, list(g.views)) for g in cat.garments] == [
        ("a/g1", "g1", ["Front", "Back"]), ("g2", "g2", ["Front"]), ("b/g1", "g1", ["Back"])]
    assert cat.problems == []
    assert cat.find("b/g1").views["Back"] == b / "g1_Back.png" and cat.find("g1") is None


def test_keys_take_as_much_of_the_folder_as_tells_shoots_apart(tmp_path: Path) -> None:
    first, second = tmp_path / "monday" / "look", tmp_path / "tuesday" / "look"
    for folder in (first, second):
        folder.mkdir(parents=True)
        _touch(folder, "g1_Front.png")
    assert [g.key for g in discover([first, second]).garments] == ["monday/look/g1", "tuesday/look/g1"]
    third = tmp_path / "wednesday" / "studio"
    assert shoot_labels([first, second, third]) == {first: "monday/look", second: "tuesday/look",
                                                    third: "wednesday/studio"}
    assert shoot_labels([first, third]) == {first: "look", third: "studio"}


def test_shoots_sharing_an_export_folder_must_not_number_alike(tmp_path: Path) -> None:
    from core.files.export import export_clashes

    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        _touch(folder, "g1_Front.png")
    _touch(b, "g7_Front.png")
    garments = discover([a, b]).garments
    assert export_clashes(garments, {a: a / "cutouts", b: b / "cutouts"}) == []
    together = tmp_path / "together"
    clashes = export_clashes(garments, {a: together, b: together})
    assert clashes == [f"a/g1 and b/g1 would both be written as g1_*_cutout.png into {together.resolve()}"]


def test_garments_come_in_the_studios_numbering_order(tmp_path: Path) -> None:
    _touch(tmp_path, *(f"h{n}_Front.png" for n in (10, 2, 1, 12)), "H3_Back.png", "0009.jpg", "10.jpg", "coat_b.png")
    assert [g.garment_id for g in discover([tmp_path]).garments] == [
        "0009", "10", "coat_b", "h1", "h2", "H3", "h10", "h12"]
    other = tmp_path / "z_first"
    other.mkdir()
    _touch(other, "a1_Front.png")
    assert [g.garment_id for g in discover([other, tmp_path]).garments][:2] == ["a1", "0009"], \
        "folders stay in the order given"
