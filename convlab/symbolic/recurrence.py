r"""An update rule typed as text, reduced to a linear recurrence on one eigen-mode of a quadratic.

A rule gives :math:`x_{t+1}` in the iterates ``x`` = :math:`x_t`, ``x1`` = :math:`x_{t-1}`,
``x2`` = :math:`x_{t-2}`, …, hyper-parameters, and gradients ``g(point)`` at points that are
themselves such expressions (look-ahead ``g(x + beta*(x - x1))``, extragradient
``g(x - eta*g(x))``).  On the mode of a quadratic with curvature λ (minimizer at 0) the gradient
is :math:`g(p) = \lambda p`, applied recursively, so a rule that is linear in the iterates and in
``g`` becomes :math:`x_{t+1} = \sum_{k=0}^{K} a_k x_{t-k}` with coefficients in the parameters and
λ.  Its companion matrix has the characteristic polynomial
:math:`P(z) = z^{K+1} - a_0 z^K - \dots - a_K`.

The start.  Every lag equals :math:`x_0` at :math:`t = 0` (zero velocity: convlab's heavy ball),
and a gradient at a point made of lagged iterates only — ``g(x1)``, a gradient the method took at
an earlier step — is zero before that step existed, like any optimizer buffer.  A root of
:math:`P` that this start never excites does not set the rate: with
:math:`E(w) = \sum_t x_t w^t = N(w)/Q(w)`, :math:`Q(w) = w^{K+1}P(1/w)`, the common factor
:math:`\gcd(N, Q)` is cancelled (the minimal polynomial of the start's Krylov sequence).

Sources: Polyak (1964); Lessard, Recht & Packard, SIAM J. Optim. 26 (2016), §2 (methods as linear
systems); Kailath, *Linear Systems* (1980), §2.1 (cancellation of unexcited modes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from convlab.errors import ArgumentError
from convlab.symbolic.notation import BETA, ETA, LAM, Z
from convlab.symbolic.user_input import parse_text

#: the gradient in a rule's text: g(point)
G = sp.Function("g")
#: names a rule may not use for a parameter (the gradient, the mode, the spectrum, x0)
RESERVED = ("g", "lam", "lambda_", "z", "x0", "mu", "L", "kappa")
#: parameter names bound to convlab's shared symbols (η > 0, β ≥ 0), so results read alike
SHARED = {"eta": ETA, "beta": BETA}
_ITERATE = re.compile(r"x([1-9][0-9]*)?")
_W = sp.Symbol("w")


def _text_functions() -> dict:
    """The calls a rule's text may contain: g, and functions a rule might wrongly use on the
    iterates (so that the error names the term, instead of a parse error)."""
    return {
        "g": lambda point: G(point),
        "sqrt": lambda a: sp.sqrt(a),
        "abs": lambda a: sp.Abs(a),
        "sign": lambda a: sp.sign(a),
        "min": lambda a, b: sp.Min(a, b),
        "max": lambda a, b: sp.Max(a, b),
        "clip": lambda a, low, high: sp.Min(sp.Max(a, low), high),
    }


def lag_of(symbol: sp.Symbol) -> int | None:
    """0 for ``x``, k for ``xk``, None for a parameter."""
    match = _ITERATE.fullmatch(symbol.name)
    return None if match is None else int(match.group(1) or 0)


def iterate(k: int) -> sp.Symbol:
    """The symbol of :math:`x_{t-k}` as the parser builds it."""
    return sp.Symbol("x" if k == 0 else f"x{k}", real=True)


def parse_rule(text: str, symbols: Mapping[str, sp.Symbol]) -> sp.Expr:
    """The rule's text as a SymPy expression with ``g(...)`` applications (whitelist parser)."""
    shared = dict(SHARED, **symbols)
    for name in shared:
        if name in RESERVED or lag_of(sp.Symbol(name)) is not None:
            raise ArgumentError("symbols", f"parameter names other than {RESERVED}, x, x1, …", name)
    expr = parse_text(
        "update", text, symbols=shared, functions=_text_functions(), reserved=RESERVED
    )
    if iterate(0) not in expr.free_symbols:
        raise ArgumentError(
            "update", "a rule in the current iterate x (x1, x2, … are the earlier ones)", text
        )
    check_linear(expr, text)
    return expr


def _is_gradient(e: sp.Basic) -> bool:
    return isinstance(e, AppliedUndef) and e.func == G


def check_linear(expr: sp.Expr, text: str) -> None:
    """Refuse a rule that is not linear and homogeneous in the iterates and the gradients,
    naming the first term that is not (``g(x)**2``, ``sign(x)``, ``eta/g(x)``, a constant)."""
    iterates = {s for s in expr.free_symbols if lag_of(s) is not None}
    for term in sp.Add.make_args(sp.expand(expr)):
        atom = _linear_atom(term, iterates)
        if atom is None:
            raise ArgumentError(
                "update",
                "a rule linear in the iterates x, x1, … and the gradients g(…) (on a quadratic "
                f"mode g(p) = λ·p); this term is not: {term}",
                text,
            )
        if _is_gradient(atom):
            check_linear(atom.args[0], text)


