import numpy as np
import pytest

keras = pytest.importorskip("keras")

from core.network.architectures import STRIDE, build_unet  # noqa: E402
from core.network.losses import dice_coeff, iou_coeff, make_bce_dice_loss, pixel_accuracy  # noqa: E402


@pytest.mark.parametrize("architecture, shape", [("simple", (16, 24, 3)), ("basic", (32, 48, 3)),
                                                 ("final", (64, 32, 1))])
def test_unets_map_any_divisible_size_to_a_probability_map(architecture, shape):
    model = build_unet(architecture, shape, width=0.125)
    out = model(np.random.default_rng(0).normal(size=(2, *shape)).astype("float32"))
    assert tuple(out.shape) == (2, shape[0], shape[1], 1)
    out = np.asarray(out)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_width_multiplier_shrinks_the_model():
    big = build_unet("final", (64, 64, 3), width=0.5).count_params()
    small = build_unet("final", (64, 64, 3), width=0.25).count_params()
    assert small < big / 3


def test_sizes_not_divisible_by_the_stride_are_refused():
    assert STRIDE["final"] == 32 and STRIDE["simple"] == 2
    with pytest.raises(ValueError, match="divisible by 32"):
        build_unet("final", (48, 32, 3))
    with pytest.raises(ValueError, match="unknown architecture"):
        build_unet("nope", (32, 32, 3))


def test_dice_iou_accuracy_by_hand():
    y_true = np.array([[1, 1, 0, 0]], "float32")
    y_pred = np.array([[1, 0, 1, 0]], "float32")
    # |X.Y| = 1, |X| = |Y| = 2: dice = (2 + 1) / (4 + 1), iou = (1 + 1) / (3 + 1)
    assert float(dice_coeff(y_true, y_pred)) == pytest.approx(3 / 5)
    assert float(iou_coeff(y_true, y_pred)) == pytest.approx(2 / 4)
    assert float(pixel_accuracy(y_true, y_pred)) == pytest.approx(0.5)


def test_bce_dice_loss_weights():
    y = np.array([[1.0, 0.0]], "float32")
    p = np.array([[0.9, 0.1]], "float32")
    bce = -np.log(0.9)
    dice = (2 * 0.9 + 1) / (1 + 1.0 + 1)
    assert float(make_bce_dice_loss(0.5, 2.0)(y, p)) == pytest.approx(0.5 * bce - 2 * dice, rel=1e-4)
    assert float(make_bce_dice_loss(1.0, 0.0)(y, p)) == pytest.approx(bce, rel=1e-4)
