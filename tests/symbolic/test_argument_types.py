"""A value of the wrong type gives an error naming the argument, not a crash from deeper down."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.symbolic import (
    centring_and_scaling,
    derive,
    gd_quadratic,
    gd_rate,
    heavy_ball_rate,
    linear_iteration,
    linear_regression,
    mean_squared_error,
    quadratic_model,
    softmax_cross_entropy,
    softmax_jacobian,
    spectral_radius,
)

w, w_prev, g = sp.symbols("w w_prev g", real=True)


@pytest.mark.parametrize("topic", [["quadratic"], ("quadratic",), {"quadratic": 1}, 3])
def test_derive_names_topic_for_a_non_string(topic):
    with pytest.raises(ArgumentTypeError, match=r"^topic: expected a topic name, one of \["):
        derive(topic)


@pytest.mark.parametrize(
    ("function", "name", "minimum"),
    [
        (quadratic_model, "dim", 1),
        (centring_and_scaling, "n_samples", 1),
        (mean_squared_error, "n_outputs", 1),
        (softmax_jacobian, "n_classes", 2),
        (softmax_cross_entropy, "n_classes", 2),
        (linear_regression, "n_samples", 1),
    ],
)
def test_sizes_are_integers_checked_before_the_cache(function, name, minimum):
    expected = "a positive integer" if minimum == 1 else rf"an integer in \[{minimum}, inf\)"
    for wrong in ([2], "3", 2.0, True):  # a list used to fail with "unhashable type"
        with pytest.raises(ArgumentTypeError, match=rf"^{name}: expected {expected}"):
            function(wrong)
    with pytest.raises(ArgumentError, match=rf"^{name}: expected {expected}"):
        function(minimum - 1)


def test_sizes_accept_numpy_integers():
    assert quadratic_model(np.int64(2)) is quadratic_model(2)


def test_linear_iteration_names_a_title_that_is_not_text():
    with pytest.raises(ArgumentTypeError, match="^name: expected a title as a str"):
        linear_iteration(w - g, w, w_prev, g, name=["gd"])


def test_spectral_radius_needs_a_derivation():
    with pytest.raises(ArgumentTypeError, match="^iteration: expected a linear_iteration"):
        spectral_radius([1, 2], eta=0.1)


@pytest.mark.parametrize("backend", [["numpy"], None, "torch"])
def test_backend_must_be_a_known_name(backend):
    with pytest.raises(ArgumentError, match="^backend: expected one of"):
        gd_rate(0.1, [1.0, 2.0], backend=backend)
    with pytest.raises(ArgumentError, match="^backend: expected one of"):
        gd_quadratic().lambdify(backend=backend)


@pytest.mark.parametrize("part", [["rate"], {"rate": 1}])
def test_an_unhashable_part_is_named(part):
    with pytest.raises(ArgumentError, match="^part: expected a key of"):
        gd_quadratic().lambdify(part=part)


@pytest.mark.parametrize(
    "value", ["0.5", np.array(["0.5"]), np.array([0.5, "1"], dtype=object), b"1", {"eta": 1}]
)
def test_numeric_values_refuse_text_that_numpy_would_convert(value):
    with pytest.raises(ArgumentTypeError, match="^eta: expected a number or an array of numbers"):
        gd_rate(value, [1.0, 2.0])
    with pytest.raises(ArgumentTypeError, match="^eta: expected a number or an array of numbers"):
        heavy_ball_rate(value, 0.5, 1.0)
    with pytest.raises(ArgumentTypeError, match="^eta: expected a number or an array of numbers"):
        gd_quadratic().evaluate(part="per_mode_rate", eta=value, lambda_=1.0)


def test_numeric_values_accept_numbers_arrays_and_sympy_numbers():
    rate = gd_rate(np.array([0.1, 0.2]), [1, 2])
    assert np.allclose(rate, [0.9, 0.8])
    assert np.allclose(gd_rate([sp.Rational(1, 10)], [1.0]), [0.9])
