"""The one place TensorFlow and Keras are imported, with their start-up noise filtered.

Importing this module costs seconds (TensorFlow), so only code that builds, trains or
runs a model imports it, never at GUI start-up. The first device query happens here too:
that is when TensorFlow probes for CUDA and logs its cuInit failure on a CPU machine.
"""

from __future__ import annotations

import os

from core.common.native_noise import native_noise_filtered

# TensorFlow's own INFO and WARNING lines (oneDNN notes, CPU feature hints) are noise
# for users; a caller that wants them sets the variable itself.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

with native_noise_filtered():
    import keras
    import tensorflow as tf

    tf.config.list_physical_devices()

__all__ = ["keras", "tf"]
