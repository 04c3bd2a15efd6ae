"""Line searches: the conditions each promises, the exact quadratic step, bad input."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.optim.least_squares import LevenbergMarquardt
from convlab.optim.line_search import Backtracking, ExactQuadratic, StrongWolfe, make_line_search
from convlab.optim.more_thuente import MoreThuente
from convlab.optim.oracle import CountingOracle
from convlab.optim.quasi_newton import LBFGS
from convlab.problems import Quadratic
from convlab.problems.surfaces import Rosenbrock


def _setup(problem, x):
    oracle = CountingOracle(problem)
    f, g = oracle.value_and_grad(x)
    return oracle, f, g


def test_strong_wolfe_conditions_hold_on_rosenbrock(backend):
    prob = Rosenbrock(backend=backend.xp, device=backend.device)
    for start in ([-1.2, 1.0], [0.0, 0.0], [2.0, 3.0], [-0.5, 2.0]):
        x = backend.asarray(start)
        oracle, f, g = _setup(prob, x)
        p = -g
        out = StrongWolfe(c1=1e-4, c2=0.9)(oracle, x, f, g, p, step0=1.0)
        assert out.ok
        slope, new_slope = float(backend.xp.sum(g * p)), float(backend.xp.sum(out.g * p))
        assert float(out.f) <= float(f) + 1e-4 * out.step * slope
        assert abs(new_slope) <= 0.9 * abs(slope)
        np.testing.assert_allclose(to_numpy(out.x), to_numpy(x + out.step * p))


def test_strong_wolfe_with_a_small_c2_nearly_minimizes_along_the_line(test_seed):
    q = Quadratic.from_spectrum([1.0, 10.0, 100.0], seed=1 + test_seed)
    oracle, f, g = _setup(q, q.x0)
    out = StrongWolfe(c2=1e-3)(oracle, q.x0, f, g, -g, step0=1.0)
    exact = ExactQuadratic()(oracle, q.x0, f, g, -g)
    assert out.ok and out.step == pytest.approx(float(exact.step), rel=1e-2)


def test_backtracking_satisfies_armijo_per_run(backend):
    prob = Rosenbrock(backend=backend.xp, device=backend.device)
    x = backend.asarray([[-1.2, 1.0], [0.5, 0.5], [2.0, 1.0]])
    oracle, f, g = _setup(prob, x)
    out = Backtracking(c1=1e-4)(oracle, x, f, g, -g, step0=1.0)
    step, fn, f0 = to_numpy(out.step), to_numpy(out.f), to_numpy(f)
    slope = -np.sum(to_numpy(g) ** 2, axis=1)
    assert out.ok and np.all(fn <= f0 + 1e-4 * step * slope)
    before = to_numpy(prob.value(x - 2 * out.step[:, None] * g))  # the previous trial, 2α
    assert np.all(before > f0 + 1e-4 * 2 * step * slope)
    assert np.unique(step).size > 1  # runs backtrack independently


def test_exact_step_is_gtg_over_gtag(backend, test_seed):
    # N&W eq. 3.25: the exact steepest-descent step on a quadratic is gᵀg / gᵀAg.
    q = Quadratic.from_spectrum(
        [1.0, 3.0, 30.0], seed=2 + test_seed, backend=backend.xp, device=backend.device
    )
    oracle, f, g = _setup(q, q.x0)
    out = ExactQuadratic()(oracle, q.x0, f, g, -g)
    A, gh = to_numpy(q.A), to_numpy(g)
    # rounding: two d-term dot products and a matrix-vector product, each relative error
    # ≤ d·ε·(|terms| sum)/|sum| ≤ d·ε·κ(A) for gᵀAg; c = 16
    c_eps = 16 * gh.size * np.finfo(float).eps * q.kappa
    assert float(out.step) == pytest.approx(gh @ gh / (gh @ A @ gh), rel=c_eps)
    g_new = to_numpy(q.grad(out.x))
    assert abs(g_new @ gh) <= c_eps * (gh @ gh)  # the new gradient is orthogonal to p


def test_exact_step_rejects_negative_curvature():
    q = Quadratic(np.diag([1.0, -1.0]), allow_indefinite=True)
    x = np.array([0.0, 1.0])
    oracle, f, g = _setup(q, x)
    with pytest.raises(ArgumentError, match="problem"):
        ExactQuadratic()(oracle, x, f, g, -g)


def test_strong_wolfe_refuses_a_batch():
    prob = Rosenbrock()
    x = np.zeros((2, 2))
    oracle, f, g = _setup(prob, x)
    with pytest.raises(ShapeError, match="x"):
        StrongWolfe()(oracle, x, f, g, -g)


def test_unknown_line_search_name_is_named():
    with pytest.raises(ArgumentError, match="line_search"):
        make_line_search("golden")


def test_wolfe_c2_must_exceed_c1():
    with pytest.raises(ArgumentError, match="c2"):
        StrongWolfe(c1=0.5, c2=0.1)


def test_the_accepted_point_costs_nothing_more_to_evaluate():
    # The oracle remembers the search's last evaluation, so the run loop's evaluation at the
    # accepted point is free and nfev counts each evaluation once, as SciPy's does.
    prob = Rosenbrock()
    x = np.array([-1.2, 1.0])
    oracle, f, g = _setup(prob, x)
    out = StrongWolfe()(oracle, x, f, g, -g, step0=1e-3)
    before = dict(oracle.counts)
    oracle.value_and_grad(out.x)
    oracle.value(out.x)
    assert oracle.counts == before and before["nfev"] == 1 + out.trials
    oracle.value_and_grad(out.x + 0.0)  # a new array: evaluated and counted
    assert oracle.counts["nfev"] == before["nfev"] + 1


def test_a_remembered_result_goes_with_its_point():
    """The oracle keys its memory on the point itself, weakly: once no one holds the point,
    its result (a gradient as large as the parameters) is let go of too."""
    oracle = CountingOracle(Rosenbrock())
    x = np.array([-1.2, 1.0])
    _, g = oracle.value_and_grad(x)
    gone = weakref.ref(g)
    del g
    assert gone() is not None  # x is alive: its gradient is remembered
    del x
    gc.collect()
    assert gone() is None and not oracle._memo["value_and_grad"]


def test_an_oracle_that_remembers_nothing_evaluates_and_counts_each_call():
    """The run loop's blocks ask for each point once and turn remembering off: a result is then
    let go of with its last user, while x lives on (a block's first point does)."""
    oracle = CountingOracle(Rosenbrock())
    oracle.remembers = False
    x = np.array([-1.2, 1.0])
    _, g = oracle.value_and_grad(x)
    gone = weakref.ref(g)
    del g
    assert gone() is None
    oracle.value_and_grad(x)
    assert oracle.counts["nfev"] == oracle.counts["ngev"] == 2


@pytest.mark.parametrize(
    "build",
    [
        lambda: Backtracking(max_trials=2.5),
        lambda: StrongWolfe(max_trials=30.0),
        lambda: MoreThuente(max_trials=True),
        lambda: LBFGS(history_size=4.5),
        lambda: LevenbergMarquardt(max_trials=2.5),
    ],
)
def test_counts_are_integers_not_truncated_floats(build):
    with pytest.raises(ArgumentTypeError, match="expected (a positive integer|an integer in)"):
        build()
