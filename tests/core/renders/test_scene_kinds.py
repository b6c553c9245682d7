"""Scene kinds (the bundled model's real failures as renders) and the body's truth mask."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.renders import composition as ss
from core.renders.scene_kinds import FAILURE_KINDS, SCENE_KINDS, TRAINING_MIX, apply_kind, training_kind
from core.renders.studio import Frame, ViewPose

SMALL = (256, 384)  # (width, height)
ROOT = Path(__file__).resolve().parents[3]


def _pixel(seed: int, kind: str, x_body: float, y_body: float) -> tuple[int, int]:
    """(row, col) of a point in the mannequin's frame in the Front view of `kind`."""
    _, studio = ss._scene(seed, SMALL, kind)
    frame = Frame(SMALL[0], SMALL[1], studio, ViewPose("Front", 0.0, 0.0), np.random.default_rng(0))
    x, y = frame.to_px(np.array([[x_body, y_body]]))[0]
    return int(y), int(x)


def test_the_body_is_the_mannequin_never_the_garment_nor_the_stand():
    # Seed 20: a sleeveless top on a full mannequin with arms (see test_renders).
    r = ss.render_view(20, "Front", SMALL)
    m = ss._scene(20, SMALL)[1].mannequin
    assert r.body.dtype == bool and r.body.shape == r.mask.shape
    assert not (r.body & r.mask).any()
    assert r.body[_pixel(20, "classic", 0.0, (m.neck_top + 0.14) / 2)], "neck"
    assert r.body[_pixel(20, "classic", 0.05, 0.75)], "leg"
    assert not r.body[_pixel(20, "classic", 0.0, 0.3)], "the chest under the top"
    # Seed 2: a dress form on a pole; the pole is metal, not body.
    r = ss.render_view(2, "Front", SMALL)
    assert not r.body[_pixel(2, "classic", 0.0, 0.7)], "the dress form's pole"


def test_classic_is_the_seeds_own_render_and_kinds_change_it():
    spec, studio = ss._scene(5, SMALL)
    assert apply_kind(spec, studio, "classic", 5) == (spec, studio)
    plain = ss.render_view(5, "Front", SMALL)
    assert np.array_equal(plain.rgb, ss.render_view(5, "Front", SMALL, "classic").rgb)
    for kind in FAILURE_KINDS:
        assert not np.array_equal(plain.rgb, ss.render_view(5, "Front", SMALL, kind).rgb), kind


@pytest.mark.parametrize("seed", [7_000_000, 7_000_001, 7_000_002])
def test_an_open_front_shows_the_bare_torso_between_the_fronts(seed):
    spec, studio = ss._scene(seed, SMALL, "open_front")
    assert spec.open_front > 0 and spec.kind in ("top", "jacket") and not spec.buttons
    m = studio.mannequin
    y = (0.3 + min(spec.length, m.bottom)) / 2  # between the neckline's V and the hem
    front = ss.render_view(seed, "Front", SMALL, "open_front")
    assert front.body[_pixel(seed, "open_front", 0.0, y)] and not front.mask[_pixel(seed, "open_front", 0.0, y)]
    # Garment on either side of the gap, and from the back the garment is closed.
    assert front.mask[_pixel(seed, "open_front", 0.8 * m.waist_w, y)]
    back = ss.render_view(seed, "Back", SMALL, "open_front")
    assert back.mask[_pixel(seed, "open_front", 0.0, y)]


def test_a_skirt_alone_leaves_the_torso_above_it_bare():
    for seed in range(7_000_010, 7_000_014):
        spec, studio = ss._scene(seed, SMALL, "torso_above_skirt")
        assert spec.kind in ("skirt", "trousers")
        r = ss.render_view(seed, "Front", SMALL, "torso_above_skirt")
        assert r.body[_pixel(seed, "torso_above_skirt", 0.0, 0.28)], "the bare chest"
        assert r.mask[_pixel(seed, "torso_above_skirt", 0.0, 0.45)], "the skirt's front"


def test_tone_match_dresses_the_mannequin_in_its_own_colour():
    for seed in range(7_000_020, 7_000_024):
        spec, studio = ss._scene(seed, SMALL, "tone_match")
        gap = np.abs(np.array(spec.colour) - np.array(studio.mannequin.colour)).max()
        assert gap < 0.12, f"seed {seed}: garment {spec.colour} vs mannequin {studio.mannequin.colour}"


def test_a_flat_shot_is_the_garment_alone_filling_a_plain_frame():
    for seed in range(7_000_030, 7_000_034):
        r = ss.render_view(seed, "Front", SMALL, "flat")
        assert not r.body.any(), "no mannequin in a flat shot"
        assert 0.12 < r.mask.mean() < 0.75, f"seed {seed}: garment area {r.mask.mean():.3f}"
        ground = r.rgb[~r.mask & (r.alpha == 0)]
        assert ground.mean() > 170 and ground.std() < 20, "a plain white or pale grey ground"


def test_training_renders_draw_the_kinds_in_their_mix():
    kinds = [training_kind(seed) for seed in range(1_000_000, 1_002_000)]
    assert set(kinds) <= set(SCENE_KINDS)
    for kind, share in TRAINING_MIX.items():
        assert abs(kinds.count(kind) / len(kinds) - share) < 0.03, kind
    rgb, mask, body = ss.render_training_pair(1_000_003, (128, 192), with_body=True)
    assert rgb.shape == (192, 128, 3) and mask.shape == body.shape == (192, 128) and not (mask & body).any()
    assert len(ss.render_training_pair(1_000_003, (128, 192))) == 2


def test_an_unknown_kind_is_a_render_request_error():
    with pytest.raises(ss.RenderRequestError, match="unknown scene kind"):
        ss.render_view(1, "Front", (64, 96), "ghost")


def test_failure_kind_script_renders_and_scores_every_kind(tmp_path):
    script = str(ROOT / "scripts" / "failure_kinds.py")
    subprocess.run([sys.executable, script, "render", str(tmp_path), "--per-kind", "1", "--size", "96x144"],
                   check=True, cwd=ROOT, capture_output=True)
    for kind in FAILURE_KINDS:
        assert len(list((tmp_path / kind).glob("*_cutout.png"))) == 1
        assert len(list((tmp_path / kind).glob("*_body.png"))) == 1
    out = subprocess.run([sys.executable, script, "score", str(tmp_path), "--json", str(tmp_path / "s.json")],
                         check=True, cwd=ROOT, capture_output=True, text=True)
    import json

    result = json.loads((tmp_path / "s.json").read_text())
    scores = result["kinds"]
    assert set(scores) == {"classic", *FAILURE_KINDS}
    for kind, row in scores.items():
        assert row["views"] == 1 and 0.0 <= row["mean_dice"] <= 1.0 and row["added"] >= 0.0
        assert kind in out.stdout
    # The bundled card's triage over all six views.
    triage = result["triage"]
    assert triage["views"] == 6 and 0 <= triage["needing_review"] <= 6
    assert 0.0 <= triage["missed_share"] <= 1.0 and "triage (all views)" in out.stdout
