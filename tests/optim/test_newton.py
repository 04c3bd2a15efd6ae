"""Newton's method: one step on quadratics, quadratic convergence, the indefinite-Hessian shift."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.errors import ArgumentError
from convlab.optim.loop import run
from convlab.optim.newton import Newton, newton_direction
from convlab.problems import Quadratic
from convlab.problems.regression import LinearRegression
from convlab.problems.surfaces import Rosenbrock, Saddle


def test_newton_solves_a_quadratic_in_one_step(backend):
    q = Quadratic.from_spectrum(
        np.geomspace(1e-3, 1e3, 12), seed=0, backend=backend.xp, device=backend.device
    )
    tr = run(q, Newton(), steps=1)
    x, x_star = to_numpy(tr.x), to_numpy(q.minimizer)
    # a backward-stable solve of H p = −g: forward error ≤ c·d·ε·κ(H) relative (c = 10)
    assert np.linalg.norm(x - x_star) <= _solve_tol(12, q.kappa) * np.linalg.norm(x_star)
    q3 = Quadratic.from_spectrum([1.0, 2.0, 5.0], seed=1, backend=backend.xp, device=backend.device)
    tr = run(q3, Newton(), steps=1)
    assert tr.dist[1] <= _solve_tol(3, q3.kappa) * np.linalg.norm(to_numpy(tr.x))


def _solve_tol(d: int, kappa: float) -> float:
    """c·d·ε·κ with c = 10: the relative forward error of a backward-stable d×d solve."""
    return 10 * d * np.finfo(np.float64).eps * kappa


def test_newton_solves_linear_regression_in_one_step(backend):
    prob = LinearRegression.synthetic(
        200, 8, kappa=50.0, seed=3, backend=backend.xp, device=backend.device
    )
    tr = run(prob, Newton(), steps=1)
    x, x_star = to_numpy(tr.x), to_numpy(prob.minimizer)
    assert np.linalg.norm(x - x_star) <= _solve_tol(8, 50.0) * np.linalg.norm(x_star)


def test_newton_works_in_float32():
    q = Quadratic.from_spectrum([1.0, 10.0, 100.0], seed=5, dtype="float32")
    tr = run(q, Newton(), steps=1)
    assert tr.x.dtype == np.float32
    assert tr.dist[1] <= 1e-5 * np.linalg.norm(to_numpy(q.minimizer))


def test_batched_newton_one_step_per_run(backend):
    q = Quadratic.from_spectrum(
        [1.0, 4.0, 9.0, 100.0], seed=2, backend=backend.xp, device=backend.device
    )
    starts = backend.asarray(np.random.default_rng(0).normal(size=(5, 4)))
    tr = run(q, Newton(), x0=starts, steps=1)
    assert tr.x.shape == (5, 4)
    assert np.all(tr.dist[1] <= _solve_tol(4, q.kappa) * np.linalg.norm(to_numpy(q.minimizer)))


def test_newton_converges_quadratically_on_rosenbrock():
    # N&W Thm. 3.5: ‖x_{t+1} − x*‖ ≤ C‖x_t − x*‖² near x*.
    prob = Rosenbrock()
    tr = run(prob, Newton(line_search="armijo"), steps=50, tol=1e-12)
    assert tr.status == "converged"
    e = tr.dist[tr.dist > 1e-12]
    tail = e[-4:]
    ratios = tail[1:] / tail[:-1] ** 2
    assert np.all(ratios < 1e3) and tail[-1] < 1e-6


def test_newton_shifts_an_indefinite_hessian_and_says_so(backend):
    # At a point of the saddle x² − y² the Hessian is diag(2, −2): the plain Newton step
    # would jump to the saddle point.  The shift makes it a descent step.
    prob = Saddle(backend=backend.xp, device=backend.device)
    x0 = backend.asarray([0.5, 0.1])
    tr = run(prob, Newton(line_search="armijo"), x0=x0, steps=3)
    state = tr.extra["state"]
    assert state.n_shifted == 3 and state.shift == pytest.approx(4.0)
    assert np.all(np.diff(tr.loss) < 0) and np.all(np.isfinite(tr.loss))


def test_singular_hessian_gives_a_finite_descent_direction(backend):
    H = backend.asarray([[1.0, 0.0], [0.0, 0.0]])
    g = backend.asarray([1.0, 1.0])
    p, tau = newton_direction(H, g)
    assert tau > 0 and np.all(np.isfinite(to_numpy(p)))
    assert float(backend.xp.sum(p * g)) < 0


def test_batched_shift_is_per_run():
    H = np.stack([np.diag([2.0, 1.0]), np.diag([2.0, -1.0])])
    p, tau = newton_direction(H, np.ones((2, 2)))
    assert tau[0] == 0 and tau[1] == pytest.approx(2.0)
    np.testing.assert_allclose(p[0], [-0.5, -1.0])


def test_non_finite_hessian_makes_the_run_diverge_with_a_status():
    class Broken(Quadratic):
        def hess(self, x):
            return np.full((2, 2), np.nan)

    tr = run(Broken(np.eye(2)), Newton(), steps=3)
    assert tr.status == "diverged" and "non-finite" in tr.message


def test_damped_newton_contracts_by_one_minus_lr_on_a_quadratic():
    q = Quadratic.from_spectrum([1.0, 50.0], seed=4)
    tr = run(q, Newton(lr=0.5), steps=5)
    np.testing.assert_allclose(tr.dist[1:] / tr.dist[:-1], 0.5, rtol=1e-9)


def test_newton_rejects_a_non_positive_lr():
    with pytest.raises(ArgumentError, match="lr"):
        Newton(lr=0.0)
