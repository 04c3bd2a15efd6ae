r"""Sublinear rates on convex functions: gradient descent's O(1/k), SGD's O(1/√k).

Without strong convexity there is no contraction factor; the rates come from a potential
argument on the distance to a minimizer x*, with D = ‖x₀ − x*‖:

* **GD**, f convex and L-smooth, η = 1/L.  Convexity and the descent lemma give, per step,
  :math:`f(x_{t+1}) - f^* \le \tfrac L2(\|x_t - x^*\|^2 - \|x_{t+1} - x^*\|^2)`; the sum
  telescopes, f(x_t) decreases, so :math:`f(x_k) - f^* \le L D^2 / (2k)`: order −1.
* **SGD**, f convex, unbiased stochastic gradients with E‖g‖² ≤ G², constant η over a horizon
  of k steps, averaged iterate x̄_k.  Expanding ‖x_{t+1} − x*‖² and taking expectations,
  :math:`E[f(x_t)] - f^* \le (E\|e_t\|^2 - E\|e_{t+1}\|^2 + \eta^2 G^2)/(2\eta)`; summing and
  Jensen give :math:`E f(\bar x_k) - f^* \le D^2/(2\eta k) + \eta G^2/2`, smallest at
  η* = D/(G√k), where it is DG/√k: order −1/2.  The noise term ηG²/2 is what GD does not have.

Sources: Beck, *First-Order Methods in Optimization* (2017), Thm 10.21 (GD, f(x_k) − f* ≤
L‖x₀ − x*‖²/(2k)); Nemirovski, Juditsky, Lan & Shapiro, SIAM J. Optim. 19 (2009), §2.2, and
Bubeck, *Convex Optimization: Algorithms and Complexity* (2015), Thm 6.1 (SGD).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.notation import ETA, L_SMOOTH
from convlab.symbolic.result import Derivation

D = sp.Symbol("D", positive=True)  # ‖x₀ − x*‖
G = sp.Symbol("G", positive=True)  # E‖g‖² ≤ G²
K = sp.Symbol("k", integer=True, positive=True)  # number of steps (the horizon)
_T = sp.Symbol("t", integer=True, nonnegative=True)
_DIST = sp.Function("r")  # r(t) = (E)‖x_t − x*‖²


def _vectors(name: str) -> sp.Matrix:
    """A 3-vector of real symbols: the identities below are checked in coordinates."""
    return sp.Matrix(sp.symbols(f"{name}1:4", real=True))


def _order(bound: sp.Expr) -> sp.Expr:
    """The exponent p in bound ~ k^p as k → ∞."""
    return sp.limit(sp.log(bound) / sp.log(K), K, sp.oo)


@cache
def gd_convex_rate() -> Derivation:
    r"""Parts ``step`` (1/L), ``bound`` :math:`L D^2/(2k)` and ``order`` (−1) of gradient
    descent on a convex L-smooth function (see the module docstring).  The step's potential
    identity :math:`g^\top e - \|g\|^2/(2L) = \tfrac L2(\|e\|^2 - \|e - g/L\|^2)` is checked in
    coordinates. Source: Beck 2017, Thm 10.21.
    """
    e, g = _vectors("e"), _vectors("g")  # e = x_t − x*, g = ∇f(x_t)
    progress = (g.T * e)[0] - (g.T * g)[0] / (2 * L_SMOOTH)
    potential = L_SMOOTH / 2 * ((e.T * e)[0] - ((e - g / L_SMOOTH).T * (e - g / L_SMOOTH))[0])
    telescoped = sp.summation(L_SMOOTH / 2 * (_DIST(_T) - _DIST(_T + 1)), (_T, 0, K - 1))
    bound = sp.simplify(telescoped.subs({_DIST(0): D**2, _DIST(K): 0}) / K)
    steps = (
        ("descent lemma at eta = 1/L, convexity: f(x_{t+1}) - f* <= g.e - |g|^2/(2L)", progress),
        ("= (L/2)(|x_t - x*|^2 - |x_{t+1} - x*|^2), an identity", sp.expand(progress - potential)),
        ("sum over t < k telescopes", telescoped),
        ("f(x_t) decreases, so k (f(x_k) - f*) <= the sum; with r(0) = D^2, r(k) >= 0", bound),
        ("order in k", _order(bound)),
    )
    return Derivation(
        "GD on a convex L-smooth function",
        {"step": 1 / L_SMOOTH, "bound": bound, "order": _order(bound)},
        steps=steps,
        source="Beck 2017, Thm 10.21",
        conclusion="f(x_k) - f* <= L D^2 / (2k): order 1/k",
    )


@cache
def sgd_convex_rate() -> Derivation:
    r"""Parts ``bound`` :math:`D^2/(2\eta k) + \eta G^2/2` (averaged iterate, constant η),
    ``best_step`` :math:`D/(G\sqrt k)`, ``best_bound`` :math:`DG/\sqrt k` and ``order``
    (−1/2) of SGD on a convex function (see the module docstring).  Sources: Nemirovski et al.
    2009, §2.2; Bubeck 2015, Thm 6.1.
    """
    e, g = _vectors("e"), _vectors("g")  # e = x_t − x*, g the stochastic gradient
    step = e - ETA * g
    expansion = sp.expand((step.T * step)[0] - (e.T * e)[0] + 2 * ETA * (g.T * e)[0])
    per_step = (_DIST(_T) - _DIST(_T + 1) + ETA**2 * G**2) / (2 * ETA)
    summed = sp.summation(per_step, (_T, 0, K - 1)).subs({_DIST(0): D**2, _DIST(K): 0})
    bound = sp.expand(summed / K)
    best_step = next(s for s in sp.solve(sp.diff(bound, ETA), ETA) if s.is_positive)
    best_bound = sp.simplify(bound.subs(ETA, best_step))
    steps = (
        ("|x_{t+1} - x*|^2 - |x_t - x*|^2 + 2 eta g.e = eta^2 |g|^2", expansion),
        ("E[f(x_t)] - f* <= E[g.e] (unbiased g, convexity), with E|g|^2 <= G^2", per_step),
        ("sum over t < k telescopes; r(0) = D^2, r(k) >= 0", summed),
        ("Jensen: f(mean of x_t) - f* <= the average", bound),
        ("best constant step for the horizon k", best_step),
        ("bound at that step", best_bound),
        ("order in k", _order(best_bound)),
    )
    return Derivation(
        "SGD on a convex function",
        {
            "bound": bound,
            "best_step": best_step,
            "best_bound": best_bound,
            "order": _order(best_bound),
        },
        steps=steps,
        source="Nemirovski, Juditsky, Lan & Shapiro 2009, §2.2; Bubeck 2015, Thm 6.1",
        conclusion="E f(x̄_k) - f* <= D G / sqrt(k) at eta = D/(G sqrt(k)): order 1/sqrt(k)",
    )
