r"""Heavy-ball momentum and Nesterov's method on a quadratic, through :func:`update_rule`.

Both are rules typed as text; their companion matrices, stability regions (Schur–Cohn) and
optimal parameters (equal ripple) come from the same procedures as any user's rule, so nothing
here is typed by hand but the rules and Nesterov's standard choice of (η, β).

Heavy ball (Polyak 1964), in convlab's form :math:`v_{t+1} = \beta v_t - \eta\nabla f(w_t)`,
:math:`w_{t+1} = w_t + v_{t+1}`, i.e.
:math:`w_{t+1} = w_t - \eta\nabla f(w_t) + \beta(w_t-w_{t-1})`;
on a mode with eigenvalue λ its companion matrix is
:math:`\begin{pmatrix}1+\beta-\eta\lambda & -\beta\\ 1 & 0\end{pmatrix}`.

Nesterov (1983; 2004, §2.2), look-ahead form
:math:`v_{t+1} = \beta v_t - \eta\nabla f(w_t+\beta v_t)`,
:math:`w_{t+1} = w_t + v_{t+1}`.  Throughout, μ = λ₁ and L = λ_M are the extreme eigenvalues and
κ = λ_M/λ₁.  (:mod:`convlab.symbolic.update_rule` has the derivation and its sources.)
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp

from convlab.symbolic.linear_iteration import spectral_radius
from convlab.symbolic.notation import BETA, ETA, KAPPA, LAM, LAM_1, LAM_M, Z
from convlab.symbolic.result import Derivation
from convlab.symbolic.update_rule import update_rule
from convlab.symbolic.validation import eigenvalue_bounds

HEAVY_BALL = "x - eta*g(x) + beta*(x - x1)"
NESTEROV = "x + beta*(x - x1) - eta*g(x + beta*(x - x1))"


def _derived(text: str) -> tuple[dict, tuple]:
    """Parts and steps of a rule's derivation, stability region and optimum on [λ₁, λ_M]."""
    rule = update_rule(text)
    base, region = rule.derivation, rule.stability()
    best = rule.optimal(LAM_1, LAM_M)
    expr = dict(
        base.expr,
        stable_region=region["stable_region"],
        optimal_step=best["params"]["eta"],
        optimal_momentum=best["params_kappa"]["beta"],
        optimal_rate=best["rate"],
    )
    steps = base.steps + region.steps + best.steps + ((best.conclusion, best["rate"]),)
    return expr, steps


@cache
def _heavy_ball_general() -> Derivation:
    """The derivation behind :func:`heavy_ball`, with λ₁, λ_M, κ symbolic."""
    expr, steps = _derived(HEAVY_BALL)
    source = "Polyak 1964; Goh 2017, 'Why Momentum Really Works', Distill, §'The critical damping'"
    return Derivation("heavy-ball momentum", expr, steps=steps, source=source)


def heavy_ball(lambda_1: Any = LAM_1, lambda_M: Any = LAM_M) -> Derivation:
    r"""Heavy-ball momentum on a quadratic with spectrum in :math:`[\lambda_1, \lambda_M]`.

    Parts: ``matrix`` :math:`[[1+\beta-\eta\lambda, -\beta], [1, 0]]`, ``charpoly``,
    ``eigenvalues``, ``spectral_radius``; ``stable_region`` :math:`0\le\beta<1,\
    0<\eta\lambda<2(1+\beta)`; ``optimal_step`` :math:`(2/(\sqrt{\lambda_1}+\sqrt{\lambda_M}))^2`,
    ``optimal_momentum`` :math:`((\sqrt\kappa-1)/(\sqrt\kappa+1))^2`, ``optimal_rate``
    :math:`(\sqrt\kappa-1)/(\sqrt\kappa+1)`. Source: Polyak 1964; Goh 2017.
    """
    low, high = eigenvalue_bounds(lambda_1, lambda_M)
    general = _heavy_ball_general()
    if (low, high) == (LAM_1, LAM_M):
        return general
    return general.subs(lambda_1=low, lambda_M=high, kappa=high / low)


