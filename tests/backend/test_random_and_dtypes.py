"""Seeded draws are identical on every backend; float64 by default, float32 on request."""

import numpy as np
import pytest

from convlab.backend import normal, orthogonal, resolve_dtype, to_numpy, uniform
from convlab.errors import ArgumentError


def test_same_seed_same_numbers_on_every_backend(backend):
    host = to_numpy(normal((4, 3), seed=7, xp=backend.xp, device=None))
    here = normal((4, 3), seed=7, xp=backend.xp, device=backend.device)
    assert here.device == (backend.device or here.device)
    np.testing.assert_array_equal(to_numpy(here), host)
    np.testing.assert_array_equal(host, np.random.default_rng(7).normal(size=(4, 3)))


def test_float32_draws_are_the_float64_draws_rounded(backend):
    x64 = to_numpy(uniform((5,), seed=1, xp=backend.xp, device=backend.device))
    x32 = uniform((5,), seed=1, xp=backend.xp, dtype="float32", device=backend.device)
    assert x32.dtype == backend.xp.float32
    np.testing.assert_array_equal(to_numpy(x32), x64.astype(np.float32))


def test_orthogonal_is_orthogonal(backend):
    q = to_numpy(orthogonal(6, seed=3, xp=backend.xp, device=backend.device))
    np.testing.assert_allclose(q.T @ q, np.eye(6), atol=1e-12)


def test_default_dtype_is_float64(xp):
    assert resolve_dtype(xp) == xp.float64
    assert resolve_dtype(xp, "float32") == xp.float32


def test_unsupported_dtype_names_the_argument(xp):
    with pytest.raises(ArgumentError, match=r"dtype: expected one of \('float64', 'float32'\)"):
        resolve_dtype(xp, "float16")
