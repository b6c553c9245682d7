"""`garment-cutout train`'s distribution and precision flags, and the resume line."""

import argparse
import io
import json

import pytest

from core.cli.train import _TextStatus, add_cli_arguments, config_from_args, run_cli
from core.training.config import TrainStatus


def _parse(argv):
    parser = argparse.ArgumentParser()
    add_cli_arguments(parser)
    return parser.parse_args(["--data", "d", "--out", "m.keras", *argv])


def test_defaults_choose_automatically_and_scale_linearly():
    config = config_from_args(_parse([]))
    assert (config.strategy, config.precision, config.lr_scaling) == ("auto", "auto", "linear")


def test_flags_map_onto_the_config():
    config = config_from_args(_parse(["--strategy", "multi-worker", "--precision", "mixed_float16",
                                      "--lr-scaling", "sqrt"]))
    assert (config.strategy, config.precision, config.lr_scaling) == ("multi-worker", "mixed_float16", "sqrt")


@pytest.mark.parametrize("argv", [["--strategy", "tpu"], ["--precision", "mixed_bfloat16"], ["--lr-scaling", "log"]])
def test_unknown_choices_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        _parse(argv)
    assert "invalid choice" in capsys.readouterr().err


def test_a_parameter_server_cluster_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "images").mkdir()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["127.0.0.1:1"], "ps": ["127.0.0.1:2"]},
                                                "task": {"type": "worker", "index": 0}}))
    args = argparse.ArgumentParser()
    add_cli_arguments(args)
    assert run_cli(args.parse_args(["--data", str(tmp_path), "--out", str(tmp_path / "m.keras")])) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "parameter servers" in err


def test_resuming_is_said_in_one_line():
    stream = io.StringIO()
    _TextStatus(stream)(TrainStatus("resuming", epoch=3, epochs=10))
    assert stream.getvalue().count("\n") == 1
    assert stream.getvalue().startswith("resuming an unfinished run: epochs 1-3 of 10 restored")


def test_a_fine_tune_follows_the_start_models_card_and_lowers_the_rate(tmp_path):
    from core.cli.train import FINE_TUNE_LR
    from core.network.card import ModelCard, card_path

    start = tmp_path / "start.keras"
    start.write_bytes(b"")  # only its card is read here
    ModelCard(name="s", architecture="final", width=0.5, input_height=512, input_width=352,
              trained_on="x").save(card_path(start))
    config = config_from_args(_parse(["--init-from", str(start)]))
    assert (config.architecture, config.width, config.input_size) == ("final", 0.5, (512, 352))
    assert config.learning_rate == FINE_TUNE_LR < config_from_args(_parse([])).learning_rate
    given = config_from_args(_parse(["--init-from", str(start), "--input-size", "384x256", "--lr", "3e-5"]))
    assert given.input_size == (384, 256) and given.learning_rate == 3e-5
