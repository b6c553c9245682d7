"""Evaluation on tiny synthetic pairs with a fake predictor whose scores are known by hand."""

from __future__ import annotations

import argparse
import csv
import json
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from core.cli import evaluate as evaluate_cli
from core.common import paths
from core.common.errors import Cancelled, DataError
from core.evaluation import evaluate as evaluation
from core.evaluation import metrics, report
from core.files.imageio import read_image, write_png

BRIGHT, DARK = 200, 20


class FakePredictor:
    """Probability = the photo's grey level: bright squares are garment at threshold 0.5."""

    def __init__(self, threshold: float = 0.5):
        self.card = SimpleNamespace(threshold=threshold, name="fake-model")
        self.calls = 0

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        self.calls += 1
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def _photo(square: tuple[int, int, int, int] | None) -> np.ndarray:
    rgb = np.full((10, 10, 3), DARK, np.uint8)
    if square is not None:
        y0, x0, y1, x1 = square
        rgb[y0:y1, x0:x1] = BRIGHT
    return rgb


def _mask(box: tuple[int, int, int, int] | None) -> np.ndarray:
    mask = np.zeros((10, 10), np.uint8)
    if box is not None:
        y0, x0, y1, x1 = box
        mask[y0:y1, x0:x1] = 255
    return mask


SQUARE = (2, 2, 8, 8)  # 6x6 = 36 px


@pytest.fixture
def data_dir(tmp_path):
    """Five pairs: b predicts a 6x6 square where the truth is its left half (Dice 2/3),
    c is empty in both (Dice 1), the rest are perfect."""
    root = tmp_path / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    cases = {
        "a": (SQUARE, SQUARE),
        "b": (SQUARE, (2, 2, 8, 5)),
        "c": (None, None),
        "d": ((0, 0, 4, 4), (0, 0, 4, 4)),
        "e": ((5, 3, 9, 9), (5, 3, 9, 9)),
    }
    for name, (photo_box, mask_box) in cases.items():
        write_png(root / "images" / f"{name}.png", _photo(photo_box))
        write_png(root / "masks" / f"{name}.png", _mask(mask_box))
    return root


def test_scores_by_hand(data_dir):
    predictor = FakePredictor()
    seen = []
    summary = evaluation.evaluate(data_dir, predictor, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 5) for i in range(1, 6)]
    assert predictor.calls == 5
    assert summary.n == 5 and not summary.failed
    by_name = {r.name: r for r in summary.results}
    assert by_name["b"].dice == pytest.approx(2 / 3)  # 2*18 / (36+18)
    assert by_name["b"].iou == pytest.approx(0.5)
    # Truth edge: 14 px, all within 2 px of the predicted ring; predicted ring: 20 px, of
    # which the right column (6 px) is 3 px away. P = 14/20, R = 1, F = 14/17.
    assert by_name["b"].boundary_f == pytest.approx(14 / 17)
    for name in "acde":
        assert by_name[name].dice == 1.0 and by_name[name].boundary_f == 1.0
    assert summary.mean_dice == pytest.approx((4 + 2 / 3) / 5)
    assert summary.median_dice == 1.0
    assert summary.outliers == ["b"]  # Q1 = Q3 = 1: anything below 1 is out
    assert summary.model_name == "fake-model" and summary.threshold == 0.5
    assert summary.seconds_per_image >= 0.0


def test_threshold_sweep_and_best_threshold(data_dir):
    summary = evaluation.evaluate(data_dir, FakePredictor())
    assert list(summary.sweep) == list(metrics.SWEEP_THRESHOLDS)
    assert summary.sweep[0.05] < 0.5  # cut 13 makes the dark background garment too
    # Dark (20) drops out from t = 0.08 (cut 21); bright (200) stays up to t = 0.78 (cut 199).
    assert summary.sweep[0.07] < summary.sweep[0.08]
    assert summary.sweep[0.5] == pytest.approx(summary.mean_dice)
    assert summary.sweep[0.78] == pytest.approx(summary.mean_dice)
    assert summary.sweep[0.79] == pytest.approx(1 / 5)  # nothing predicted: only c is right
    assert summary.best_threshold == 0.08  # first of the equal best
    assert summary.best_threshold_dice == pytest.approx((4 + 2 / 3) / 5)


def test_threshold_argument_overrides_the_card(data_dir):
    summary = evaluation.evaluate(data_dir, FakePredictor(threshold=0.5), threshold=0.9)
    assert summary.threshold == 0.9
    assert summary.mean_dice == pytest.approx(1 / 5)


