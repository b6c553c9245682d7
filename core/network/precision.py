"""Which number format the U-Net runs in on this computer: float32 or bfloat16.

bfloat16 keeps float32's range with a shorter mantissa. On CPUs with native bfloat16
matrix instructions (Intel AMX or AVX-512 BF16, which TensorFlow's oneDNN kernels use)
the bundled U-Net runs a photo and its mirror image in 0.15 s instead of 0.27 s; on
other CPUs bfloat16 is emulated and slower than float32. So a card's "auto" means
bfloat16 only where the CPU has it natively. Weights stay float32 either way, and the
probabilities come out as float32 (`core.models` keeps the last layer in float32).

`GARMENT_CUTOUT_PRECISION` (float32, bfloat16 or auto) overrides every card, to compare
the two or to rule bfloat16 out when troubleshooting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

PRECISIONS = ("float32", "bfloat16", "auto")
ENV_VARIABLE = "GARMENT_CUTOUT_PRECISION"
# /proc/cpuinfo flags of native bfloat16 arithmetic (Intel AMX tiles, AVX-512 BF16).
_NATIVE_BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})


def cpu_has_native_bfloat16(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """True when the CPU lists a native bfloat16 instruction set (Linux; False elsewhere)."""
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return bool(_NATIVE_BF16_FLAGS & set(value.split()))
    return False


def resolve_precision(requested: str, environ: Mapping[str, str] | None = None,
                      native_bfloat16: bool | None = None) -> str:
    """"float32" or "bfloat16" for a card's `precision` (float32, bfloat16 or auto).

    The environment variable, when set to one of PRECISIONS, replaces `requested`;
    any other value of it is ignored. "auto" becomes bfloat16 only on a CPU with native
    bfloat16 (`native_bfloat16`, detected when None)."""
    environ = os.environ if environ is None else environ
    override = environ.get(ENV_VARIABLE, "").strip().lower()
    if override in PRECISIONS:
        requested = override
    if requested == "auto":
        native = cpu_has_native_bfloat16() if native_bfloat16 is None else native_bfloat16
        return "bfloat16" if native else "float32"
    return "bfloat16" if requested == "bfloat16" else "float32"


# ---------------------------------------------------------------------------
# Training precision (`garment-cutout train --precision`)
# ---------------------------------------------------------------------------

# What a training run may compute in. Weights, the last layer (so the probabilities and
# the loss) and every checkpoint written stay float32 in both; mixed_float16 adds Keras'
# dynamic loss scaling so small float16 gradients do not flush to zero.
# mixed_bfloat16 is left out on purpose: see docs/MODEL.md ("Training precision").
TRAINING_PRECISIONS = ("auto", "float32", "mixed_float16")


def resolve_training_precision(requested: str, gpus: int) -> str:
    """"float32" or "mixed_float16" for `--precision` (auto, float32 or mixed_float16).

    "auto" is mixed_float16 where the run trains on GPUs (`gpus` > 0): their tensor
    cores run float16 several times faster than float32. On CPUs float16 is emulated
    and slower, so auto means float32 there."""
    if requested not in TRAINING_PRECISIONS:
        raise ValueError(f"training precision must be one of {', '.join(TRAINING_PRECISIONS)}, got {requested!r}")
    if requested == "auto":
        return "mixed_float16" if gpus > 0 else "float32"
    return requested
