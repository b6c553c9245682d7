"""`garment-cutout predict`: photos and folders in, `<stem>_cutout.png` files out.

Each input that fails (unreadable photo, unwritable output) costs one line on stderr
and a non-zero exit; the others are still done. Photos are predicted in batches. No
output ever replaces an input, and a photo's cutout and mask are written all or nothing.
A symbolic link is named after itself, not after its target: two links, two cutouts.

Beside the cutouts goes `review.csv` (file, garment, view, estimate, needs_review): the
card's triage estimate that a view needs correction (core.evaluation.triage), written
atomically once the batch is done. Rows of photos predicted before into the same folder
are kept unless this run predicted them again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from core.common.errors import Cancelled, GarmentCutoutError


def gather_inputs(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Expand folders (sorted) into image files; returns (files, errors).

    A folder is listed as the app opens one (core.files.shoots.shoot_photos): its own
    photos, or, with none, the shoots in its subfolders; our own exports (`*_cutout.png`,
    `*_mask.png`) and hidden files are not photos and are skipped."""
    from core.files.shoots import ShootError, shoot_photos

    files: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                found = shoot_photos(p)
            except ShootError as exc:
                errors.append(f"{p}: cannot list this folder ({str(exc).rpartition(': ')[2]})")
                continue
            if not found:
                errors.append(f"{p}: no images in this folder")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        elif p.exists():  # a pipe, a device, a socket: never read (it may never end)
            errors.append(f"{p}: not a regular file (a pipe or a device), not read")
        else:
            errors.append(f"{p}: no such file or folder")
    # The same path named twice (a file and its folder) is predicted once. The path is
    # made absolute without resolving links: a link's cutout is named after the link.
    unique = list(dict.fromkeys(Path(os.path.abspath(f)) for f in files))
    return unique, errors


# The most photo pixels read ahead for one batch of the network (four 1152x1728 views are
# 8 MP): a folder of 100 MP photos is then done one photo at a time.
BATCH_PIXELS = 24_000_000


REVIEW_NAME = "review.csv"
REVIEW_COLUMNS = ("file", "garment", "view", "estimate", "needs_review")


@dataclass
class ReviewRow:
    """One view's triage: `estimate` is P(Dice < the card's target), None without a triage."""

    file: str
    garment: str
    view: str
    estimate: float | None
    needs_review: bool | None

    def cells(self) -> list[str]:
        estimate = "" if self.estimate is None else f"{self.estimate:.4f}"
        review = "" if self.needs_review is None else ("yes" if self.needs_review else "no")
        return [self.file, self.garment, self.view, estimate, review]


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    review: list[ReviewRow] = field(default_factory=list)


