"""Acceleration on convex functions (Beck & Teboulle 2009, Thm 4.4), escape from a strict saddle,
Adam's invariance to the loss's scale (Kingma & Ba 2015, §2.1) and RMSprop's to each
coordinate's curvature, derived in convlab.symbolic.dynamics."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.symbolic import (
    TOPICS,
    accelerated_convex_bound,
    adam_scale_invariance,
    diagonal_conditioning,
    saddle_escape,
)

L, D = sp.Symbol("L", positive=True), sp.Symbol("D", positive=True)
k = sp.Symbol("k", integer=True, positive=True)


def test_accelerated_bound_is_beck_and_teboulles_and_of_order_minus_two():
    d = accelerated_convex_bound()
    assert sp.simplify(d["bound"] - 2 * L * D**2 / (k + 1) ** 2) == 0
    assert d["order"] == -2
    assert dict(d.steps)["it solves t_{k+1}^2 - t_{k+1} = t_k^2 (the residual is 0)"] == 0
    assert TOPICS["accelerated-convex"]() is d


def test_fista_sequence_grows_at_least_as_k_plus_one_over_two():
    d = accelerated_convex_bound()
    t_next, momentum = d.lambdify(part="t_next"), d.lambdify(part="momentum")
    t = [1.0]
    for _ in range(200):
        t.append(float(t_next(t[-1])))
    t = np.array(t)
    assert np.all(t >= (np.arange(1, t.size + 1) + 1) / 2 - 1e-12)
    assert np.allclose(t[1:] ** 2 - t[1:], t[:-1] ** 2)
    beta = np.array([float(momentum(x)) for x in t[:-1]])
    assert beta[0] == 0 and np.all(np.diff(beta) > 0) and np.all(beta < 1)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.integers(2, 10), zeros=st.integers(0, 3))
def test_fista_stays_under_the_derived_bound_on_random_convex_quadratics(seed, dim, zeros):
    rng = np.random.default_rng(seed)
    lam = rng.uniform(0.0, 1.0, dim) ** 3
    lam[: min(zeros, dim - 1)] = 0.0
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    A, x_star = (q * lam) @ q.T, rng.normal(size=dim)
    x = x_prev = x_star + rng.normal(size=dim)
    d = accelerated_convex_bound()
    t_next, bound = d.lambdify(part="t_next"), d.lambdify(part="bound")
    Lmax, dist = float(lam.max()), float(np.linalg.norm(x - x_star))
    t, y = 1.0, x
    for step in range(1, 150):
        x_prev, x = x, y - A @ (y - x_star) / Lmax
        t_new = float(t_next(t))
        y, t = x + (t - 1) / t_new * (x - x_prev), t_new
        excess = 0.5 * (x - x_star) @ A @ (x - x_star)
        assert excess <= bound(D=dist, L=Lmax, k=step) * (1 + 1e-12) + 1e-15


def test_adam_on_a_scaled_loss_is_adam_with_eps_over_c():
    d = adam_scale_invariance()
    assert dict(d.steps)["minus Adam's step on f with eps/c (is 0)"] == 0
    c, eps = d.symbol("c"), d.symbol("epsilon")
    assert d["equivalent_eps"] == eps / c
    assert d["deviation"].subs(c, 1) == 0
    assert sp.simplify(d["gd_step"] / d["gd_step"].subs(c, 1)) == c


@settings(max_examples=50, deadline=None)
@given(
    c=st.floats(1e-4, 1e4),
    m=st.floats(-10, 10),
    v=st.floats(1e-6, 100),
    eps=st.floats(1e-10, 1e-2),
)
def test_adam_step_deviation_is_under_the_derived_bound(c, m, v, eps):
    d = adam_scale_invariance()
    values = {"c": c, "m": m, "v": v, "epsilon": eps, "eta": 1.0}
    deviation = abs(float(d.evaluate(part="deviation", **values)))
    bound = float(d.evaluate(part="deviation_bound", **values))
    assert deviation <= bound * (1 + 1e-12) + 1e-300


def test_saddle_escape_time_and_slopes():
    d = saddle_escape()
    eta, h, R, delta = (d.symbol(n) for n in ("eta", "h", "R", "delta"))
    assert sp.simplify(d["escape_time"] - sp.log(R / delta) / sp.log(1 + eta * h)) == 0
    assert sp.simplify(d["slope"] - 1 / sp.log(1 + eta * h)) == 0
    assert sp.simplify(d["flow_slope"] - 1 / (eta * h)) == 0
    assert d["gd_from_saddle"] == 0
    # the discrete map grows slower than the flow: log(1 + x) < x, so its slope is larger
    assert float(d.evaluate(part="slope", eta=0.5, h=1.0)) > 2.0
    assert TOPICS["saddle-escape"]() is d


def test_saddle_growth_and_noise_variance_match_the_recursions():
    d = saddle_escape()
    eta, h, delta, sigma = 0.3, 2.0, 1e-3, 0.1
    u, var = delta, 0.0
    for t in range(1, 30):
        u, var = u + eta * h * u, (1 + eta * h) ** 2 * var + eta**2 * sigma**2
        grown = float(d.evaluate(part="growth", eta=eta, h=h, delta=delta, t=t))
        noise = float(d.evaluate(part="noise_variance", eta=eta, h=h, sigma=sigma, t=t))
        assert np.isclose(grown, u, rtol=1e-12) and np.isclose(noise, var, rtol=1e-12)


def test_rmsprop_step_is_blind_to_the_curvature_and_gd_pays_kappa():
    d = diagonal_conditioning()
    assert d["kappa_slope"] == 0 and d["gd_kappa_slope"] == 1
    assert dict(d.steps)["minus the step on x itself with eps/lambda (is 0)"] == 0
    assert TOPICS["diagonal-conditioning"]() is d
    kappa = np.array([10.0, 100.0, 1000.0])
    steps = np.asarray(d.evaluate(part="gd_steps", e=0.1, kappa=kappa), float)
    assert np.allclose(steps, np.log(10) / np.log((kappa + 1) / (kappa - 1)))
    values = {"eta": 0.01, "x": 0.3, "v": 0.2, "epsilon": 0.0}
    one, many = (float(d.evaluate(part="rmsprop_step", lambda_=lam, **values)) for lam in (1, 1e3))
    assert one == pytest.approx(many, rel=1e-14)
