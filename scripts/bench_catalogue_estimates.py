"""How long the app's background estimate of a catalogue takes per view, with the model
given (the bundled one by default): `python scripts/bench_catalogue_estimates.py`.

Builds GARMENTS garments of three 1152 x 1728 views from the bundled sample shoot
(mirrored and shifted copies, so no two photos are alike) in a temporary folder, then
runs app.jobs.catalogue_estimates.estimate_catalogue three times: cold (every view read
and predicted, its map and estimate kept in the sidecar), maps cached (the estimates
deleted: each photo read, its map taken from the cache, estimated) and kept (a reopened
catalogue: the estimates kept, no photo read). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build_catalogue(folder: Path, garments: int) -> None:
    from core.common import paths
    from core.files.shoots import discover

    sample = discover([paths.SAMPLE_SHOOT]).garments[0]
    for n in range(garments):
        for view, path in sample.views.items():
            bgr = cv2.imread(str(path))
            bgr = np.roll(bgr[:, ::-1] if n % 2 else bgr, 7 * n, axis=1)
            cv2.imwrite(str(folder / f"g{n + 1}_{view}.png"), bgr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--garments", type=int, default=4)
    args = parser.parse_args(argv)

    from app.jobs.catalogue_estimates import estimate_catalogue
    from core.evaluation.triage import triage_of
    from core.files.shoots import discover
    from core.prediction.predictor import Predictor

    predictor = Predictor.load(args.model)
    triage = triage_of(predictor.card)
    if triage is None:
        print("the model's card has no triage: nothing to estimate", file=sys.stderr)
        return 2
    result = {"model": predictor.card.name, "precision": predictor.precision, "garments": args.garments}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_catalogue(folder, args.garments)
        garments = discover([folder]).garments
        views = sum(len(g.views) for g in garments)
        estimates = []
        for run in ("cold", "maps_cached", "kept"):
            if run == "maps_cached":
                for kept in folder.glob(".garment-cutout/*.estimate.json"):
                    kept.unlink()
            start = time.perf_counter()
            estimate_catalogue(garments, predictor, triage, lambda *_: None, lambda: False, estimates.append)
            result[f"{run}_s_per_view"] = float(f"{(time.perf_counter() - start) / views:.3g}")
        n = len(garments)
        result["estimates_equal"] = estimates[:n] == estimates[n:2 * n] == estimates[2 * n:]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
