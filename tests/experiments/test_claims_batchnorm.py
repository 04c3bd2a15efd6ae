"""The batch-normalization claims pass on NumPy float64, in quick and full mode, and are
reproducible (same seed → same measured values)."""

from __future__ import annotations

import json

import pytest

from convlab.experiments import REGISTRY, Context, evaluate
from convlab.experiments.claims import batchnorm

IDS = [
    "rank-collapse-linear",
    "bn-keeps-rank",
    "relu-bn-rank",
    "bn-trainability",
    "bn-train-vs-eval",
    "init-class-collapse",
]


def test_the_module_registers_these_claims():
    assert {REGISTRY[i].fn.__module__ for i in IDS} == {batchnorm.__name__}


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes_in_quick_mode(claim_id):
    outcome = evaluate(REGISTRY[claim_id], Context(quick=True))
    assert outcome.verdict == "passed", outcome


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes_in_full_mode(claim_id):
    outcome = evaluate(REGISTRY[claim_id], Context())
    assert outcome.verdict == "passed", outcome


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_is_reproducible(claim_id):
    batchnorm._rank.cache_clear()  # recompute the shared rank run, not reuse it
    first = evaluate(REGISTRY[claim_id], Context(quick=True, seed=3))
    batchnorm._rank.cache_clear()
    second = evaluate(REGISTRY[claim_id], Context(quick=True, seed=3))
    assert json.dumps(first.measured, sort_keys=True) == json.dumps(second.measured, sort_keys=True)


def test_rank_claims_fail_when_the_net_is_too_shallow_to_collapse():
    # Criterion check, not a tautology: at depth 10 the linear net still has rank > d/8.
    result = batchnorm.rank_collapse(depth=10, width=batchnorm.WIDTH, n=2 * batchnorm.WIDTH)
    assert result.rank["linear"][-1] > batchnorm.WIDTH / 8
