"""Linear solvers: CG theory (finite termination, the √κ bound), PCG, Jacobi/Gauss–Seidel,
direct solves, the solver comparison, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.backend import to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.linalg import (
    PRECONDITIONERS,
    cg,
    compare_solvers,
    gauss_seidel_solve,
    jacobi_solve,
    pcg,
    solve,
)


def spd(eigenvalues, seed=0):
    """Q diag(λ) Qᵀ with Q Haar-random, and a random right-hand side."""
    rng = np.random.default_rng(seed)
    lam = np.asarray(eigenvalues, dtype=np.float64)
    q, r = np.linalg.qr(rng.normal(size=(lam.size, lam.size)))
    q = q * np.sign(np.diag(r))
    A = (q * lam) @ q.T
    return 0.5 * (A + A.T), rng.normal(size=lam.size)


@given(k=st.integers(1, 8), seed=st.integers(0, 10_000))
@settings(max_examples=15, deadline=None)
def test_cg_terminates_in_k_steps_with_k_distinct_eigenvalues(k, seed):
    # N&W Thm. 5.4: CG converges in at most k iterations if A has k distinct eigenvalues.
    rng = np.random.default_rng(seed)
    distinct = np.sort(rng.uniform(1.0, 100.0, size=k))
    A, b = spd(np.repeat(distinct, 60 // k + 1)[:60], seed)
    out = cg(A, b, tol=1e-10)
    assert out.status == "converged"
    assert out.iterations <= k + 2  # slack for rounding
    assert np.linalg.norm(b - A @ out.x) <= 1e-9 * np.linalg.norm(b)


def test_cg_error_obeys_the_sqrt_kappa_bound(backend):
    # N&W eq. 5.36: ‖x_t − x*‖_A ≤ 2((√κ−1)/(√κ+1))ᵗ ‖x₀ − x*‖_A.
    lam = np.geomspace(1.0, 1e3, 80)
    A, b = spd(lam, seed=3)
    x_star = np.linalg.solve(A, b)
    rho = (math.sqrt(1e3) - 1) / (math.sqrt(1e3) + 1)
    e0 = math.sqrt(x_star @ A @ x_star)
    for t in (5, 10, 20, 40):
        out = cg(backend.asarray(A), backend.asarray(b), tol=1e-15, max_iter=t)
        e = to_numpy(out.x) - x_star
        assert math.sqrt(e @ A @ e) <= 2 * rho**t * e0 * (1 + 1e-8)


def test_cg_solution_matches_numpy(backend):
    A, b = spd(np.linspace(1, 50, 30), seed=1)
    out = cg(backend.asarray(A), backend.asarray(b))
    assert out.converged and out.residuals[0] == pytest.approx(1.0)
    np.testing.assert_allclose(to_numpy(out.x), np.linalg.solve(A, b), rtol=1e-8)


def test_pcg_jacobi_beats_cg_on_a_badly_scaled_diagonal(backend):
    A, b = spd(np.linspace(1, 10, 60), seed=2)
    s = np.geomspace(1, 1e3, 60)
    As = A * s[:, None] * s[None, :]
    plain = cg(backend.asarray(As), backend.asarray(b), max_iter=2000)
    pre = pcg(backend.asarray(As), backend.asarray(b), max_iter=2000)
    assert pre.converged and pre.iterations < plain.iterations
    np.testing.assert_allclose(As @ to_numpy(pre.x), b, atol=1e-8 * np.linalg.norm(b))


def test_jacobi_and_gauss_seidel_on_a_diagonally_dominant_matrix(backend):
    rng = np.random.default_rng(4)
    A = rng.uniform(-1, 1, size=(40, 40))
    A = A + np.diag(np.abs(A).sum(axis=1) + 1.0)
    b = rng.normal(size=40)
    x_star = np.linalg.solve(A, b)
    for method in (jacobi_solve, gauss_seidel_solve):
        out = method(backend.asarray(A), backend.asarray(b))
        assert out.converged, out.message
        np.testing.assert_allclose(to_numpy(out.x), x_star, rtol=1e-8, atol=1e-10)


def test_gauss_seidel_converges_on_spd_and_jacobi_reports_divergence():
    # GS converges for every SPD A (Saad Thm. 4.10); Jacobi need not: this A has
    # spectral radius of I − D⁻¹A equal to 2·0.9 > 1.
    A = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, 0.9], [0.9, 0.9, 1.0]])
    b = np.ones(3)
    assert gauss_seidel_solve(A, b, max_iter=5000).converged
    out = jacobi_solve(A, b, max_iter=5000)
    assert out.status == "diverged" and "spectral radius" in out.message


@pytest.mark.parametrize("method", ["cholesky", "lu", "qr"])
def test_direct_solves_single_and_batched(backend, method):
    A, b = spd(np.linspace(1, 1e4, 25), seed=5)
    out = solve(backend.asarray(A), backend.asarray(b), method)
    assert out.status == "direct" and out.residuals[0] < 1e-12
    np.testing.assert_allclose(to_numpy(out.x), np.linalg.solve(A, b), rtol=1e-8)
    A2, b2 = np.stack([A, 2 * A]), np.stack([b, b])
    out = solve(backend.asarray(A2), backend.asarray(b2), method)
    np.testing.assert_allclose(to_numpy(out.x)[1], 0.5 * np.linalg.solve(A, b), rtol=1e-8)


def test_compare_solvers_orders_the_methods_as_theory_says():
    A, b = spd(np.geomspace(1, 1e3, 100), seed=6)
    rows = {r["method"]: r for r in compare_solvers(A, b)}
    assert all(r["residual"] <= 1e-10 for r in rows.values())
    gd, hb, cg_ = (rows[k]["iterations"] for k in ("gd (η*)", "heavy ball (α*, β*)", "cg"))
    # GD needs ≈ (κ/2) ln(1/ε) ≈ 11500 iterations, heavy ball ≈ (√κ/2) ln(1/ε) ≈ 360.
    assert gd > 20 * hb and hb > cg_
    assert 0.5 * 500 * math.log(1e10) < gd < 2 * 500 * math.log(1e10)


# ---- bad input -----------------------------------------------------------------------------


def test_cg_rejects_a_non_square_matrix():
    with pytest.raises(ShapeError, match="A"):
        cg(np.ones((3, 4)), np.ones(3))


def test_cg_rejects_a_non_symmetric_matrix():
    with pytest.raises(ArgumentError, match="A: expected a symmetric"):
        cg(np.array([[2.0, 1.0], [0.0, 2.0]]), np.ones(2))


def test_cg_reports_breakdown_on_an_indefinite_matrix():
    out = cg(np.diag([1.0, -1.0, 2.0]), np.ones(3))
    assert out.status == "breakdown" and "not positive definite" in out.message


def test_pcg_reports_breakdown_on_a_non_positive_diagonal():
    out = pcg(np.diag([1.0, -1.0]), np.ones(2))
    assert out.status == "breakdown" and "diagonal" in out.message


def test_rhs_of_the_wrong_length_is_named():
    with pytest.raises(ShapeError, match="b"):
        cg(np.eye(3), np.ones(4))


def test_non_finite_rhs_is_named():
    with pytest.raises(ArgumentError, match="b"):
        jacobi_solve(np.eye(2), [1.0, float("nan")])


def test_jacobi_rejects_a_zero_diagonal():
    with pytest.raises(ArgumentError, match="A: expected a matrix with a non-zero diagonal"):
        jacobi_solve(np.array([[0.0, 1.0], [1.0, 0.0]]), np.ones(2))


def test_cholesky_of_an_indefinite_matrix_is_a_breakdown_status():
    out = solve(np.diag([1.0, -1.0]), np.ones(2), "cholesky")
    assert out.status == "breakdown" and "cholesky" in out.message


def test_unknown_direct_method_is_named():
    with pytest.raises(ArgumentError, match="method"):
        solve(np.eye(2), np.ones(2), "svd")


@pytest.mark.parametrize("solver", [cg, pcg, jacobi_solve, gauss_seidel_solve, solve])
def test_an_empty_system_is_named(solver):
    with pytest.raises(ShapeError, match=r"^A:.*≥ 1.*shape \(0, 0\)"):
        solver(np.zeros((0, 0)), np.zeros(0))


@pytest.mark.parametrize("name", ["ilu", "Jacobi", 3, ["jacobi"]])
def test_unknown_preconditioner_is_named_with_the_allowed_values(name):
    with pytest.raises(
        ArgumentError, match=r"^preconditioner: expected one of \['jacobi'\] or None"
    ):
        pcg(np.eye(2), np.ones(2), preconditioner=name)


def test_every_registered_preconditioner_solves_an_spd_system(backend):
    A, b = spd(np.geomspace(1.0, 1e3, 20), seed=4)
    A = A + np.diag(np.geomspace(1.0, 1e4, 20))
    for name in PRECONDITIONERS:
        out = pcg(backend.asarray(A), backend.asarray(b), preconditioner=name)
        assert out.status == "converged", name
        np.testing.assert_allclose(to_numpy(out.x), np.linalg.solve(A, b), rtol=1e-7)


@pytest.mark.parametrize("max_iter", [2.5, 10.0])
def test_max_iter_must_be_an_integer(max_iter):
    with pytest.raises(ArgumentTypeError, match=r"^max_iter: expected a positive integer"):
        cg(np.eye(2), np.ones(2), max_iter=max_iter)
