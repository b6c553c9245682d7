"""An error printed after a progress bar that stopped short of its total starts a line of
its own (it was glued to the bar's end: `predict [###...] 36/38 ... eta 3.6s error: ...`,
easy to miss; found by a helper)."""

from __future__ import annotations

import io

from core.cli.train import _TextStatus
from core.common.progress import TextProgress
from core.training.config import TrainStatus


def test_a_bar_stopped_short_ends_its_line():
    stream = io.StringIO()
    progress = TextProgress("predict", stream=stream)
    progress(1, 3)
    progress.end()
    stream.write("error: skipped\n")
    assert stream.getvalue().splitlines()[-1] == "error: skipped"
    assert "eta" in stream.getvalue().splitlines()[-2]


def test_a_finished_bar_is_not_given_a_second_newline():
    stream = io.StringIO()
    progress = TextProgress("predict", stream=stream)
    progress(3, 3)
    progress.end()
    assert stream.getvalue().count("\n") == 1


def test_a_training_run_stopped_mid_epoch_ends_its_line():
    stream = io.StringIO()
    status = _TextStatus(stream=stream)
    status(TrainStatus("training", 1, 2, 3, 10, {"loss": -1.5}))
    status.end()
    stream.write("error: cannot write\n")
    assert stream.getvalue().splitlines()[-1] == "error: cannot write"
    status.end()
    assert stream.getvalue().endswith("error: cannot write\n"), "ended once only"
