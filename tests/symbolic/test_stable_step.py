"""The largest-stable-step derivation: 2/λ_max from GD's stability region (the same as
gd_quadratic's), the BN/plain ratio, and the first-step threshold, checked against GD on random
quadratic models."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.symbolic import TOPICS, gd_quadratic, gd_rate, largest_stable_step
from convlab.symbolic.notation import ETA, LAM_M


def test_the_largest_step_is_the_end_of_gd_quadratics_stable_steps():
    """2/λ_M (Nocedal & Wright 2006, §3.3), as gd_quadratic's region says."""
    d = largest_stable_step()
    region = gd_quadratic()["stable_steps"]
    assert sp.simplify(d["largest_step"] - 2 / LAM_M) == 0
    assert sp.solve_univariate_inequality(region, ETA, relational=False).sup == d["largest_step"]
    assert TOPICS["stable-step"] is largest_stable_step


@settings(max_examples=40, deadline=None)
@given(lam=st.floats(1e-3, 1e3), fraction=st.floats(0.01, 0.99))
def test_gd_on_a_mode_contracts_below_the_largest_step_and_grows_above(lam, fraction):
    largest = float(largest_stable_step().evaluate(part="largest_step", lambda_M=lam))
    below, above = fraction * largest, largest / fraction
    assert gd_rate(np.array([below]), np.array([lam]))[0] < 1 < gd_rate([above], [lam])[0]


@settings(max_examples=40, deadline=None)
@given(plain=st.floats(1e-3, 1e3), bn=st.floats(1e-3, 1e3))
def test_the_ratio_is_bns_largest_step_over_the_plain_nets(plain, bn):
    d = largest_stable_step()
    ratio = float(d.evaluate(part="step_ratio", lambda_plain=plain, lambda_bn=bn))
    steps = [float(d.evaluate(part="largest_step", lambda_M=lam)) for lam in (bn, plain)]
    assert ratio == pytest.approx(steps[0] / steps[1], rel=1e-14)
    assert float(d.evaluate(part="rival_step_ratio")) == 1.0


def _model(seed: int, dim: int = 6):
    """A random quadratic model: PSD Hessian H, gradient g, and the loss change of one step."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((dim, dim))
    H, g = A @ A.T / dim, rng.standard_normal(dim)
    return H, g, lambda eta: -eta * g @ g + eta**2 * g @ H @ g / 2


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_one_step_raises_the_loss_exactly_above_the_first_step_threshold(seed):
    H, g, change = _model(seed)
    d = largest_stable_step()
    threshold = float(d.evaluate(part="first_step_threshold", gTg=g @ g, gTHg=g @ H @ g))
    assert change(0.99 * threshold) < 0 < change(1.01 * threshold)
    eigenvalues, vectors = np.linalg.eigh(H)
    cos = abs(vectors[:, -1] @ g) / np.linalg.norm(g)
    bound = float(d.evaluate(part="first_step_bound", lambda_M=eigenvalues[-1], cos_theta=cos))
    largest = float(d.evaluate(part="largest_step", lambda_M=eigenvalues[-1]))
    assert largest * (1 - 1e-12) <= threshold <= bound * (1 + 1e-12)


def test_along_the_top_eigenvector_the_threshold_is_the_largest_step():
    H, _, _ = _model(7)
    eigenvalues, vectors = np.linalg.eigh(H)
    g = 3.0 * vectors[:, -1]
    d = largest_stable_step()
    threshold = float(d.evaluate(part="first_step_threshold", gTg=g @ g, gTHg=g @ H @ g))
    bound = float(d.evaluate(part="first_step_bound", lambda_M=eigenvalues[-1], cos_theta=1.0))
    assert threshold == pytest.approx(2 / eigenvalues[-1], rel=1e-12) == bound
