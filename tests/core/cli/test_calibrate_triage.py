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


@pytest.mark.parametrize("triage", [False, True], ids=["threshold", "triage"])
def test_a_card_on_a_read_only_folder_is_refused_before_anything_is_predicted(tmp_path, capsys, monkeypatch,
                                                                              triage):
    """A real read-only mount: calibrate predicted every validation photo and only then
    said it could not write the card (found by a helper). Now it says so first."""
    import json
    import os
    import subprocess

    import cv2
    import numpy as np

    import core.prediction.predictor as predictor_module

    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    models = tmp_path / "models"
    models.mkdir()
    (models / "m.keras").write_bytes(b"not read")
    (models / "m.json").write_text("{}")
    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    (data / "masks").mkdir()
    cv2.imwrite(str(data / "images" / "a.png"), np.zeros((8, 8, 3), np.uint8))
    cv2.imwrite(str(data / "masks" / "a.png"), np.zeros((8, 8), np.uint8))
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"val": ["a"], "test": []}))
    loads = []
    monkeypatch.setattr(predictor_module.Predictor, "load", lambda *a, **k: loads.append(a) or 1 / 0)
    mounted = subprocess.run(["mount", "--bind", str(models), str(models)], capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("this machine does not allow a bind mount")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(models)], capture_output=True).returncode != 0:
            pytest.skip("this machine does not allow a read-only remount")
        args = ["calibrate", "--model", str(models / "m.keras"), "--data", str(data), "--split", str(split)]
        assert main(args + (["--triage"] if triage else [])) == 2
        err = capsys.readouterr().err
        assert "cannot write" in err and "m.json" in err and "Read-only file system" in err
        assert loads == [], "refused before the model loads"
    finally:
        subprocess.run(["umount", str(models)], capture_output=True)
