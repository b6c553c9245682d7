"""Blend two models of one architecture by interpolating their weights (WiSE-FT, Wortsman
et al. 2022): theta = alpha * tuned + (1 - alpha) * start. A fine-tune on a new domain
(studio renders of the failure kinds) drifts from what the start model did well (CCP);
a blend of the two often keeps most of both, with no training.

    python scripts/blend_models.py START.keras TUNED.keras OUT.keras --alpha 0.5

OUT gets TUNED's card (its normalisation is the start's: a fine-tune keeps it), with the
blend recorded under training.blend; calibrate it afterwards (garment-cutout calibrate).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("start", type=Path)
    parser.add_argument("tuned", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--alpha", type=float, default=0.5, help="weight of TUNED (0..1)")
    args = parser.parse_args()
    if not 0.0 <= args.alpha <= 1.0:
        parser.error("--alpha must be between 0 and 1")
    from core.network.backend import keras
    from core.network.card import ModelCard, card_path

    start = keras.models.load_model(args.start, compile=False)
    tuned = keras.models.load_model(args.tuned, compile=False)
    pairs = list(zip(start.get_weights(), tuned.get_weights()))
    if len(start.get_weights()) != len(tuned.get_weights()) or any(a.shape != b.shape for a, b in pairs):
        parser.error("the two models' weights do not have the same shapes")
    tuned.set_weights([args.alpha * b + (1.0 - args.alpha) * a for a, b in pairs])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tuned.save(args.out)
    card = ModelCard.load(card_path(args.tuned))
    card.training = {**card.training, "blend": {"start": str(args.start), "tuned": str(args.tuned),
                                                "alpha": args.alpha}}
    card.save(card_path(args.out))
    print(json.dumps({"out": str(args.out), "alpha": args.alpha}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
