"""Shared fixtures: every numeric test runs on NumPy and on array_api_strict on a fake device.

``test_seed``: the seed of the random data in the numerically sensitive tests (claims, quasi-Newton,
line searches, least squares): ``CONVLAB_TEST_SEED`` (default 0).  CI runs those tests a second
time at another seed and on one BLAS thread (``.ci/run``), so a tolerance that only one data
set's rounding happens to meet fails there.

``array_api_strict.Device("device1")`` is not the CPU: converting one of its arrays to NumPy
implicitly, or mixing it with a CPU array, raises — exactly where CuPy would.  Tests marked
``gpu`` also run on CuPy and are skipped cleanly when no CUDA device is usable.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from convlab.backend import get_namespace
from convlab.errors import BackendUnavailableError

BACKENDS = ["numpy", "array_api_strict"]


class Backend:
    """A namespace together with the device new arrays must be created on."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.xp = get_namespace(name)
        self.device = self.xp.Device("device1") if name == "array_api_strict" else None

    def asarray(self, a, dtype=None):
        """A host array (or list) moved onto this backend's device, float64 by default."""
        dtype = self.xp.float64 if dtype is None else dtype
        return self.xp.asarray(np.asarray(a, dtype=np.float64), dtype=dtype, device=self.device)

    def __repr__(self) -> str:
        return self.name


@pytest.fixture
def test_seed() -> int:
    """The data seed of the numerically sensitive tests: ``CONVLAB_TEST_SEED``, default 0."""
    return int(os.environ.get("CONVLAB_TEST_SEED", "0"))


@pytest.fixture(params=BACKENDS)
def backend(request) -> Backend:
    """The backend under test: ``backend.xp`` is the namespace, ``backend.asarray`` places data."""
    return Backend(request.param)


@pytest.fixture
def xp(backend):
    return backend.xp


def _cupy_usable() -> bool:
    try:
        get_namespace("cupy")
    except BackendUnavailableError:
        return False
    return True


def pytest_collection_modifyitems(config, items):
    if any("gpu" in item.keywords for item in items) and not _cupy_usable():
        skip = pytest.mark.skip(reason="needs CuPy and a usable CUDA device")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)
