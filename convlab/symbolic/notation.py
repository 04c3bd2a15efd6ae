"""Symbols shared by the derivations, so that every result speaks of the same η, β, λ and κ.

Positivity is declared where the quantity is positive by definition (step sizes, eigenvalues of a
positive-definite Hessian, condition numbers), which lets SymPy take square roots and absolute
values without case splits.  Names are what ``Derivation.evaluate`` takes as keywords (``lambda``
is passed as ``lambda_``).
"""

from __future__ import annotations

import sympy as sp

ETA = sp.Symbol("eta", positive=True)  # step size (learning rate)
BETA = sp.Symbol("beta", nonnegative=True)  # momentum coefficient
LAM = sp.Symbol("lambda", positive=True)  # an eigenvalue of the Hessian
LAM_1 = sp.Symbol("lambda_1", positive=True)  # smallest eigenvalue (μ)
LAM_M = sp.Symbol("lambda_M", positive=True)  # largest eigenvalue (L)
KAPPA = sp.Symbol("kappa", positive=True)  # condition number λ_M / λ_1
MU = sp.Symbol("mu", positive=True)  # strong-convexity constant (= λ_1 on a quadratic)
L_SMOOTH = sp.Symbol("L", positive=True)  # smoothness constant (= λ_M on a quadratic)
T = sp.Symbol("t", integer=True, positive=True)  # iteration counter
Z = sp.Symbol("z")  # variable of characteristic polynomials
