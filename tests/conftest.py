"""Every test starts from the same random state, so no test passes or fails by chance.

Keras draws initial weights from its global seed generator when a layer is built without
a seed; an unseeded net decided whether tests/core/network/test_precision.py passed on a
clean clone (3 failures in 4). Seeding Python, NumPy and Keras before each test makes
every model a test builds the same on every run.
"""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest

TEST_SEED = 1234


@pytest.fixture(autouse=True)
def _seed_every_random_source():
    random.seed(TEST_SEED)
    np.random.seed(TEST_SEED)
    # Importing Keras pulls in TensorFlow (seconds); seed it only where a test module
    # already imported it, and the tests that import it later seed it themselves.
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(TEST_SEED)
    yield
