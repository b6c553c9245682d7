"""`garment-cutout predict` run as a user would, on the sample shoot and real CCP photos."""

import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from core.cli.main import main
from core.common import paths
from tests.core.files.conftest import overwritten_jpeg

needs_model = pytest.mark.skipif(not paths.DEFAULT_MODEL.is_file(), reason="bundled model resources/models/default.keras missing")
needs_ccp = pytest.mark.skipif(not paths.SHARED_CCP.is_dir(), reason="shared CCP photos (../shared/data/ccp-garments) not beside this clone")


def sample_views():
    return sorted(p for p in paths.SAMPLE_SHOOT.glob("*.png"))


def dice(a, b):
    return 2 * (a & b).sum() / max(a.sum() + b.sum(), 1)


@needs_model
def test_predict_sample_shoot_writes_three_correct_cutouts(tmp_path):
    views = sample_views()
    assert len(views) == 3, "the sample shoot has Front, FrontRight and Back"
    out = tmp_path / "out"
    assert main(["predict", str(paths.SAMPLE_SHOOT), "--out", str(out), "--masks"]) == 0
    for view in views:
        cutout = cv2.imread(str(out / f"{view.stem}_cutout.png"), cv2.IMREAD_UNCHANGED)
        photo = cv2.imread(str(view), cv2.IMREAD_UNCHANGED)
        assert cutout.shape == (1728, 1152, 4) and cutout.dtype == np.uint8
        # RGB is the photo's own pixels everywhere; alpha is the mask.
        assert np.array_equal(cutout[..., :3], photo[..., :3])
        mask = cv2.imread(str(out / f"{view.stem}_mask.png"), cv2.IMREAD_GRAYSCALE)
        assert np.array_equal(mask > 127, cutout[..., 3] > 127)
        truth = cv2.imread(str(paths.SAMPLE_SHOOT / "truth" / f"{view.stem}_cutout.png"), cv2.IMREAD_UNCHANGED)[..., 3] > 127
        assert dice(cutout[..., 3] > 127, truth) > 0.5, f"{view.name}: cutout far from the true garment"


