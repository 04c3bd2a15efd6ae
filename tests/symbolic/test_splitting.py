"""Jacobi and Gauss–Seidel iteration matrices (Saad 2003 §4.1; Young 1950)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.errors import ArgumentError, ShapeError
from convlab.symbolic import gauss_seidel, jacobi


def test_poisson_spectral_radii():
    A = sp.Matrix([[2, -1, 0], [-1, 2, -1], [0, -1, 2]])
    # Saad 2003: rho(M_J) = cos(pi/(n+1)); Young 1950: rho(M_GS) = rho(M_J)^2
    assert sp.simplify(jacobi(A)["spectral_radius"] - sp.cos(sp.pi / 4)) == 0
    assert sp.simplify(gauss_seidel(A)["spectral_radius"] - sp.cos(sp.pi / 4) ** 2) == 0


def test_symbolic_two_by_two():
    a = sp.Symbol("a", real=True)
    assert jacobi([[1, a], [a, 1]])["spectral_radius"] == sp.Abs(a)
    assert sp.simplify(gauss_seidel([[1, a], [a, 1]])["spectral_radius"] - a**2) == 0


@settings(max_examples=8, deadline=None)
@given(n=st.integers(2, 3), seed=st.integers(0, 2**16))
def test_iteration_matrices_match_numpy(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 4, (n, n)) + np.diag(rng.integers(5, 9, n))
    D, L, U = np.diag(np.diag(A)), np.tril(A, -1), np.triu(A, 1)
    for derive, M in (
        (jacobi, -np.linalg.solve(D, L + U)),
        (gauss_seidel, -np.linalg.solve(D + L, U)),
    ):
        d = derive(sp.Matrix(A))
        np.testing.assert_allclose(np.array(d["matrix"], dtype=float), M, atol=1e-12)
        radius = abs(complex(sp.N(d["spectral_radius"])))
        # defective (e.g. nilpotent) matrices have numeric eigenvalues off by ~eps**(1/n)
        assert radius == pytest.approx(max(abs(np.linalg.eigvals(M))), abs=1e-4)


def test_zero_diagonal_is_rejected():
    with pytest.raises(ArgumentError, match="non-zero diagonal"):
        jacobi([[0, 1], [1, 2]])


def test_non_square_is_rejected():
    with pytest.raises(ShapeError, match="A"):
        gauss_seidel([[1, 2, 3]])
