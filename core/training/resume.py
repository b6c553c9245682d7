"""Resuming a killed run: Keras' BackupAndRestore, with a backup a SIGKILL cannot tear.

After every epoch `ResumableBackup` writes, in `OUT.backup/`, the model's and the
optimizer's state and the epoch count, as Keras' `BackupAndRestore` does, and restores
them when `train` runs again with the same `--out`. Two differences, both because a
kill may land at any instruction:

* Keras 3.15 writes `latest.weights.h5` in place and then `training_metadata.json`: a
  kill during the first leaves a torn weights file, between the two a new epoch's
  weights under the old epoch number. Here each epoch's weights get a new file name and
  the metadata, written to a temporary file and moved over the old one, is the commit:
  it names the weights it belongs to, and until it is replaced the old pair stands.
* The metadata also holds the run's settings and every epoch's logs. Settings that
  differ on the rerun are refused (a resumed run must be the same run); the logs let the
  best checkpoint, early stopping and the history CSV take up where they were.

The backup is deleted by `train` once the model and its final card are written, not at
the end of `fit`: the threshold sweep after it can be killed too.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path
from typing import Any

from core.common.errors import DataError
from core.files.atomic import write_text_atomic

METADATA = "training_metadata.json"
_WEIGHTS_PATTERN = "epoch-*.weights.h5"


@dataclasses.dataclass(frozen=True)
class RunState:
    """What the last committed backup holds."""

    epoch: int                          # epochs completed
    weights: Path
    settings: dict[str, Any]
    history: list[dict[str, float]]     # one logs dict per completed epoch


def read_state(folder: Path) -> RunState | None:
    """The committed backup in `folder`, or None when there is none."""
    path = Path(folder) / METADATA
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        state = RunState(int(data["epoch"]), Path(folder) / str(data["weights"]), dict(data["settings"]),
                         [dict(logs) for logs in data["history"]])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{folder} is not a backup this version can resume ({exc}); delete it to start over") from None
    if not state.weights.is_file() or len(state.history) != state.epoch:
        raise DataError(f"{folder} is damaged (its weights file or history is missing); delete it to start over")
    return state


def check_settings(state: RunState, settings: dict[str, Any], folder: Path) -> None:
    """DataError unless `settings` are the ones the backed-up run trained with."""
    keys = sorted(set(state.settings) | set(settings))
    changed = [f"{k} {state.settings.get(k)!r} -> {settings.get(k)!r}" for k in keys
               if state.settings.get(k) != settings.get(k)]
    if changed:
        raise DataError(f"{folder} holds an unfinished run with other settings ({'; '.join(changed)}): run again "
                        f"with its settings to continue it, or delete {folder} to start over")


def rewrite_history(path: Path, history: list[dict[str, float]]) -> None:
    """The history CSV of the restored epochs only, as Keras' CSVLogger writes it
    (epoch, then the metrics in sorted order), for the resumed run's logger to append to.
    A row of an epoch killed before its backup is dropped."""
    keys = sorted({k for logs in history for k in logs})
    lines: list[list[Any]] = [["epoch", *keys]]
    lines += [[epoch, *(logs.get(k, "NA") for k in keys)] for epoch, logs in enumerate(history)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    write_text_atomic(path, buffer.getvalue())


def remove_backup(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _plain(logs: dict | None) -> dict[str, float]:
    return {k: float(v) for k, v in (logs or {}).items()}


def make_backup_callback(folder: Path, settings: dict[str, Any], state: RunState | None):
    """A `ResumableBackup` writing to `folder` (the Keras class is defined here so that
    importing this module does not import TensorFlow)."""
    from core.network.backend import keras

    class ResumableBackup(keras.callbacks.BackupAndRestore):
        """Keras' BackupAndRestore with one atomic commit per epoch, carrying the run's logs."""

        def __init__(self) -> None:
            super().__init__(str(folder), save_freq="epoch", delete_checkpoint=False)
            self.folder = Path(folder)
            self.history: list[dict[str, float]] = list(state.history) if state is not None else []

        def on_epoch_end(self, epoch, logs=None):
            self.history = self.history[:epoch] + [_plain(logs)]
            super().on_epoch_end(epoch, logs)

        def _save_model(self):
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"epoch-{self._current_epoch:04d}.weights.h5"
            self.model.save_weights(str(self.folder / name), overwrite=True)
            write_text_atomic(self.folder / METADATA, json.dumps(
                {"epoch": self._current_epoch, "weights": name, "settings": settings, "history": self.history}))
            for old in self.folder.glob(_WEIGHTS_PATTERN):
                if old.name != name:
                    old.unlink(missing_ok=True)

        def _load_model(self):
            if state is None:
                return
            if self.model.optimizer is not None and not self.model.optimizer.built:
                self.model.optimizer.build(self.model.trainable_variables)
            self.model.load_weights(str(state.weights))
            self.model._initial_epoch = state.epoch
            self._current_epoch = state.epoch

    return ResumableBackup()
