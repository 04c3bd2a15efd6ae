"""Every registered claim passes, honestly, and gives the same measurements for the same seed.

Claims that fail on purpose when fed a wrong prediction are tested next to their modules
(test_claims_*.py); this file holds what every claim owes.
"""

import json

import pytest

from convlab.experiments import Context, evaluate
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


@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_claim_passes_in_quick_mode(claim_id):
    _check(evaluate(CLAIMS[claim_id], Context(quick=True)))


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
