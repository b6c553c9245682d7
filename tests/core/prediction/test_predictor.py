"""Predictor on tiny models built here: loading, full-resolution output, double pass, bad files."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from core.common.errors import Cancelled, ModelLoadError  # noqa: E402
from core.network.architectures import build_unet  # noqa: E402
from core.network.card import ModelCard, card_path  # noqa: E402
from core.prediction.double_pass import DoublePassPredictor, focus_image  # noqa: E402
from core.prediction.predictor import Predictor  # noqa: E402


def save_tiny_model(folder, name="tiny", **card_fields):
    model = build_unet("final", (64, 32, 3), width=0.125)
    path = folder / f"{name}.keras"
    model.save(path)
    ModelCard(name=name, input_height=64, input_width=32, width=0.125, **card_fields).save(card_path(path))
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("model"))


def test_probability_map_has_the_photo_size(tiny_model):
    predictor = Predictor.load(tiny_model)
    photos = [np.full((173, 91, 3), 120, np.uint8), np.zeros((300, 200, 3), np.uint8)]
    probs = predictor.predict_many(photos, batch_size=2)
    assert [p.shape for p in probs] == [(173, 91), (300, 200)]
    assert all(p.dtype == np.uint8 for p in probs)
    # The single-photo path gives the same answer as the batch.
    assert np.array_equal(predictor.predict(photos[0]), probs[0])


def test_guided_upsampling_and_flip_averaging_keep_shapes(tmp_path):
    path = save_tiny_model(tmp_path, upsampling="guided", tta_flip=True)
    prob = Predictor.load(path).predict(np.random.default_rng(1).integers(0, 255, (130, 70, 3), dtype=np.uint8))
    assert prob.shape == (130, 70) and prob.dtype == np.uint8


def test_progress_and_cancel(tiny_model):
    predictor = Predictor.load(tiny_model)
    seen = []
    predictor.predict_many([np.zeros((64, 32, 3), np.uint8)] * 3, batch_size=1, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    with pytest.raises(Cancelled):
        predictor.predict_many([np.zeros((64, 32, 3), np.uint8)], cancelled=lambda: True)


def test_broken_model_files_give_clear_errors(tmp_path, tiny_model):
    with pytest.raises(ModelLoadError, match="file not found"):
        Predictor.load(tmp_path / "missing.keras")
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"this is not a zip file")
    ModelCard().save(card_path(garbage))
    with pytest.raises(ModelLoadError, match="damaged or not a Keras model"):
        Predictor.load(garbage)
    cut = tmp_path / "cut.keras"  # Keras itself says "File not found" of this one
    cut.write_bytes(tiny_model.read_bytes()[: tiny_model.stat().st_size // 2])
    ModelCard().save(card_path(cut))
    with pytest.raises(ModelLoadError, match="damaged or not a Keras model"):
        Predictor.load(cut)
    with pytest.raises(ModelLoadError, match="this is a folder"):
        Predictor.load(tmp_path)
    with pytest.raises(ModelLoadError, match="ends in .keras"):
        Predictor.load(card_path(garbage))
    no_card = tmp_path / "nocard.keras"
    no_card.write_bytes(tiny_model.read_bytes())
    with pytest.raises(ModelLoadError, match="card"):
        Predictor.load(no_card)
    wrong = tmp_path / "wrong.keras"
    wrong.write_bytes(tiny_model.read_bytes())
    ModelCard(input_height=128, input_width=64).save(card_path(wrong))
    with pytest.raises(ModelLoadError, match="does not match its card"):
        Predictor.load(wrong)


def test_focus_image_keeps_a_margin_around_the_mask():
    rgb = np.full((21, 21, 3), 200, np.uint8)
    mask = np.zeros((21, 21), bool)
    mask[10, 10] = True
    focused = focus_image(rgb, mask, margin_px=3)
    assert focused[10, 13].tolist() == [200, 200, 200]   # 3 px away: kept
    assert focused[10, 15].tolist() == [0, 0, 0]         # 5 px away: blanked
    assert focused[0, 0].tolist() == [0, 0, 0]


def test_double_pass_is_zero_outside_the_first_mask(tmp_path):
    first = Predictor.load(save_tiny_model(tmp_path, "first", threshold=0.0))   # everything is garment
    second = Predictor.load(save_tiny_model(tmp_path, "second"))
    photo = np.random.default_rng(2).integers(0, 255, (96, 48, 3), dtype=np.uint8)
    assert np.array_equal(DoublePassPredictor(first, second).predict(photo), second.predict(photo))
    nothing = Predictor.load(save_tiny_model(tmp_path, "nothing", threshold=1.0))
    assert nothing.predict(photo).max() < 255  # an untrained sigmoid never reaches 1: first mask empty
    assert DoublePassPredictor(nothing, second, margin_px=5).predict(photo).max() == 0


def test_flip_averaging_is_the_mean_of_the_photo_and_its_mirror(tmp_path):
    plain = Predictor.load(save_tiny_model(tmp_path, "plain"))
    tta = Predictor.load(save_tiny_model(tmp_path, "tta", tta_flip=True))
    tta.model.set_weights(plain.model.get_weights())
    photo = np.random.default_rng(3).integers(0, 255, (64, 32, 3), dtype=np.uint8)  # model size: no resampling
    expected = (plain.predict(photo).astype(float) + plain.predict(photo[:, ::-1].copy())[:, ::-1]) / 2
    assert np.abs(tta.predict(photo).astype(float) - expected).max() <= 1.0  # uint8 rounding


def test_a_model_that_is_not_the_cards_u_net_is_refused_at_load(tmp_path):
    inputs = keras.Input((64, 32, 3))
    other = keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs))
    path = tmp_path / "other.keras"
    other.save(path)
    ModelCard(input_height=64, input_width=32, width=0.125).save(card_path(path))
    with pytest.raises(ModelLoadError, match="no layer down0_conv0"):
        Predictor.load(path)


@pytest.mark.parametrize("output, reason", [
    (lambda x: keras.layers.Conv2D(2, 1, activation="sigmoid", name="two"), "not one 64x32 probability map"),
    (lambda x: keras.layers.Conv2D(1, 1, name="logits"), "not a probability"),
])
def test_a_model_whose_output_is_not_one_probability_map_is_refused_at_load(tmp_path, monkeypatch, output, reason):
    monkeypatch.setattr("core.prediction.predictor.weights_problem", lambda model, card: None)  # any layers
    inputs = keras.Input((64, 32, 3))
    layer = output(inputs)
    model = keras.Model(inputs, layer(keras.layers.Rescaling(1000.0)(inputs)))  # logits far outside 0..1
    path = tmp_path / "odd.keras"
    model.save(path)
    ModelCard(input_height=64, input_width=32, width=0.125).save(card_path(path))
    with pytest.raises(ModelLoadError, match=reason):
        Predictor.load(path)
