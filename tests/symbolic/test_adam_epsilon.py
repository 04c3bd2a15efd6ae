"""Adam with a large ε: the derived expansion bounds Adam's step, the derived SGD (momentum β₁,
dampening 0, lr (η/ε)(1 − β₁)/(1 − β₁ᵗ)) reproduces the ε → ∞ limit exactly, and the derived
transition is the Jacobian of SGD's map."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.optim import SGD, Adam
from convlab.symbolic import TOPICS, adam_large_epsilon

BETA1, BETA2 = 0.9, 0.999


@settings(max_examples=60, deadline=None)
@given(
    m=st.floats(-10, 10),
    v=st.floats(1e-8, 100),
    epsilon=st.floats(1e-3, 1e4),
    eta=st.floats(1e-4, 10),
)
def test_the_remainder_is_exact_and_under_its_bound(m, v, epsilon, eta):
    d = adam_large_epsilon()
    values = {"eta": eta, "epsilon": epsilon, "m": m, "v": v}
    step, limit, remainder, bound, expansion = (
        float(d.evaluate(part=p, **values))
        for p in ("step", "limit", "remainder", "remainder_bound", "expansion")
    )
    scale = abs(limit) + abs(step)
    assert step - limit == pytest.approx(remainder, rel=1e-12, abs=1e-15 * scale)
    assert abs(remainder) <= bound * (1 + 1e-12)
    u = np.sqrt(v) / epsilon
    if u < 0.1:  # the series' next term is (η/ε)|m|u³
        assert abs(step - expansion) <= (eta / epsilon) * abs(m) * u**3 * (1 + 1e-9) + 1e-15 * scale


def test_the_rival_step_is_adam_at_epsilon_zero():
    d = adam_large_epsilon()
    opt, x = Adam(lr=0.3, betas=(BETA1, BETA2), eps=0.0), np.zeros(3)
    g = np.array([0.5, -2.0, 1e-3])
    new, state = opt.step(x, g, opt.init(x))
    m, v = state.exp_avg / (1 - BETA1), state.exp_avg_sq / (1 - BETA2)
    derived = np.asarray(d.evaluate(part="rival_step", eta=0.3, m=m, v=v), float)
    assert np.allclose(new - x, derived, rtol=1e-14)


def test_the_derived_sgd_takes_adams_large_epsilon_limit_steps():
    """SGD(momentum β₁, dampening 0, lr α_t) steps by exactly (η/ε)·m̂_t on any gradients."""
    d = adam_large_epsilon()
    eta, epsilon, steps = 2.0, 50.0, 30
    momentum = float(d.evaluate(part="momentum", beta_1=BETA1))
    dampening = float(d.evaluate(part="dampening"))
    grads = np.random.default_rng(0).normal(size=(steps, 4))
    x, m, state = np.zeros(4), np.zeros(4), None
    for t, g in enumerate(grads, start=1):
        lr = float(d.evaluate(part="sgd_lr", eta=eta, epsilon=epsilon, beta_1=BETA1, t=t))
        opt = SGD(lr=lr, momentum=momentum, dampening=dampening)  # the state carries over
        new, state = opt.step(x, g, opt.init(x) if state is None else state)
        m = BETA1 * m + (1 - BETA1) * g
        limit = np.asarray(d.evaluate(part="limit", eta=eta, epsilon=epsilon, m=m / (1 - BETA1**t)))
        assert np.allclose(new - x, limit, rtol=1e-12, atol=1e-15)
        x = new


def test_dampening_beta_one_is_not_the_match():
    """torch's EMA form (dampening β₁) does not damp the first gradient: off by β₁ᵗ g₁."""
    d = adam_large_epsilon()
    beta = d.symbol("beta_1")
    assert d["dampening"] == 0 and d["momentum"] == beta
    excess = dict(d.steps)["dampening = beta_1 instead (EMA form): b_3 - m_3"]
    assert excess == beta**3 * sp.Symbol("g_1", real=True)


@pytest.mark.parametrize("lam", [0.1, 1.0, 3.0])
def test_the_transition_is_the_jacobian_of_sgds_map(lam):
    d = adam_large_epsilon()
    alpha, noise, h = 0.2, 0.7, 1e-6

    def sgd_map(z):  # (x, b) -> (x - α b', b'), b' = β₁ b + λ x + ξ
        buffer = BETA1 * z[1] + lam * z[0] + noise
        return np.array([z[0] - alpha * buffer, buffer])

    z = np.array([0.3, -1.2])
    numeric = np.stack([(sgd_map(z + e) - sgd_map(z - e)) / (2 * h) for e in np.eye(2) * h], 1)
    rows = d.lambdify(part="transition")(alpha, BETA1, lam)
    assert np.allclose(np.array(rows, dtype=float), numeric, atol=1e-8)
    assert TOPICS["adam-eps"]() is d
