r"""Floating-point operations per iteration of Newton, BFGS and L-BFGS on n parameters, and the
leading exponent p of each count :math:`c(n) \sim C n^p`: the slope of time per iteration against
n on a log-log plot, once n is large enough for the leading term to dominate.

Counts (one flop: one addition or one multiplication; Golub & Van Loan, *Matrix Computations*,
4th ed., 2013, §1.1, §3.2, §8.3), as convlab's optimizers compute a step:

* Newton (:class:`convlab.optim.newton.Newton`): the eigenvalues of the symmetric Hessian for the
  shift (Householder tridiagonalisation, :math:`4n^3/3`), the LU factorisation of the shifted
  Hessian (:math:`2n^3/3`), two triangular solves (:math:`2n^2`), the shift and the step
  (:math:`3n`): :math:`2n^3 + 2n^2 + 3n`.
* BFGS (:class:`convlab.optim.quasi_newton.BFGS`): :math:`p = -Hg` and :math:`Hy` (:math:`2n^2`
  each), the update :math:`H - \rho(sy_H^\top + y_H s^\top) + c\,ss^\top` (three outer products
  :math:`3n^2`, three scalings :math:`3n^2`, two additions and a subtraction :math:`3n^2`), and
  O(n) for the dot products and the step: :math:`13n^2 + 10n`.
* L-BFGS (:class:`convlab.optim.quasi_newton.LBFGS`, N&W Alg. 7.4): per stored pair one dot
  product and one axpy in each of the two loops (:math:`8n`), the scaling :math:`H_0 = \gamma I`
  (:math:`3n`), and O(n) for the pair and the step: :math:`8mn + 10n`.
* The rival, "every method costs a dense matrix-vector product": :math:`2n^2`.

The line search adds a few evaluations of f and ∇f, O(n) each for a separable f.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.result import Derivation

N = sp.Symbol("n", positive=True, integer=True)
M = sp.Symbol("m", positive=True, integer=True)


@cache
def iteration_costs() -> Derivation:
    """Parts ``newton``, ``bfgs``, ``l-bfgs``, ``dense matvec`` (flops per iteration, in n and
    the L-BFGS memory m) and ``<part> exponent`` (the leading exponent in n of each).
    Sources: Golub & Van Loan 2013, §3.2 (LU, 2n³/3), §8.3 (tridiagonalisation, 4n³/3);
    Nocedal & Wright 2006, Alg. 6.1 (BFGS), Alg. 7.4 (two-loop recursion).
    """
    n = N
    parts = {
        "newton": sp.Rational(4, 3) * n**3 + sp.Rational(2, 3) * n**3 + 2 * n**2 + 3 * n,
        "bfgs": 2 * n**2 + 2 * n**2 + 9 * n**2 + 10 * n,
        "l-bfgs": M * (4 * n + 4 * n) + 3 * n + 7 * n,
        "dense matvec": 2 * n**2,
    }
    exponents = {f"{k} exponent": leading_exponent(v) for k, v in parts.items()}
    steps = (
        ("Newton: eigvalsh 4n^3/3 + LU 2n^3/3 + triangular solves 2n^2 + 3n", parts["newton"]),
        ("BFGS: Hg, Hy 2n^2 each + rank-2 update 9n^2 + O(n)", parts["bfgs"]),
        ("L-BFGS: two loops, 8n per pair, m pairs + O(n)", parts["l-bfgs"]),
        ("leading exponent p = lim n c'(n)/c(n)", exponents),
    )
    return Derivation(
        "flops per iteration of Newton, BFGS and L-BFGS",
        {**parts, **exponents},
        steps=steps,
        source="Golub & Van Loan 2013, §3.2, §8.3; Nocedal & Wright 2006, Alg. 6.1, 7.4",
        conclusion="time per iteration grows as n^3 (Newton), n^2 (BFGS) and m n (L-BFGS)",
    )


def leading_exponent(cost: sp.Expr) -> sp.Expr:
    """p with cost ~ C n^p as n → ∞: the limit of the log-log slope n c'(n) / c(n)."""
    return sp.limit(N * sp.diff(cost, N) / cost, N, sp.oo)


def local_exponent(cost: sp.Expr) -> sp.Expr:
    """The log-log slope n c'(n) / c(n) at finite n (→ the leading exponent)."""
    return sp.simplify(N * sp.diff(cost, N) / cost)
