"""Initializations: the variances of the registry, bounds, zero biases, seeding."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.nn import INITS, Linear, weight_variance


@pytest.mark.parametrize("name", sorted(INITS))
def test_draws_have_the_documented_variance(name):
    n_x, n_y = 300, 200
    w = INITS[name]((n_y, n_x), np.random.default_rng(0))
    assert w.shape == (n_y, n_x)
    # 60,000 draws: the sample variance is within 2 % of the true one (≈ 4 standard errors)
    assert np.var(w) == pytest.approx(weight_variance(name, n_x, n_y), rel=0.02)
    assert abs(np.mean(w)) < 4 * np.sqrt(weight_variance(name, n_x, n_y) / w.size)


def test_xavier_uniform_bounds_are_glorots():
    w = INITS["xavier_uniform"]((10, 30), np.random.default_rng(1))
    bound = np.sqrt(6 / 40)  # Glorot & Bengio 2010, eq. (16)
    assert np.max(np.abs(w)) <= bound
    assert np.max(np.abs(w)) > 0.9 * bound


def test_linear_has_zero_bias_and_the_seeded_weights_on_every_backend(backend):
    lin = Linear(5, 3, init="he_normal", seed=11, backend=backend.xp, device=backend.device)
    assert np.all(to_numpy(lin.bias) == 0)
    expected = INITS["he_normal"]((3, 5), np.random.default_rng(11))
    np.testing.assert_array_equal(to_numpy(lin.weight), expected)
    assert lin.weight.device == backend.xp.asarray(backend.asarray([0.0])).device


def test_float32_weights_are_the_rounded_float64_ones():
    a = Linear(4, 4, seed=2, dtype="float32").weight
    b = Linear(4, 4, seed=2).weight
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, b.astype(np.float32))
