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