@cache
def _nesterov_general() -> Derivation:
    """The derivation behind :func:`nesterov`, with λ₁, λ_M, κ symbolic."""
    expr, steps = _derived(NESTEROV)
    standard = _nesterov_standard(expr["charpoly"])
    expr["standard_rate"] = standard[-1][1]
    source = "Nesterov 1983; Nesterov 2004, §2.2; Lessard, Recht & Packard 2016, §3 (quadratics)"
    return Derivation(
        "Nesterov's accelerated gradient", expr, steps=steps + standard, source=source
    )


def _nesterov_standard(charpoly: sp.Expr) -> tuple:
    """Steps: rate 1 - 1/√κ at η = 1/L, β = (√κ-1)/(√κ+1) (the worst mode is λ = μ)."""
    q = sp.Symbol("q", positive=True)  # q = sqrt(kappa)
    choice = {ETA: 1 / LAM_M, BETA: (q - 1) / (q + 1)}
    at_mu = charpoly.subs(choice).subs(LAM, LAM_M / q**2)
    discriminant = sp.factor(sp.discriminant(at_mu, Z))
    (root,) = sp.roots(sp.Poly(at_mu, Z)).keys()
    modulus_sq = sp.factor(sp.Poly(charpoly, Z).all_coeffs()[2])
    rate = sp.simplify(root).subs(q, sp.sqrt(KAPPA))
    return (
        (
            "Nesterov's choice eta = 1/L, beta = (sqrt(kappa)-1)/(sqrt(kappa)+1), q = sqrt(kappa)",
            choice,
        ),
        ("discriminant at lambda = mu (critically damped)", discriminant),
        (
            "for lambda > mu the roots are complex with |z|^2 = c0, decreasing in lambda",
            (modulus_sq, sp.diff(modulus_sq, LAM)),
        ),
        ("rate: the double root at lambda = mu", rate),
    )


def nesterov(lambda_1: Any = LAM_1, lambda_M: Any = LAM_M) -> Derivation:
    r"""Nesterov's method on a quadratic with spectrum in :math:`[\mu, L] = [\lambda_1, \lambda_M]`.

    Parts: ``matrix`` :math:`[[(1+\beta)(1-\eta\lambda), -\beta(1-\eta\lambda)], [1, 0]]`,
    ``charpoly``, ``eigenvalues``, ``spectral_radius``; ``standard_rate`` :math:`1-1/\sqrt\kappa`
    at :math:`\eta = 1/L,\ \beta = (\sqrt\kappa-1)/(\sqrt\kappa+1)` (Nesterov 2004, (2.2.19));
    the quadratic-optimal ``optimal_step`` :math:`4/(3L+\mu)`, ``optimal_momentum``
    :math:`(\sqrt{3\kappa+1}-2)/(\sqrt{3\kappa+1}+2)` and ``optimal_rate``
    :math:`1-2/\sqrt{3\kappa+1}` (Lessard, Recht & Packard 2016, §3.2).
    """
    low, high = eigenvalue_bounds(lambda_1, lambda_M)
    general = _nesterov_general()
    if (low, high) == (LAM_1, LAM_M):
        return general
    return general.subs(lambda_1=low, lambda_M=high, kappa=high / low)


def heavy_ball_rate(eta: Any, beta: Any, lam: Any, backend: str = "numpy") -> Any:
    """Numeric spectral radius of heavy ball on broadcast arrays of (η, β, λ) (derived roots)."""
    return spectral_radius(_heavy_ball_general(), backend, eta=eta, beta=beta, lambda_=lam)


def nesterov_rate(eta: Any, beta: Any, lam: Any, backend: str = "numpy") -> Any:
    """Numeric spectral radius of Nesterov's method on broadcast arrays of (η, β, λ)."""
    return spectral_radius(_nesterov_general(), backend, eta=eta, beta=beta, lambda_=lam)