@needs_model
@needs_ccp
def test_predict_ccp_photos_and_bad_inputs_in_one_run(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("0001", "0002"):
        shutil.copy(paths.SHARED_CCP / "images" / f"{name}.jpg", src)
    (src / "broken.jpg").write_bytes((paths.SHARED_CCP / "images" / "0003.jpg").read_bytes()[:500])
    out = tmp_path / "out"
    code = main(["predict", str(src), str(tmp_path / "missing.png"), "--out", str(out), "--threshold", "0.5"])
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.jpg" in err and "missing.png" in err and "Traceback" not in err
    written = sorted(p.name for p in out.iterdir())
    assert written == ["0001_cutout.png", "0002_cutout.png", "review.csv"]
    cutout = cv2.imread(str(out / "0001_cutout.png"), cv2.IMREAD_UNCHANGED)
    truth = cv2.imread(str(paths.SHARED_CCP / "masks" / "0001.png"), cv2.IMREAD_GRAYSCALE) > 127
    assert cutout.shape[:2] == truth.shape
    assert dice(cutout[..., 3] > 127, truth) > 0.5


def test_predict_with_a_broken_model_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a model")
    photo = tmp_path / "a.png"
    cv2.imwrite(str(photo), np.zeros((8, 8, 3), np.uint8))
    result = subprocess.run([sys.executable, "-m", "core.cli", "predict", str(photo), "--out", str(tmp_path / "o"),
                             "--model", str(bad)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "cannot load model" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists(), "a run that wrote nothing leaves no folder behind"


def test_an_option_that_changes_nothing_says_so(tmp_path, capsys):
    photo = tmp_path / "a.png"
    cv2.imwrite(str(photo), np.zeros((8, 8, 3), np.uint8))
    main(["predict", str(photo), "--out", str(tmp_path / "o"), "--no-decontaminate", "--model", str(tmp_path / "none.keras")])
    assert "note: --no-decontaminate changes nothing without --refine-edge" in capsys.readouterr().err


@needs_model
def test_a_second_pass_model_not_trained_on_focus_images_is_warned_about(tmp_path, capsys):
    photo = tmp_path / "a.png"
    cv2.imwrite(str(photo), np.full((96, 64, 3), 200, np.uint8))
    code = main(["predict", str(photo), "--out", str(tmp_path / "o"), "--double-pass", str(paths.DEFAULT_MODEL)])
    err = capsys.readouterr().err
    assert code == 0 and (tmp_path / "o" / "a_cutout.png").is_file()
    assert "warning: default.keras was not trained on focus images" in err and "--focus-margin" in err


def test_predict_into_a_folder_it_cannot_write_stops_before_any_prediction(tmp_path, capsys, monkeypatch,
                                                                          read_only_folder):
    """It used to predict every photo, then fail each write."""
    import core.prediction.predictor as predictor_module

    photo = tmp_path / "a.png"
    cv2.imwrite(str(photo), np.zeros((8, 8, 3), np.uint8))
    monkeypatch.setattr(predictor_module.Predictor, "load", lambda *a, **k: pytest.fail("the model was loaded"))
    assert main(["predict", str(photo), "--out", str(read_only_folder)]) == 2
    assert "cannot write into the output folder" in capsys.readouterr().err


@pytest.mark.parametrize("option, value, reason", [("--threshold", "2", "between 0 and 1"),
                                                   ("--feather", "-1", "between 0 and 200"),
                                                   ("--feather", "1e9", "between 0 and 200"),
                                                   ("--feather", "nan", "between 0 and 200"),
                                                   ("--out", "", "an empty path is not a folder"),
                                                   ("--batch-size", "0", "at least 1")])
def test_predict_rejects_bad_option_values(tmp_path, capsys, option, value, reason):
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", str(tmp_path), "--out", str(tmp_path / "o"), option, value])  # a later --out wins
    assert exit_info.value.code == 2
    assert reason in capsys.readouterr().err


def test_gather_inputs_lists_a_folder_as_shoots_do(tmp_path):
    # An interrupted atomic write leaves `.name.XXXX.tmp.png`, macOS leaves `._name.jpg`:
    # neither is a photo, and `predict` used to read them (one error line each).
    from core.files.shoots import discover
    from core.prediction.batch_cutout import gather_inputs

    for name in ("a_Front.png", "b.JPG", "a_Front_cutout.png", "a_Front_mask.png", ".a_Front.k3j.tmp.png",
                 "._b.JPG", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    import os

    os.mkfifo(tmp_path / "pipe_Front.png")  # named by what it is, not "no such file" (found by a helper)
    files, errors = gather_inputs([tmp_path, tmp_path / "b.JPG", tmp_path / "missing.png", tmp_path / "pipe_Front.png"])
    assert [f.name for f in files] == ["a_Front.png", "b.JPG"]
    assert errors == [f"{tmp_path / 'missing.png'}: no such file or folder",
                      f"{tmp_path / 'pipe_Front.png'}: not a regular file (a pipe or a device), not read"]
    shoot_files = [p.name for g in discover([tmp_path]).garments for p in g.views.values()]
    assert sorted(shoot_files) == [f.name for f in files]



def test_gather_inputs_opens_a_folder_of_shoots_as_the_app_does(tmp_path):
    from core.files.shoots import discover
    from core.prediction.batch_cutout import gather_inputs

    for shoot, name in (("shoot_b", "h1_Front.png"), ("shoot_a", "g1_Front.png")):
        (tmp_path / "day" / shoot).mkdir(parents=True)
        (tmp_path / "day" / shoot / name).write_bytes(b"x")
    files, errors = gather_inputs([tmp_path / "day"])
    assert files == [tmp_path / "day" / "shoot_a" / "g1_Front.png", tmp_path / "day" / "shoot_b" / "h1_Front.png"]
    assert errors == []
    assert [p for g in discover([tmp_path / "day"]).garments for p in g.views.values()] == files

class _HalfPredictor:
    """Every pixel at probability 128/255, without TensorFlow."""

    threshold = 0.5

    def predict_many(self, images, batch_size=4):
        return [np.full(im.shape[:2], 128, np.uint8) for im in images]


def test_inputs_with_the_same_cutout_name_do_not_overwrite_each_other(tmp_path):
    from core.prediction.batch_cutout import cutout_files

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cv2.imwrite(str(tmp_path / "a" / "0001.png"), np.full((4, 3, 3), 10, np.uint8))
    cv2.imwrite(str(tmp_path / "b" / "0001.png"), np.full((4, 3, 3), 200, np.uint8))
    cv2.imwrite(str(tmp_path / "b" / "0001.jpg"), np.full((4, 3, 3), 90, np.uint8))
    out = tmp_path / "out"
    out.mkdir()
    files = [tmp_path / "a" / "0001.png", tmp_path / "b" / "0001.png", tmp_path / "b" / "0001.jpg"]
    result = cutout_files(files, _HalfPredictor(), out)
    assert result.written == [out / "0001_cutout.png"]
    assert len(result.failures) == 2 and all("0001_cutout.png would replace" in f for f in result.failures)
    written = cv2.imread(str(out / "0001_cutout.png"), cv2.IMREAD_UNCHANGED)
    assert written[0, 0, 0] == 10 and written[0, 0, 3] == 255  # the first file's cutout, kept


@needs_model
def test_a_broken_corpus_costs_one_line_per_file_and_no_library_noise(tmp_path):
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sample_views()[0], folder / "good.png")
    png = cv2.imencode(".png", np.full((60, 40, 3), 90, np.uint8))[1].tobytes()
    (folder / "cut.png").write_bytes(png[: len(png) // 2])
    (folder / "text.jpg").write_bytes(b"not a photo at all")
    (folder / "empty.tif").write_bytes(b"")
    zlib_broken = bytearray(png)
    zlib_broken[60] ^= 0xFF
    (folder / "crc.png").write_bytes(bytes(zlib_broken))
    (folder / "overwritten.jpg").write_bytes(overwritten_jpeg(cv2.imread(str(sample_views()[0]))))
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as a user's shell has it
    result = subprocess.run([sys.executable, "-m", "core.cli", "predict", str(folder), "--out", str(tmp_path / "o")],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 1
    lines = [line for line in result.stderr.replace("\r", "\n").splitlines()
             if line.strip() and not line.startswith("predict [")]
    errors = [line for line in lines if line.startswith("error: ")]
    assert sorted(line.split(": ")[1].split()[-1] for line in errors) == sorted(
        str(folder / n) for n in ("crc.png", "cut.png", "empty.tif", "overwritten.jpg", "text.jpg"))
    assert "Corrupt JPEG" not in result.stdout + result.stderr, "libjpeg's own words stay off the terminal"
    # The bundled card has a triage: one line says how many views review.csv flags.
    review = [line for line in lines if line.endswith("views need review (review.csv)")]
    assert len(review) == 1 and review[0].split(" of ")[1].startswith("1 views"), result.stderr
    assert lines == errors + review + [f"wrote 1 files to {tmp_path / 'o'}"], result.stderr


@needs_model
def test_predict_with_refine_edge_writes_soft_edges_and_keeps_opaque_pixels(tmp_path):
    pytest.importorskip("pymatting")
    view = sample_views()[0]
    out = tmp_path / "out"
    assert main(["predict", str(view), "--out", str(out), "--masks", "--refine-edge", "4"]) == 0
    cutout = cv2.imread(str(out / f"{view.stem}_cutout.png"), cv2.IMREAD_UNCHANGED)
    photo = cv2.imread(str(view), cv2.IMREAD_UNCHANGED)[..., :3]
    alpha = cutout[..., 3]
    soft = (alpha > 0) & (alpha < 255)
    assert soft.sum() > 1000  # a matted band, not a 0/255 mask
    assert np.array_equal(cutout[..., :3][alpha == 255], photo[alpha == 255])  # the photo's own pixels
    mask = cv2.imread(str(out / f"{view.stem}_mask.png"), cv2.IMREAD_GRAYSCALE)
    assert set(np.unique(mask)) <= {0, 255}  # the mask file stays hard
