r"""When every root of a polynomial lies in the open unit disc: the Schur–Cohn–Jury criterion.

For a real polynomial :math:`p_0(z) = a_n z^n + \dots + a_0` with :math:`a_n > 0`, the Schur
transform :math:`p_{k+1}(z) = \big(\operatorname{lead}(p_k)\,p_k(z) - p_k(0)\,p_k^*(z)\big)/z`
(:math:`p^*` the reversed polynomial) lowers the degree by one, and its leading coefficient is
:math:`\operatorname{lead}(p_k)^2 - p_k(0)^2`.  Every root of :math:`p_0` lies in
:math:`|z| < 1` iff :math:`\operatorname{lead}(p_k) > 0` for :math:`k = 1, \dots, n`.
For :math:`z^2 + c_1 z + c_0` this is Jury's :math:`|c_0| < 1,\ |c_1| < 1 + c_0`.

Each condition is factored; a factor of even multiplicity (positive wherever it is non-zero)
and a factor SymPy knows to be positive (η > 0, λ > 0, 1 + β with β ≥ 0) are dropped, so the
region keeps the factors that can change sign.  Dropping an even factor ignores the measure-zero
set where it vanishes.

Sources: Schur, J. reine angew. Math. 147 (1917); Cohn, Math. Z. 14 (1922); Jury, *Theory and
Application of the z-Transform Method* (1964), §3.
"""

from __future__ import annotations

import sympy as sp

from convlab.symbolic.notation import Z


def schur_cohn(poly: sp.Expr, z: sp.Symbol = Z) -> tuple[sp.Boolean, tuple]:
    """The region (a conjunction) where every root of ``poly`` in ``z`` has modulus < 1, and
    the steps (the Schur transforms and their leading coefficients)."""
    current = sp.Poly(poly, z)
    steps, conditions = [], []
    while current.degree() > 0:
        coeffs = current.all_coeffs()
        lead, const = coeffs[0], coeffs[-1]
        reversed_poly = sp.Poly.from_list(list(reversed(coeffs)), z)
        shifted = sp.Poly(sp.expand((lead * current - const * reversed_poly).as_expr()), z)
        current = sp.Poly(sp.cancel(shifted.as_expr() / z), z)
        positive = _sign_changing_part(current.LC())
        what = f"Schur transform to degree {current.degree()}: its leading coefficient"
        steps.append((what, positive))
        conditions.append(positive)
    region = sp.And(*(c > 0 for c in conditions if c != 1))
    steps.append(("every root in |z| < 1 iff each leading coefficient is > 0", region))
    return region, tuple(steps)


def _sign_changing_part(expr: sp.Expr) -> sp.Expr:
    """``expr`` with factors of even multiplicity and known-positive factors removed (sign kept)."""
    numerator, denominator = sp.fraction(sp.cancel(expr))
    coefficient, factors = sp.factor_list(numerator)
    below, more = sp.factor_list(denominator)
    kept = sp.sign(coefficient * below)
    for factor, multiplicity in factors + more:
        if multiplicity % 2 == 0 or factor.is_positive:
            continue
        if factor.is_negative:
            kept = -kept
            continue
        kept *= factor
    return sp.expand(kept) if kept.is_Number else kept
