r"""Heavy-ball momentum and Nesterov's method on a quadratic, through :func:`linear_iteration`.

Heavy ball (Polyak 1964), in convlab's form :math:`v_{t+1} = \beta v_t - \eta\nabla f(w_t)`,
:math:`w_{t+1} = w_t + v_{t+1}`, i.e.
:math:`w_{t+1} = w_t - \eta\nabla f(w_t) + \beta(w_t-w_{t-1})`;
on a mode with eigenvalue λ its companion matrix is
:math:`\begin{pmatrix}1+\beta-\eta\lambda & -\beta\\ 1 & 0\end{pmatrix}`.

Nesterov (1983; 2004, §2.2), look-ahead form
:math:`v_{t+1} = \beta v_t - \eta\nabla f(w_t+\beta v_t)`,
:math:`w_{t+1} = w_t + v_{t+1}`.  Throughout, μ = λ₁ and L = λ_M are the extreme eigenvalues and
κ = λ_M/λ₁.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp

from convlab.symbolic.linear_iteration import linear_iteration, spectral_radius
from convlab.symbolic.notation import BETA, ETA, KAPPA, LAM, LAM_1, LAM_M, Z
from convlab.symbolic.result import Derivation
from convlab.symbolic.validation import eigenvalue_bounds

_W, _W_PREV, _G = sp.Symbol("w_t"), sp.Symbol("w_{t-1}"), sp.Symbol("g_t")
_GRAD = sp.Function("g")
_JURY = "a monic z^2 + c1 z + c0 has both roots in |z| < 1 iff |c0| < 1 and |c1| < 1 + c0 (Jury)"


@cache
def _heavy_ball_general() -> Derivation:
    """The derivation behind :func:`heavy_ball`, with λ₁, λ_M, κ symbolic."""
    update = _W - ETA * _G + BETA * (_W - _W_PREV)
    base = linear_iteration(update, _W, _W_PREV, _G, name="heavy-ball momentum")
    c1, c0 = sp.Poly(base["charpoly"], Z).all_coeffs()[1:]
    x = sp.Symbol("x", real=True)  # x = eta * lambda
    c1_x = sp.expand(c1.subs(ETA, x / LAM))
    below, above = (sp.solve(c1_x < 1 + c0, x), sp.solve(c1_x > -(1 + c0), x))
    region = sp.And(0 <= BETA, BETA < 1, below.subs(x, ETA * LAM), above.subs(x, ETA * LAM))
    s = sp.Symbol("s", positive=True)  # s = sqrt(beta), the modulus of complex roots
    edges = [1 + s**2 - ETA * LAM_1 - 2 * s, 1 + s**2 - ETA * LAM_M + 2 * s]
    solutions = sp.solve(edges, [ETA, s], dict=True)
    best = next(sol for sol in solutions if sol[s].subs({LAM_1: 1, LAM_M: 4}) < 1)
    eta_star = _in_roots(best[ETA], (LAM_1, LAM_1), (LAM_M, LAM_M))
    s_star = _in_roots(best[s].subs(LAM_M, KAPPA * LAM_1), (KAPPA, KAPPA))
    beta_star, rate_star = s_star**2, s_star
    steps = base.steps + (
        (_JURY, (sp.Abs(c0) < 1, sp.Abs(c1) < 1 + c0)),
        ("stability region (beta >= 0 by convention)", region),
        ("complex roots (discriminant <= 0) have |z|^2 = z z_bar = c0 = beta", c0),
        ("critical damping at both ends of the spectrum, s = sqrt(beta)", tuple(edges)),
        ("solve for (eta, s); keep 0 < s < 1", (sp.Eq(ETA, eta_star), sp.Eq(s, s_star))),
        ("optimal momentum beta* = s^2 with lambda_M = kappa lambda_1", beta_star),
        ("optimal rate sqrt(beta*)", rate_star),
    )
    expr = dict(
        base.expr,
        stable_region=region,
        optimal_step=eta_star,
        optimal_momentum=beta_star,
        optimal_rate=rate_star,
    )
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
    look_ahead = _W + BETA * (_W - _W_PREV)
    update = look_ahead - ETA * _GRAD(look_ahead)
    base = linear_iteration(update, _W, _W_PREV, _GRAD, name="Nesterov's accelerated gradient")
    standard = _nesterov_standard(base["charpoly"])
    optimal = _nesterov_optimal()
    expr = dict(base.expr, standard_rate=standard[-1][1], **optimal[-1][1])
    source = "Nesterov 1983; Nesterov 2004, §2.2; Lessard, Recht & Packard 2016, §3 (quadratics)"
    return Derivation(
        "Nesterov's accelerated gradient",
        expr,
        steps=base.steps + standard + optimal,
        source=source,
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


def _nesterov_optimal() -> tuple:
    """Steps: the quadratic-optimal (η, β) of Lessard, Recht & Packard (2016)."""
    h, rho, beta = sp.Symbol("h", positive=True), sp.Symbol("rho", positive=True), BETA
    x_mu, x_l = 1 - h, 1 - h * KAPPA  # 1 - eta*lambda at mu and L, with h = eta*mu
    conditions = (
        (1 + beta) ** 2 * x_mu - 4 * beta,
        rho - (1 + beta) * x_mu / 2,
        rho**2 + (1 + beta) * x_l * rho + beta * x_l,
    )
    solutions = sp.solve(conditions, [h, beta, rho], dict=True)
    best = next(sol for sol in solutions if sol[rho].subs(KAPPA, 2) < 1)
    eta_star = sp.simplify((best[h] / LAM_1).subs(KAPPA, LAM_M / LAM_1))
    optimum = {
        "optimal_step": eta_star,
        "optimal_momentum": _in_roots(best[beta], (KAPPA, 3 * KAPPA + 1)),
        "optimal_rate": best[rho],
    }
    return (
        (
            "equal rates: double root rho at mu (critical damping), root -rho at L; h = eta mu",
            conditions,
        ),
        ("solve for (h, beta, rho); keep rho < 1", optimum),
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


def _in_roots(expr: sp.Expr, *pairs: tuple[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``expr`` rewritten in r = √inner for each (symbol, inner): substitute, cancel, go back."""
    roots = [(sp.Dummy("r", positive=True), symbol, inner) for symbol, inner in pairs]
    for r, symbol, inner in roots:
        (value,) = sp.solve(sp.Eq(inner, r**2), symbol)
        expr = expr.subs(symbol, value)
    expr = sp.factor(sp.cancel(sp.expand(expr)))
    return expr.subs({r: sp.sqrt(inner) for r, _, inner in roots})


def heavy_ball_rate(eta: Any, beta: Any, lam: Any, backend: str = "numpy") -> Any:
    """Numeric spectral radius of heavy ball on broadcast arrays of (η, β, λ) (derived roots)."""
    return spectral_radius(_heavy_ball_general(), backend, eta=eta, beta=beta, lambda_=lam)


def nesterov_rate(eta: Any, beta: Any, lam: Any, backend: str = "numpy") -> Any:
    """Numeric spectral radius of Nesterov's method on broadcast arrays of (η, β, λ)."""
    return spectral_radius(_nesterov_general(), backend, eta=eta, beta=beta, lambda_=lam)
