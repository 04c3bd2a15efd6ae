"""Every registered claim passes, honestly, and gives the same measurements for the same seed,
in float64 and in float32 (a claim that needs float64 runs in it, and says why).

Claims that fail on purpose when fed a wrong prediction are tested next to their modules
(test_claims_*.py); this file holds what every claim owes.
"""

import json
from functools import cache

import numpy as np
import pytest

from convlab.experiments import Context, Evidence, claim, evaluate
from convlab.experiments.claim import REGISTRY, Claim
from convlab.experiments.registry import all_claims

CLAIMS = all_claims()
# Full mode of these runs 1e4 GD steps or many repeats; `convlab report` covers it (test_cli).
SLOW_FULL = {
    "gd-vs-cg-direct",
    "sgd-noise-floor",
    "robbins-monro",
    "adam-bias-correction",
    "gd-rate-vs-eta",
    "gd-divergence",
    "gd-rate-kappa-1000",
    "bn-trainability",
}


@cache
def _quick(claim_id: str, dtype: str, seed: int):
    """The quick outcome of a claim asked for in ``dtype`` (each run once per session)."""
    return evaluate(CLAIMS[claim_id], Context(quick=True, dtype=dtype, seed=seed))


@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_claim_passes_in_quick_mode(claim_id, test_seed):
    outcome = _quick(claim_id, "float64", test_seed)
    _check(outcome)
    assert outcome.dtype == "float64"


@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_claim_passes_in_float32_quick_mode_in_the_dtype_it_declares(claim_id, test_seed):
    """float32 is checked at float32's precision; a claim beyond it runs in float64."""
    outcome = _quick(claim_id, "float32", test_seed)
    _check(outcome)
    reason = CLAIMS[claim_id].needs_float64
    assert outcome.dtype == ("float64" if reason else "float32")
    assert outcome.needs_float64 == reason
    assert outcome.to_json()["dtype"] == outcome.dtype


@pytest.mark.parametrize("claim_id", [c for c in CLAIMS if CLAIMS[c].needs_float64])
def test_a_claim_that_needs_float64_really_runs_in_it(claim_id, test_seed):
    """Asked for float32, it measures exactly what it measures in float64."""
    in_32, in_64 = _quick(claim_id, "float32", test_seed), _quick(claim_id, "float64", test_seed)
    assert in_32.to_json()["measured"] == in_64.to_json()["measured"]


def test_needs_float64_switches_the_context_the_claim_sees():
    seen = []

    def fn(ctx):
        x = ctx.xp.ones(2, dtype=ctx.float)
        seen.append((ctx.dtype, ctx.eps, str(x.dtype)))
        return Evidence(0.0, 0.0, 0.0, True)

    wide = Claim("t-wide", "t", "x", "t", fn, needs_float64="a reason")
    plain = Claim("t-plain", "t", "x", "t", fn)
    out = [evaluate(c, Context(dtype="float32")) for c in (wide, plain)]
    eps64, eps32 = float(np.finfo(np.float64).eps), float(np.finfo(np.float32).eps)
    assert seen == [("float64", eps64, "float64"), ("float32", eps32, "float32")]
    assert [(o.dtype, o.needs_float64) for o in out] == [("float64", "a reason"), ("float32", None)]


@pytest.mark.parametrize("reason", [" ", "two\nlines"])
def test_claim_rejects_a_reason_that_is_not_one_line(reason):
    with pytest.raises(ValueError, match="needs_float64"):
        claim("t-bad-reason", "t", "x", "t", needs_float64=reason)
    assert "t-bad-reason" not in REGISTRY


@pytest.mark.parametrize("claim_id", [c for c in CLAIMS if c not in SLOW_FULL])
def test_claim_passes_in_full_mode(claim_id):
    _check(evaluate(CLAIMS[claim_id], Context()))


@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_claim_is_reproducible(claim_id):
    first = evaluate(CLAIMS[claim_id], Context(quick=True, seed=3))
    second = evaluate(CLAIMS[claim_id], Context(quick=True, seed=3))
    assert first.to_json()["measured"] == second.to_json()["measured"]


def test_there_are_at_least_forty_claims_with_unique_topics_listed():
    assert len(CLAIMS) >= 40
    assert all(c.topic and c.statement and c.title for c in CLAIMS.values())


def _check(outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.verdict == "passed", (outcome.predicted, outcome.measured, outcome.tolerance)
    json.dumps(outcome.to_json())  # every value is serialisable
