"""The gradient-growth derivation matches one GD step on random quadratics, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.symbolic import TOPICS, gradient_norm_growth


def _step(seed: int, eta: float):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((5, 5))
    H, g = (A + A.T) / 2, rng.standard_normal(5)
    values = {"eta": eta, "gTg": g @ g, "gTHg": g @ H @ g, "gTH2g": g @ H @ H @ g}
    return H, g, values


@pytest.mark.parametrize("seed", range(4))
def test_loss_change_and_ratio_are_one_gd_step_on_a_quadratic(seed):
    eta = 0.3
    H, g, values = _step(seed, eta)
    d = gradient_norm_growth()
    x = np.random.default_rng(seed + 10).standard_normal(5)
    b = H @ x - g  # f(y) = ½yᵀHy − bᵀy has ∇f(x) = g
    f = lambda y: y @ H @ y / 2 - b @ y  # noqa: E731
    new = x - eta * g
    change = d.evaluate(part="loss_change", eta=eta, gTg=values["gTg"], gTHg=values["gTHg"])
    assert change == pytest.approx(f(new) - f(x), rel=1e-12, abs=1e-12)
    ratio = d.evaluate(part="grad_norm_ratio", **values)
    grad_new = H @ new - b
    assert ratio == pytest.approx(grad_new @ grad_new / (g @ g), rel=1e-12)


def test_thresholds_split_the_steps():
    _, _, values = _step(1, 1.0)
    d = gradient_norm_growth()
    values["gTHg"] = abs(values["gTHg"]) + 1.0  # positive curvature along g
    above = float(d.evaluate(part="grad_grows_above", **{k: values[k] for k in ("gTHg", "gTH2g")}))
    below = float(d.evaluate(part="loss_falls_below", gTg=values["gTg"], gTHg=values["gTHg"]))
    for eta, grows in ((0.9 * above, False), (1.1 * above, True)):
        ratio = d.evaluate(part="grad_norm_ratio", **{**values, "eta": eta})
        assert (ratio > 1) == grows
    for eta, falls in ((0.9 * below, True), (1.1 * below, False)):
        change = d.evaluate(part="loss_change", eta=eta, gTg=values["gTg"], gTHg=values["gTHg"])
        assert (change < 0) == falls


def test_convex_rival_never_grows_and_the_topic_is_registered():
    assert float(gradient_norm_growth().evaluate(part="convex_ratio_max")) == 1.0
    assert TOPICS["gradient-growth"] is gradient_norm_growth
