"""Peak memory (RSS) of `garment-cutout predict` on one studio render at several sizes.

    .venv/bin/python scripts/peak_memory.py [--sizes 1152x1728,4000x6000,9792x14688]

Each size is a fresh `predict` process (the bundled model, --masks), so the figure
includes TensorFlow's own ~0.8 GB. Prints one JSON line per size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1152x1728,4000x6000,9792x14688", help="WIDTHxHEIGHT,...")
    args = parser.parse_args()
    import cv2
    import numpy as np

    from core.renders.composition import render_training_pair

    rgb = np.asarray(render_training_pair(5, size=(1152, 1728))[0])[..., :3]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            w, h = (int(v) for v in size.split("x"))
            photo = Path(tmp) / f"render_{w}x{h}.jpg"
            cv2.imwrite(str(photo), cv2.resize(rgb, (w, h), interpolation=cv2.INTER_CUBIC)[..., ::-1])
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "core.cli", "predict", str(photo), "--masks",
                                   "--out", str(Path(tmp) / f"out_{w}x{h}")],
                                  capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
            peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            print(json.dumps({"size": f"{w}x{h}", "megapixels": round(w * h / 1e6, 1), "exit": done.returncode,
                              "peak_rss_mb": round(peak_kb / 1024) if peak_kb > before else "<= previous size",
                              "seconds": round(time.perf_counter() - start, 1)}), flush=True)


if __name__ == "__main__":
    main()
