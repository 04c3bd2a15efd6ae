"""BFGS and L-BFGS: the two-loop recursion, and the same minimizers as SciPy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from convlab.backend import to_numpy
from convlab.errors import ShapeError
from convlab.optim.loop import run
from convlab.optim.quasi_newton import BFGS, LBFGS, _stopped, two_loop
from convlab.optim.search_result import LineSearchResult
from convlab.problems.regression import LogisticRegression
from convlab.problems.surfaces import Rosenbrock


def _bfgs_update(H, s, y):
    rho = 1.0 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(y, s)
    return V.T @ H @ V + rho * np.outer(s, s)


@pytest.mark.parametrize("seed", range(5))
def test_two_loop_equals_dense_bfgs_from_gamma_identity(seed):
    # N&W Alg. 7.4 computes H_k g for H_k = BFGS updates of H₀ = γI over the stored pairs.
    rng = np.random.default_rng(seed)
    d, m = 6, 4
    A = np.diag(rng.uniform(1, 10, d))
    pairs = []
    for _ in range(m):
        s = rng.normal(size=d)
        y = A @ s + 0.1 * rng.normal(size=d)
        pairs.append((s, y, 1.0 / (s @ y)))
    s, y, _ = pairs[-1]
    H = (s @ y) / (y @ y) * np.eye(d)
    for s, y, _ in pairs:
        H = _bfgs_update(H, s, y)
    g = rng.normal(size=d)
    # Both apply m rank-two updates in rounding arithmetic; each can magnify earlier errors by
    # ‖I − ρ s yᵀ‖ ≤ 1 + ρ‖s‖‖y‖ on each side, so |error| ≤ c·ε·growth²·‖H‖‖g‖ (c = 16·m·d).
    growth = np.prod([1 + rho * np.linalg.norm(s) * np.linalg.norm(y) for s, y, rho in pairs])
    bound = 16 * m * d * np.finfo(float).eps * growth**2 * np.linalg.norm(H, 2) * np.linalg.norm(g)
    assert np.linalg.norm(two_loop(g, tuple(pairs)) - H @ g) <= bound


def _rosen_f(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _rosen_g(x):
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


@pytest.mark.parametrize(("opt", "method"), [(BFGS(), "BFGS"), (LBFGS(), "L-BFGS-B")])
def test_same_minimizer_as_scipy_on_rosenbrock(backend, opt, method):
    tr = run(Rosenbrock(backend=backend.xp, device=backend.device), opt, steps=200, tol=1e-9)
    ref = minimize(
        _rosen_f,
        [-1.2, 1.0],
        jac=_rosen_g,
        method=method,
        options={"gtol": 1e-9} | ({"ftol": 1e-15} if method == "L-BFGS-B" else {}),
    )
    assert tr.status == "converged"
    np.testing.assert_allclose(to_numpy(tr.x), ref.x, atol=1e-7)
    assert tr.counts["nfev"] <= 1.5 * ref.nfev  # comparable effort (table: bench/second_order)


def _logistic(backend, n=400, d=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + 0.5 * rng.normal(size=n) > 0).astype(float)
    return LogisticRegression(X, y, l2=1e-3, backend=backend.xp, device=backend.device), X, y


@pytest.mark.parametrize(("opt", "method"), [(BFGS(), "BFGS"), (LBFGS(), "L-BFGS-B")])
def test_same_minimizer_as_scipy_on_logistic_regression(backend, opt, method, test_seed):
    prob, X, y = _logistic(backend, seed=test_seed)
    mu = 1e-3  # the l2 weight: f is μ-strongly convex

    def fg(w):
        z = X @ w
        p = 1 / (1 + np.exp(-z))
        f = np.mean(np.logaddexp(0, z) - y * z) + 0.5 * mu * w @ w
        return f, X.T @ (p - y) / len(y) + mu * w

    ref = minimize(
        fg,
        np.zeros(X.shape[1]),
        jac=True,
        method=method,
        options={"gtol": 1e-10} | ({"ftol": 1e-15} if method == "L-BFGS-B" else {}),
    )
    tr = run(prob, opt, steps=500, tol=1e-10)
    # converged on ‖∇f‖ ≤ tol, or stopped on precision loss where −gᵀp ≤ 16·ε·|f| and no
    # line search can decrease f (quasi_newton._stopped): which one depends on the BLAS
    # kernels, so the test asks only for what the precision allows (below).
    assert tr.status == "converged" or "precision loss" in tr.message, tr.message
    x, f, g = to_numpy(tr.x), float(tr.loss[-1]), float(tr.grad_norm[-1])
    eps = np.finfo(np.float64).eps
    lip = np.linalg.eigvalsh(X.T @ X / len(y))[-1] / 4 + mu  # L ≥ λ_max(∇²f)
    # At that floor gᵀH g ≤ 16ε|f| with H ≈ ∇²f⁻¹ ⪰ I/L, so ‖g‖² ≤ 16ε|f|·L.
    assert g <= max(1e-10, np.sqrt(16 * eps * abs(f) * lip))
    # μ-strong convexity: ‖w − w*‖ ≤ ‖∇f(w)‖/μ for any w, so two points are within the sum
    # of their gradient norms over μ (plus the rounding of the gradients, c·ε·L·‖w*‖, c = 16).
    for other in (ref.x, to_numpy(prob.minimizer)):
        radius = (g + np.linalg.norm(fg(other)[1]) + 16 * eps * lip * np.linalg.norm(other)) / mu
        assert np.linalg.norm(x - other) <= radius
    assert abs(f - ref.fun) <= 16 * eps * abs(ref.fun) + (g**2 + ref.jac @ ref.jac) / (2 * mu)


def test_curvature_guard_skips_updates_under_armijo_search():
    # With a search that does not enforce the curvature condition, sᵀy ≤ 0 can occur on a
    # non-convex function; the guard skips those updates and H stays positive definite.
    tr = run(Rosenbrock(x0=[-1.2, 1.0]), BFGS(line_search="armijo"), steps=400, tol=1e-8)
    state = tr.extra["state"]
    assert tr.status == "converged"
    assert np.all(np.linalg.eigvalsh(0.5 * (state.H + state.H.T)) > 0)


def test_lbfgs_keeps_at_most_history_size_pairs():
    tr = run(Rosenbrock(), LBFGS(history_size=3), steps=100, tol=1e-9)
    assert tr.status == "converged" and len(tr.extra["state"].pairs) == 3


def test_a_failed_line_search_stops_the_run_with_a_status():
    class Flat(Rosenbrock):  # a gradient that points uphill: no step decreases f
        def grad(self, x):
            return -super().grad(x)

        def value_and_grad(self, x):
            return self.value(x), self.grad(x)

    tr = run(Flat(), BFGS(), steps=10)
    assert tr.status == "stopped" and "line search" in tr.message


@pytest.mark.parametrize("opt", [BFGS(), LBFGS()])
def test_quasi_newton_refuses_a_batch_of_runs(opt):
    with pytest.raises(ShapeError, match="params"):
        run(Rosenbrock(), opt, x0=np.zeros((3, 2)), steps=2)


def test_bfgs_at_an_exact_stationary_point_does_not_divide_by_zero():
    """Regression: a zero gradient gives a zero slope gᵀp; the first-step guess must not crash."""
    from convlab.optim import BFGS, run
    from convlab.problems import Rosenbrock

    trace = run(Rosenbrock(), BFGS(), steps=100)
    assert trace.status in ("max_steps", "converged")
    assert trace.grad_norm[-1] < 1e-10


@pytest.mark.parametrize(
    ("fv", "slope", "precision"),
    [
        (1.0, -1e-17, True),  # predicted decrease below 16·ε·|f| ≈ 3.6e-15
        (1.0, -1e-3, False),  # a real failure: f should have fallen by 1e-3
        (1.0, float("nan"), False),  # a NaN slope is never a loss of precision
        (float("nan"), -1e-17, False),
    ],
)
def test_a_failed_search_names_precision_loss_only_at_the_rounding_floor(fv, slope, precision):
    failed = LineSearchResult(step=0.0, x=None, f=None, g=None, trials=20, ok=False)
    stop = _stopped(failed, fv, slope, np.finfo(np.float64).eps)
    assert stop.status == "stopped"  # never "converged": H may have collapsed (MGH Meyer)
    assert ("precision loss" in stop.message) == precision