def cutout_files(files: list[Path], predictor, out_dir: Path, threshold: float | None = None,
                 write_masks: bool = False, feather_px: int = 0, batch_size: int = 4,
                 progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, triage=None, refine_edge_px: int = 0,
                 decontaminate: bool = True) -> BatchResult:
    """Predict each photo and write its cutout (and mask) into `out_dir`, and review.csv.

    `triage` (a core.evaluation.triage.Triage, passed in because prediction sits below
    evaluation) gives each view's estimate from its (H, W) uint8 probability map and the
    threshold: `estimate(probability, threshold) -> float`, `needs_review(estimate) -> bool`.
    Without one review.csv lists the views with empty estimates."""
    from core.files.export import export_view
    from core.files.imageio import read_image
    from core.masks.compose import threshold_level

    result = BatchResult()
    inputs = list(files)  # every input is protected, the skipped ones too
    files = _without_name_clashes(files, result.failures)
    cut = predictor.threshold if threshold is None else threshold
    level = threshold_level(cut)
    done = 0

    def flush(loaded: list) -> None:
        nonlocal done
        probs = predictor.predict_many([img.rgb for _, img in loaded], batch_size=batch_size)
        while loaded:  # each photo and its map are let go once written
            path, img = loaded.pop(0)
            probability = probs.pop(0)
            mask = probability >= level  # no overrides on the command line: the threshold alone
            # Measured on a map about the model's input size, so it costs little and no
            # full-size copy (core.evaluation.triage.working_map).
            estimate = None if triage is None else triage.estimate(probability, cut)
            del probability
            stem, view = _split_stem(path)
            try:
                result.written.extend(export_view(img.rgb, mask, out_dir, stem, view, feather_px=feather_px,
                                                  write_mask=write_masks, source_path=path, rgb16=img.rgb16,
                                                  protected=inputs, refine_edge_px=refine_edge_px,
                                                  decontaminate=decontaminate if refine_edge_px else None))
            except GarmentCutoutError as exc:
                result.failures.append(f"{path}: {exc}")
            else:
                result.review.append(ReviewRow(str(path), stem, view, estimate,
                                               None if estimate is None else triage.needs_review(estimate)))
            done += 1
            del img, mask

    loaded: list = []
    pixels = 0
    try:
        for index, path in enumerate(files):
            if cancelled is not None and cancelled():
                raise Cancelled("prediction")
            try:
                image = read_image(path)
            except GarmentCutoutError as exc:
                result.failures.append(str(exc))
                done += 1
            else:
                loaded.append((path, image))
                pixels += image.rgb.shape[0] * image.rgb.shape[1]
                del image
            # A batch is `batch_size` photos, or fewer big ones: memory follows BATCH_PIXELS,
            # not the number of photos times the largest photo.
            if loaded and (len(loaded) >= batch_size or pixels >= BATCH_PIXELS or index == len(files) - 1):
                flush(loaded)
                pixels = 0
                if progress is not None:
                    progress(done, len(files))
    except (KeyboardInterrupt, Cancelled):  # the cutouts already written keep their review lines
        if result.review:
            _write_review(out_dir / REVIEW_NAME, result.review, inputs, result.failures)
        raise
    if progress is not None and done < len(files):
        progress(done, len(files))
    if result.review:
        _write_review(out_dir / REVIEW_NAME, result.review, inputs, result.failures)
    return result


def _write_review(target: Path, rows: list[ReviewRow], inputs: list[Path], failures: list[str]) -> None:
    """Write `rows` into `target` atomically, keeping the rows of other photos already there."""
    import csv
    import io

    from core.files.atomic import write_text_atomic

    if any(_same_file(target, p) for p in inputs):
        failures.append(f"{target}: not written, it is one of the inputs")
        return
    fresh = {row.file for row in rows}
    kept: list[list[str]] = []
    try:
        with open(target, newline="", encoding="utf-8") as handle:
            old = list(csv.reader(handle))
        if old and tuple(old[0]) == REVIEW_COLUMNS:
            kept = [r for r in old[1:] if len(r) == len(REVIEW_COLUMNS) and r[0] not in fresh]
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        failures.append(f"{target}: the earlier review could not be read ({exc}); it is replaced")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REVIEW_COLUMNS)
    writer.writerows(kept + [row.cells() for row in rows])
    try:
        write_text_atomic(target, buffer.getvalue())
    except OSError as exc:
        failures.append(f"{target}: cannot write the review ({exc.strerror or exc})")
    except GarmentCutoutError as exc:  # write_text_atomic's own words: a full disk, a read-only folder
        failures.append(f"{exc} (the review; the cutouts before it were written)")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _without_name_clashes(files: list[Path], failures: list[str]) -> list[Path]:
    """Files whose cutout name no earlier file claims; the others become failures.

    `a/0001.jpg` and `b/0001.jpg` (or `0001.jpg` and `0001.png`) would both write
    `0001_cutout.png`, the second silently replacing the first. Names compare casefolded:
    on macOS and Windows `A_cutout.png` and `a_cutout.png` are one file.
    """
    from core.files.export import export_name

    claimed: dict[str, Path] = {}
    kept: list[Path] = []
    for path in files:
        stem, view = _split_stem(path)
        try:
            name = export_name(stem, view)
        except GarmentCutoutError:
            kept.append(path)  # export_view reports the bad name itself
            continue
        first = claimed.setdefault(name.casefold(), path)
        if first is path:
            kept.append(path)
        else:
            failures.append(f"{path}: skipped, its cutout {name} would replace the one of {first}; rename one")
    return kept


def _split_stem(path: Path) -> tuple[str, str]:
    """`export_view` names files `<id>_<view>_cutout.png`; for a studio photo that is its
    own name, for any other photo (`0001.jpg`) the view part is empty."""
    from core.files.shoots import parse_view

    parsed = parse_view(path)
    if parsed is not None:
        return parsed
    return path.stem, ""
