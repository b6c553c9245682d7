"""The learning loop end to end (issue 13), on a studio look the default model has not seen.

    python scripts/learning_loop_demo.py WORKDIR [--corrected 40] [--held-out 20]
        [--size 576x864] [--epochs 4] [--model M.keras]

1. Renders `--corrected` views of the new look (core.renders.scene_kinds.NEW_LOOK: a
   dark coloured backdrop, warmer light) as a shoot, and `--held-out` others (seeds of
   their own) as an evaluation folder. Neither set is ever in a training mix.
2. The retoucher's part: each shoot view is predicted by the model, corrected to its true
   mask and exported the way the app does it (core.files.export + the sidecar's export
   record with the correction's size).
3. `garment-cutout collect` copies the exported views into WORKDIR/train.
4. `garment-cutout train --init-from MODEL --data WORKDIR/train` fine-tunes on the CPU
   (fine-tune defaults: the start model's size, rate 1e-4).
5. Both models on the held-out views: mean Dice, views at Dice >= 0.97, the mean triage
   estimate (the start card's triage applied to each model's map) and the pixels a
   retoucher would still correct (|mask xor truth|), summed. JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORRECTED_SEED, HELD_OUT_SEED = 8_000_000, 8_100_000


def _views(seed: int) -> str:
    from core.renders.composition import VIEWS

    return VIEWS[seed % len(VIEWS)]


def render_sets(work: Path, corrected: int, held_out: int, size: tuple[int, int]) -> tuple[Path, Path]:
    from core.files.imageio import write_png
    from core.renders.composition import render_view
    from core.renders.scene_kinds import NEW_LOOK

    shoot, evaluation = work / "shoot", work / "heldout"
    shoot.mkdir(parents=True, exist_ok=True)
    evaluation.mkdir(parents=True, exist_ok=True)
    for i in range(corrected):
        seed = CORRECTED_SEED + i
        r = render_view(seed, _views(seed), size, NEW_LOOK)
        write_png(shoot / f"look{seed}_{_views(seed)}.png", r.rgb)
        write_png(shoot / f".truth_look{seed}_{_views(seed)}.png", r.mask.astype(np.uint8) * 255)
    for i in range(held_out):
        seed = HELD_OUT_SEED + i
        r = render_view(seed, _views(seed), size, NEW_LOOK)
        write_png(evaluation / f"look{seed}_{_views(seed)}_cutout.png", np.dstack([r.rgb, r.alpha]))
    return shoot, evaluation


def retouch_and_export(shoot: Path, export: Path, predictor) -> dict:
    """Predict, correct to the truth and export each view as the app does; the correction sizes."""
    from core.evaluation.metrics import binarise
    from core.files.export import export_view
    from core.files.imageio import read_image, read_mask
    from core.files.shoots import discover
    from core.files.sidecar import Sidecar, view_key
    from core.masks.compose import correction_stats

    export.mkdir(parents=True, exist_ok=True)
    sidecar = Sidecar.for_shoot(shoot)
    changed = []
    for garment in discover([shoot]).garments:
        for view, photo in garment.views.items():
            rgb = read_image(photo).rgb
            truth = read_mask(shoot / f".truth_{garment.garment_id}_{view}.png")
            probability = predictor.predict(rgb)
            stats = correction_stats(probability, predictor.threshold, truth)
            files = export_view(rgb, truth, export, garment.garment_id, view, source_path=photo)
            sidecar.record_export(view_key(garment.garment_id, view), files[0], photo,
                                  {"model_id": predictor.model_id, "model": predictor.card.name,
                                   "model_threshold": predictor.threshold, **stats})
            changed.append(stats["changed_pixels"])
            assert not (binarise(probability, predictor.threshold) ^ truth).sum() != stats["changed_pixels"]
    return {"views": len(changed), "pixels_corrected": int(np.sum(changed))}


def score(predictor, evaluation: Path, triage) -> dict:
    from core.evaluation import metrics
    from core.files.imageio import read_image

    rows = []
    for path in sorted(evaluation.glob("*_cutout.png")):
        loaded = read_image(path)
        truth = loaded.alpha > 127
        probability = predictor.predict(loaded.rgb)
        pred = metrics.binarise(probability, predictor.threshold)
        rows.append((metrics.dice(pred, truth), float(triage.estimate(probability, predictor.threshold)),
                     int((pred ^ truth).sum())))
    dice, estimate, wrong = (np.array(c) for c in zip(*rows))
    return {"views": len(rows), "mean_dice": round(float(dice.mean()), 4),
            "share_at_0.97": round(float((dice >= 0.97).mean()), 3),
            "mean_triage_estimate": round(float(estimate.mean()), 3),
            "pixels_to_correct": int(wrong.sum())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--corrected", type=int, default=40)
    parser.add_argument("--held-out", type=int, default=20)
    parser.add_argument("--size", default="576x864", help="WxH of the renders")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--model", type=Path, help="the start model (default: the bundled one)")
    args = parser.parse_args()
    from core.common.paths import DEFAULT_MODEL
    from core.evaluation.triage import Triage
    from core.prediction.predictor import Predictor

    width, height = (int(v) for v in args.size.lower().split("x"))
    start_path = args.model or DEFAULT_MODEL
    start = Predictor.load(start_path)
    triage = Triage.from_dict(start.card.triage)
    shoot, evaluation = render_sets(args.work, args.corrected, args.held_out, (width, height))
    retouched = retouch_and_export(shoot, args.work / "export", start)
    train_dir, tuned = args.work / "train", args.work / "tuned.keras"
    cli = [sys.executable, "-m", "core.cli"]
    subprocess.run(cli + ["collect", str(shoot), "--export", str(args.work / "export"), "--to", str(train_dir)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run(cli + ["train", "--data", str(train_dir), "--init-from", str(start_path), "--out", str(tuned),
                          "--epochs", str(args.epochs), "--patience", str(args.epochs), "--val-fraction", "0.2",
                          "--lr-schedule", "cosine", "--min-lr", "2e-5", "--seed", "3"], check=True, cwd=ROOT)
    before = score(start, evaluation, triage)
    after = score(Predictor.load(tuned), evaluation, triage)
    result = {"look": "dark_studio", "corrected_views": retouched, "held_out_before": before, "held_out_after": after,
              "pixels_saved_on_held_out": before["pixels_to_correct"] - after["pixels_to_correct"]}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
