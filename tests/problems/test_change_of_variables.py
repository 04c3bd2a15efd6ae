"""g(y) = f(Ay): chain-rule derivatives, the pulled-back start and minimizer, Newton's affine
invariance (Boyd & Vandenberghe 2004, §9.5.1) against gradient descent, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError, MissingCapabilityError, ShapeError
from convlab.optim import GD, Newton, run
from convlab.problems import ChangeOfVariables, LogisticRegression, Objective, Quadratic


def _logistic(backend, dtype=None):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=40) > 0).astype(float)
    place = {"backend": backend.xp, "device": backend.device, "dtype": dtype}
    return LogisticRegression(X, y, l2=0.1, **place)


def _matrix(kappa: float, d: int = 3, seed: int = 1) -> np.ndarray:
    """U diag(σ) Vᵀ with σ log-spaced in [κ^-½, κ^½]: condition number κ."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.normal(size=(d, d)))
    V, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return U * np.geomspace(kappa**-0.5, kappa**0.5, d) @ V.T


def test_derivatives_match_finite_differences(backend, derivatives):
    g = ChangeOfVariables(_logistic(backend), _matrix(10.0))
    derivatives.check(g, np.random.default_rng(2).normal(size=(3, 3)))


def test_start_minimizer_and_value_are_pulled_back(backend):
    f, A = _logistic(backend), _matrix(100.0)
    g = ChangeOfVariables(f, A)
    x_star = to_numpy(f.minimizer)
    assert np.allclose(A @ to_numpy(g.minimizer), x_star, rtol=0, atol=1e-12)
    assert np.allclose(A @ to_numpy(g.x0), to_numpy(f.x0), rtol=0, atol=1e-12)
    assert g.min_value == f.min_value and g.condition == pytest.approx(100.0)
    assert np.linalg.norm(to_numpy(g.grad(g.minimizer))) < 1e-10


def test_quadratic_hessian_is_congruent(backend):
    """f = ½xᵀHx: g is the quadratic with Hessian AᵀHA, at every point."""
    H, A = np.diag([1.0, 2.0, 5.0]), _matrix(10.0)
    g = ChangeOfVariables(Quadratic(H, backend=backend.xp, device=backend.device), A)
    y = backend.asarray(np.ones(3))
    assert np.allclose(to_numpy(g.hess(y)), A.T @ H @ A, rtol=1e-12, atol=0)


@pytest.mark.parametrize("kappa", [1.0, 10.0, 1000.0])
def test_newton_iterates_map_by_a_inverse_and_gd_iterates_do_not(backend, kappa):
    """Newton on g from A⁻¹x₀ is A⁻¹ times Newton on f (up to rounding, ε·κ(A)²·κ(H)·‖x‖);
    one GD step on g, mapped by A, is −ηAAᵀ∇f: far from f's step when A is not orthogonal."""
    f, A = _logistic(backend), _matrix(kappa)
    g = ChangeOfVariables(f, A)
    xs = np.asarray(run(f, Newton(), steps=6, record="params").params, dtype=float)
    ys = np.asarray(run(g, Newton(), steps=6, record="params").params, dtype=float)
    n = min(len(xs), len(ys))
    scale = 1e3 * np.finfo(float).eps * kappa**2 * np.abs(xs).max()
    assert n >= 4 and np.abs(ys[:n] @ A.T - xs[:n]).max() <= scale
    x1 = to_numpy(run(f, GD(0.1), steps=1).x)
    y1 = to_numpy(run(g, GD(0.1), steps=1).x)
    gap = np.linalg.norm(A @ y1 - x1) / np.linalg.norm(x1 - to_numpy(f.x0))
    assert gap < 1e-12 if kappa == 1.0 else gap > 0.5


def test_bad_input_names_the_argument(backend):
    f = _logistic(backend)
    with pytest.raises(ShapeError, match="A"):
        ChangeOfVariables(f, np.eye(2))
    with pytest.raises(ArgumentError, match="invertible"):
        ChangeOfVariables(f, np.diag([1.0, 1.0, 0.0]))
    with pytest.raises(ArgumentError, match="finite"):
        ChangeOfVariables(f, np.diag([1.0, 1.0, np.nan]))
    with pytest.raises(ArgumentTypeError, match="problem"):
        ChangeOfVariables("f", np.eye(3))


def test_hess_of_a_problem_without_one_is_refused():
    f = Objective(lambda x: (x**2).sum(axis=-1), lambda x: 2 * x, x0=[1.0, 2.0])
    g = ChangeOfVariables(f, np.eye(2) * 2.0)
    assert float(g.value(g.x0)) == pytest.approx(5.0)
    with pytest.raises(MissingCapabilityError, match="hess"):
        g.hess(g.x0)


def test_float32_stays_float32(backend):
    g = ChangeOfVariables(_logistic(backend, backend.xp.float32), _matrix(10.0))
    assert g.A.dtype == backend.xp.float32 and g.grad(g.x0).dtype == backend.xp.float32
