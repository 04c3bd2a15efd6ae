"""Shared fixtures: every numeric test runs on NumPy, on array_api_strict on a fake device and
on torch (CPU).

``test_seed``: the seed of the random data in the numerically sensitive tests (claims, quasi-Newton,
line searches, least squares): ``CONVLAB_TEST_SEED`` (default 0).  CI runs those tests a second
time at another seed and on one BLAS thread (``.ci/run``), so a tolerance that only one data
set's rounding happens to meet fails there.

``array_api_strict.Device("device1")`` is not the CPU: converting one of its arrays to NumPy
implicitly, or mixing it with a CPU array, raises — exactly where CuPy would.  torch is the
backend with threaded CPU kernels and GPUs behind the same array-API code; its default dtype is
float32, so it also catches an array created without convlab's float64 default.

Tests marked ``gpu`` run on CuPy and are skipped cleanly when no CUDA device is usable;
``@pytest.mark.gpu("torch")`` marks a test that needs torch with a CUDA device instead.
"""

from __future__ import annotations

import importlib
import os

import numpy as np
import pytest

from convlab.backend import get_namespace
from convlab.errors import BackendUnavailableError

BACKENDS = ["numpy", "array_api_strict", "torch"]


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


def usable(backend: str) -> bool:
    """Whether ``get_namespace(backend)`` works here (``"torch:cuda"`` needs a CUDA device)."""
    try:
        get_namespace(backend)
    except BackendUnavailableError:
        return False
    return True


GPU_BACKENDS = {"cupy": "cupy", "torch": "torch:cuda"}


def pytest_collection_modifyitems(config, items):
    needs = {}
    for item in items:
        marker = item.get_closest_marker("gpu")
        if marker is not None:
            needs.setdefault(marker.args[0] if marker.args else "cupy", []).append(item)
    for library, gpu_items in needs.items():
        if not usable(GPU_BACKENDS[library]):
            reason = f"needs {'CuPy' if library == 'cupy' else 'torch'} and a usable CUDA device"
            for item in gpu_items:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def client():
    """A Dask client of two single-threaded workers in threads of this process (quick to
    start), one per test module that asks for it (the `distributed` extra)."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture
def fake_import(monkeypatch):
    """``fake_import(fragment, make=None)``: ``importlib.import_module`` of a name containing
    ``fragment`` returns ``make(name)`` instead, or raises ImportError (a package that is not
    installed) when ``make`` is None; every other import is the real one."""
    real = importlib.import_module

    def install(fragment: str, make=None) -> None:
        def fake(name: str, *args):
            if fragment not in name:
                return real(name, *args)
            if make is None:
                raise ImportError(f"No module named {name!r}")
            return make(name)

        monkeypatch.setattr(importlib, "import_module", fake)

    return install
