"""Edges against a true soft alpha: SAD and MSE of alpha, and the halo over a new background.

    .venv/bin/python scripts/measure_edges.py [--renders 8] [--band 6]

Each studio render (core.renders, seeds far from training's) gets a true soft alpha: its
mask blurred by a sigma of 0.7 to 3 px (anti-aliased to fuzzy fabric), the garment's
colours extended under that edge (F) and the render's backdrop under it (B); the photo
is then alpha * F + (1 - alpha) * B, as a camera sees a soft edge. The mask every method
starts from is the true alpha at 0.5. Methods: the hard mask, feather 2 px, refine edge,
refine edge + decontamination. SAD in thousands over the photo, MSE over the edge band;
halo = mean colour error (8-bit levels) of the cutout composited over pure green,
against the true composite, over the edge band. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json

import cv2
import numpy as np


def soft_render(seed: int, size=(576, 864)):
    from core.renders.composition import render_training_pair

    rng = np.random.default_rng(seed)
    rgb, mask = render_training_pair(3_000_000 + seed, size=size)
    rgb = np.asarray(rgb)[..., :3].copy()
    mask = np.asarray(mask) > 0
    sigma = float(rng.uniform(0.7, 3.0))
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigma)
    edge = cv2.dilate(mask.astype(np.uint8), np.ones((15, 15), np.uint8)) & ~cv2.erode(
        mask.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    fg = cv2.inpaint(rgb, (edge & ~mask).astype(np.uint8), 5, cv2.INPAINT_TELEA)  # garment colour outwards
    bg = cv2.inpaint(rgb, (edge & mask).astype(np.uint8), 5, cv2.INPAINT_TELEA)  # backdrop inwards
    photo = (alpha[..., None] * fg + (1 - alpha[..., None]) * bg + 0.5).astype(np.uint8)
    return photo, alpha, fg.astype(np.float32), edge.astype(bool)


def scores(alpha_u8, colour, alpha_true, fg_true, band):
    a = alpha_u8.astype(np.float32) / 255.0
    green = np.array([0, 255, 0], np.float32)
    ours = a[..., None] * colour.astype(np.float32) + (1 - a[..., None]) * green
    truth = alpha_true[..., None] * fg_true + (1 - alpha_true[..., None]) * green
    return {"sad_k": float(np.abs(a - alpha_true).sum() / 1000), "mse_band": float(((a - alpha_true)[band] ** 2).mean()),
            "halo": float(np.abs(ours - truth)[band].mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=8)
    parser.add_argument("--band", type=int, default=6)
    args = parser.parse_args()
    from core.masks.cleanups import feather
    from core.masks.refine_edge import decontaminate, refine_alpha

    results: dict[str, list[dict]] = {k: [] for k in ("hard", "feather_2px", "refine_edge", "refine_edge_decontaminated")}
    for seed in range(args.renders):
        photo, alpha_true, fg, band = soft_render(seed)
        mask = alpha_true >= 0.5
        refined = refine_alpha(photo, mask, args.band)
        results["hard"].append(scores(feather(mask, 0), photo, alpha_true, fg, band))
        results["feather_2px"].append(scores(feather(mask, 2), photo, alpha_true, fg, band))
        results["refine_edge"].append(scores(refined, photo, alpha_true, fg, band))
        results["refine_edge_decontaminated"].append(scores(refined, decontaminate(photo, refined), alpha_true, fg, band))
    summary = {name: {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]} for name, rows in results.items()}
    print(json.dumps({"renders": args.renders, "band_px": args.band, **summary}))


if __name__ == "__main__":
    main()
