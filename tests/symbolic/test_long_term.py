"""W^t through the eigendecomposition (Goodfellow et al. 2016, §10.7)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from convlab.errors import ArgumentError
from convlab.symbolic import long_term_dynamics

half, quarter3 = sp.Rational(1, 2), sp.Rational(3, 4)


@pytest.mark.parametrize(
    ("W", "regime"),
    [
        ([[half, 1], [0, quarter3]], "vanishing"),
        ([[0, 1], [1, 0]], "neutral"),
        ([[2, 1], [1, 2]], "exploding"),
        ([[1, 2, 0], [0, half, 1], [0, 0, -half]], "neutral"),
    ],
)
def test_power_matches_numpy_and_regime(W, regime):
    d = long_term_dynamics(W)
    assert d.conclusion == regime
    numeric = np.array(sp.Matrix(W), dtype=float)
    for steps in (1, 5, 12):
        np.testing.assert_allclose(
            d.evaluate(part="power", t=steps),
            np.linalg.matrix_power(numeric, steps),
            rtol=1e-10,
            atol=1e-12,
        )


def test_symbolic_eigendecomposition_closed_form():
    a, b = sp.symbols("a b", positive=True)
    t = sp.Symbol("t", integer=True, positive=True)
    power = long_term_dynamics([[a, b], [b, a]])["power"]
    expected = (
        sp.Matrix(
            [
                [(a + b) ** t + (a - b) ** t, (a + b) ** t - (a - b) ** t],
                [(a + b) ** t - (a - b) ** t, (a + b) ** t + (a - b) ** t],
            ]
        )
        / 2
    )
    assert (power - expected).applyfunc(sp.simplify) == sp.zeros(2, 2)
    assert long_term_dynamics([[a, b], [b, a]]).conclusion == "undetermined"


def test_non_diagonalizable_is_rejected():
    with pytest.raises(ArgumentError, match="W: expected a diagonalizable matrix"):
        long_term_dynamics([[1, 1], [0, 1]])