def _linear_atom(term: sp.Expr, iterates: set) -> sp.Expr | None:
    """The one iterate or gradient that ``term`` is a parameter multiple of, else None."""
    found = None
    for factor in sp.Mul.make_args(term):
        if not (factor.free_symbols & iterates):
            continue
        if found is not None or not (factor in iterates or _is_gradient(factor)):
            return None
        found = factor
    return found


def _lags(e: sp.Expr) -> list[int]:
    return [k for k in (lag_of(s) for s in e.free_symbols) if k is not None]


def on_mode(expr: sp.Expr, t: int | None = None) -> sp.Expr:
    """``expr`` with every gradient ``g(p)`` replaced by ``λ p`` (innermost first).

    With a step ``t``, a gradient at lagged iterates only, ``g(p(x_{t-j}, …))`` with ``t < j``,
    is zero: the step that would have taken it came before the start.
    """
    if _is_gradient(expr):
        lags = _lags(expr)
        if t is not None and lags and min(lags) > t:
            return sp.Integer(0)
        return LAM * on_mode(expr.args[0], t)
    if not expr.args:
        return expr
    return expr.func(*[on_mode(arg, t) for arg in expr.args])


@dataclass(frozen=True)
class Recurrence:
    """A rule on a quadratic mode: coefficients, characteristic polynomial, what the start excites.

    ``coefficients`` a_0..a_K; ``charpoly`` P(z); ``cancelled`` the monic factor of P the start
    never excites (1 if none); ``excited`` = P / cancelled; ``numerator`` R(z) = z^m N(1/z)/gcd,
    zero at a root of ``excited`` that the start misses for particular parameter values.
    """

    coefficients: tuple[sp.Expr, ...]
    charpoly: sp.Expr
    cancelled: sp.Expr
    excited: sp.Expr
    numerator: sp.Expr
    first_steps: tuple[sp.Expr, ...]


def recurrence(expr: sp.Expr, text: str) -> Recurrence:
    """The :class:`Recurrence` of a parsed, linear rule."""
    order = max(_lags(expr))
    mode = sp.expand(on_mode(expr))
    coefficients = [sp.expand(mode.coeff(iterate(k))) for k in range(order + 1)]
    while len(coefficients) > 1 and sp.simplify(coefficients[-1]) == 0:
        coefficients.pop()
    fixed = sp.simplify(sum(coefficients).subs(LAM, 0))
    if fixed != 1:
        raise ArgumentError(
            "update",
            "a rule that leaves the minimizer fixed (with g = 0 the coefficients of x, x1, … "
            f"sum to 1; here they sum to {fixed})",
            text,
        )
    n = len(coefficients)
    charpoly = sp.expand(Z**n - sum(a * Z ** (n - 1 - k) for k, a in enumerate(coefficients)))
    steps = _first_steps(expr, n - 1)
    q = sp.Poly(1 - sum(a * _W ** (k + 1) for k, a in enumerate(coefficients)), _W)
    e = sp.Poly(sum(v * _W**t for t, v in enumerate(steps)), _W)
    n_poly = sp.Poly(sp.expand((q * e).as_expr()), _W)
    n_poly = sp.Poly(sum(n_poly.coeff_monomial(_W**d) * _W**d for d in range(n)), _W)
    common = sp.gcd(n_poly, q)
    cancelled, excited, numerator_w = sp.Integer(1), charpoly, n_poly
    if common.degree() > 0:
        numerator_w = sp.quo(n_poly, common)
        cancelled = _reverse(common)
        excited = sp.factor(sp.quo(sp.Poly(charpoly, Z), sp.Poly(cancelled, Z)).as_expr())
        excited = sp.expand(excited)
    numerator = _reverse(numerator_w, monic=False)
    return Recurrence(tuple(coefficients), charpoly, cancelled, excited, numerator, steps)


def _first_steps(expr: sp.Expr, count: int) -> tuple[sp.Expr, ...]:
    """x_0 = 1, x_1, …, x_count on a mode from the start (every lag at x_0, no earlier gradient)."""
    values = [sp.Integer(1)]
    order = max(_lags(expr))
    for t in range(count):
        at = {iterate(k): values[t - k] if t - k >= 0 else 1 for k in range(order + 1)}
        values.append(sp.expand(on_mode(expr, t).xreplace(at)))
    return tuple(values)


def _reverse(poly: sp.Poly, monic: bool = True) -> sp.Expr:
    """z^deg · p(1/z) for a polynomial p in w (monic in z when asked)."""
    coeffs = poly.all_coeffs()  # highest power of w first: p(w) = sum c_i w^(d-i)
    reversed_expr = sum(c * Z**i for i, c in enumerate(coeffs))
    if monic:
        reversed_expr = reversed_expr / coeffs[-1]
    return sp.collect(sp.expand(sp.cancel(reversed_expr)), Z)
