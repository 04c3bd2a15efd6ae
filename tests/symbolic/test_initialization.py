"""Variance-preserving initialization (Glorot & Bengio 2010; He et al. 2015): closed forms and
Monte Carlo with a fixed seed."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from convlab.symbolic import he, variance_propagation, xavier

n_x = sp.Symbol("N_x", positive=True, integer=True)
n_y = sp.Symbol("N_y", positive=True, integer=True)


def test_closed_forms():
    sigma_w = sp.Symbol("sigma_w", positive=True)
    d = variance_propagation()
    assert d["output_variance"] == n_x * sigma_w**2  # Glorot & Bengio 2010, eq. (5)
    assert d["forward"] == 1 / n_x and d["backward"] == 1 / n_y
    # Glorot & Bengio 2010, eqs. (12) and (16)
    assert sp.simplify(xavier()["variance"] - 2 / (n_x + n_y)) == 0
    assert sp.simplify(xavier()["uniform_bound"] - sp.sqrt(6) / sp.sqrt(n_x + n_y)) == 0
    # He et al. 2015, eq. (10)
    sigma = sp.Symbol("sigma", positive=True)
    assert he()["relu_second_moment"] == sigma**2 / 2 and he()["variance"] == 2 / n_x


def test_xavier_uniform_variance_and_forward_propagation_monte_carlo():
    rng = np.random.default_rng(0)
    fan_in, fan_out = 300, 200
    bound = xavier().evaluate(part="uniform_bound", N_x=fan_in, N_y=fan_out)
    W = rng.uniform(-bound, bound, (fan_out, fan_in))
    expected = xavier().evaluate(part="variance", N_x=fan_in, N_y=fan_out)
    assert W.var() == pytest.approx(expected, rel=0.02)
    W = rng.normal(
        0, np.sqrt(variance_propagation().evaluate(part="forward", N_x=fan_in)), (fan_out, fan_in)
    )
    y = W @ rng.standard_normal((fan_in, 2000))
    assert y.var() == pytest.approx(1.0, rel=0.05)


def test_he_relu_second_moment_and_layer_monte_carlo():
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2.0, 1_000_000)
    moment = he().evaluate(part="relu_second_moment", sigma=2.0)
    assert np.mean(np.maximum(z, 0) ** 2) == pytest.approx(moment, rel=0.01)
    width = 1000
    h = np.maximum(rng.normal(0, np.sqrt(2.0), (width, 2000)), 0)  # relu of var-2 inputs
    W = rng.normal(0, np.sqrt(he().evaluate(part="variance", N_x=width)), (width, width))
    # He et al. 2015: with var w = 2/N_x the pre-activation variance is preserved (= 2 here)
    assert (W @ h).var() == pytest.approx(2.0, rel=0.1)
