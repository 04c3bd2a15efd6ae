"""LeastSquares problems and GN / Levenberg / LM: derivatives, SciPy parity, faults."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import least_squares as scipy_least_squares

from convlab.backend import to_numpy
from convlab.data import nist_problem
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.optim import trials as trials_module
from convlab.optim.damped import DampedModel, lmpar, tall_qr
from convlab.optim.least_squares import (
    GaussNewton,
    Levenberg,
    LevenbergMarquardt,
    least_squares,
)
from convlab.optim.loop import run
from convlab.problems.least_squares import ExponentialDecay, LeastSquares
from convlab.problems.mgh import PROBLEMS as MGH_PROBLEMS

ROSENBROCK = MGH_PROBLEMS["rosenbrock"]
RANK1 = MGH_PROBLEMS["linear_rank1"]
# Meyer's function (MGH 10, NIST StRD MGH10): y = b1·exp(b2 / (x + b3)), 16 observations.
MEYER_X = 50.0 + 5.0 * np.arange(16)
MEYER_Y = np.array(
    [34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0]
    + [8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0, 2872.0]
)
MEYER_CERTIFIED = np.array([5.6096364710e-03, 6.1813463463e03, 3.4522363462e02])


def _fd(fun, x, h=1e-6):
    return np.stack([(fun(x + h * e) - fun(x - h * e)) / (2 * h) for e in np.eye(x.size)], -1)


def test_exponential_decay_derivatives_match_finite_differences(backend):
    prob = ExponentialDecay(50, backend=backend.xp, device=backend.device)
    x = np.array([1.7, 0.9, 0.3])
    res = lambda v: to_numpy(prob.residual(backend.asarray(v)))  # noqa: E731
    J = to_numpy(prob.jacobian(backend.asarray(x)))
    np.testing.assert_allclose(J, _fd(res, x), rtol=1e-7, atol=1e-9)
    f, g = prob.value_and_grad(backend.asarray(x))
    val = lambda v: float(prob.value(backend.asarray(v)))  # noqa: E731
    np.testing.assert_allclose(to_numpy(g), _fd(val, x), rtol=1e-7)
    np.testing.assert_allclose(to_numpy(prob.gn_matrix(backend.asarray(x))), J.T @ J)
    assert float(f) == pytest.approx(0.5 * np.sum(res(x) ** 2))


def test_exponential_decay_is_batched(backend):
    prob = ExponentialDecay(30, backend=backend.xp, device=backend.device)
    X = backend.asarray([[1.0, 1.0, 0.0], [2.0, 1.3, 0.5]])
    assert prob.residual(X).shape == (2, 30) and prob.jacobian(X).shape == (2, 30, 3)
    assert prob.value(X).shape == (2,) and prob.grad(X).shape == (2, 3)


@pytest.mark.parametrize("method", ["lm", "levenberg", "gn"])
def test_fit_matches_scipy_lm_on_the_decay_data(backend, method):
    prob = ExponentialDecay(200, noise=0.02, backend=backend.xp, device=backend.device)
    host = ExponentialDecay(200, noise=0.02)
    ref = scipy_least_squares(host.residual, to_numpy(host.x0), jac=host.jacobian, method="lm")
    tr = least_squares(prob, method)
    assert tr.status == "converged", tr.message
    np.testing.assert_allclose(to_numpy(tr.x), ref.x, rtol=1e-6)
    if method == "lm":
        assert tr.counts["nfev"] <= ref.nfev and tr.counts["njev"] <= ref.njev + 1


def test_lm_works_in_float32():
    prob = ExponentialDecay(200, dtype="float32")
    ref = least_squares(ExponentialDecay(200), "lm")
    tr = least_squares(prob, "lm", ftol=1e-6, xtol=1e-6, gtol=1e-6)
    assert tr.status == "converged" and tr.x.dtype == np.float32
    np.testing.assert_allclose(to_numpy(tr.x), to_numpy(ref.x), rtol=1e-4)


def test_lm_on_rosenbrock_matches_scipy_evaluation_counts():
    calls = []

    def residual(x):
        calls.append(1)
        return ROSENBROCK.residual(x)

    prob = LeastSquares(residual, ROSENBROCK.jacobian, list(ROSENBROCK.x0))
    ref = scipy_least_squares(
        ROSENBROCK.residual, ROSENBROCK.x0, jac=ROSENBROCK.jacobian, method="lm"
    )
    before = len(calls)  # the problem's own check of r(x0)
    tr = least_squares(prob, "lm")
    np.testing.assert_allclose(to_numpy(tr.x), [1.0, 1.0], atol=1e-10)
    # nfev counts residual evaluations once each (the oracle's memo), as MINPACK does.
    assert tr.counts["nfev"] == len(calls) - before
    assert tr.counts["nfev"] <= ref.nfev and tr.counts["njev"] <= ref.njev + 1


def _meyer_residual(b):
    return b[0] * np.exp(b[1] / (MEYER_X + b[2])) - MEYER_Y


def _meyer_jacobian(b):
    e = np.exp(b[1] / (MEYER_X + b[2]))
    return np.stack(
        [e, b[0] * e / (MEYER_X + b[2]), -b[0] * e * b[1] / (MEYER_X + b[2]) ** 2], axis=1
    )


def test_lm_solves_meyer_from_nist_start_1_like_minpack():
    # The long curved valley of MGH10 (b1 → 0 while b2, b3 shrink by 100×): a trust region
    # keeps long steps along it; NIST's start 1 is 2 to 3 orders of magnitude off.
    x0, tol = [2.0, 4e5, 2.5e4], 1e-15
    with np.errstate(all="ignore"):
        ref = scipy_least_squares(
            _meyer_residual, x0, jac=_meyer_jacobian, method="lm", ftol=tol, xtol=tol, gtol=tol
        )
    prob = LeastSquares(_meyer_residual, _meyer_jacobian, x0)
    tr = least_squares(prob, "lm", steps=5000, ftol=tol, xtol=tol, gtol=tol)
    assert tr.status == "converged", tr.message
    np.testing.assert_allclose(to_numpy(tr.x), MEYER_CERTIFIED, rtol=1e-6)  # LRE ≥ 6
    assert tr.counts["nfev"] <= 1.1 * ref.nfev  # MINPACK's path, up to rounding


def _damped_solve(J, r, D, lam):
    """h minimizing ‖J h + r‖² + λ‖D h‖², by least squares on the stacked system (host)."""
    A = np.vstack([J, np.sqrt(lam) * np.diag(D)])
    return np.linalg.lstsq(A, np.concatenate([-r, np.zeros(D.size)]), rcond=None)[0]


def test_lmpar_puts_the_damped_step_on_the_trust_radius(backend):
    # Moré 1977 §5: λ > 0 solves (JᵀJ + λD²)h = −Jᵀr with |‖Dh‖ − Δ| ≤ 0.1Δ when the
    # Gauss–Newton step is longer than 1.1Δ; otherwise λ = 0 and h is that step.
    rng = np.random.default_rng(3)
    J, r = rng.normal(size=(2, 8, 3)) * [1.0, 30.0, 0.1], rng.normal(size=(2, 8))
    D = np.sqrt(np.sum(J**2, axis=1))
    gn = np.stack([_damped_solve(J[k], r[k], D[k], 0.0) for k in range(2)])
    radius = np.linalg.norm(D * gn, axis=1) * [0.2, 2.0]  # run 0 must be damped, run 1 not
    model = DampedModel(backend.asarray(J), backend.asarray(r), backend.asarray(D), 1e-12)
    lam, a = lmpar(model, backend.asarray(radius), backend.asarray([0.0, 0.0]))
    h = to_numpy(model.step(a)[0])
    lam = to_numpy(lam)
    assert lam[0] > 0 and lam[1] == 0
    assert abs(np.linalg.norm(D[0] * h[0]) - radius[0]) <= 0.1 * radius[0]
    np.testing.assert_allclose(h[0], _damped_solve(J[0], r[0], D[0], lam[0]), rtol=1e-10)
    np.testing.assert_allclose(h[1], gn[1], rtol=1e-10)


def test_batched_lm_matches_single_runs(backend):
    prob = ExponentialDecay(100, backend=backend.xp, device=backend.device)
    starts = [[1.0, 1.0, 0.0], [3.0, 0.5, 1.0], [0.5, 2.0, 0.2]]
    batch = least_squares(prob, "lm", x0=backend.asarray(starts))
    for r, x0 in enumerate(starts):
        one = least_squares(prob, "lm", x0=backend.asarray(x0))
        np.testing.assert_allclose(to_numpy(batch.x)[r], to_numpy(one.x), rtol=1e-8)
    assert batch.status == ("converged",) * 3


def test_the_gauss_newton_rank_is_that_of_j_with_unit_columns(backend):
    # Two runs with a second column 1e-35 of its scaling D₂ (a running maximum set when the
    # column was larger): run 0's column is no multiple of the first (rank 2: kept, though
    # σ₂/σ₁ of J D⁻¹ is ~1e-35), run 1's is 1e-35 times the first (rank 1: dropped).
    x = np.array([1.0, 2.0, 3.0, 5.0, 7.0, 10.0])
    tiny = 1e-35 * np.exp(-80.0 * (x - 1.0))  # BoxBOD's ∂r/∂b2 at b2 ≈ 80, scaled
    J = np.stack([np.stack([np.ones(6), tiny], -1), np.stack([np.ones(6), 1e-35 * np.ones(6)], -1)])
    D = np.array([[np.sqrt(6.0), 0.06], [np.sqrt(6.0), 0.06]])
    r = np.array([[1.0, -2.0, 0.5, 0.0, 1.0, -0.5]] * 2)
    rcond = 6 * float(np.finfo(np.float64).eps)  # max(m, d)·ε, as LM sets it
    model = DampedModel(backend.asarray(J), backend.asarray(r), backend.asarray(D), rcond)
    np.testing.assert_array_equal(to_numpy(model.kept), [[True, True], [True, False]])


def test_boxbod_does_not_stop_where_a_rate_has_gone_to_infinity():
    # NIST BoxBOD, y = b1·(1 − exp(−b2·x)), from b = (25, 5): the second step sends b2 to
    # ≈ 75, where ∂r/∂b2 = b1·x·exp(−b2·x) is ~1e-33 of D₂ but far from a multiple of
    # ∂r/∂b1 ≈ 1.  Ranked on J D⁻¹ the column was dropped: the Gauss–Newton step ignored b2
    # and the run stopped as "converged" on the plateau b1 = mean(y) = 172.5.  MINPACK (SciPy's
    # method="lm") steps on to NIST's certified values, and so does LM now.
    rec = nist_problem("BoxBOD")
    x, y, certified = (np.asarray(v) for v in (rec.x, rec.y, rec.certified))

    def residual(b):
        return b[0] * (1.0 - np.exp(-b[1] * x)) - y

    def jacobian(b):
        e = np.exp(-b[1] * x)
        return np.stack([1.0 - e, b[0] * x * e], axis=-1)

    tol = dict(ftol=1e-10, xtol=1e-10, gtol=1e-10)
    start = np.array([25.0, 5.0])
    with np.errstate(over="ignore"):
        tr = least_squares(LeastSquares(residual, jacobian, start), "lm", **tol)
        ref = scipy_least_squares(residual, start, jac=jacobian, method="lm", **tol)
    np.testing.assert_allclose(to_numpy(tr.x), certified, rtol=1e-6)  # NIST's LRE ≥ 6
    np.testing.assert_allclose(to_numpy(tr.x), ref.x, rtol=1e-6)
    assert tr.status == "converged" and tr.counts["nfev"] <= ref.nfev


# ---- multi-start ---------------------------------------------------------------------------
# DanWood (NIST StRD): y = b1·x^b2, 6 observations; starts up to a decade off in each parameter,
# from which GN converges or diverges and the damped methods converge.
DANWOOD = nist_problem("DanWood")
DANWOOD_STARTS = np.asarray(DANWOOD.certified) * 10.0 ** np.array(
    [[0.0, 0.3], [0.5, -0.5], [-1.0, -0.9], [1.0, 1.0], [0.9, -0.7], [-0.8, 0.6], [0.2, 0.95]]
)


def _power_law(backend=None):
    """Residual and Jacobian of DanWood's y = b1·x^b2 that take a runs axis (b: (…, 2)), on
    ``backend`` (default NumPy)."""
    xp, put = (np, np.asarray) if backend is None else (backend.xp, backend.asarray)
    x, y = put(DANWOOD.x), put(DANWOOD.y)
    log_x = xp.log(x)

    def residual(b):
        return b[..., 0:1] * x ** b[..., 1:2] - y

    def jacobian(b):
        p = x ** b[..., 1:2]
        return xp.stack([p, b[..., 0:1] * p * log_x], axis=-1)

    return residual, jacobian


@pytest.mark.parametrize("method", ["gn", "levenberg", "lm"])
def test_multistart_run_matches_one_run_per_start(backend, method):
    # R starts in one batched run take the same path as R separate runs: the same status
    # (GN diverges from some), step count and end point, to rounding (10·ε·κ(J) relative)
    # where the backend's batched and one-matrix kernels round alike (NumPy, array_api_strict).
    # torch's batched SVD rounds otherwise, so there the two runs' last steps differ by
    # rounding and each stops within its own xtol: the end points agree to 10·xtol.
    residual, jacobian = _power_law(backend)
    starts = backend.asarray(DANWOOD_STARTS)
    batch = least_squares(LeastSquares(residual, jacobian, starts), method)
    J = to_numpy(jacobian(backend.asarray(DANWOOD.certified)))
    tol = 10 * np.finfo(np.float64).eps * np.linalg.cond(J)
    if backend.name == "torch":
        tol = max(tol, 10 * 1e-8)  # the methods' default xtol
    for i in range(DANWOOD_STARTS.shape[0]):
        one = least_squares(LeastSquares(residual, jacobian, starts[i, ...]), method)
        assert (batch.status[i], batch.n_steps[i]) == (one.status, one.n_steps), i
        np.testing.assert_allclose(to_numpy(batch.x)[i], to_numpy(one.x), rtol=tol)
    assert ("diverged" in batch.status) == (method == "gn")
    assert batch.x.shape == DANWOOD_STARTS.shape


def test_vectorize_loops_a_one_point_function_over_the_starts(backend):
    xp = backend.xp
    residual, jacobian = _power_law(backend)
    x, y = backend.asarray(DANWOOD.x), backend.asarray(DANWOOD.y)
    calls = []

    def one_residual(b):  # written for b of shape (2,) only
        calls.append(b.shape)
        return b[0] * x ** b[1] - y

    def one_jacobian(b):
        p = x ** b[1]
        return xp.stack([p, b[0] * p * xp.log(x)], axis=-1)

    starts = backend.asarray(DANWOOD_STARTS)
    looped = LeastSquares(one_residual, one_jacobian, starts, vectorize=True)
    assert calls == [(2,)] * DANWOOD_STARTS.shape[0]
    assert looped.residual(starts).shape == (7, 6) and looped.jacobian(starts).shape == (7, 6, 2)
    ref = least_squares(LeastSquares(residual, jacobian, starts), "lm")
    tr = least_squares(looped, "lm")
    assert tr.status == ref.status
    np.testing.assert_allclose(to_numpy(tr.x), to_numpy(ref.x), rtol=1e-12)


def test_multistart_x0_with_the_wrong_number_of_parameters_is_named():
    residual, jacobian = _power_law()
    prob = LeastSquares(residual, jacobian, DANWOOD_STARTS)
    with pytest.raises(ShapeError, match=r"^x0: .*\(R, n\) = \(R, 2\).*shape \(4, 3\)"):
        least_squares(prob, "lm", x0=np.ones((4, 3)))
    with pytest.raises(ShapeError, match="^x0: "):
        LeastSquares(residual, jacobian, np.ones((2, 2, 2)))


def test_one_point_residual_given_many_starts_is_named_with_the_shape_wanted():
    def residual(b):  # ignores the runs axis: returns (2, 2) for 3 starts
        return np.array([b[0] - 1.0, b[1] - 2.0])

    with pytest.raises(ShapeError, match=r"^residual: .*\(R, m\) = \(3, m\).*vectorize=True"):
        LeastSquares(residual, lambda b: np.eye(2), np.zeros((3, 2)))
    prob = LeastSquares(residual, lambda b: np.eye(2), [0.0, 0.0])  # one start: fine
    with pytest.raises(ShapeError, match=r"^residual: .*\(3, m\)"):
        run(prob, LevenbergMarquardt(), x0=np.zeros((3, 2)))


def test_failing_one_point_function_given_many_starts_gets_a_note():
    x = np.arange(1.0, 7.0)

    def residual(b):  # for 3 starts b[0] is the first start's (2,): it cannot meet x (6,)
        return b[0] * x + b[1]

    with pytest.raises(ValueError) as info:
        LeastSquares(residual, lambda b: np.stack([x, np.ones(6)], axis=-1), np.zeros((3, 2)))
    assert any("residual(x) for x0 of shape (3, 2)" in n for n in info.value.__notes__)


def test_multistart_jacobian_of_the_wrong_shape_is_named():
    residual, jacobian = _power_law()
    swapped = lambda b: np.swapaxes(jacobian(b), -1, -2)  # noqa: E731
    with pytest.raises(ShapeError, match=r"^jacobian: .*\(7, 6, 2\).*shape \(7, 2, 6\)"):
        LeastSquares(residual, swapped, DANWOOD_STARTS)


def test_multistart_non_finite_residual_names_the_starts():
    residual, jacobian = _power_law()
    starts = DANWOOD_STARTS.copy()
    starts[[2, 5], 1] = 1e4  # x^b2 overflows
    with (
        np.errstate(over="ignore"),
        pytest.raises(ArgumentError, match=r"^residual: .*x0\[i\] for i in \[2, 5\]"),
    ):
        LeastSquares(residual, jacobian, starts)


def test_rank_deficient_jacobian_is_handled_by_every_method():
    # MGH 33 (linear rank 1): J = i·jᵀ has rank 1; the published minimum is m(m−1)/(2(2m+1)).
    prob = LeastSquares(RANK1.residual, RANK1.jacobian, list(RANK1.x0))
    for method in ("gn", "levenberg", "lm"):
        tr = least_squares(prob, method)
        assert 2 * float(tr.loss[-1]) == pytest.approx(RANK1.minima[0], rel=1e-9), method
        assert tr.status == "converged", method  # null_probe checks only the start
    gn = least_squares(prob, "gn")
    assert int(gn.extra["state"].rank) == 1


def test_levenberg_works_with_fewer_residuals_than_parameters():
    prob = LeastSquares(
        lambda x: x[:1] + x[1:2] - 1.0, lambda x: np.array([[1.0, 1.0]]), [0.0, 0.0]
    )
    tr = least_squares(prob, "levenberg")
    assert tr.status == "converged" and float(tr.loss[-1]) < 1e-20


def test_gauss_newton_with_a_line_search_decreases_monotonically():
    prob = LeastSquares(ROSENBROCK.residual, ROSENBROCK.jacobian, [-1.2, 1.0])
    tr = run(prob, GaussNewton(line_search="armijo"), steps=50)
    assert tr.status == "converged" and np.all(np.diff(tr.loss) <= 0)


def test_a_nan_trial_residual_is_a_rejected_step():
    def r(x):
        out = np.array([x[0] - 3.0, x[1] - 1.0])
        return out if x[0] < 2.0 else np.full(2, np.nan)

    prob = LeastSquares(r, lambda x: np.eye(2), [0.0, 0.0])
    tr = least_squares(prob, "lm", steps=60)
    assert np.all(np.isfinite(to_numpy(tr.x))) and to_numpy(tr.x)[0] < 2.0
    assert tr.extra["state"].n_rejected > 0


def _twice_exp(xp, y: float):
    """r(x) = (eˣ − y, eˣ − y) and its Jacobian: r lies in range(J), so a Gauss–Newton step
    predicts the whole of f, and e^x of a long step overflows both entries."""

    def residual(x):
        e = xp.exp(x[..., 0:1])
        return xp.concat([e - y, e - y], axis=-1)

    def jacobian(x):
        e = xp.exp(x[..., 0:1])
        return xp.stack([e, e], axis=-2)

    return residual, jacobian


def test_an_overflowing_trial_shrinks_the_radius_by_lmders_quadratic_rule(backend):
    # From x0 = −8 with y = 1/4 the first trial is the Gauss–Newton step h1 = y·e⁸ − 1 ≈ 744
    # (it fits Δ0 = 100‖D x0‖), where e^{x0+h1} overflows.  lmder then takes actred = −1 and
    # μ = s/(2s − 1) with s = −‖Jh‖²/‖r‖² = −1: Δ ← ‖D h1‖/3, and the next trial is the step
    # of length Δ (to lmpar's |‖D h‖ − Δ| ≤ 0.1Δ).  That one is finite with f ≥ 100 f(x0): a
    # measured blow-up, cut tenfold (μ = 0.1).  SciPy's method="lm" makes the same trials.
    xp = backend.xp
    residual, jacobian = _twice_exp(xp, 0.25)
    trials = []

    def recorded(x):
        trials.append(float(to_numpy(x)[0]))
        return residual(x)

    x0 = backend.asarray([-8.0])
    prob = LeastSquares(recorded, jacobian, x0)
    trials.clear()  # the problem's own check of the start
    with np.errstate(over="ignore", invalid="ignore"):
        tr = least_squares(prob, "lm")
    h1, h2, h3 = (t - (-8.0) for t in trials[1:4])  # trials[0]: the run's f(x0)
    rounding = 16 * np.finfo(np.float64).eps  # the same sums in another order: a few roundings
    assert h1 == pytest.approx(0.25 * np.exp(8.0) - 1.0, rel=rounding)
    assert h2 / h1 == pytest.approx(1 / 3, rel=0.1)  # not the tenfold cut of a blow-up
    assert h3 / h2 == pytest.approx(0.1, rel=0.1)
    assert tr.status == "converged"
    assert float(to_numpy(tr.x)[0]) == pytest.approx(np.log(0.25), rel=1e-8)

    r_np, j_np = _twice_exp(np, 0.25)
    seen = []
    with np.errstate(over="ignore", invalid="ignore"):
        ref = scipy_least_squares(
            lambda x: seen.append(x[0]) or r_np(x), np.array([-8.0]), jac=j_np, method="lm"
        )
    np.testing.assert_allclose(trials[1:4], seen[1:4], rtol=rounding)
    assert tr.counts["nfev"] == ref.nfev


@pytest.mark.parametrize("kappa", [1e3, 1e12])  # CholeskyQR2, then its Householder fallback
def test_tall_qr_matches_householder(backend, kappa):
    rng = np.random.default_rng(4)
    U, _ = np.linalg.qr(rng.normal(size=(400, 5)))
    V, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    J, r = (U * np.geomspace(1.0, 1.0 / kappa, 5)) @ V.T, rng.normal(size=400)
    Q, R = np.linalg.qr(J)
    R_, qtr_ = (to_numpy(v) for v in tall_qr(backend.asarray(J), backend.asarray(r)))
    sign = np.sign(np.diag(R)) * np.sign(np.diag(R_))  # R is unique up to its rows' signs
    gamma = J.size * np.finfo(float).eps  # Householder QR's γ_mn (Higham 2002, Thm 19.4)
    np.testing.assert_allclose(sign[:, None] * R_, R, atol=gamma * np.linalg.norm(J, 2))
    # Qᵀr itself is only determined to γ·κ(J)·‖r‖ (Q's last columns turn with J's rounding,
    # and another LAPACK — torch's — turns them otherwise); what a least-squares step uses is
    # backward stable: Rᵀ(Qᵀr) = Jᵀr to γ·‖J‖·‖r‖ whatever κ
    scale = gamma * np.linalg.norm(J, 2) * np.linalg.norm(r)
    np.testing.assert_allclose(R_.T @ qtr_, J.T @ r, atol=10 * scale)
    if gamma * kappa < 1e-6:  # well conditioned: Qᵀr itself agrees with LAPACK's
        np.testing.assert_allclose(sign * qtr_, Q.T @ r, atol=gamma * kappa * np.linalg.norm(r))


# ---- bad input -----------------------------------------------------------------------------


def test_jacobian_of_the_wrong_shape_is_named():
    with pytest.raises(ShapeError, match="jacobian"):
        LeastSquares(lambda x: x, lambda x: np.eye(3), [1.0, 2.0])


def test_jacobian_changing_shape_later_is_named_by_the_optimizer():
    calls = {"n": 0}

    def J(x):
        calls["n"] += 1
        return np.eye(2) if calls["n"] == 1 else np.eye(3)

    prob = LeastSquares(lambda x: x, J, [1.0, 2.0])
    with pytest.raises(ShapeError, match="jacobian"):
        least_squares(prob, "lm")


def test_nan_residual_at_the_start_is_named():
    with pytest.raises(ArgumentError, match="residual"):
        LeastSquares(lambda x: np.array([np.nan, 1.0]), lambda x: np.eye(2), [1.0, 2.0])


def test_jacobian_returned_as_a_list_is_named_with_its_shape():
    with pytest.raises(ArgumentTypeError, match=r"^jacobian:.*shape \(2, 2\).*list"):
        LeastSquares(lambda x: x, lambda x: [[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0])


def test_nan_jacobian_at_the_start_is_named():
    with pytest.raises(ArgumentError, match=r"^jacobian:.*finite"):
        LeastSquares(lambda x: x, lambda x: np.full((2, 2), np.nan), [1.0, 2.0])


@pytest.mark.parametrize("residual", [lambda x: None, lambda x: [1.0, 2.0]])
def test_residual_that_is_not_an_array_is_named(residual):
    with pytest.raises(ArgumentTypeError, match=r"^residual:.*shape \(m,\)"):
        LeastSquares(residual, lambda x: np.eye(2), [1.0, 2.0])


@pytest.mark.parametrize("residual", [lambda x: x[:0], lambda x: np.ones((2, 1))])
def test_residual_that_is_not_a_non_empty_vector_is_named(residual):
    with pytest.raises(ShapeError, match=r"^residual:.*m ≥ 1"):
        LeastSquares(residual, lambda x: np.eye(2), [1.0, 2.0])


def test_non_finite_x0_is_named():
    with pytest.raises(ArgumentError, match="x0"):
        LeastSquares(lambda x: x, lambda x: np.eye(2), [np.inf, 2.0])
    prob = ExponentialDecay(10)
    with pytest.raises(ArgumentError, match="x0"):
        least_squares(prob, "lm", x0=[np.nan, 1.0, 0.0])


def test_lm_refuses_fewer_residuals_than_parameters():
    prob = LeastSquares(
        lambda x: x[:1] + x[1:2] - 1.0, lambda x: np.array([[1.0, 1.0]]), [0.0, 0.0]
    )
    with pytest.raises(ArgumentError, match="problem: .*m ≥ d"):
        least_squares(prob, "lm")


def test_non_callable_residual_is_named():
    with pytest.raises(TypeError, match="residual"):
        LeastSquares([1.0], lambda x: x, [1.0])


def test_unknown_method_and_scaling_are_named():
    prob = ExponentialDecay(10)
    with pytest.raises(ArgumentError, match="method"):
        least_squares(prob, "dogleg")
    with pytest.raises(ArgumentError, match="scaling"):
        LevenbergMarquardt(scaling="moré")
    with pytest.raises(ArgumentError, match="tau"):
        Levenberg(tau=0.0)
    with pytest.raises(ArgumentError, match="factor"):
        LevenbergMarquardt(factor=0.0)


def test_least_squares_needs_a_residual():
    from convlab.problems import Quadratic

    with pytest.raises(ArgumentError, match="problem"):
        least_squares(Quadratic(np.eye(2)), "lm")


@pytest.mark.parametrize("max_nfev", [3, 8, 20])
def test_lm_max_nfev_ends_where_minpack_maxfev_does(max_nfev):
    # lmder's maxfev (SciPy's max_nfev): x₀ and each trial cost one evaluation; the run ends
    # after the trial that spends the last one, at SciPy's point (the same path, up to the
    # rounding of a different factorization: 100ε relative over ≤ 20 evaluations) with
    # SciPy's Jacobian count as its step count.
    prob = ROSENBROCK.as_problem(1.0)
    ref = scipy_least_squares(
        prob.residual, prob.x0, jac=prob.jacobian, method="lm", max_nfev=max_nfev
    )
    assert ref.status == 0  # SciPy: "the maximum number of function evaluations is exceeded"
    tr = run(prob, LevenbergMarquardt(max_nfev=max_nfev), steps=100)
    assert tr.status == "max_steps" and "max_nfev" in tr.message
    assert tr.counts["nfev"] == ref.nfev and tr.n_steps == ref.njev
    np.testing.assert_allclose(tr.x, ref.x, rtol=100 * np.finfo(np.float64).eps)


def test_lm_max_nfev_counts_each_run_of_a_batch_apart(backend):
    # Two starts: one converges within the budget, the other spends it; each ends as it
    # would alone (bit for bit on NumPy; torch's batched kernels round differently, so to
    # the tolerance of test_batched_lm_matches_single_runs).
    prob = ExponentialDecay(100, backend=backend.xp, device=backend.device)
    starts = [[1.0, 1.0, 0.0], [30.0, 0.01, 5.0]]
    opt = LevenbergMarquardt(max_nfev=6)
    batch = run(prob, opt, steps=100, x0=backend.asarray(starts))
    for r, x0 in enumerate(starts):
        one = run(prob, opt, steps=100, x0=backend.asarray(x0))
        assert batch.status[r] == one.status and batch.n_steps[r] == one.n_steps
        np.testing.assert_allclose(to_numpy(batch.x)[r], to_numpy(one.x), rtol=1e-8)
    assert set(batch.status) == {"converged", "max_steps"}


def test_trials_made_for_the_pending_rows_alone_change_no_bit(backend, monkeypatch):
    # 200 DanWood starts: after a step's first trial most runs are done, and the later trials
    # are made for the pending rows alone (SHED_ROWS); each run's arithmetic is the same, so
    # the whole trace is, bit for bit (torch: its batched kernels round by batch size).
    rng = np.random.default_rng(5)
    starts = np.asarray(DANWOOD.certified) * 10.0 ** rng.uniform(-1, 1, size=(200, 2))
    residual, jacobian = _power_law(backend)

    def fit():
        problem = LeastSquares(residual, jacobian, backend.asarray(starts))
        return run(problem, LevenbergMarquardt(max_nfev=60), steps=60)

    shed = fit()
    monkeypatch.setattr(trials_module, "SHED_ROWS", 10**9)
    whole = fit()
    assert shed.status == whole.status and np.array_equal(shed.n_steps, whole.n_steps)
    assert shed.counts == whole.counts
    rtol = 1e-8 if backend.name == "torch" else 0.0
    np.testing.assert_allclose(to_numpy(shed.x), to_numpy(whole.x), rtol=rtol, atol=0.0)
