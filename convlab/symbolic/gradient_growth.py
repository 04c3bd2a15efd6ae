r"""Why the gradient norm can grow while the loss falls (Goodfellow, Bengio & Courville,
*Deep Learning*, 2016, §8.2.1): one gradient-descent step :math:`x' = x - \eta g` on the local
quadratic model :math:`f(x+h) \approx f + g^\top h + \tfrac12 h^\top H h`, with
:math:`g = \nabla f(x)`, :math:`H = \nabla^2 f(x)`, gives

.. math::
    f(x') - f(x) \approx -\eta\|g\|^2 + \tfrac12\eta^2 g^\top H g, \qquad
    \frac{\|\nabla f(x')\|^2}{\|g\|^2} \approx 1 - 2\eta\frac{g^\top H g}{\|g\|^2}
        + \eta^2\frac{g^\top H^2 g}{\|g\|^2}.

So the loss falls while :math:`\eta\,g^\top H g < 2\|g\|^2` and the gradient norm grows once
:math:`\eta\,g^\top H^2 g > 2\,g^\top H g` — both at once where the curvature along g is large
(or negative).  On a convex quadratic with :math:`0 \le \lambda_i \le 2/\eta` instead,
:math:`\|\nabla f(x')\| = \|(I-\eta H)g\| \le \max_i|1-\eta\lambda_i|\,\|g\| \le \|g\|`: the
gradient norm never grows (the rival).

Symbols: ``eta`` (η), ``gTg`` (:math:`\|g\|^2`), ``gTHg`` (:math:`g^\top H g`), ``gTH2g``
(:math:`g^\top H^2 g = \|Hg\|^2`).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.result import Derivation

ETA = sp.Symbol("eta", positive=True)
G2 = sp.Symbol("gTg", positive=True)
GHG = sp.Symbol("gTHg", real=True)
GH2G = sp.Symbol("gTH2g", positive=True)


@cache
def gradient_norm_growth() -> Derivation:
    r"""Parts ``loss_change`` :math:`-\eta\|g\|^2 + \tfrac12\eta^2 g^\top Hg`,
    ``grad_norm_ratio`` :math:`\|\nabla f(x-\eta g)\|^2/\|g\|^2` of the quadratic model,
    ``loss_falls_below`` (the η below which the model's loss falls, for :math:`g^\top Hg > 0`),
    ``grad_grows_above`` (the η above which its gradient norm grows) and ``convex_ratio_max``
    (:math:`\max_{0\le\lambda\le 2/\eta}(1-\eta\lambda)^2 = 1`: on a convex quadratic with a
    stable step the gradient norm cannot grow).  Derived on a generic 2-D quadratic model, then
    written in the invariants :math:`\|g\|^2, g^\top Hg, g^\top H^2 g`, and checked equal.
    Source: Goodfellow, Bengio & Courville 2016, §8.2.1 (eq. 8.10).
    """
    g = sp.Matrix(sp.symbols("g_1:3", real=True))
    h11, h12, h22 = sp.symbols("h_11 h_12 h_22", real=True)
    H = sp.Matrix([[h11, h12], [h12, h22]])
    step = -ETA * g
    model_change = (g.T * step)[0] + (step.T * H * step)[0] / 2
    new_grad = g + H * step  # the model's gradient at x − ηg
    ratio_2d = sp.factor((new_grad.T * new_grad)[0]) / (g.T * g)[0]
    invariants = {G2: (g.T * g)[0], GHG: (g.T * H * g)[0], GH2G: (g.T * H * H * g)[0]}
    loss_change = -ETA * G2 + ETA**2 * GHG / 2
    ratio = sp.expand(1 - 2 * ETA * GHG / G2 + ETA**2 * GH2G / G2)
    for derived, invariant in ((model_change, loss_change), (ratio_2d, ratio)):
        if sp.simplify(derived - invariant.subs(invariants)) != 0:  # pragma: no cover
            raise ArithmeticError("the invariant form disagrees with the 2-D model")
    loss_root = _positive_root(loss_change)
    grad_root = _positive_root(sp.numer(sp.together(ratio - 1)))
    lam = sp.Symbol("lambda", nonnegative=True)
    convex_max = sp.maximum((1 - ETA * lam) ** 2, lam, sp.Interval(0, 2 / ETA))
    steps = (
        ("model change of f after x' = x - eta g", sp.expand(model_change)),
        ("model gradient at x': g - eta H g", new_grad),
        ("||grad f(x')||^2 / ||g||^2 (2-D)", ratio_2d),
        ("in the invariants ||g||^2, g'Hg, g'H^2g", ratio),
        ("loss falls for 0 < eta < (g'Hg > 0)", loss_root),
        ("gradient norm grows for eta >", grad_root),
        ("convex quadratic, 0 <= lambda <= 2/eta: max (1 - eta lambda)^2", convex_max),
    )
    return Derivation(
        "gradient norm growth under gradient descent",
        {
            "loss_change": loss_change,
            "grad_norm_ratio": ratio,
            "loss_falls_below": loss_root,
            "grad_grows_above": grad_root,
            "convex_ratio_max": convex_max,
        },
        steps=steps,
        source="Goodfellow, Bengio & Courville 2016, Deep Learning, §8.2.1",
        conclusion="the gradient norm grows while the loss falls when "
        "2 g'Hg / g'H^2g < eta < 2 ||g||^2 / g'Hg; never on a convex quadratic with eta <= 2/L",
    )


def _positive_root(expr: sp.Expr) -> sp.Expr:
    """The nonzero root in η of ``expr`` (a quadratic in η vanishing at η = 0)."""
    roots = [r for r in sp.solve(expr, ETA) if r != 0]
    if len(roots) != 1:  # pragma: no cover
        raise ArithmeticError(f"expected one nonzero root in eta, got {roots}")
    return sp.simplify(roots[0])
