"""The linearised-GD derivation: its checks vanish, its per-mode loss is what GD on a linear
model in the parameters does (property test on random Jacobians), its step counts and its
one-hidden-unit kernel."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.symbolic import TOPICS, linearised_gd


def test_the_step_and_gauss_newton_checks_simplify_to_zero():
    d = linearised_gd()
    assert d["residual_map"] == sp.zeros(2, 1)
    assert d["step"] == 1 / sp.Symbol("lambda_M", positive=True)
    for description, value in d.steps[:2]:
        assert value == sp.zeros(2, 1), description


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 8),
    p=st.integers(1, 12),
    steps=st.integers(0, 40),
)
def test_mode_loss_is_gd_on_the_linearised_loss(seed, n, p, steps):
    """GD on L(θ) = (1/n)‖f₀ + Jθ − y‖² at η = 1/λ_M of (2/n)JJᵀ, step by step, against
    Σ mode_loss over the eigen-modes of (2/n)JJᵀ."""
    rng = np.random.default_rng(seed)
    J, r0 = rng.normal(size=(n, p)), rng.normal(size=n)
    lam, U = np.linalg.eigh(2 * J @ J.T / n)
    eta = float(linearised_gd().evaluate(part="step", lambda_M=lam[-1]))
    theta = np.zeros(p)
    for _ in range(steps):
        theta -= eta * 2 * J.T @ (r0 + J @ theta) / n
    r = r0 + J @ theta
    values = {"c_0": U.T @ r0, "eta": eta, "lambda_": lam, "n": n, "t": steps}
    predicted = np.sum(linearised_gd().evaluate(part="mode_loss", **values))
    # both are sums of n squares of O(‖r0‖) numbers after `steps` products: rounding ~ steps·n·ε
    assert predicted == pytest.approx(r @ r / n, rel=1e-10, abs=1e-12 * (r0 @ r0))


@pytest.mark.parametrize(("ratio", "eps"), [(0.5, 0.1), (1e-3, 1e-2), (0.9, 1e-6)])
def test_mode_steps_shrink_the_share_by_epsilon(ratio, eps):
    """At t = mode_steps the mode's loss share (1 − λ/λ_M)^{2t} is ε; for a slow mode the count
    is ½ log(1/ε) λ_M/λ to first order."""
    d = linearised_gd()
    t = float(d.evaluate(part="mode_steps", epsilon=eps, lambda_=ratio, lambda_M=1.0))
    assert (1 - ratio) ** (2 * t) == pytest.approx(eps, rel=1e-12)
    if ratio < 0.01:
        assert t == pytest.approx(0.5 * np.log(1 / eps) / ratio, rel=ratio)


def test_first_layer_kernel_is_the_inputs_gram_entry_times_the_slopes():
    """With φ = tanh, against the gradients of a(tanh(w·x + b)) written out by hand."""
    u = sp.Dummy()
    expr = linearised_gd()["first_layer_kernel"].replace(
        sp.Function("phi"), sp.Lambda(u, sp.tanh(u))
    )
    values = {"a": 0.7, "b": -0.2, "w_1": 0.3, "w_2": -1.1}
    xn, xm = np.array([0.5, 2.0]), np.array([-1.5, 0.4])
    points = {"x_n1": xn[0], "x_n2": xn[1], "x_m1": xm[0], "x_m2": xm[1]}
    numbers = {sp.Symbol(k, real=True): v for k, v in {**values, **points}.items()}
    got = float(expr.doit().subs(numbers))
    w = np.array([values["w_1"], values["w_2"]])
    slope = lambda x: 1 - np.tanh(w @ x + values["b"]) ** 2  # noqa: E731
    expected = values["a"] ** 2 * slope(xn) * slope(xm) * (xn @ xm + 1)
    assert got == pytest.approx(expected, rel=1e-12)


def test_speed_up_and_its_rival():
    d = linearised_gd()
    assert float(d.evaluate(part="speed_up", T_raw=120, T_std=8)) == 15.0
    assert d["rival_speed_up"] == 1
    assert TOPICS["linearised-gd"] is linearised_gd
