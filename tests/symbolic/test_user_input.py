"""as_expr, as_matrix, count: numbers and SymPy objects pass; text and other types do not."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError, count
from convlab.symbolic.user_input import as_expr, as_matrix

x = sp.Symbol("x", real=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, sp.Integer(3)),
        (-(10**30), sp.Integer(-(10**30))),
        (Fraction(1, 3), sp.Rational(1, 3)),
        (0.5, sp.Float(0.5)),
        (np.int64(7), sp.Integer(7)),
        (np.float32(0.25), sp.Float(0.25)),
        (np.float64(1e-3), sp.Float(1e-3)),
        (np.array(2.0), sp.Float(2.0)),
        (np.array(4), sp.Integer(4)),
        (float("inf"), sp.oo),
        (-np.inf, -sp.oo),
        (x, x),
        (x**2 + 1, x**2 + 1),
        (sp.pi, sp.pi),
    ],
)
def test_numbers_and_sympy_expressions_are_accepted(value, expected):
    assert as_expr("eta", value) == expected


def test_a_float_keeps_its_binary_value():
    assert as_expr("eta", 0.1) == sp.Float(0.1) and float(as_expr("eta", 0.1)) == 0.1


@pytest.mark.parametrize(
    "value",
    [
        "0.1",
        "__import__('os').system('echo')",
        b"1",
        np.str_("1"),
        np.array("1"),
        True,
        np.bool_(False),
        1 + 2j,
        None,
        [1],
        sp.Matrix([[1]]),
        sp.MatrixSymbol("A", 2, 2),
        sp.Eq(x, 1),
        sp.Tuple(1, 2),
    ],
)
def test_text_and_other_types_are_refused_naming_the_argument(value):
    with pytest.raises(ArgumentTypeError, match=r"^eta: expected a real number"):
        as_expr("eta", value)


@pytest.mark.parametrize("value", [float("nan"), np.float64("nan"), sp.nan])
def test_nan_is_refused(value):
    with pytest.raises(ArgumentError, match="eta: expected a number that is not NaN"):
        as_expr("eta", value)


@pytest.mark.parametrize(
    "value",
    [
        [[1, 2], [3, 4]],
        ((1, 2), (3, 4)),
        np.array([[1, 2], [3, 4]]),
        np.array([[1.0, 2.0], [3.0, 4.0]]),
        sp.Matrix([[1, 2], [3, 4]]),
        sp.ImmutableMatrix([[1, 2], [3, 4]]),
    ],
)
def test_matrices_of_numbers_are_accepted(value):
    matrix = as_matrix("A", value, square=True)
    assert isinstance(matrix, sp.ImmutableMatrix)
    assert (matrix - sp.Matrix([[1, 2], [3, 4]])).is_zero_matrix


def test_a_rectangular_matrix_needs_square_false():
    assert as_matrix("A", [[1, x, 3]]).shape == (1, 3)
    with pytest.raises(ShapeError, match=r"A: expected a non-empty square matrix, got '1 rows"):
        as_matrix("A", [[1, x, 3]], square=True)


@pytest.mark.parametrize(
    ("value", "entry"),
    [
        ([["__import__('os')", 1], [1, 2]], r"A\[0\]\[0\]"),
        ([[1, 2], [3, "4"]], r"A\[1\]\[1\]"),
        (np.array([[1, "2"], [3, 4]], dtype=object), r"A\[0\]\[1\]"),
        ([[1, True], [3, 4]], r"A\[0\]\[1\]"),
        ([[1, [2]], [3, 4]], r"A\[0\]\[1\]"),
    ],
)
def test_each_entry_is_checked_and_named(value, entry):
    with pytest.raises(ArgumentTypeError, match=rf"^{entry}: expected a real number"):
        as_matrix("A", value)


@pytest.mark.parametrize(
    "value",
    [[], [[]], [[1, 2], [3]], [1, 2], ["12", "34"], np.zeros((2, 2, 2)), np.zeros(3)],
)
def test_empty_ragged_and_non_2d_input_is_a_shape_error(value):
    with pytest.raises(ShapeError, match="^A: expected a non-empty"):
        as_matrix("A", value)


@pytest.mark.parametrize("value", ["[[1, 2], [3, 4]]", b"12", 3, None, {1: 2}])
def test_a_matrix_given_as_anything_else_is_refused(value):
    with pytest.raises(ArgumentTypeError, match=r"^A: expected a matrix"):
        as_matrix("A", value)


def test_counts_are_integers_above_a_minimum():
    assert count("dim", 3) == 3 and type(count("dim", np.int64(3))) is int
    for wrong in ("3", 3.0, True, [3], None):
        with pytest.raises(ArgumentTypeError, match=r"^dim: expected an integer in \[2, inf\)"):
            count("dim", wrong, low=2)
    with pytest.raises(ArgumentError, match=r"^dim: expected an integer in \[2, inf\), got 1"):
        count("dim", 1, low=2)
    with pytest.raises(ArgumentError, match=r"^dim: expected a positive integer, got 0"):
        count("dim", 0)
