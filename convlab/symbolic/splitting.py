r"""Jacobi and Gauss–Seidel iterations for :math:`Ax = b` from the splitting :math:`A = D + L + U`.

Jacobi solves :math:`D x_{k+1} = b - (L+U) x_k`, Gauss–Seidel :math:`(D+L) x_{k+1} = b - U x_k`;
the errors obey :math:`e_{k+1} = M e_k` with :math:`M_J = -D^{-1}(L+U)` and
:math:`M_{GS} = -(D+L)^{-1}U`, and the iteration converges for every start iff the spectral radius
:math:`\rho(M) < 1`.  Source: Saad, *Iterative Methods for Sparse Linear Systems* (2003), §4.1;
Young (1950) for :math:`\rho(M_{GS}) = \rho(M_J)^2` on consistently ordered matrices.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sympy as sp

from convlab.errors import ArgumentError
from convlab.symbolic.result import Derivation
from convlab.symbolic.spectra import largest_modulus, tidy
from convlab.symbolic.user_input import as_matrix

_SOURCE = "Saad 2003, 'Iterative Methods for Sparse Linear Systems', §4.1"


def _split(A: sp.ImmutableMatrix) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """(D, L, U): diagonal, strictly lower and strictly upper parts of A."""
    n = A.rows
    D = sp.diag(*(A[i, i] for i in range(n)))
    L = sp.Matrix(n, n, lambda i, j: A[i, j] if i > j else 0)
    U = sp.Matrix(n, n, lambda i, j: A[i, j] if i < j else 0)
    return D, L, U


def _jacobi_matrix(D: sp.Matrix, L: sp.Matrix, U: sp.Matrix) -> sp.Matrix:
    """M_J = -D⁻¹(L + U), from D x_{k+1} = b - (L + U) x_k."""
    return -D.inv() * (L + U)


def _gauss_seidel_matrix(D: sp.Matrix, L: sp.Matrix, U: sp.Matrix) -> sp.Matrix:
    """M_GS = -(D + L)⁻¹U, from (D + L) x_{k+1} = b - U x_k."""
    return -(D + L).inv() * U


#: method name -> (iteration matrix from the splitting, the splitting's equation in words)
SPLITTINGS: dict[str, tuple[Callable, str]] = {
    "jacobi": (_jacobi_matrix, "D x_{k+1} = b - (L + U) x_k"),
    "gauss-seidel": (_gauss_seidel_matrix, "(D + L) x_{k+1} = b - U x_k"),
}


@lru_cache(maxsize=64)
def _splitting_iteration(method: str, A: sp.ImmutableMatrix) -> Derivation:
    """Iteration matrix, eigenvalues and spectral radius of ``method`` on a validated ``A``."""
    D, L, U = _split(A)
    if any(D[i, i] == 0 for i in range(A.rows)):
        raise ArgumentError("A", "a matrix with a non-zero diagonal", A)
    build, equation = SPLITTINGS[method]
    M = build(D, L, U).applyfunc(sp.simplify)
    eigenvalues = tuple(tidy(lam) for lam in M.eigenvals(multiple=True))
    radius = largest_modulus(eigenvalues)
    steps = (
        ("splitting A = D + L + U", (D, L, U)),
        (f"iteration {equation}; error e_{{k+1}} = M e_k", M),
        ("eigenvalues of M", eigenvalues),
        ("spectral radius: converges for every start iff < 1", radius),
    )
    expr = {"matrix": M, "eigenvalues": eigenvalues, "spectral_radius": radius}
    return Derivation(f"{method} iteration", expr, steps=steps, source=_SOURCE)


def jacobi(A: Any) -> Derivation:
    """Jacobi iteration matrix :math:`M_J = -D^{-1}(L+U)` of a square ``A``, its eigenvalues and
    spectral radius (parts ``matrix``, ``eigenvalues``, ``spectral_radius``).
    Source: Saad 2003, §4.1.
    """
    return _splitting_iteration("jacobi", as_matrix("A", A, square=True))


def gauss_seidel(A: Any) -> Derivation:
    """Gauss–Seidel iteration matrix :math:`M_{GS} = -(D+L)^{-1}U` of a square ``A``, its
    eigenvalues and spectral radius. Source: Saad 2003, §4.1.
    """
    return _splitting_iteration("gauss-seidel", as_matrix("A", A, square=True))
