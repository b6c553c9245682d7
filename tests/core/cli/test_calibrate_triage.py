"""`garment-cutout calibrate --triage`: its arguments are checked before any model loads."""

from __future__ import annotations

import pytest

from core.cli.main import main


def test_an_unknown_triage_feature_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["calibrate", "--triage", "--triage-features", "log_band_per_area,nonsense", "--model",
              str(tmp_path / "m.keras"), "--data", str(tmp_path), "--split", str(tmp_path / "s.json")])
    assert stopped.value.code == 2
    assert "nonsense" in capsys.readouterr().err


def test_triage_with_inference_options_is_refused(tmp_path, capsys):
    code = main(["calibrate", "--triage", "--tta-flip", "on", "--model", str(tmp_path / "m.keras"),
                 "--data", str(tmp_path), "--split", str(tmp_path / "s.json")])
    assert code == 2 and "set --upsampling/--tta-flip/--precision" in capsys.readouterr().err


def test_a_missing_data_folder_fails_before_the_model_loads(tmp_path, capsys):
    code = main(["calibrate", "--triage", "--model", str(tmp_path / "m.keras"), "--data", str(tmp_path / "none"),
                 "--split", str(tmp_path / "s.json")])
    assert code == 2 and "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("option", [["--limit", "1"], ["--triage-l2", "0.5"], ["--triage-features", "log_band_per_area"]])
def test_the_triages_options_without_triage_are_refused_not_ignored(tmp_path, capsys, option):
    """`--limit 1` without --triage used to be ignored: the threshold came from every photo."""
    code = main(["calibrate", *option, "--dry-run", "--model", str(tmp_path / "m.keras"), "--data", str(tmp_path),
                 "--split", str(tmp_path / "s.json")])
    assert code == 2 and f"{option[0]} only go with --triage" in capsys.readouterr().err
