"""Render a studio-domain test set as `<name>_cutout.png` files (RGB = photo, alpha =
true garment mask), which `garment-cutout evaluate --data DIR` reads directly.

Seeds start at 5,000,000, far from the training renders' (1,000,000 + ...), so no test
render was ever trained on.

    python scripts/render_studio_test_set.py OUT_DIR [--count 30] [--size 1152x1728]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.files.imageio import write_png  # noqa: E402
from core.renders.composition import VIEWS, render_view  # noqa: E402

FIRST_SEED = 5_000_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--size", default="1152x1728", help="WxH")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.count):
        seed, view = FIRST_SEED + i, VIEWS[i % len(VIEWS)]
        r = render_view(seed, view, (width, height))
        write_png(args.out / f"studio{seed}_{view}_cutout.png", np.dstack([r.rgb, r.alpha]))
    print(f"wrote {args.count} renders to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
