"""Seeded random numbers that are identical on every backend.

Draws are made on the host with NumPy's PCG64 generator (``numpy.random.default_rng(seed)``),
in float64, and then moved to the target namespace and device and cast to the dtype asked
for.  The same seed therefore gives the same numbers on NumPy, CuPy and array_api_strict, which
is what makes a GPU run comparable to a CPU run.  Drawing on the host costs a transfer, but
convlab draws only initial points, data sets and mini-batch orders, never inside a hot loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convlab.backend.dtypes import resolve_dtype


def host_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A NumPy generator from a seed (or the generator itself, passed through)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def from_host(a: np.ndarray, xp: Any, dtype: Any = None, device: Any = None) -> Any:
    """Move a host NumPy array into namespace ``xp`` (on ``device``), cast to ``dtype``."""
    dt = resolve_dtype(xp, dtype)
    return xp.asarray(np.ascontiguousarray(a, dtype=np.float64), dtype=dt, device=device)


def normal(shape, *, seed, xp, dtype=None, device=None, scale=1.0) -> Any:
    """Independent N(0, scale²) draws of the given shape."""
    return from_host(host_rng(seed).normal(0.0, scale, size=shape), xp, dtype, device)


def uniform(shape, *, seed, xp, low=0.0, high=1.0, dtype=None, device=None) -> Any:
    """Independent U[low, high) draws of the given shape."""
    return from_host(host_rng(seed).uniform(low, high, size=shape), xp, dtype, device)


def orthogonal(d: int, *, seed, xp, dtype=None, device=None) -> Any:
    """A Haar-random d×d orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    g = host_rng(seed).normal(size=(d, d))
    q, r = np.linalg.qr(g)
    return from_host(q * np.sign(np.diag(r)), xp, dtype, device)


def permutation(n: int, *, seed) -> np.ndarray:
    """A random permutation of range(n), as host integers (used to index mini-batches)."""
    return host_rng(seed).permutation(n)
