r"""The second-order Taylor model of a loss along the gradient, Newton's step, critical points.

:math:`L(w - \varepsilon g) \approx L(w) - \varepsilon g^\top g + \tfrac12\varepsilon^2 g^\top H g`:
the loss increases once :math:`\varepsilon > 2 g^\top g / g^\top H g`, the best step along
:math:`-g` is :math:`\varepsilon^* = g^\top g / g^\top H g`, and minimizing the full quadratic model
gives Newton's step :math:`-H^{-1}g`.  A critical point is a minimum, maximum or saddle according to
the signs of the Hessian's eigenvalues (degenerate when one is zero).

Sources: Goodfellow, Bengio & Courville, *Deep Learning* (2016), §4.3.1;
Nocedal & Wright (2006), §2.1.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any, NamedTuple

import sympy as sp

from convlab.errors import ArgumentError
from convlab.symbolic.result import Derivation
from convlab.symbolic.user_input import as_expr, as_symbols

_SOURCE = "Goodfellow, Bengio & Courville 2016, §4.3.1; Nocedal & Wright 2006, §2.1"


@cache
def taylor_step() -> Derivation:
    r"""Parts ``change`` :math:`-\varepsilon\,g^\top g + \tfrac12\varepsilon^2 g^\top Hg`,
    ``increase_beyond`` :math:`2g^\top g/g^\top Hg`, ``best_step`` :math:`g^\top g/g^\top Hg`,
    ``best_change`` and ``newton_step`` :math:`-H^{-1}g` (2-D).
    Source: Goodfellow et al. 2016, §4.3.1.
    """
    eps = sp.Symbol("epsilon", positive=True)
    gTg, gTHg = sp.Symbol("gTg", positive=True), sp.Symbol("gTHg", positive=True)
    g = sp.Matrix(sp.symbols("g_1:3", real=True))
    H = sp.Matrix([[sp.Symbol("h_11"), sp.Symbol("h_12")], [sp.Symbol("h_12"), sp.Symbol("h_22")]])
    delta = -eps * g
    second_order = sp.expand((g.T * delta + delta.T * H * delta / 2)[0])
    change = -eps * gTg + eps**2 * gTHg / 2
    identified = sp.expand(change.subs({gTg: (g.T * g)[0], gTHg: (g.T * H * g)[0]}))
    increase = sp.solve_univariate_inequality(change > 0, eps)
    (best,) = sp.solve(sp.diff(change, eps), eps)
    d = sp.Matrix(sp.symbols("d_1:3", real=True))
    model = (g.T * d + d.T * H * d / 2)[0]
    (newton,) = sp.linsolve(list(sp.Matrix([model]).jacobian(d)), list(d))
    steps = (
        ("second-order Taylor change along delta = -epsilon g (2-D)", second_order),
        ("minus the model -eps gTg + eps^2 gTHg / 2 (identified)", second_order - identified),
        ("loss increases (gTHg > 0) beyond the non-zero root of the change", increase),
        ("best step: d/d eps = 0", sp.Eq(eps, best)),
        ("minimize g^T d + d^T H d / 2 over d: Newton's step", sp.Matrix(newton)),
    )
    (threshold,) = [root for root in sp.solve(change, eps) if root != 0]
    expr = {
        "change": change,
        "increase_beyond": threshold,
        "best_step": best,
        "best_change": sp.simplify(change.subs(eps, best)),
        "newton_step": sp.Matrix(newton),
    }
    return Derivation("second-order Taylor model", expr, steps=steps, source=_SOURCE)


class CriticalPoint(NamedTuple):
    """A stationary point, the eigenvalues of the Hessian there, and its kind."""

    point: tuple
    eigenvalues: tuple
    kind: str


#: (any eigenvalue > 0, any < 0, any == 0) -> kind; None where a sign is unknown
_KINDS: dict[tuple[bool, bool, bool], str] = {
    (True, False, False): "minimum",
    (False, True, False): "maximum",
    (True, True, False): "saddle",
    (True, True, True): "saddle",
    (True, False, True): "degenerate",
    (False, True, True): "degenerate",
    (False, False, True): "degenerate",
}


def _kind(eigenvalues: tuple) -> str:
    """Classify by the signs of the Hessian eigenvalues ('undetermined' if a sign is unknown)."""
    signs = [(lam.is_positive, lam.is_negative, lam.is_zero) for lam in eigenvalues]
    if any(None in sign for sign in signs):
        return "undetermined"
    return _KINDS[tuple(any(sign[k] for sign in signs) for k in range(3))]


def classify_critical_points(expr: Any, variables: Any) -> Derivation:
    """Critical points of ``expr`` in ``variables``: ``expr`` is a tuple of
    :class:`CriticalPoint` ``(point, Hessian eigenvalues, kind)`` with kind minimum / maximum /
    saddle / degenerate (or undetermined). E.g. ``x**2 - y**2`` has a saddle at (0, 0); the
    Rosenbrock function a minimum at (1, 1). Source: Nocedal & Wright 2006, Theorems 2.3–2.4.
    """
    return _classify(as_expr("expr", expr), as_symbols("variables", variables))


@lru_cache(maxsize=64)
def _classify(expr: sp.Expr, variables: tuple) -> Derivation:
    gradient = [sp.diff(expr, v) for v in variables]
    solutions = sp.solve(gradient, variables, dict=True)
    if not solutions:
        raise ArgumentError(
            "expr", "an expression with isolated critical points SymPy can solve", expr
        )
    hessian = sp.hessian(expr, variables)
    points = []
    for solution in solutions:
        point = tuple(solution.get(v, v) for v in variables)
        at = hessian.subs(dict(zip(variables, point, strict=True)))
        eigenvalues = tuple(sp.simplify(lam) for lam in at.eigenvals(multiple=True))
        points.append(CriticalPoint(point, eigenvalues, _kind(eigenvalues)))
    steps = (
        ("gradient", tuple(gradient)),
        ("solve gradient = 0", tuple(solutions)),
        ("Hessian", hessian),
    )
    kinds = ", ".join(f"{p.point}: {p.kind}" for p in points)
    return Derivation(
        "critical points",
        tuple(points),
        symbols=tuple(variables),
        steps=steps,
        source=_SOURCE,
        conclusion=kinds,
    )
