r"""The parameters that minimise a rule's worst rate over a spectrum [μ, L], and that rate.

The worst rate :math:`\max_{\lambda\in[\mu,L]} \rho(\lambda)` is minimised where it is *equal
ripple* (Chebyshev's alternation): the slowest root has the same modulus ρ at both ends of the
spectrum — a positive root ρ at λ = μ (the slow mode) and a negative root −ρ at λ = L (the
overshooting one) — and, where the rule has parameters to spare, these roots are double
(critical damping: the discriminant vanishes).  With symbolic μ, L the procedure tries these
structures in turn — double roots at both ends, a double root at one end, simple roots at
both — writes each as polynomial equations :math:`P(\pm\rho) = 0` (and :math:`P'(\pm\rho) = 0`
for a double root) in the parameters and ρ, solves them with SymPy, and keeps the solutions whose
worst rate over a λ grid (checked at κ = 10 and κ = 100) is ρ itself; the smallest ρ wins, and the
Derivation says which structure it came from.  Gradient descent gives :math:`\eta = 2/(\mu+L)`;
heavy ball (double roots at both ends) Polyak's :math:`\eta = 4/(\sqrt L+\sqrt\mu)^2`; Nesterov
(a double root at μ, a simple root −ρ at L) :math:`\rho = 1 - 2/\sqrt{3\kappa+1}`.

With numbers for μ and L the optimum is numeric: SciPy's differential evolution (the whole
population evaluated in one batched call) on the worst rate over 65 λ points clustered at the
endpoints (Chebyshev points), then bounded Nelder–Mead on 1025 points from the best few distinct
members of the final population, and once more from the best of those (a fresh simplex: the
minimax has kinks).  Step-like parameters (those that scale as 1/λ) are searched in (0, 4/L],
the others in [0, 1], unless ``bounds`` says otherwise; a step-like bound the optimum presses
against is widened ×4 and the search rerun (QHM's step η(1 − νβ) needs η beyond 4/L: at ν = 1
it is heavy ball with η = 0.1 at κ = 100).  The radius of a degree ≥ 3 rule comes from
batched companion-matrix eigenvalues (:mod:`convlab.symbolic.roots`).

Sources: Polyak (1964); Lessard, Recht & Packard, SIAM J. Optim. 26 (2016), §3;
Goh, "Why Momentum Really Works", Distill (2017); Storn & Price, J. Global Optim. 11 (1997).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import sympy as sp

from convlab.errors import ArgumentError
from convlab.symbolic.notation import KAPPA, L_SMOOTH, LAM, MU, Z
from convlab.symbolic.result import Derivation
from convlab.symbolic.user_input import as_expr

_RHO = sp.Symbol("rho", positive=True)
#: (multiplicity at μ, multiplicity at L), tried in this order
_STRUCTURES = ((2, 1), (1, 2), (2, 2), (1, 1))
_SAMPLES = ((1.0, 10.0), (1.0, 100.0))


def optimal(rule: Any, mu: Any = None, L: Any = None, *, bounds: Any = None) -> Derivation:
    """See :meth:`convlab.symbolic.update_rule.UpdateRule.optimal` and the module docstring."""
    mu = MU if mu is None else as_expr("mu", mu)
    L = L_SMOOTH if L is None else as_expr("L", L)
    if mu.is_positive is False or mu.is_zero or (mu.is_Number and not mu > 0):
        raise ArgumentError("mu", "a smallest eigenvalue mu > 0", mu)
    if (L - mu).is_positive is False:
        raise ArgumentError("L", f"a largest eigenvalue L > mu = {mu}", L)
    if not rule.parameters:
        raise ArgumentError("rule", "a rule with parameters to choose", rule.text)
    if mu.is_Number and L.is_Number:
        return _numeric(rule, float(mu), float(L), bounds)
    return _closed_form(rule, mu, L)


def _events(poly: sp.Expr, lam: sp.Expr, sign: int, multiplicity: int) -> list[sp.Expr]:
    """P(sign·ρ) = 0 at λ = lam, and P'(sign·ρ) = 0 for a double root."""
    at = poly.subs(LAM, lam)
    equations = [at.subs(Z, sign * _RHO)]
    if multiplicity == 2:
        equations.append(sp.diff(at, Z).subs(Z, sign * _RHO))
    return [sp.expand(e) for e in equations]


