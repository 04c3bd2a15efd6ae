"""Adam's bias correction and step bound (Kingma & Ba 2015), momentum's terminal velocity,
mini-batch standard error, Robbins–Monro conditions (Robbins & Monro 1951)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.symbolic import (
    adam_bias_correction,
    adam_step_bound,
    minibatch_standard_error,
    robbins_monro,
    terminal_velocity,
)

t = sp.Symbol("t", integer=True, positive=True)
c = sp.Symbol("c", positive=True)


def test_adam_bias_closed_form_and_simulation():
    d = adam_bias_correction()
    b1, mean_g = sp.Symbol("beta_1", positive=True), sp.Symbol("E[g]", real=True)
    assert sp.simplify(d["first_moment"] - (1 - b1**t) * mean_g) == 0  # Kingma & Ba 2015, eq. (4)
    assert d["corrected"] == mean_g
    rng = np.random.default_rng(0)
    g = 0.7 + rng.standard_normal((20_000, 10))
    m = np.zeros(20_000)
    for step in range(10):
        m = 0.9 * m + 0.1 * g[:, step]
    predicted = d.evaluate(part="first_moment", beta_1=0.9, t=10, **{"E[g]": 0.7})
    assert m.mean() == pytest.approx(predicted, rel=0.02)


def test_adam_mean_step_ratio_is_at_most_one():
    """|E g|/√E g² ≤ 1: the typical step, a ratio of expectations (Kingma & Ba 2015, §2.1)."""
    d = adam_step_bound()
    mu, s = sp.Symbol("mu", real=True), sp.Symbol("s", positive=True)
    assert d["slack"] == s**2 / (mu**2 + s**2) and d["nonnegative"] is True
    grid = d.evaluate(part="ratio", mu=np.linspace(-5, 5, 11), s=np.linspace(0.01, 3, 11))
    assert np.all(grid <= 1.0)


def _adam_steps(grads, beta_1, beta_2, eps=0.0):
    """|Δₜ|/η of Adam (PyTorch's update, ε outside the corrected root) on scalar gradients."""
    m = v = 0.0
    out = []
    for t, g in enumerate(grads, 1):
        m, v = beta_1 * m + (1 - beta_1) * g, beta_2 * v + (1 - beta_2) * g * g
        out.append(abs(m / (1 - beta_1**t)) / (np.sqrt(v / (1 - beta_2**t)) + eps))
    return np.array(out)


@pytest.mark.parametrize(("beta_1", "beta_2"), [(0.9, 0.999), (0.9, 0.95), (0.5, 0.9)])
def test_adam_step_bound_is_attained_by_a_geometrically_growing_gradient(beta_1, beta_2):
    """gᵢ ∝ (β₂/β₁)ⁱ makes Cauchy–Schwarz an equality at every step: |Δₜ| = η·bound(t)."""
    d = adam_step_bound()
    t = np.arange(1, 301)
    grads = (beta_2 / beta_1) ** (t - t[-1])
    bound = d.evaluate(part="bound", beta_1=beta_1, beta_2=beta_2, t=t)
    np.testing.assert_allclose(_adam_steps(grads, beta_1, beta_2), bound, rtol=1e-10)
    limit = d.evaluate(part="limit", beta_1=beta_1, beta_2=beta_2)
    assert np.all(bound <= limit * (1 + 1e-12)) and limit > 1  # above eta in all three
    # Kingma & Ba's "|Δ| ≤ η otherwise" (1 − β₁ ≤ √(1 − β₂)) fails at (0.9, 0.95): 1.16 η
    if (beta_1, beta_2) == (0.9, 0.95):
        assert 1 - beta_1 < np.sqrt(1 - beta_2) and limit == pytest.approx(1.165, abs=1e-3)


def test_adam_step_bound_at_the_defaults_and_random_gradients_stay_below_it():
    """β = (0.9, 0.999): sup 7.27 η; the sparse case (one non-zero gradient) 3.16 η; 2,000
    steps of g = 1e-3 then g = 1 give 2.97 η (> η, ≤ the bound); random sequences stay below."""
    d = adam_step_bound()
    defaults = {"beta_1": 0.9, "beta_2": 0.999}
    assert d.evaluate(part="limit", **defaults) == pytest.approx(7.2703, abs=1e-4)
    assert d.evaluate(part="sparse", t=10**6, **defaults) == pytest.approx(np.sqrt(10), rel=1e-9)
    jump = _adam_steps(np.r_[np.full(2000, 1e-3), 1.0], **defaults, eps=1e-8)[-1]
    assert jump == pytest.approx(2.966, abs=1e-3)
    assert 1 < jump <= d.evaluate(part="bound", t=2001, **defaults)
    rng = np.random.default_rng(0)
    for _ in range(20):
        grads = rng.standard_normal(400) * np.exp(rng.uniform(-5, 5, 400))
        steps = _adam_steps(grads, **defaults)
        assert np.all(steps <= d.evaluate(part="bound", t=np.arange(1, 401), **defaults) + 1e-12)


def test_terminal_velocity_limit_and_simulation():
    d = terminal_velocity()
    alpha, eta, norm = (
        sp.Symbol("alpha", positive=True),
        sp.Symbol("eta", positive=True),
        sp.Symbol("||g||", positive=True),
    )
    assert sp.simplify(d["speed"] - eta * norm / (1 - alpha)) == 0  # Goodfellow et al. 2016, (8.17)
    v = 0.0
    for _ in range(500):
        v = 0.9 * v - 0.1 * 2.0
    assert abs(v) == pytest.approx(d.evaluate(part="speed", alpha=0.9, eta=0.1, **{"||g||": 2.0}))


def test_minibatch_standard_error_monte_carlo():
    d = minibatch_standard_error()
    sigma, B = sp.Symbol("sigma", positive=True), sp.Symbol("B", positive=True, integer=True)
    assert d["standard_error"] == sigma / sp.sqrt(B)
    means = np.random.default_rng(2).normal(0, 3.0, (20_000, 16)).mean(axis=1)
    assert means.std() == pytest.approx(
        d.evaluate(part="standard_error", sigma=3.0, B=16), rel=0.02
    )


@pytest.mark.parametrize(
    ("schedule", "diverges", "squares"),
    [
        (c / t, True, True),
        (sp.Rational(1, 10), True, False),
        (c / sp.sqrt(t), True, False),
        (c / t**2, False, True),
    ],
)
def test_robbins_monro_verdicts(schedule, diverges, squares):
    d = robbins_monro(schedule, t)
    assert bool(d["sum_diverges"]) is diverges and bool(d["sum_of_squares_converges"]) is squares
    if not squares:
        assert "fails sum alpha_t^2 < oo" in d.conclusion
    if not diverges:
        assert "fails sum alpha_t = oo" in d.conclusion
    if diverges and squares:
        assert d.conclusion.startswith("satisfies")


def test_robbins_monro_sum_of_squares_value():
    assert robbins_monro(c / t, t)["sum_of_squares"] == sp.pi**2 * c**2 / 6


def test_unevaluated_series_is_not_compiled():
    d = robbins_monro(c / sp.sqrt(t), t)
    assert isinstance(d["sum"], sp.Sum)
    with pytest.raises(ArgumentError, match="part"):
        d.evaluate(part="sum", c=1.0)


def test_schedule_not_in_the_variable_is_rejected():
    s = sp.Symbol("s", positive=True)
    with pytest.raises(ArgumentError, match="schedule: expected an expression in t"):
        robbins_monro(c / s, t)


def test_schedule_that_is_not_an_expression_is_rejected():
    with pytest.raises(ArgumentTypeError, match="schedule"):
        robbins_monro(lambda k: 1 / k, t)


@pytest.mark.parametrize(
    ("schedule", "conclusion"),
    [
        (1 / t, "satisfies both Robbins-Monro conditions"),
        (1 / sp.sqrt(t), "fails sum alpha_t^2 < oo"),
        (1 / t**2, "fails sum alpha_t = oo"),
        (1 / (t * sp.log(t + 1) ** 2), "fails sum alpha_t = oo"),
    ],
)
def test_robbins_monro_on_positive_schedules(schedule, conclusion):
    assert robbins_monro(schedule, t).conclusion.startswith(conclusion)


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        (-1 / t, r"positive for every integer t >= 1, got -1/t"),
        (-c / t, r"positive for every integer t >= 1, got -c/t"),
        (sp.Integer(0), r"positive for every integer t >= 1, got 0"),
        (
            sp.sin(t) / t,
            r"positive for every integer t >= 1 \(at t = 4 it is <= 0\)",
        ),  # Σ sin t / t converges, yet SymPy says no
        ((t - 3) / t**2, r"positive for every integer t >= 1 \(at t = 1 it is <= 0\)"),
    ],
)
def test_robbins_monro_refuses_schedules_that_are_not_positive(schedule, reason):
    with pytest.raises(ArgumentError, match=rf"^schedule: expected a schedule {reason}"):
        robbins_monro(schedule, t)


def test_robbins_monro_says_undecided_when_sympy_cannot_show_positivity():
    with pytest.raises(ArgumentError, match=r"undecided: SymPy cannot show it \(declare its"):
        robbins_monro(sp.Symbol("a") / t, t)  # a's sign is unknown
    with pytest.raises(ArgumentError, match=r"undecided: SymPy cannot show it, got"):
        robbins_monro((2 + sp.sin(t)) / t, t)  # positive, but SymPy cannot tell


def test_robbins_monro_says_undecided_when_sympy_cannot_decide_a_series():
    # t**(sin t - 2) is positive; SymPy's convergence tests fail inside (a TypeError)
    with pytest.raises(ArgumentError, match=r"series SymPy can decide; undecided: sum alpha_t,"):
        robbins_monro(t ** sp.sin(t) / t**2, t)


@pytest.mark.parametrize("schedule", ["1/t", "__import__('os').getcwd()", b"1", [1 / t]])
def test_robbins_monro_refuses_text_and_lists(schedule):
    with pytest.raises(ArgumentTypeError, match="^schedule: expected a real number"):
        robbins_monro(schedule, t)
