"""The divergence rule shared by convlab.run and convlab.nn.fit (both are tested against it in
tests/nn/test_train.py::test_fit_and_run_share_one_divergence_rule)."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.optim.divergence import diverged


@pytest.mark.parametrize(
    ("loss", "f0", "want"),
    [
        (np.nan, 1.0, True),
        (np.inf, 1.0, True),
        (-np.inf, 1.0, True),
        (1e10 + 2.0, 1.0, True),
        (1e10, 1.0, False),
        (3e10 - 3.0, -3.0, False),
        (3e10, -3.0, True),
        (0.5e10 + 1.0, 0.0, False),
        (-1e30, 5.0, False),
    ],
)
def test_the_divergence_rule(loss, f0, want):
    assert bool(diverged(loss, f0)) is want
    np.testing.assert_array_equal(diverged([loss, 0.0], [f0, 0.0]), [want, False])
