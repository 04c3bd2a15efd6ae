r"""Variance-preserving initialization of a linear layer :math:`y = W x`, :math:`W \in
\mathbb{R}^{N_y\times N_x}`.

With independent zero-mean weights and uncorrelated unit-variance inputs,
:math:`\operatorname{var} y = N_x \operatorname{var} w`; preserving it forward needs
:math:`\operatorname{var} w = 1/N_x`, preserving the backward signal :math:`1/N_y`; Glorot & Bengio
take the harmonic mean :math:`2/(N_x+N_y)`, i.e. :math:`U[-\Delta, \Delta]` with
:math:`\Delta = \sqrt6/\sqrt{N_x+N_y}` since
:math:`\operatorname{var} U[-\Delta,\Delta] = \Delta^2/3`.
After a ReLU, :math:`E[\mathrm{relu}(z)^2] = \operatorname{var} z / 2`, so He et al. double the
variance: :math:`2/N_x`.

Sources: Glorot & Bengio, AISTATS (2010), §4.2; He, Zhang, Ren & Sun, ICCV (2015), §2.2.
"""

from __future__ import annotations

from functools import cache

import sympy as sp
from sympy import stats

from convlab.symbolic.result import Derivation

N_X = sp.Symbol("N_x", positive=True, integer=True)  # fan-in
N_Y = sp.Symbol("N_y", positive=True, integer=True)  # fan-out
_VAR_W = sp.Symbol("sigma_w", positive=True) ** 2
_I = sp.Symbol("i", integer=True, positive=True)


@cache
def variance_propagation() -> Derivation:
    r"""Parts ``output_variance`` :math:`N_x\sigma_w^2`, ``forward`` :math:`1/N_x`, ``backward``
    :math:`1/N_y`. Source: Glorot & Bengio 2010, §4.2 (eqs. 10–11).
    """
    w = stats.Normal("w", 0, sp.sqrt(_VAR_W))
    x = stats.Normal("x", 0, 1)
    term = sp.simplify(stats.variance(w * x))
    output = sp.summation(term, (_I, 1, N_X))
    (forward,) = sp.solve(sp.Eq(output, 1), _VAR_W)
    (backward,) = sp.solve(sp.Eq(output.subs(N_X, N_Y), 1), _VAR_W)
    steps = (
        ("var(w_i x_i) for independent zero-mean w, unit-variance x", term),
        ("var y = sum of N_x uncorrelated terms", output),
        ("forward: var y = 1", sp.Eq(_VAR_W, forward)),
        ("backward: var dL/dx = N_y var w var dL/dy = 1", sp.Eq(_VAR_W, backward)),
    )
    expr = {"output_variance": output, "forward": forward, "backward": backward}
    return Derivation(
        "variance propagation", expr, steps=steps, source="Glorot & Bengio 2010, §4.2"
    )


@cache
def xavier() -> Derivation:
    r"""Parts ``variance`` :math:`2/(N_x+N_y)` (harmonic mean of :math:`1/N_x`, :math:`1/N_y`) and
    ``uniform_bound`` :math:`\sqrt6/\sqrt{N_x+N_y}`. Source: Glorot & Bengio 2010, eq. (16).
    """
    base = variance_propagation()
    forward, backward = base["forward"], base["backward"]
    variance = sp.simplify(2 / (1 / forward + 1 / backward))
    delta, u = sp.Symbol("Delta", positive=True), sp.Symbol("u", real=True)
    uniform_variance = sp.integrate(u**2 / (2 * delta), (u, -delta, delta))
    (bound,) = sp.solve(sp.Eq(uniform_variance, variance), delta)
    steps = base.steps + (
        ("harmonic mean of the forward and backward variances", variance),
        ("var U[-Delta, Delta] = integral of u^2 / (2 Delta)", uniform_variance),
        ("solve Delta^2 / 3 = 2 / (N_x + N_y)", sp.Eq(delta, bound)),
    )
    return Derivation(
        "Glorot / Xavier initialization",
        {"variance": variance, "uniform_bound": bound},
        steps=steps,
        source="Glorot & Bengio 2010, §4.2",
    )


@cache
def he() -> Derivation:
    r"""Parts ``relu_second_moment`` :math:`\sigma^2/2` and ``variance`` :math:`2/N_x`.
    Source: He et al. 2015, §2.2 (eq. 10).
    """
    z, sigma = sp.Symbol("z", real=True), sp.Symbol("sigma", positive=True)
    density = sp.exp(-(z**2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
    second_moment = sp.integrate(z**2 * density, (z, 0, sp.oo))  # relu(z) = 0 for z < 0
    output = sp.summation(_VAR_W * second_moment, (_I, 1, N_X))
    (variance,) = sp.solve(sp.Eq(output, sigma**2), _VAR_W)
    steps = (
        ("E[relu(z)^2] = integral over z > 0 of z^2 N(z; 0, sigma^2)", second_moment),
        ("var y_l = N_x var w E[relu(y_{l-1})^2]", output),
        ("preserve the variance: var y_l = var y_{l-1} = sigma^2", sp.Eq(_VAR_W, variance)),
    )
    return Derivation(
        "He initialization",
        {"relu_second_moment": second_moment, "variance": variance},
        steps=steps,
        source="He et al. 2015, §2.2",
    )
