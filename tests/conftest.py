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
from hypothesis import HealthCheck, settings

TEST_SEED = 1234

# The fuzz tests draw the same examples on every run (derandomize), keep no example
# database between runs, and stay within a bounded budget in the default run.
settings.register_profile("default-run", derandomize=True, database=None, deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile("default-run")


@pytest.fixture(autouse=True)
def _seed_every_random_source():
    random.seed(TEST_SEED)
    np.random.seed(TEST_SEED)
    # Importing Keras pulls in TensorFlow (seconds); seed it only where a test module
    # already imported it, and the tests that import it later seed it themselves.
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(TEST_SEED)
    yield


@pytest.fixture
def read_only_folder(tmp_path):
    """A real folder no file can be created in: a read-only tmpfs where this runs as root
    (for whom chmod blocks nothing), else a folder chmod 555. Skips where root may not mount."""
    import os
    import subprocess

    folder = tmp_path / "read-only"
    folder.mkdir()
    root = os.geteuid() == 0
    if root:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                          capture_output=True).returncode != 0:
            pytest.skip("running as root without the right to mount a read-only folder")
    else:
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if root:
            assert subprocess.run(["umount", str(folder)], capture_output=True).returncode == 0, \
                f"the read-only tmpfs at {folder} is still mounted"
        else:
            folder.chmod(0o755)


@pytest.fixture
def small_disk(tmp_path):
    """small_disk(size) -> a folder on a real tmpfs of `size` ("64k"), unmounted after the
    test: a disk that really fills. Skips where the test may not mount one (not root)."""
    import os
    import subprocess

    mounted = []

    def mount(size: str):
        if os.geteuid() != 0:
            pytest.skip("mounting a real tmpfs needs root")
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode != 0:
            pytest.skip("this machine does not allow mounting a tmpfs")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], capture_output=True)
