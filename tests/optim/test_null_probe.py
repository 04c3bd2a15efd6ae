"""A least-squares start where the gradient Jᵀr vanished with JᵀJ singular: probed along
null(J), reported as ``stopped`` unless f rises there, and compared with SciPy's LM."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import least_squares as scipy_least_squares

from convlab.backend import array_namespace, to_numpy
from convlab.optim.least_squares import least_squares
from convlab.problems.least_squares import LeastSquares

METHODS = ["lm", "levenberg", "gn"]


def _scalar_problem(backend, power, shift, x0):
    """r(x) = x^power + shift with x of shape (1,) or (R, 1): J = power·x^(power−1)."""

    def residual(x):
        return x**power + shift

    def jacobian(x):
        return (power * x ** (power - 1))[..., None]

    return LeastSquares(residual, jacobian, backend.asarray(x0))


@pytest.mark.parametrize("method", METHODS)
def test_a_local_maximum_at_x0_is_stopped_as_not_a_minimum(backend, method):
    """r = x² − 1 at 0: J = 0, so gtol holds, but f = ½(x² − 1)² has f″(0) = −2."""
    tr = least_squares(_scalar_problem(backend, 2, -1.0, [0.0]), method)
    assert tr.status == "stopped" and tr.n_steps == 1
    assert "rank 0 < 1" in tr.message and "f = 0.5 > 0" in tr.message
    assert "not a minimum; start elsewhere" in tr.message
    assert to_numpy(tr.x).tolist() == [0.0]


def test_scipy_lm_calls_the_same_start_a_success():
    """The difference the null_probe docstring records: MINPACK's gtol stop at the maximum."""
    sp = scipy_least_squares(lambda x: x**2 - 1, [0.0], jac=lambda x: np.diag(2 * x), method="lm")
    assert sp.success and sp.status == 1 and "gtol" in sp.message and sp.x.tolist() == [0.0]
    prob = LeastSquares(lambda x: x**2 - 1, lambda x: np.diag(2 * x), [0.0])
    tr = least_squares(prob, "lm")
    assert tr.status == "stopped" and tr.counts["nfev"] == 1 + 2  # x0, then one probe pair


def test_the_same_problem_from_elsewhere_converges_to_the_minimum(backend):
    tr = least_squares(_scalar_problem(backend, 2, -1.0, [0.5]), "lm")
    assert tr.status == "converged" and abs(float(to_numpy(tr.x)[0]) - 1.0) < 1e-8


@pytest.mark.parametrize("method", METHODS)
def test_a_minimum_with_a_zero_jacobian_still_converges(backend, method):
    """r = x² + 1 at 0: J = 0 again, but f = ½(x² + 1)² rises along null(J) = everything."""
    tr = least_squares(_scalar_problem(backend, 2, 1.0, [0.0]), method)
    assert tr.status == "converged"


def test_an_inflection_is_not_a_minimum():
    """r = x³ + 1 at 0: f″(0) = 0 but f falls for x < 0 (by ε³, far above rounding)."""
    prob = LeastSquares(lambda x: x**3 + 1, lambda x: np.diag(3 * x**2), [0.0])
    tr = least_squares(prob, "lm")
    assert tr.status == "stopped" and "not a minimum" in tr.message


def test_a_saddle_along_one_null_direction_is_not_a_minimum():
    """r = (x₀² − 1, x₁ − 3) at (0, 3): J = diag(0, 1) has rank 1 and Jᵀr = 0."""

    def residual(x):
        return np.array([x[0] ** 2 - 1, x[1] - 3])

    def jacobian(x):
        return np.array([[2 * x[0], 0.0], [0.0, 1.0]])

    tr = least_squares(LeastSquares(residual, jacobian, [0.0, 3.0]), "lm")
    assert tr.status == "stopped" and "rank 1 < 2" in tr.message
    assert "not a minimum" in tr.message


def test_a_flat_null_direction_is_not_shown_to_be_a_minimum():
    """r = (x₀ + x₁ − 1, x₀ + x₁ + 1) at 0: f = 1 + (x₀ + x₁)² is constant along (1, −1)."""
    prob = LeastSquares(
        lambda x: np.array([x[0] + x[1] - 1, x[0] + x[1] + 1]), lambda x: np.ones((2, 2)), [0, 0]
    )
    tr = least_squares(prob, "lm")
    assert tr.status == "stopped" and "not shown to be a minimum" in tr.message


def test_batched_runs_are_judged_one_by_one(backend):
    xp = backend.xp

    def residual(x):
        return x**2 - 1

    def jacobian(x):
        return (2 * x)[..., None]

    prob = LeastSquares(residual, jacobian, backend.asarray([0.0]))
    tr = least_squares(prob, "lm", x0=backend.asarray([[0.5], [0.0]]))
    assert tr.status == ("converged", "stopped")
    assert tr.message[1].startswith("run 1: the gradient Jᵀr vanished at x0")
    assert array_namespace(tr.x) is xp
    np.testing.assert_allclose(to_numpy(tr.x)[:, 0], [1.0, 0.0], atol=1e-8)


@pytest.mark.parametrize("method", ["levenberg", "gn"])
def test_fewer_residuals_than_parameters(backend, method):
    """r = ‖x‖² − 1 (m = 1 < d = 3) at 0: null(J) is all of R³, and f has a maximum there."""

    def residual(x):
        return array_namespace(x).sum(x * x, axis=-1, keepdims=True) - 1

    def jacobian(x):
        return 2 * x[..., None, :]

    tr = least_squares(LeastSquares(residual, jacobian, backend.asarray([0.0, 0.0, 0.0])), method)
    assert tr.status == "stopped" and "rank 0 < 3" in tr.message and "not a minimum" in tr.message
    gn_trial = 1 if method == "gn" else 0  # GN evaluates its step's point for the ftol test
    assert tr.counts["nfev"] == 1 + 2 + gn_trial  # x0, then the first null direction falls


def test_every_null_direction_is_probed_before_a_minimum_is_accepted():
    """r = (x₀² + 1, x₁² + 1, x₂² + 1) at 0: J = 0 and f rises along each axis (a minimum)."""
    prob = LeastSquares(lambda x: x**2 + 1, lambda x: np.diag(2 * x), [0.0, 0.0, 0.0])
    tr = least_squares(prob, "lm")
    assert tr.status == "converged" and tr.counts["nfev"] == 1 + 2 * 3


@pytest.mark.parametrize(("shift", "status"), [(-1.0, "stopped"), (1.0, "converged")])
def test_the_probe_works_in_float32(shift, status):
    """ε = ε_mach^¼ ≈ 0.019 in float32: the fall ε² of ½(x² − 1)² stays far above rounding."""
    prob = LeastSquares(lambda x: x**2 + shift, lambda x: np.diag(2 * x), [0.0], dtype="float32")
    assert least_squares(prob, "lm").status == status
