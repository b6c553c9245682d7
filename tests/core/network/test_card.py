import json
import re

import pytest

from core.common.errors import ModelLoadError
from core.network.card import ModelCard, card_path


def test_card_round_trip(tmp_path):
    card = ModelCard(name="m", threshold=0.42, val_dice=0.93, mean=[0.1, 0.2, 0.3], std=[1, 2, 3])
    path = card_path(tmp_path / "m.keras")
    assert path.name == "m.json"
    card.save(path)
    loaded = ModelCard.load(path)
    assert loaded == card


def test_newer_cards_with_unknown_keys_still_load(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({**ModelCard().to_dict(), "from_the_future": 1}))
    assert ModelCard.load(path).threshold == 0.5


@pytest.mark.parametrize("content, reason", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    (json.dumps({"threshold": 3}), "outside 0..1"),
    (json.dumps({"channels": 1}), "disagree"),
    # Wrong types in valid JSON used to escape as raw ValueError/TypeError.
    (json.dumps({"threshold": "abc"}), "not a number"),
    (json.dumps({"threshold": None}), "not a number"),
    (json.dumps({"channels": 1, "mean": 0.5, "std": 0.2}), "disagree"),
    (json.dumps({"input_height": "384"}), "input_height"),
    (json.dumps({"input_width": 0}), "input_width"),
    (json.dumps({"std": [0.2, 0, 0.2]}), "std above 0"),
    (json.dumps({"mean": ["a", 0.5, 0.5]}), "finite numbers"),
    (json.dumps({"contrast": "sharpen"}), "contrast"),
    (json.dumps({"training": [1]}), "JSON objects"),
    (json.dumps({"upsampling": "lanczos"}), "unknown upsampling 'lanczos'"),
    (json.dumps({"tta_flip": "yes"}), "tta_flip must be true or false"),
])
def test_broken_cards_name_the_reason(tmp_path, content, reason):
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(ModelLoadError, match=reason):
        ModelCard.load(path)


def test_missing_card(tmp_path):
    with pytest.raises(ModelLoadError, match="missing"):
        ModelCard.load(tmp_path / "nope.json")


@pytest.mark.parametrize("field, value, reason", [
    ("val_dice", "0.93", "val_dice must be a number"),
    ("width", None, "width must be a number above 0"),
    ("width", "0.5", "width must be a number above 0"),
    ("architecture", "transformer", "unknown architecture 'transformer'"),
    ("channels", True, "channels must be 1 or 3"),
    ("training", {"focus_margin": "wide"}, "focus_margin must be a number"),
    ("format_version", 99, "newer than this app knows"),
    ("format_version", 1.5, "format_version must be a whole number"),
    ("name", ["x"], "name must be text"),
    ("threshold", True, "threshold True is not a number"),
])
def test_a_card_field_of_the_wrong_type_is_refused_in_one_line(tmp_path, field, value, reason):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({**ModelCard().to_dict(), field: value}))
    with pytest.raises(ModelLoadError, match=re.escape(reason)) as refused:
        ModelCard.load(path)
    assert "\n" not in str(refused.value)