def _closed_form(rule: Any, mu: sp.Expr, L: sp.Expr) -> Derivation:
    poly = rule.recurrence.excited
    degree = sp.degree(poly, Z)
    unknowns = [*rule.parameters, _RHO]
    steps: list = [("worst rate over [mu, L]: equal ripple, root rho at mu and -rho at L", poly)]
    for m_mu, m_l in _STRUCTURES:
        if max(m_mu, m_l) > degree:
            continue
        equations = _events(poly, mu, 1, m_mu) + _events(poly, L, -1, m_l)
        if len(equations) < len(unknowns):
            continue
        found = _solution(rule, equations, unknowns, mu, L)
        if found is not None:
            return _closed_result(rule, found, equations, poly, mu, L, steps)
    raise ArgumentError(
        "rule",
        "a rule whose equal-ripple conditions SymPy can solve; pass numbers for mu and L for a "
        "numeric optimum",
        rule.text,
    )


def _solution(rule, equations, unknowns, mu, L) -> dict | None:
    """The solution of smallest sample rate among those of the first square subsystem that has
    one passing the numeric check (None if no subsystem has)."""
    for subset in combinations(equations, len(unknowns)):
        try:
            solutions = sp.solve(list(subset), unknowns, dict=True, check=False)
        except (NotImplementedError, ValueError):
            continue
        rated = [(_check(rule, s, unknowns, mu, L), s) for s in solutions]
        rated = [(rate, s) for rate, s in rated if rate is not None]
        if rated:
            return min(rated, key=lambda item: item[0])[1]
    return None


def _check(rule, solution, unknowns, mu, L) -> float | None:
    """The sample rate (κ = 100) if the solution is real, 0 < ρ < 1, and its worst rate over a
    λ grid is ρ, at κ = 10 and κ = 100; else None."""
    if set(unknowns) - set(solution):
        return None
    rate = None
    for low, high in _SAMPLES:
        at = {mu: low, L: high, KAPPA: high / low}
        try:
            values = {s: complex(sp.N(solution[s].subs(at))) for s in unknowns}
        except (TypeError, ValueError):
            return None
        if any(abs(v.imag) > 1e-9 * (1 + abs(v)) for v in values.values()):
            return None
        real = {s: v.real for s, v in values.items()}
        rho = real[_RHO]
        if not 0 < rho < 1:
            return None
        lam = _chebyshev(low, high, 401)
        params = {s.name: real[s] for s in rule.parameters}
        worst = float(np.max(rule.radius(lam, **params)))
        if abs(worst - rho) > 1e-6:
            return None
        rate = rho
    return rate


def _closed_result(rule, solution, equations, poly, mu, L, steps) -> Derivation:
    params = {s.name: _tidy(solution[s]) for s in rule.parameters}
    in_kappa = {name: _tidy(value.subs(L, KAPPA * mu)) for name, value in params.items()}
    rate = _tidy(solution[_RHO].subs(L, KAPPA * mu))
    description = _structure(poly, solution, mu, L)
    steps = steps + [
        ("equal-ripple equations (a square subset is solved)", tuple(equations)),
        ("solved (SymPy), checked: worst rate over a lambda grid = rho", params),
        (f"what holds at the optimum: {description}", rate),
        ("with L = kappa mu", in_kappa),
        ("optimal rate", rate),
    ]
    return Derivation(
        f"{rule.name}: optimal parameters on [{mu}, {L}]",
        {"params": params, "params_kappa": in_kappa, "rate": rate},
        steps=tuple(steps),
        source="Polyak 1964; Lessard, Recht & Packard 2016, §3; Goh 2017",
        conclusion=f"closed form (equal ripple: {description})",
    )


def _structure(poly, solution, mu, L) -> str:
    """Which roots sit at ±ρ at the optimum (a double root where P' vanishes too), in words."""
    words = []
    for lam, sign, end in ((mu, 1, "mu"), (L, -1, "L")):
        events = _events(poly, lam, sign, 2)
        events = [abs(complex(e.subs(solution).subs({mu: 1.0, L: 100.0}))) for e in events]
        kind = "a double root" if len(events) > 1 and events[1] < 1e-8 else "a root"
        words.append(f"{kind} {'' if sign > 0 else '-'}rho at {end}")
    return " and ".join(words)


def _tidy(expr: sp.Expr) -> sp.Expr:
    """The shortest of a few forms, rewriting square roots √a (a in one symbol) as r with a = r²."""
    expr = sp.simplify(expr)
    forms, together = [sp.factor(expr)], {}
    radicands = {p.base for p in expr.atoms(sp.Pow) if p.exp.is_Rational and p.exp.q == 2}
    for radicand in radicands:
        if len(radicand.free_symbols) != 1:
            continue
        (symbol,) = radicand.free_symbols
        r = sp.Dummy("r", positive=True)
        solved = sp.solve(sp.Eq(radicand, r**2), symbol)
        if len(solved) == 1:
            forms.append(_in_root(expr, {symbol: solved[0]}, {r: sp.sqrt(radicand)}))
            together[symbol] = (solved[0], r, radicand)
    if len(together) > 1:
        forward = {s: value for s, (value, _, _) in together.items()}
        back = {r: sp.sqrt(radicand) for _, r, radicand in together.values()}
        forms.append(_in_root(expr, forward, back))
    return min(forms, key=sp.count_ops)


