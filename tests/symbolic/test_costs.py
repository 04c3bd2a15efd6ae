"""The flop counts per iteration and their leading exponents."""

from __future__ import annotations

import pytest
import sympy as sp

from convlab.symbolic import TOPICS, iteration_costs
from convlab.symbolic.costs import N, leading_exponent, local_exponent


@pytest.mark.parametrize(
    ("part", "exponent"), [("newton", 3), ("bfgs", 2), ("l-bfgs", 1), ("dense matvec", 2)]
)
def test_leading_exponents(part, exponent):
    assert iteration_costs().evaluate(part=f"{part} exponent") == exponent


def test_counts_at_a_size():
    d = iteration_costs()
    assert d.evaluate(part="newton", n=10) == 2 * 1000 + 2 * 100 + 30
    assert d.evaluate(part="l-bfgs", n=100, m=10) == 8 * 10 * 100 + 10 * 100


def test_local_exponent_tends_to_the_leading_one():
    cost = 2 * N**3 + 2 * N**2
    assert leading_exponent(cost) == 3
    assert float(local_exponent(cost).subs(N, 1000)) == pytest.approx(3, abs=1e-3)
    assert leading_exponent(7 * N * sp.log(N)) == 1


def test_topic_is_registered():
    assert TOPICS["iteration-costs"] is iteration_costs
