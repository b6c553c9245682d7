"""The card's optional `triage` field: old cards load without it, a fitted one round-trips,
a wrong type anywhere in it is refused in one line."""

from __future__ import annotations

import json
import re

import pytest

from core.common.errors import ModelLoadError
from core.network.card import ModelCard

TRIAGE = {"features": ["log_band_per_area", "log_far_band_per_area"], "mean": [-2.5, -4.0], "scale": [0.6, 1.1],
          "weights": [1.2, 0.7], "intercept": 0.9, "operating_point": 0.05, "dice_target": 0.97,
          "fitted_on": "60 validation photos", "fit": {"leave_one_out_auroc": 0.89}}


def test_an_old_card_without_triage_loads_with_none(tmp_path):
    path = tmp_path / "m.json"
    data = ModelCard().to_dict()
    del data["triage"]
    path.write_text(json.dumps(data))
    assert ModelCard.load(path).triage == {}


def test_a_card_with_triage_round_trips(tmp_path):
    path = tmp_path / "m.json"
    card = ModelCard(name="m", triage=TRIAGE)
    card.save(path)
    loaded = ModelCard.load(path)
    assert loaded == card and loaded.triage == TRIAGE


@pytest.mark.parametrize("change, reason", [
    ("not an object", "triage must be a JSON object"),
    ({"operating_point": None}, "triage has no operating_point"),
    ({"features": "log_band_per_area"}, "triage.features must be a list of feature names"),
    ({"features": []}, "triage.features must be a list of feature names"),
    ({"weights": [1.0]}, "triage.weights must be 2 finite numbers"),
    ({"mean": [0.0, "1"]}, "triage.mean must be 2 finite numbers"),
    ({"scale": [1.0, 0.0]}, "triage.scale must be above 0"),
    ({"intercept": True}, "triage.intercept must be a number"),
    ({"operating_point": 1.5}, "triage.operating_point must be a number from 0 to 1"),
    ({"dice_target": "0.97"}, "triage.dice_target must be a number from 0 to 1"),
    ({"fitted_on": 60}, "triage.fitted_on must be text"),
    ({"fit": []}, "triage.fit must be a JSON object"),
])
def test_a_bad_triage_is_refused_in_one_line(tmp_path, change, reason):
    if isinstance(change, dict):
        triage = {**TRIAGE, **change}
        triage = {k: v for k, v in triage.items() if v is not None}
    else:
        triage = change
    path = tmp_path / "m.json"
    path.write_text(json.dumps({**ModelCard().to_dict(), "triage": triage}))
    with pytest.raises(ModelLoadError, match=re.escape(reason)) as refused:
        ModelCard.load(path)
    assert "\n" not in str(refused.value)


def test_the_bundled_card_loads_with_its_triage():
    from core.common import paths
    from core.evaluation.triage import Triage
    from core.network.card import card_path

    card = ModelCard.load(card_path(paths.DEFAULT_MODEL))
    if not card.triage:
        pytest.skip("the bundled card has no triage yet")
    assert Triage.from_dict(card.triage).dice_target == 0.97
