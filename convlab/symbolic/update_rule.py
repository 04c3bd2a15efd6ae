r"""Your own method, derived: ``update_rule("x - eta*g(x) + beta*(x - x1)")``.

:func:`update_rule` reads a rule (see :mod:`convlab.symbolic.recurrence` for the notation and
the start convention) with convlab's whitelist parser — the text is never run — and returns an
:class:`UpdateRule`: its derivation on a quadratic mode (companion matrix, characteristic
polynomial, eigenvalues, spectral radius), its stability region (Schur–Cohn), its numeric
spectral radius on any array backend, its optimal parameters over a spectrum [μ, L], and an
optimizer that runs the same expression.

Sources: Polyak (1964); Lessard, Recht & Packard, SIAM J. Optim. 26 (2016); Jury, *Theory and
Application of the z-Transform Method* (1964); Goh, "Why Momentum Really Works", Distill (2017).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property, lru_cache
from typing import Any

import sympy as sp
from array_api_compat import array_namespace, device

from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.symbolic.closures import compile_closure
from convlab.symbolic.notation import Z
from convlab.symbolic.numeric import array_module
from convlab.symbolic.recurrence import (
    Recurrence,
    iterate,
    lag_of,
    parse_rule,
    recurrence,
)
from convlab.symbolic.result import Derivation
from convlab.symbolic.roots import horner, polynomial_roots
from convlab.symbolic.stability import schur_cohn
from convlab.symbolic.user_input import as_expr

_SOURCE = "Polyak 1964; Lessard, Recht & Packard 2016, §2; Jury 1964"
#: a root r of the excited polynomial counts as unexcited where |R(r)| ≤ TOL·Σ|R_k||r|^k
#: (√ε: above the rounding of a simple root, below any amplitude a run could measure)
EXCITATION_TOL = math.sqrt(2.220446049250313e-16)


class UpdateRule:
    """A rule x_{t+1} = F(x, x1, …, g) with everything convlab can derive and run from it.

    Attributes: ``text`` (as given), ``expr`` (parsed, with ``g(…)``), ``parameters`` (the
    hyper-parameter symbols, sorted by name), ``lags`` (K: the rule reads x … x_K).
    """

    def __init__(self, text: str, expr: sp.Expr, name: str) -> None:
        self.text, self.expr, self.name = text, expr, name
        symbols = expr.free_symbols
        self.lags = max(lag_of(s) for s in symbols if lag_of(s) is not None)
        params = (s for s in symbols if lag_of(s) is None)
        self.parameters: tuple[sp.Symbol, ...] = tuple(sorted(params, key=lambda s: s.name))
        self.recurrence: Recurrence = recurrence(expr, text)

    def __repr__(self) -> str:
        return f"update_rule({self.text!r})"

    @cached_property
    def derivation(self) -> Derivation:
        """Parts ``matrix``, ``charpoly``, ``cancelled``, ``eigenvalues``, ``spectral_radius``."""
        rec = self.recurrence
        n = len(rec.coefficients)
        matrix = sp.Matrix(n, n, lambda i, j: rec.coefficients[j] if i == 0 else int(i == j + 1))
        roots = sp.roots(sp.Poly(rec.excited, Z), cubics=False, quartics=False, multiple=True)
        degree = sp.degree(rec.excited, Z)
        complete = len(roots) == degree
        radius = sp.Max(*(sp.Abs(r) for r in roots)) if complete and roots else None
        iterates = tuple(iterate(k) for k in range(n))
        steps = [
            ("update x_{t+1}", self.expr),
            ("on a quadratic mode: g(p) = lambda p (recursively)", rec.coefficients),
            (f"companion matrix on {iterates}", matrix),
            ("characteristic polynomial det(z I - M)", sp.collect(rec.charpoly, Z)),
            ("first steps from the start (all lags at x_0 = 1)", rec.first_steps),
        ]
        if rec.cancelled != 1:
            steps.append(("factor the start never excites (cancelled mode)", rec.cancelled))
            steps.append(("excited polynomial", sp.collect(rec.excited, Z)))
        if complete:
            steps += [("eigenvalues (excited roots)", tuple(roots)), ("spectral radius", radius)]
        else:
            steps.append(("no closed-form roots here: radius() finds them numerically", degree))
        expr = {
            "matrix": matrix,
            "charpoly": sp.collect(rec.charpoly, Z),
            "cancelled": rec.cancelled,
            "eigenvalues": tuple(roots),
            "spectral_radius": radius,
        }
        return Derivation(self.name, expr, steps=tuple(steps), source=_SOURCE)

    def stability(self) -> Derivation:
        """Conditions on the parameters and λ under which every excited mode converges."""
        region, steps = schur_cohn(self.recurrence.excited)
        steps = (("excited characteristic polynomial", self.recurrence.excited),) + steps
        return Derivation(
            f"{self.name}: stability region",
            {"stable_region": region},
            steps=steps,
            source="Schur 1917; Cohn 1922; Jury 1964 (Schur–Cohn–Jury criterion)",
        )

    def radius(self, lam: Any, **params: Any) -> Any:
        """The spectral radius on the mode λ, batched over broadcast arrays (complex roots).

        Values: ``lam`` and one value (number or array) per parameter, by name.  A root the
        start does not excite at these values (|R(r)| ≤ √ε relative) does not count.
        """
        values = _as_arrays(dict(self._values("params", params), **{"lambda": lam}))
        roots = polynomial_roots([f(values) for f in self._charpoly_functions])
        numerator = [_lift(f(values)) for f in self._numerator_functions]
        size = horner([abs(c) for c in numerator], abs(roots))
        residual = abs(horner(numerator, roots))
        excited = (residual > EXCITATION_TOL * size) | _repeated(roots)
        return _max_excited(abs(roots), excited)

    @cached_property
    def _charpoly_functions(self) -> list:
        poly = sp.Poly(self.recurrence.excited, Z).all_coeffs()[1:]
        return [compile_closure(c) for c in poly]

    @cached_property
    def _numerator_functions(self) -> list:
        poly = sp.Poly(self.recurrence.numerator, Z).all_coeffs()
        return [compile_closure(c) for c in poly]

    def _values(self, name: str, given: Mapping[str, Any]) -> dict:
        """``given`` checked to name every parameter once, keyed by symbol name."""
        expected = {p.name for p in self.parameters}
        missing, extra = expected - set(given), set(given) - expected
        if missing or extra:
            raise ArgumentError(
                name,
                f"one value for each parameter {sorted(expected)} (missing {sorted(missing)}, "
                f"unknown {sorted(extra)})",
                sorted(given),
            )
        return dict(given)

    def optimal(self, mu: Any = None, L: Any = None, **options: Any) -> Derivation:
        """Parameters minimising max over λ ∈ [μ, L] of the radius, and that rate.

        Symbols (or no arguments: μ and L symbolic) → a closed form where SymPy solves the
        equal-ripple conditions; numbers → a numeric optimum (SciPy).  See
        :mod:`convlab.symbolic.optimal`.
        """
        from convlab.symbolic.optimal import optimal

        return optimal(self, mu, L, **options)

    def optimizer(self, **params: Any) -> Any:
        """An :class:`~convlab.optim.base.Optimizer` running this rule (``convlab.optim.rule``)."""
        from convlab.optim.rule import Recurrence as RuleOptimizer

        values = self._values("params", params)
        return RuleOptimizer(self.step_function, self.lags, values, self.text)

    @cached_property
    def step_function(self):
        """``step(env, gradient) -> x_{t+1}``: the rule compiled for arrays (see ``optim.rule``).

        ``env`` maps ``x``, ``x1``, … and the parameters to values, ``"t"`` to the step and
        ``"gradient"`` to ``gradient(point, before_start, at_current)``, which returns ∇f at
        the point (zero for a gradient at lagged iterates whose step precedes the start).
        """

        def call(application: sp.Expr, env: Mapping[str, Any]) -> Any:
            point = inner[application](env)
            lags = [lag_of(s) for s in application.free_symbols if lag_of(s) is not None]
            before_start = bool(lags) and env["t"] < min(lags)
            return env["gradient"](point, before_start, application.args[0] == current)

        current = iterate(0)

        inner: dict = {}
        for application in self.expr.atoms(sp.core.function.AppliedUndef):
            inner[application] = compile_closure(application.args[0], call)
        return compile_closure(self.expr, call)

    def subs(self, **values: Any) -> UpdateRule:
        """The rule with some parameters fixed to values (exact), e.g. ``qhm.subs(nu=0)``."""
        known = {p.name: p for p in self.parameters}
        unknown = set(values) - set(known)
        if unknown:
            raise ArgumentError("values", f"parameters among {sorted(known)}", sorted(unknown))
        mapping = {known[k]: as_expr(k, v) for k, v in values.items()}
        shown = ", ".join(f"{k} = {v}" for k, v in values.items())
        return UpdateRule(self.text, self.expr.xreplace(mapping), f"{self.name} at {shown}")


def _as_arrays(values: dict) -> dict:
    """Values on one array namespace and device (lists converted; NumPy if none is an array)."""
    arrays = [v for v in values.values() if hasattr(v, "shape")]
    xp = array_namespace(*arrays) if arrays else array_module("numpy")
    where = device(arrays[0]) if arrays else None
    out = {}
    for name, value in values.items():
        if isinstance(value, (list, tuple)) or not (arrays or hasattr(value, "shape")):
            value = xp.asarray(value, dtype=xp.float64, device=where)
        out[name] = value
    return out


def _lift(c: Any) -> Any:
    """A per-polynomial coefficient made to broadcast against the roots' last axis."""
    return c[..., None] if hasattr(c, "shape") else c


