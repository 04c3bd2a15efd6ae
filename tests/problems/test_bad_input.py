"""Bad input: one test per case; each asserts the class and that the message names the argument.

Every convlab argument error message starts with ``<argument name>:``.
"""

from __future__ import annotations

import numpy as np
import pytest

from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.problems import (
    Cliff,
    Ellipse,
    LinearRegression,
    LogisticRegression,
    Objective,
    Quadratic,
    Rosenbrock,
    Saddle,
    SoftmaxRegression,
)

X = np.arange(12.0).reshape(6, 2)
Y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])


def test_rows_of_X_must_match_length_of_y():
    with pytest.raises(ShapeError, match=r"^y:"):
        LinearRegression(X, Y[:5])


def test_b_must_match_A():
    with pytest.raises(ShapeError, match=r"^b:"):
        Quadratic(np.eye(3), [1.0, 2.0])


def test_A_must_be_square():
    with pytest.raises(ShapeError, match=r"^A:"):
        Quadratic(np.ones((2, 3)))


def test_empty_A_is_named():
    with pytest.raises(ShapeError, match=r"^A:.*d ≥ 1.*\(0, 0\)"):
        Quadratic(np.zeros((0, 0)))


def test_empty_spectrum_is_named():
    with pytest.raises(ShapeError, match=r"^eigenvalues:.*at least one"):
        Quadratic.from_spectrum([])


def test_spectrum_must_be_positive_unless_allowed():
    with pytest.raises(ArgumentError, match=r"^eigenvalues:.*positive.*-2"):
        Quadratic.from_spectrum([1.0, -2.0])
    assert Quadratic.from_spectrum([1.0, -2.0], allow_indefinite=True).minimizer is None


def test_spectrum_must_be_finite():
    with pytest.raises(ArgumentError, match=r"^eigenvalues:.*finite"):
        Quadratic.from_spectrum([1.0, np.nan])


def test_A_must_be_symmetric():
    with pytest.raises(ArgumentError, match=r"^A:.*symmetric"):
        Quadratic([[1.0, 0.5], [0.0, 1.0]])


def test_A_must_be_positive_definite_unless_allowed():
    with pytest.raises(ArgumentError, match=r"^A:.*positive-definite"):
        Quadratic(np.diag([1.0, -1.0]))
    assert Quadratic(np.diag([1.0, -1.0]), allow_indefinite=True).minimizer is None
    assert Saddle().critical_points[0][1] == "saddle"


def test_nan_in_X():
    with pytest.raises(ArgumentError, match=r"^X:.*finite"):
        LinearRegression(np.where(X > 5, np.nan, X), Y)


def test_inf_in_y():
    with pytest.raises(ArgumentError, match=r"^y:.*finite"):
        LinearRegression(X, np.where(Y > 0, np.inf, Y))


def test_logistic_labels_must_be_0_or_1():
    with pytest.raises(ArgumentError, match=r"^y:.*\{0, 1\}"):
        LogisticRegression(X, Y * 2)


def test_softmax_labels_must_be_below_n_classes():
    with pytest.raises(ArgumentError, match=r"^y:.*\[0, 3\)"):
        SoftmaxRegression(X, [0, 1, 2, 3, 0, 1], 3)


def test_softmax_labels_must_be_non_negative_integers():
    with pytest.raises(ArgumentError, match=r"^y:"):
        SoftmaxRegression(X, [0, 1, -1, 2, 0, 1], 3)
    with pytest.raises(ArgumentError, match=r"^y:"):
        SoftmaxRegression(X, [0, 1, 1.5, 2, 0, 1], 3)


def test_softmax_needs_two_classes():
    with pytest.raises(ArgumentError, match=r"^n_classes:"):
        SoftmaxRegression(X, [0] * 6, 1)


def test_negative_l2():
    with pytest.raises(ArgumentError, match=r"^l2:"):
        LogisticRegression(X, Y, l2=-1.0)


def test_unknown_backend_name():
    with pytest.raises(ArgumentError, match=r"^backend:.*tensorflow"):
        Quadratic(np.eye(2), backend="tensorflow")


@pytest.mark.parametrize(
    "build",
    [
        lambda dt: Quadratic(np.eye(2), dtype=dt),
        lambda dt: LinearRegression(X, Y, dtype=dt),
        lambda dt: LogisticRegression(X, Y, dtype=dt),
        lambda dt: SoftmaxRegression(X, [0, 1] * 3, 2, dtype=dt),
        lambda dt: Rosenbrock(dtype=dt),
        lambda dt: Objective(sum, sum, dim=2, dtype=dt),
    ],
)
def test_float16_is_rejected(build):
    with pytest.raises(ArgumentError, match=r"^dtype:.*float16"):
        build("float16")


def test_ellipse_kappa_below_one():
    with pytest.raises(ArgumentError, match=r"^kappa:"):
        Ellipse(kappa=0.5)


def test_rosenbrock_b_not_positive():
    with pytest.raises(ArgumentError, match=r"^b:"):
        Rosenbrock(b=0.0)


def test_cliff_width_not_positive():
    with pytest.raises(ArgumentError, match=r"^width:"):
        Cliff(width=0.0)


def test_surface_x0_of_wrong_length():
    with pytest.raises(ShapeError, match=r"^x0:"):
        Rosenbrock(x0=[1.0, 2.0, 3.0])


def test_synthetic_spectrum_needs_enough_samples():
    with pytest.raises(ArgumentError, match=r"^n:"):
        LinearRegression.synthetic(3, 5, kappa=10.0)


def test_synthetic_kappa_and_spectrum_exclusive():
    with pytest.raises(ArgumentError, match=r"^spectrum:"):
        LinearRegression.synthetic(10, 2, kappa=10.0, spectrum=[1.0, 2.0])


def test_objective_fun_must_be_callable():
    with pytest.raises(ArgumentTypeError, match=r"^fun:"):
        Objective(3.0, sum, dim=1)


def test_objective_hess_must_be_callable():
    with pytest.raises(ArgumentTypeError, match=r"^hess:"):
        Objective(sum, sum, hess="exact", dim=1)


def test_objective_x0_must_be_finite():
    with pytest.raises(ArgumentError, match=r"^x0:.*finite"):
        Objective(sum, sum, x0=[1.0, np.nan])


def test_objective_needs_a_dimension():
    with pytest.raises(ArgumentError, match=r"^dim:"):
        Objective(sum, sum)


def test_gram_must_be_a_bool():
    with pytest.raises(ArgumentTypeError, match=r"^gram:.*True or False"):
        LinearRegression(X, Y, gram="yes")
