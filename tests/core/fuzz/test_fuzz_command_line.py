"""Property-based fuzzing of `garment-cutout`'s arguments: any argv ends in a clear
exit (0 for help, 2 for a usage error, 1 or 2 for inputs that are not there), never a
traceback. Paths are drawn inside a temporary folder with no photos in it, so no model
is ever loaded and no file outside it is touched."""

from __future__ import annotations

import contextlib
import io

from hypothesis import given
from hypothesis import strategies as st

from core.cli.main import main

OPTIONS = {
    "predict": ["--threshold", "--feather", "--batch-size", "--masks", "--model", "--double-pass"],
    "evaluate": ["--threshold", "--limit", "--split", "--report"],
    "calibrate": ["--split", "--upsampling", "--tta-flip", "--precision", "--dry-run"],
    "bench": ["--repeats", "--json-out"],
    "train": ["--epochs", "--batch-size", "--width", "--input-size", "--lr", "--val-fraction"],
}
VALUES = st.one_of(st.sampled_from(["0", "-1", "1e9", "nan", "inf", "", "abc", "0.5", "384x256", "x", "3",
                                    "on", "off", "guided", "bfloat16"]),
                   st.text(max_size=6))


@given(data=st.data())
def test_any_arguments_end_in_a_clear_exit(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("cli")
    command = data.draw(st.sampled_from(sorted(OPTIONS)))
    argv = [command]
    if command in ("predict",):
        argv += [str(folder / "missing.png"), "--out", str(folder / "out")]
    if command in ("evaluate", "calibrate", "train"):
        argv += ["--data", str(folder / "no-data")]
    if command in ("calibrate", "bench"):
        argv += ["--model", str(folder / "missing.keras")]
    if command == "train":
        argv += ["--out", str(folder / "m.keras")]
    for option in data.draw(st.lists(st.sampled_from(OPTIONS[command]), max_size=3)):
        argv.append(option)
        if option not in ("--masks", "--dry-run"):
            value = data.draw(VALUES)
            argv.append(str(folder / value) if option in ("--model", "--double-pass", "--split", "--report",
                                                          "--json-out") else value)
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code
    assert code in (0, 1, 2), (argv, code, err.getvalue())
    assert "Traceback" not in err.getvalue() and "unexpected" not in err.getvalue(), (argv, err.getvalue())
