import json

import pytest

from core.errors import ModelLoadError
from core.model_card import ModelCard, card_path


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
])
def test_broken_cards_name_the_reason(tmp_path, content, reason):
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(ModelLoadError, match=reason):
        ModelCard.load(path)


def test_missing_card(tmp_path):
    with pytest.raises(ModelLoadError, match="missing"):
        ModelCard.load(tmp_path / "nope.json")