def _repeated(roots: Any) -> Any:
    """Roots within 1e-6 (relative) of another: a numerically repeated root, whose copies the
    residual test cannot tell apart; such a root always counts as excited."""
    xp = array_namespace(roots)
    gap = abs(roots[..., :, None] - roots[..., None, :])
    near = gap <= 1e-6 * (1 + abs(roots[..., :, None]))
    return xp.sum(xp.astype(near, xp.int64), axis=-1) > 1


def _max_excited(moduli: Any, excited: Any) -> Any:
    """max over the last axis of the moduli of the excited roots (0 where none is)."""
    xp = array_namespace(moduli)
    return xp.max(xp.where(excited, moduli, 0.0), axis=-1)


def update_rule(update: str, *, symbols: Mapping[str, sp.Symbol] | None = None) -> UpdateRule:
    """The :class:`UpdateRule` of a rule typed as text (parsed, never run).

    ``x`` is x_t, ``x1`` x_{t-1}, ``x2`` x_{t-2}, …; ``g(point)`` the gradient there; every
    other name a hyper-parameter (``eta`` and ``beta`` are convlab's η > 0 and β ≥ 0; give
    ``symbols={"nu": Symbol("nu", nonnegative=True)}`` to declare more).  Reserved names:
    ``g``, ``x0``, ``lam``, ``lambda_``, ``z``, ``mu``, ``L``, ``kappa``.
    """
    if not isinstance(update, str):
        raise ArgumentTypeError("update", "a rule as text, e.g. 'x - eta*g(x)'", update)
    symbols = {} if symbols is None else symbols
    if not isinstance(symbols, Mapping) or not all(
        isinstance(v, sp.Symbol) for v in symbols.values()
    ):
        raise ArgumentTypeError("symbols", "a mapping from names to SymPy Symbols", symbols)
    return _cached(update, tuple(sorted(symbols.items())))


@lru_cache(maxsize=64)
def _cached(update: str, symbols: tuple) -> UpdateRule:
    expr = parse_rule(update, dict(symbols))
    return UpdateRule(update, expr, f"update rule {update.strip()}")
