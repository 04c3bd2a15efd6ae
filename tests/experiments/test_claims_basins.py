"""The basins claim: its two predicted regions hold what theory says, and the claim fails when
either region is drawn larger than theory allows."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.data import nist_problem
from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import basins
from convlab.optim.least_squares import min_norm_step

DANWOOD = nist_problem("DanWood")
CERT = np.asarray(DANWOOD.certified)


def _verdict() -> str:
    return evaluate_claim(REGISTRY["lm-basin-danwood"], Context(quick=True)).verdict


def _profile(b2: float) -> float:
    """φ(b₂) = min over b₁ of f, computed directly (host; x^b₂ scaled by its largest entry,
    which φ does not see)."""
    logs = b2 * np.log(DANWOOD.x)
    p = np.exp(logs - logs.max())
    b1 = (p @ DANWOOD.y) / (p @ p)
    return 0.5 * float(np.sum((b1 * p - DANWOOD.y) ** 2))


def test_escape_level_is_the_lower_limit_of_the_profile():
    level = basins.escape_level(DANWOOD.x, DANWOOD.y)
    ends = [_profile(b2) for b2 in (-5000.0, 5000.0)]  # the runner-up x's weight: < 1e-90
    assert min(ends) == pytest.approx(level, rel=1e-9)
    assert _profile(CERT[1]) < level  # b* lies inside


def test_gauss_newton_map_contracts_every_probe_in_the_ball():
    # ‖D(G(b) − b*)‖ < ‖D(b − b*)‖ for starts inside the ball (the property the ball rests on),
    # and not for every start on a ring at 4δ.
    problem = basins._danwood(Context(), DANWOOD, CERT[None, :] * 1.1)
    delta, q = basins.contraction_radius(problem, CERT)
    assert 0.0 < delta < 0.95 and q < 1.0

    def shrink(factors):
        b = CERT * factors
        x = problem.xp.asarray(b)
        g = b + to_numpy(min_norm_step(problem.jacobian(x), problem.residual(x))[0])
        return np.linalg.norm(g / CERT - 1, axis=-1) / np.linalg.norm(factors - 1, axis=-1)

    assert np.all(shrink(basins.ball_probes(delta)[0]) < 1.0)
    assert np.any(shrink(basins.ball_probes(4 * delta)[0]) >= 1.0)


def test_claim_fails_when_every_start_is_taken_to_be_in_the_level_set(monkeypatch):
    # No escape level: Levenberg, from the starts where b₂ is 8× too large, does not arrive.
    monkeypatch.setattr(basins, "escape_level", lambda x, y: np.inf)
    assert _verdict() == "failed"


def test_claim_fails_when_the_gauss_newton_ball_is_drawn_too_large(monkeypatch):
    monkeypatch.setattr(basins, "contraction_radius", lambda problem, cert: (0.9, 0.5))
    assert _verdict() == "failed"
