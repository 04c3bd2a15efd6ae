"""Quadratic: derivatives, minimizer, spectrum and batched shapes."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.problems import Quadratic


def random_spd(d, seed=0):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(d, d))
    return m @ m.T + d * np.eye(d), rng.normal(size=d)


def test_derivatives_match_finite_differences(backend, derivatives):
    A, b = random_spd(4)
    q = Quadratic(A, b, backend=backend.xp, device=backend.device)
    derivatives.check(q, np.random.default_rng(1).normal(size=(3, 4)))


def test_minimizer_solves_normal_equations(backend):
    A, b = random_spd(5, seed=2)
    q = Quadratic(A, b, backend=backend.xp, device=backend.device)
    w = to_numpy(q.minimizer)
    np.testing.assert_allclose(A @ w, b, atol=1e-12)
    assert np.max(np.abs(to_numpy(q.grad(q.minimizer)))) < 1e-12
    assert q.min_value == pytest.approx(-0.5 * b @ w, abs=1e-12)  # f(A⁻¹b) = −½ bᵀA⁻¹b
    lam = np.linalg.eigvalsh(A)
    assert q.kappa == pytest.approx(lam[-1] / lam[0], rel=1e-12)


def test_from_spectrum_has_the_requested_eigenvalues(backend):
    lam = [0.1, 0.5, 2.0, 7.0, 30.0]
    w = [1.0, -2.0, 0.5, 0.0, 3.0]
    q = Quadratic.from_spectrum(lam, minimizer=w, seed=3, backend=backend.xp, device=backend.device)
    np.testing.assert_allclose(to_numpy(q.eigenvalues), lam, rtol=1e-12, atol=1e-12)
    assert q.kappa == pytest.approx(300.0, rel=1e-12)
    np.testing.assert_allclose(to_numpy(q.minimizer), w, atol=1e-12)


def test_batched_shapes(backend):
    A, b = random_spd(3)
    q = Quadratic(A, b, backend=backend.xp, device=backend.device)
    x = backend.asarray(np.ones((6, 3)))
    assert q.value(x).shape == (6,)
    assert q.grad(x).shape == (6, 3)
    assert q.hess(x).shape == (6, 3, 3)
    assert q.hvp(x, x).shape == (6, 3)
    assert q.value(x[0, :]).shape == ()


def test_indefinite_allowed_explicitly(backend):
    q = Quadratic(
        np.diag([1.0, -1.0]), backend=backend.xp, device=backend.device, allow_indefinite=True
    )
    assert q.minimizer is None and q.kappa == float("inf")


def test_float32(backend):
    A, b = random_spd(3)
    q = Quadratic(A, b, backend=backend.xp, device=backend.device, dtype="float32")
    x = backend.asarray(np.ones(3), dtype=backend.xp.float32)
    assert q.value(x).dtype == backend.xp.float32
    assert q.grad(x).dtype == backend.xp.float32
