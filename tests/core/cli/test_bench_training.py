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
