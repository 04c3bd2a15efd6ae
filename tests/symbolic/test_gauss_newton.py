"""Gauss–Newton's derived local rate: the iteration matrix −(JᵀJ)⁻¹S is the derivative of the
Gauss–Newton map at a stationary point, checked by central differences on random residuals
with a nonzero residual, and the zero-residual step obeys the derived quadratic bound."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.symbolic import TOPICS, gauss_newton_rate, spectral_radius

PARTS = ("p_11", "p_12", "p_22", "s_11", "s_12", "s_22")


def _values(P: np.ndarray, S: np.ndarray) -> dict:
    return dict(zip(PARTS, (P[0, 0], P[0, 1], P[1, 1], S[0, 0], S[0, 1], S[1, 1]), strict=True))


def _residuals(seed: int, size: float, m: int = 6):
    """r(δ) = a + Bδ + ½(δᵀCᵢδ)ᵢ with a = size·(unit vector ⊥ range B): δ = 0 is stationary."""
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((m, 2))
    C = rng.standard_normal((m, 2, 2))
    C = (C + np.swapaxes(C, 1, 2)) / 2
    q, _ = np.linalg.qr(B, mode="complete")
    a = size * q[:, 2]  # orthogonal to both columns of B

    def residual(x):
        return a + B @ x + 0.5 * np.einsum("j,ijk,k->i", x, C, x)

    def jacobian(x):
        return B + np.einsum("ijk,k->ij", C, x)

    return residual, jacobian, B, np.einsum("i,ijk->jk", a, C)


def _gn_map(residual, jacobian, x):
    J = jacobian(x)
    return x - np.linalg.lstsq(J, residual(x), rcond=None)[0]


@pytest.mark.parametrize("seed", range(4))
def test_the_iteration_matrix_is_the_derivative_of_the_gauss_newton_map(seed):
    residual, jacobian, B, S = _residuals(seed, size=0.7)
    h = 1e-6
    numeric = np.stack(
        [
            (_gn_map(residual, jacobian, e) - _gn_map(residual, jacobian, -e)) / (2 * h)
            for e in np.eye(2) * h
        ],
        axis=1,
    )
    derived = gauss_newton_rate().evaluate(part="iteration_matrix", **_values(B.T @ B, S))
    # central differences: O(h²) truncation and O(ε/h) rounding on entries of size ~1
    assert np.allclose(np.asarray(derived, float), numeric, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.floats(-3, 3))
def test_the_eigenvalues_are_real_and_the_radius_is_numpys(seed, size):
    _, _, B, S = _residuals(seed, size)
    P = B.T @ B
    values = _values(P, S)
    roots = np.asarray(gauss_newton_rate().evaluate(part="eigenvalues", **values), complex)
    reference = np.linalg.eigvals(-np.linalg.solve(P, S))
    scale = np.linalg.norm(np.linalg.solve(P, S)) + 1.0
    assert np.allclose(np.sort(roots.real), np.sort(reference.real), atol=1e-10 * scale)
    assert np.allclose(roots.imag, 0.0, atol=1e-6 * scale)  # √ of a rounding-negative 0
    radius = float(spectral_radius(gauss_newton_rate(), **values))
    assert radius == pytest.approx(np.max(np.abs(reference)), rel=1e-9, abs=1e-12)


def test_zero_residual_and_newton_have_rate_zero():
    d = gauss_newton_rate()
    assert d["zero_residual_eigenvalues"] == (0, 0)
    assert d["newton_eigenvalues"] == (0, 0)
    assert TOPICS["gauss-newton-rate"]() is d


@pytest.mark.parametrize("seed", range(4))
def test_a_zero_residual_step_is_under_the_quadratic_bound(seed):
    """One Gauss–Newton step from e: ‖e⁺‖ ≤ L‖e‖²/(2σ_min(J(e))), L = (Σₖ‖Cₖ‖_F²)^½ here."""
    residual, jacobian, _, _ = _residuals(seed, size=0.0)
    L = np.sqrt(sum(np.sum((jacobian(e) - jacobian(0 * e)) ** 2) for e in np.eye(2)))
    for e in np.random.default_rng(seed).normal(size=(5, 2)) * 0.05:
        sigma = np.linalg.svd(jacobian(e), compute_uv=False)[-1]
        bound = float(gauss_newton_rate().evaluate(part="quadratic_bound", L=L, sigma=sigma))
        assert np.linalg.norm(_gn_map(residual, jacobian, e)) <= bound * (e @ e) * (1 + 1e-12)
