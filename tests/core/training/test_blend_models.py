"""scripts/blend_models.py: weights interpolated between a start model and its fine-tune."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]


def test_blend_interpolates_every_weight_and_keeps_the_tuned_card(tmp_path):
    import keras

    from core.network.architectures import build_unet
    from core.network.card import ModelCard, card_path

    keras.utils.set_random_seed(0)
    start = build_unet("simple", (32, 32, 3), width=0.25)
    keras.utils.set_random_seed(1)
    tuned = build_unet("simple", (32, 32, 3), width=0.25)
    start.save(tmp_path / "start.keras")
    tuned.save(tmp_path / "tuned.keras")
    ModelCard(name="tuned", architecture="simple", width=0.25, input_height=32, input_width=32,
              trained_on="x").save(card_path(tmp_path / "tuned.keras"))
    out = tmp_path / "blend.keras"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "blend_models.py"), str(tmp_path / "start.keras"),
                    str(tmp_path / "tuned.keras"), str(out), "--alpha", "0.25"], check=True, cwd=ROOT,
                   capture_output=True)
    blend = keras.models.load_model(out, compile=False)
    for a, b, c in zip(start.get_weights(), tuned.get_weights(), blend.get_weights()):
        np.testing.assert_allclose(c, 0.25 * b + 0.75 * a, rtol=1e-6, atol=1e-7)
    card = json.loads(card_path(out).read_text())
    assert card["name"] == "tuned" and card["training"]["blend"]["alpha"] == 0.25
