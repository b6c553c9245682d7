"""The card's training_precision and distribution: recorded, checked, absent from older cards."""

import json

import pytest

from core.common.errors import ModelLoadError
from core.network.card import ModelCard


def test_the_new_fields_round_trip(tmp_path):
    card = ModelCard(training_precision="mixed_float16",
                     distribution={"strategy": "mirrored", "replicas": 2, "global_batch": 16, "learning_rate": 6e-4})
    card.save(tmp_path / "m.json")
    assert ModelCard.load(tmp_path / "m.json") == card


def test_a_card_written_before_them_still_loads(tmp_path):
    older = ModelCard().to_dict()
    del older["training_precision"], older["distribution"]
    (tmp_path / "m.json").write_text(json.dumps(older))
    card = ModelCard.load(tmp_path / "m.json")
    assert (card.training_precision, card.distribution) == ("", {})


@pytest.mark.parametrize("fields, reason", [
    ({"training_precision": "mixed_bfloat16"}, "unknown training_precision"),
    ({"training_precision": 16}, "unknown training_precision"),
    ({"distribution": [2]}, "distribution must be a JSON object"),
    ({"distribution": {"replicas": 0}}, "distribution.replicas must be a positive whole number"),
    ({"distribution": {"global_batch": 8.5}}, "distribution.global_batch"),
])
def test_wrong_values_are_refused(tmp_path, fields, reason):
    (tmp_path / "m.json").write_text(json.dumps({**ModelCard().to_dict(), **fields}))
    with pytest.raises(ModelLoadError, match=reason):
        ModelCard.load(tmp_path / "m.json")