def test_unreadable_photo_is_recorded_not_fatal(data_dir):
    (data_dir / "images" / "f.png").write_bytes(b"not a png")
    write_png(data_dir / "masks" / "f.png", _mask(None))
    summary = evaluation.evaluate(data_dir, FakePredictor())
    assert summary.n == 5
    assert [f.name for f in summary.failed] == ["f"]
    assert "f.png" in summary.failed[0].reason
    assert json.loads(summary.to_json_line())["failed"] == 1


def test_wrong_size_mask_is_a_failure(data_dir):
    write_png(data_dir / "masks" / "e.png", np.zeros((5, 5), np.uint8))
    summary = evaluation.evaluate(data_dir, FakePredictor())
    assert [f.name for f in summary.failed] == ["e"]
    assert "5x5" in summary.failed[0].reason


def test_limit_and_cancel(data_dir):
    assert evaluation.evaluate(data_dir, FakePredictor(), limit=2).n == 2
    with pytest.raises(Cancelled):
        evaluation.evaluate(data_dir, FakePredictor(), cancelled=lambda: True)


def test_bad_folders(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        evaluation.evaluate(tmp_path / "nowhere", FakePredictor())
    (tmp_path / "images").mkdir()
    write_png(tmp_path / "images" / "a.png", _photo(None))
    (tmp_path / "images" / "b.png").write_bytes(b"junk")
    (tmp_path / "masks").mkdir()
    write_png(tmp_path / "masks" / "b.png", _mask(None))
    write_png(tmp_path / "masks" / "a.png", np.zeros((3, 3), np.uint8))
    with pytest.raises(DataError, match="none of the 2"):
        evaluation.evaluate(tmp_path, FakePredictor())


def test_json_line(data_dir):
    line = evaluation.evaluate(data_dir, FakePredictor()).to_json_line()
    assert "\n" not in line
    data = json.loads(line)
    assert data["n"] == 5
    assert data["mean_dice"] == pytest.approx(0.9333, abs=1e-4)
    assert data["median_dice"] == 1.0
    assert data["best_threshold"] == 0.08
    assert data["outliers"] == 1
    assert data["model"] == "fake-model"
    assert data["precision"] == "float32"  # a predictor that does not say is taken as float32
    assert {"mean_boundary_f", "best_threshold_dice"} <= data.keys()


def test_report_files(data_dir, tmp_path):
    report = tmp_path / "report" / "nested"
    summary = evaluation.evaluate(data_dir, FakePredictor(), report_dir=report, gallery_size=2)
    with open(report / "per_image.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == list("abcde")
    assert float(rows[1]["dice"]) == pytest.approx(2 / 3, abs=1e-6)
    assert set(rows[0]) == {"name", "dice", "iou", "boundary_f", "seconds", "triage_estimate", "triage_baseline"}
    with open(report / "threshold_sweep.csv", newline="") as fh:
        sweep = list(csv.DictReader(fh))
    assert len(sweep) == 91 and sweep[0]["threshold"] == "0.05" and sweep[-1]["threshold"] == "0.95"
    saved = json.loads((report / "summary.json").read_text())
    assert saved["outliers"] == ["b"] and saved["n"] == 5 and saved["total_seconds"] > 0
    assert saved["mean_dice"] == pytest.approx(summary.mean_dice)
    assert read_image(report / "dice_histogram.png").rgb.shape[0] > 100
    worst = sorted(p.name for p in (report / "worst").iterdir())
    assert len(worst) == 2 and worst[0] == "01_b.png"  # b is the worst; then a tie at 1.0
    assert read_image(report / "worst" / "01_b.png").rgb.shape == (10, 10, 3)
    sheet = read_image(report / "worst.png").rgb
    assert sheet.shape == (320, 480, 3)  # two 240x320 cells side by side
    assert not [p for p in report.rglob(".*")], "no temporary files left behind"


def test_overlay_colours():
    rgb = np.full((7, 7, 3), 100, np.uint8)
    predicted = np.zeros((7, 7), bool)
    predicted[1:6, 1:6] = True
    truth = np.zeros((7, 7), bool)
    truth[2:5, 2:5] = True
    out = report.overlay(rgb, predicted, truth)
    assert out[0, 0].tolist() == [100, 100, 100]  # untouched background
    assert out[1, 1].tolist() == [55, 169, 55]  # 0.55 * 100 + 0.45 * (0, 255, 0), truncated
    assert out[2, 2].tolist() == [255, 0, 255]  # truth edge on top
    assert out[3, 3].tolist() == [55, 169, 55]  # truth interior shows the prediction


def _cli_args(**overrides) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    evaluate_cli.add_cli_arguments(parser)
    argv = []
    for key, value in overrides.items():
        argv += [f"--{key}", str(value)]
    return parser.parse_args(argv)


def test_cli_arguments():
    parser = argparse.ArgumentParser()
    evaluate_cli.add_cli_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args([])  # --data is required
    with pytest.raises(SystemExit):
        parser.parse_args(["--data", "x", "--threshold", "1.5"])
    with pytest.raises(SystemExit):
        parser.parse_args(["--data", "x", "--limit", "0"])
    args = parser.parse_args(["--data", "x", "--threshold", "0.4", "--limit", "3"])
    assert args.threshold == 0.4 and args.limit == 3 and args.model is None and args.report is None


def test_cli_bad_folder_exits_2_before_loading_a_model(tmp_path, capsys, monkeypatch):
    import core.prediction.predictor

    def must_not_load(*_args, **_kwargs):
        raise AssertionError("model loaded for a bad data folder")

    monkeypatch.setattr(core.prediction.predictor.Predictor, "load", must_not_load)
    assert evaluate_cli.run_cli(_cli_args(data=tmp_path / "nowhere")) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error:") and "does not exist" in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_cli_prints_one_json_line(data_dir, tmp_path, capsys, monkeypatch):
    import core.prediction.predictor

    monkeypatch.setattr(core.prediction.predictor.Predictor, "load", classmethod(lambda cls, path=None: FakePredictor()))
    code = evaluate_cli.run_cli(_cli_args(data=data_dir, report=tmp_path / "r", limit=2))
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out)["n"] == 2
    assert "2/2" in captured.err  # the progress bar
    assert (tmp_path / "r" / "summary.json").is_file()


def test_cli_end_to_end_with_a_real_tiny_model(data_dir, tmp_path, capsys, monkeypatch):
    pytest.importorskip("keras")
    monkeypatch.delenv("GARMENT_CUTOUT_PRECISION", raising=False)
    from core.network.architectures import build_unet
    from core.network.card import ModelCard, card_path

    model_path = tmp_path / "tiny.keras"
    build_unet("final", (32, 32, 3), width=0.125).save(model_path)
    ModelCard(name="tiny", input_height=32, input_width=32, width=0.125, precision="bfloat16").save(card_path(model_path))
    code = evaluate_cli.run_cli(_cli_args(data=data_dir, model=model_path, report=tmp_path / "r"))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["n"] == 5 and data["model"] == "tiny" and 0.0 <= data["mean_dice"] <= 1.0
    assert data["precision"] == "bfloat16"
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["precision"] == "bfloat16"


@pytest.mark.shared_data
def test_default_model_on_shared_photos(tmp_path):
    if not paths.DEFAULT_MODEL.is_file():
        pytest.skip(f"bundled model {paths.DEFAULT_MODEL} is missing")
    if not (paths.SHARED_CCP / "images").is_dir():
        pytest.skip(f"shared CCP photos not found at {paths.SHARED_CCP}")
    from core.prediction.predictor import Predictor

    summary = evaluation.evaluate(paths.SHARED_CCP, Predictor.load(), report_dir=tmp_path, limit=3)
    assert summary.n == 3 and not summary.failed
    # A trained default model should find garments in street photos.
    assert summary.mean_dice > 0.5


def test_split_file_restricts_evaluation_to_the_held_out_names(tmp_path):
    import json

    from core.common.errors import DataError
    from core.evaluation.evaluate import find_pairs

    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for name in ("a", "b", "c"):
        cv2.imwrite(str(tmp_path / "images" / f"{name}.png"), np.zeros((4, 4, 3), np.uint8))
        cv2.imwrite(str(tmp_path / "masks" / f"{name}.png"), np.zeros((4, 4), np.uint8))
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"val": ["a"], "test": ["b", "c"]}))
    assert [p.name for p in find_pairs(tmp_path, split=split)] == ["b", "c"]
    split.write_text(json.dumps({"val": ["a"]}))
    with pytest.raises(DataError, match="no \"test\" list"):
        find_pairs(tmp_path, split=split)
    # A split naming photos the folder lacks is refused: the figures would be over fewer
    # photos than the split's (evaluate, calibrate and robot said nothing: found by a helper).
    split.write_text(json.dumps({"val": ["a", "gone"], "test": ["b", "c", "lost"]}))
    with pytest.raises(DataError, match=r"1 test name\(s\) of .* are not in .* \(lost\)"):
        find_pairs(tmp_path, split=split)
    with pytest.raises(DataError, match=r"1 val name\(s\) .* \(gone\)"):
        find_pairs(tmp_path, split=split, part="val")
