r"""Stochastic-gradient facts: Adam's bias correction and step bound, momentum's terminal velocity,
the standard error of a mini-batch mean, and the Robbins–Monro step-size conditions.

* Adam: :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`, :math:`m_0 = 0`, so
  :math:`m_t = (1-\beta_1)\sum_{i=1}^t \beta_1^{t-i} g_i` and, for a stationary gradient,
  :math:`E[m_t] = (1-\beta_1^t)E[g]`; dividing by :math:`1-\beta_1^t` removes the bias.  The
  typical step :math:`\eta\,|E[g]|/\sqrt{E[g^2]}` is at most η; one step can reach 7.27 η.
* Momentum with a constant gradient reaches the terminal velocity :math:`\eta\|g\|/(1-\alpha)`.
* The mean of B independent gradients has standard error :math:`\sigma/\sqrt B`.
* Robbins–Monro: :math:`\sum_t \alpha_t = \infty` and :math:`\sum_t \alpha_t^2 < \infty`.

Sources: Kingma & Ba, ICLR (2015), §2–3; Goodfellow, Bengio & Courville (2016), §8.3.2 and §8.1.3;
Robbins & Monro, Ann. Math. Statist. (1951).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

import sympy as sp

from convlab.errors import ArgumentError
from convlab.symbolic.notation import ETA, T
from convlab.symbolic.result import Derivation
from convlab.symbolic.user_input import as_expr, as_symbol

_I = sp.Symbol("i", integer=True, positive=True)
_K = sp.Symbol("k", integer=True, nonnegative=True)


@cache
def adam_bias_correction() -> Derivation:
    r"""Parts ``first_moment`` :math:`(1-\beta_1^t)E[g]`, ``second_moment``
    :math:`(1-\beta_2^t)E[g^2]`, ``corrected`` :math:`E[\hat m_t] = E[g]`.
    Source: Kingma & Ba 2015, §3.
    """
    b1, b2 = sp.Symbol("beta_1", positive=True), sp.Symbol("beta_2", positive=True)
    mean_g, mean_g2 = sp.Symbol("E[g]", real=True), sp.Symbol("E[g^2]", positive=True)
    weights = (1 - b1) * b1 ** (T - _I)
    first = sp.simplify(sp.summation(weights, (_I, 1, T))) * mean_g
    second = sp.simplify(sp.summation((1 - b2) * b2 ** (T - _I), (_I, 1, T))) * mean_g2
    corrected = sp.simplify(first / (1 - b1**T))
    steps = (
        ("unrolled EMA with m_0 = 0: weight of g_i in m_t", weights),
        ("E[m_t] for a stationary gradient: the geometric sum", first),
        ("same for v_t with beta_2 and g^2", second),
        ("bias-corrected m_t / (1 - beta_1^t)", corrected),
    )
    expr = {"first_moment": first, "second_moment": second, "corrected": corrected}
    return Derivation("Adam bias correction", expr, steps=steps, source="Kingma & Ba 2015, §3")


@cache
def adam_step_bound() -> Derivation:
    r"""Adam's largest single step (part ``bound``) and its mean step under stationary noise.

    Unrolled, :math:`m_t = (1-\beta_1)\sum_{k<t}\beta_1^k g_{t-k}` and
    :math:`v_t = (1-\beta_2)\sum_{k<t}\beta_2^k g_{t-k}^2`.  Writing
    :math:`\beta_1^k = (\beta_1/\sqrt{\beta_2})^k\sqrt{\beta_2}^k`, Cauchy–Schwarz gives
    :math:`|\sum_k\beta_1^k g_{t-k}| \le \sqrt{\sum_k\gamma^k}\sqrt{\sum_k\beta_2^k g_{t-k}^2}`
    with :math:`\gamma = \beta_1^2/\beta_2`; with the bias corrections and any ε ≥ 0,

    .. math::
        |\Delta_t| \le \eta\frac{|\hat m_t|}{\sqrt{\hat v_t}} \le \eta\,
        \frac{(1-\beta_1)\sqrt{1-\beta_2^t}}{(1-\beta_1^t)\sqrt{1-\beta_2}}
        \sqrt{\frac{1-\gamma^t}{1-\gamma}} \quad (\gamma \ne 1),

    with equality (ε = 0) at every t for :math:`g_i \propto (\beta_2/\beta_1)^i`, a gradient that
    grows geometrically.  For :math:`\beta_1^2 < \beta_2` it tends to part ``limit``
    :math:`(1-\beta_1)/\sqrt{(1-\beta_2)(1-\gamma)}` — 7.27 at the defaults (0.9, 0.999), so a
    step is *not* bounded by η.  Kingma & Ba's :math:`(1-\beta_1)/\sqrt{1-\beta_2}` (3.16 there)
    is part ``sparse``: the step after a single non-zero gradient, not the largest step.

    Part ``ratio`` :math:`|E g|/\sqrt{E g^2} = |\mu|/\sqrt{\mu^2+s^2} \le 1` (``slack``
    :math:`1-\text{ratio}^2 \ge 0`) is a ratio of expectations: the typical step, in units of η,
    for a stationary gradient of mean μ and spread s once :math:`\hat v_t \approx E g^2` — not a
    bound on one step.  Source: Kingma & Ba 2015, §2.1 (the sparse case and the ratio).
    """
    b1, b2 = sp.Symbol("beta_1", positive=True), sp.Symbol("beta_2", positive=True)
    gamma = b1**2 / b2
    g = sp.IndexedBase("g")
    k = _K
    cauchy_schwarz = sp.Le(
        sp.Abs(sp.Sum(b1**k * g[T - k], (k, 0, T - 1))),
        sp.sqrt(sp.Sum(gamma**k, (k, 0, T - 1)))
        * sp.sqrt(sp.Sum(b2**k * g[T - k] ** 2, (k, 0, T - 1))),
    )
    geometric = sp.summation(gamma**k, (k, 0, T - 1))
    geometric = next(value for value, condition in geometric.args if condition == sp.true)
    raw = (1 - b1) / sp.sqrt(1 - b2) * sp.sqrt(geometric)  # |m_t| / sqrt(v_t)
    correction = sp.sqrt(1 - b2**T) / (1 - b1**T)  # m-hat / sqrt(v-hat) over m / sqrt(v)
    bound = raw * correction
    limit = (1 - b1) / sp.sqrt((1 - b2) * (1 - gamma))  # gamma^t, beta^t -> 0
    sparse = (1 - b1) / sp.sqrt(1 - b2) * correction  # g_t alone non-zero: m = (1-b1) g_t
    mu, s = sp.Symbol("mu", real=True), sp.Symbol("s", positive=True)
    second_moment = mu**2 + s**2  # E[g^2] = E[g]^2 + var g
    ratio = sp.Abs(mu) / sp.sqrt(second_moment)
    slack = sp.factor(sp.simplify(1 - ratio**2))
    steps = (
        (
            "Cauchy-Schwarz on m_t/(1-beta_1) against v_t/(1-beta_2), gamma = beta_1^2/beta_2",
            cauchy_schwarz,
        ),
        ("the geometric sum (gamma != 1)", geometric),
        ("so |m_t|/sqrt(v_t) <= (1-beta_1)/sqrt(1-beta_2) * sqrt(sum)", raw),
        ("bias corrections: |m-hat|/sqrt(v-hat) = |m_t|/sqrt(v_t) * this factor", correction),
        (
            "|Delta_t| <= eta * bound (eps >= 0 only shrinks the step); equality for "
            "g_i ~ (beta_2/beta_1)^i",
            sp.Le(sp.Symbol("|Delta_t|"), ETA * bound),
        ),
        ("t -> oo with beta_1^2 < beta_2: the supremum (7.27 at 0.9, 0.999), above 1", limit),
        ("one non-zero gradient (Kingma & Ba's sparse case): a smaller step", sparse),
        (
            "stationary gradient: E[g^2] = E[g]^2 + var g, mean mu, standard deviation s",
            second_moment,
        ),
        ("typical step / eta ~ |E[g]|/sqrt(E[g^2]), a ratio of expectations", ratio),
        ("1 - ratio^2 >= 0: the typical step is at most eta, a single step is not", slack),
    )
    expr = {
        "bound": bound,
        "limit": limit,
        "sparse": sparse,
        "ratio": ratio,
        "slack": slack,
        "nonnegative": slack.is_nonnegative,
    }
    return Derivation(
        "Adam step bound",
        expr,
        steps=steps,
        source="Kingma & Ba 2015, §2.1; Cauchy-Schwarz",
        conclusion="a single step can exceed eta: |Delta_t| <= eta * bound, attained by a "
        "geometrically growing gradient; the mean step under stationary noise is ~ eta * ratio",
    )


@cache
def terminal_velocity() -> Derivation:
    r"""Part ``speed`` :math:`\eta\|g\|/(1-\alpha)`: the limit of
    :math:`\|v_t\| = \eta\|g\|\sum_{k<t}\alpha^k`.
    Source: Goodfellow et al. 2016, §8.3.2 (eq. 8.17).
    """
    alpha = sp.Symbol("alpha", positive=True)
    norm_g = sp.Symbol("||g||", positive=True)
    partial = ETA * norm_g * sp.summation(alpha**_K, (_K, 0, T - 1))
    series = sp.Sum(alpha**_K, (_K, 0, sp.oo)).doit()
    convergent = next(value for value, condition in series.args if condition != sp.true)
    speed = sp.simplify(ETA * norm_g * convergent)
    steps = (
        ("speed after t steps of v <- alpha v - eta g", partial),
        ("geometric series", series),
        ("terminal speed for alpha < 1", speed),
    )
    return Derivation(
        "momentum terminal velocity",
        {"speed": speed},
        steps=steps,
        source="Goodfellow, Bengio & Courville 2016, §8.3.2",
    )


@cache
def minibatch_standard_error() -> Derivation:
    r"""Part ``standard_error`` :math:`\sigma/\sqrt B` of the mean of B i.i.d. gradients with
    standard deviation σ. Source: Goodfellow et al. 2016, §8.1.3 (eq. 8.3).
    """
    batch, sigma = sp.Symbol("B", positive=True, integer=True), sp.Symbol("sigma", positive=True)
    variance = sp.summation(sigma**2, (_I, 1, batch)) / batch**2
    steps = (
        ("var of the mean: (1/B^2) sum of B variances", variance),
        ("standard error", sp.sqrt(variance)),
    )
    return Derivation(
        "mini-batch standard error",
        {"standard_error": sp.sqrt(variance)},
        steps=steps,
        source="Goodfellow, Bengio & Courville 2016, §8.1.3",
    )


#: (sum of alpha_t diverges, sum of alpha_t^2 converges) -> verdict
_VERDICTS: dict[tuple[bool, bool], str] = {
    (True, True): "satisfies both Robbins-Monro conditions",
    (False, True): "fails sum alpha_t = oo (steps too small to reach the optimum)",
    (True, False): "fails sum alpha_t^2 < oo (the conditions are sufficient, not necessary: "
    "the noise may still average out, as for c/sqrt(t), but the theorem does not say so)",
    (False, False): "fails both sum alpha_t = oo and sum alpha_t^2 < oo",
}


def robbins_monro(schedule: Any, variable: Any = T) -> Derivation:
    r"""Decide the Robbins–Monro conditions :math:`\sum\alpha_t = \infty`, :math:`\sum\alpha_t^2 <
    \infty` for a positive schedule :math:`\alpha_t` (an expression in ``variable``, t ≥ 1).

    Parts ``sum_diverges`` and ``sum_of_squares_converges`` (SymPy booleans), ``sum`` and
    ``sum_of_squares`` (the series, evaluated where SymPy can); ``conclusion`` names any failing
    condition. ``c/t`` passes; a constant and ``c/sqrt(t)`` fail the second; ``c/t**2`` the first.
    Source: Robbins & Monro 1951.

    The schedule must be positive for every integer t ≥ 1, and SymPy must be able to show it:
    declare other symbols positive (``Symbol("c", positive=True)``).  A negative or sign-changing
    schedule (``-1/t``, ``sin(t)/t``) is refused with an :class:`~convlab.errors.ArgumentError`
    naming ``schedule``; so is one whose sign, or the convergence of one of whose series, SymPy
    cannot decide: the message says "undecided" and no verdict is given.
    """
    schedule = as_expr("schedule", schedule)
    variable = as_symbol("variable", variable)
    if variable not in schedule.free_symbols and schedule.free_symbols:
        raise ArgumentError("schedule", f"an expression in {variable} (or a number)", schedule)
    return _robbins_monro(schedule, variable)


@lru_cache(maxsize=64)
def _robbins_monro(schedule: sp.Expr, variable: sp.Symbol) -> Derivation:
    t = sp.Symbol(variable.name, integer=True, positive=True)
    alpha = schedule.subs(variable, t)
    _check_positive(alpha, t, schedule)
    factor, shape = alpha.as_independent(t, as_Add=False)
    diverges = not _converges(shape, t, schedule, "sum alpha_t")
    squares = _converges(shape**2, t, schedule, "sum alpha_t^2")
    total, total_sq = (_series(alpha**p, t) for p in (1, 2))
    steps = (
        ("schedule = constant factor x shape in t", (factor, shape)),
        ("sum alpha_t (convergence decided on the shape)", total),
        ("sum alpha_t^2", total_sq),
    )
    expr = {
        "sum_diverges": sp.true if diverges else sp.false,
        "sum_of_squares_converges": sp.true if squares else sp.false,
        "sum": total,
        "sum_of_squares": total_sq,
    }
    return Derivation(
        "Robbins-Monro conditions",
        expr,
        steps=steps,
        source="Robbins & Monro 1951",
        conclusion=_VERDICTS[(diverges, squares)],
    )


#: how many first terms are searched for a sign change when SymPy cannot decide positivity
_SIGN_CHECKS = 64
#: what SymPy raises when one of its series tests or summations gives up
_SYMPY_GAVE_UP = (NotImplementedError, TypeError, ValueError, ArithmeticError, sp.PolynomialError)


def _check_positive(alpha: sp.Expr, t: sp.Symbol, schedule: sp.Expr) -> None:
    """Refuse a schedule that is not, or cannot be shown to be, positive for every integer t ≥ 1.

    SymPy's series tests assume positive terms: for ``sin(t)/t`` it answers "not convergent",
    though the series converges (Dirichlet's test), so a sign change must be refused first.
    """
    expected = "a schedule positive for every integer t >= 1"
    if alpha.is_positive:
        return
    if alpha.is_positive is False:
        raise ArgumentError("schedule", expected, schedule)
    for k in range(1, _SIGN_CHECKS + 1):
        if alpha.subs(t, k).is_nonpositive:
            raise ArgumentError("schedule", f"{expected} (at t = {k} it is <= 0)", schedule)
    hint = " (declare its constants positive: Symbol('c', positive=True))"
    hint = hint if alpha.free_symbols - {t} else ""
    raise ArgumentError("schedule", f"{expected}; undecided: SymPy cannot show it{hint}", schedule)


def _converges(term: sp.Expr, t: sp.Symbol, schedule: sp.Expr, series: str) -> bool:
    """Whether the series of a positive ``term`` over t ≥ 1 converges; refused when undecided."""
    try:
        answer = sp.Sum(term, (t, 1, sp.oo)).is_convergent()
    except _SYMPY_GAVE_UP:
        answer = None
    if answer not in (True, False):  # SymPy's true / false compare equal to Python's
        expected = f"a schedule whose series SymPy can decide; undecided: {series}"
        raise ArgumentError("schedule", expected, schedule)
    return bool(answer)


def _series(term: sp.Expr, t: sp.Symbol) -> sp.Expr:
    """The series of ``term`` over t ≥ 1, evaluated where SymPy can, else left unevaluated."""
    series = sp.Sum(term, (t, 1, sp.oo))
    try:
        return series.doit()
    except _SYMPY_GAVE_UP:
        return series
