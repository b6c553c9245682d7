"""`garment-cutout bench --training`: the three rates, on a tiny model."""

import json

import pytest

from core.cli.main import main


@pytest.mark.slow
def test_training_bench_prints_pipeline_and_step_rates(capsys, monkeypatch):
    import core.training.bench

    real = core.training.bench.run_training_bench
    # Few small photos: the figures' plumbing is under test here, not this machine's speed.
    monkeypatch.setattr(core.training.bench, "run_training_bench",
                        lambda *a, **k: real(*a, photos=3, view_size=(96, 144), architecture="simple", **k))
    assert main(["bench", "--training", "--input-size", "32x32", "--width", "0.125", "--batch-size", "2",
                 "--steps", "2"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["input"] == "32x32" and result["global_batch"] == 2 and result["precision"] == "float32"
    for key in ("decode_resize_images_per_s", "pipeline_images_per_s", "train_step_images_per_s"):
        assert result[key] > 0
    assert "training step" in captured.err.splitlines()[-1]


@pytest.mark.parametrize("option, message", [(["--input-size", "0x0"], "input size 0x0"),
                                             (["--input-size", "63x65"], "positive multiples of 32"),
                                             (["--width", "0"], "width must be positive")])
def test_a_size_or_width_the_unet_cannot_take_is_one_line_before_any_timing(capsys, option, message):
    """They used to end in OpenCV's assertion or a ValueError after the decode had been timed."""
    assert main(["bench", "--training", *option]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1 and "decode" not in err