def _in_root(expr: sp.Expr, forward: dict, back: dict) -> sp.Expr:
    return sp.factor(sp.cancel(sp.expand(expr.subs(forward)))).subs(back)


def _chebyshev(low: float, high: float, n: int) -> np.ndarray:
    """n points in [low, high] clustered at both ends (the worst rate sits at an end)."""
    return low + (high - low) * (1 - np.cos(np.pi * np.arange(n) / (n - 1))) / 2


def _step_like(rule: Any) -> set[str]:
    """The smallest set of parameters p such that p → p/s, λ → sλ leaves the polynomial alone."""
    s = sp.Symbol("s", positive=True)
    poly = rule.recurrence.excited
    for size in range(1, len(rule.parameters) + 1):
        for group in combinations(rule.parameters, size):
            scaled = poly.subs({**{p: p / s for p in group}, LAM: s * LAM}, simultaneous=True)
            if sp.simplify(scaled - poly) == 0:
                return {p.name for p in group}
    return set()


#: Nelder–Mead starts: the best distinct members of the final DE population
_STARTS = 4
#: times a step-like bound is widened (×4) when the optimum presses against it
_WIDENINGS = 4


def _numeric(rule: Any, mu: float, L: float, bounds: Any) -> Derivation:
    names = [p.name for p in rule.parameters]
    steps_like = _step_like(rule)
    widen = bounds is None
    if bounds is None:
        bounds = [(0.0, 4.0 / L) if n in steps_like else (0.0, 1.0) for n in names]
    elif len(bounds) != len(names):
        raise ArgumentError("bounds", f"one (low, high) pair per parameter {names}", bounds)
    bounds = [(float(low), float(high)) for low, high in bounds]

    def worst(x, lam):
        columns = np.atleast_2d(np.asarray(x, dtype=float).T).T
        values = {n: columns[i][:, None] for i, n in enumerate(names)}
        return np.max(rule.radius(lam[None, :], **values), axis=-1)

    grids = (_chebyshev(mu, L, 65), _chebyshev(mu, L, 1025))
    for _ in range(_WIDENINGS + 1):
        coarse, best = _search(worst, bounds, grids)
        pressed = [
            i
            for i, n in enumerate(names)
            if widen and n in steps_like and best.x[i] > 0.98 * bounds[i][1]
        ]
        if not pressed:
            break
        bounds = [
            (low, 4 * high) if i in pressed else (low, high) for i, (low, high) in enumerate(bounds)
        ]
    params = {n: sp.Float(v) for n, v in zip(names, best.x, strict=True)}
    rate = sp.Float(best.fun)
    steps = (
        (
            "search bounds (step-like parameters from 4/L, widened while pressed)",
            dict(zip(names, bounds, strict=True)),
        ),
        ("differential evolution on max radius over 65 Chebyshev points", sp.Float(coarse)),
        (f"Nelder-Mead on 1025 points from the best {_STARTS} DE members", params),
        ("optimal rate (numeric)", rate),
    )
    return Derivation(
        f"{rule.name}: optimal parameters on [{mu:g}, {L:g}] (numeric)",
        {"params": params, "rate": rate},
        steps=steps,
        source="Storn & Price 1997 (differential evolution); Nelder & Mead 1965",
        conclusion="numeric optimum (SciPy), not a closed form",
    )


def _search(worst, bounds, grids):
    """Differential evolution on the coarse grid, then bounded Nelder–Mead on the fine grid from
    the best few distinct population members; returns (DE's best value, the best polish)."""
    from scipy.optimize import differential_evolution, minimize

    coarse, fine = grids
    search = differential_evolution(
        worst,
        bounds,
        args=(coarse,),
        vectorized=True,
        updating="deferred",
        seed=0,
        tol=1e-8,
        maxiter=400,
        polish=False,
    )
    order = np.argsort(search.population_energies)
    span = np.array([high - low for low, high in bounds])
    starts: list = []
    for candidate in search.population[order]:
        if all(np.max(np.abs(candidate - s) / span) > 1e-3 for s in starts):
            starts.append(candidate)
        if len(starts) == _STARTS:
            break

    def polish(x0):
        return minimize(
            lambda x: float(worst(x, fine)[0]),
            x0,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 300 * len(bounds)},
        )

    best = min((polish(x0) for x0 in starts), key=lambda result: result.fun)
    # a restart with a fresh simplex: Nelder–Mead stalls at the kink of a minimax
    again = polish(best.x)
    return float(search.fun), again if again.fun <= best.fun else best
