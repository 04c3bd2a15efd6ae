"""Every registered claim passes, honestly, and gives the same measurements for the same seed,
in float64 and in float32 (a claim that needs float64 runs in it, and says why); every claim
names its rival, can tell it from its theory, and refutes it.

Claims that fail on purpose when fed a wrong prediction are tested next to their modules
(test_claims_*.py); this file holds what every claim owes.
"""

import json
from functools import cache

import numpy as np
import pytest

from convlab.experiments import Context, Evidence, claim, evaluate_claim, judge
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
    return evaluate_claim(CLAIMS[claim_id], Context(quick=True, dtype=dtype, seed=seed))


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
        return Evidence(predicted=0.0, measured=0.0, tolerance=0.1, rival=1.0)

    wide = Claim("t-wide", "t", "x", "t", fn, needs_float64="a reason", rival="one")
    plain = Claim("t-plain", "t", "x", "t", fn, rival="one")
    out = [evaluate_claim(c, Context(dtype="float32")) for c in (wide, plain)]
    eps64, eps32 = float(np.finfo(np.float64).eps), float(np.finfo(np.float32).eps)
    assert seen == [("float64", eps64, "float64"), ("float32", eps32, "float32")]
    assert [(o.dtype, o.needs_float64) for o in out] == [("float64", "a reason"), ("float32", None)]


@pytest.mark.parametrize("reason", [" ", "two\nlines"])
def test_claim_rejects_a_reason_that_is_not_one_line(reason):
    with pytest.raises(ValueError, match="needs_float64"):
        claim("t-bad-reason", "t", "x", "t", needs_float64=reason, rival="r")
    assert "t-bad-reason" not in REGISTRY


# ---- the rival: named at registration, predicted in the evidence, refuted by the run --------


@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_claim_names_a_rival_it_can_separate_and_refutes(claim_id, test_seed):
    """The tolerance is narrower than |prediction − rival| and the measurement refutes it."""
    outcome = _quick(claim_id, "float64", test_seed)
    assert CLAIMS[claim_id].rival and outcome.rival_statement == CLAIMS[claim_id].rival
    assert outcome.rival_predicted is not None
    verdict = judge(
        predicted=outcome.predicted,
        measured=outcome.measured,
        tolerance=outcome.tolerance,
        rival=outcome.rival_predicted,
        compare=outcome.compare,
    )
    assert verdict.separable, verdict.reason
    assert verdict.refuted and outcome.rival_refuted, verdict.reason
    rival = outcome.to_json()["rival"]
    assert rival["statement"] == CLAIMS[claim_id].rival and rival["refuted"] is True


# Figures whose rival is a label, not a curve (it is shown beside the theory in the report).
RIVAL_NOT_DRAWN = {
    "critical-points": "the rival is a classification of the points marked on the contours",
    "robbins-monro": "the rival is a verdict per schedule (decreasing / stalls)",
    "init-class-collapse": "heat maps of mean outputs; the rival is a level of confidence",
}


@pytest.mark.parametrize("claim_id", [c for c in CLAIMS if c not in RIVAL_NOT_DRAWN])
def test_claim_figure_draws_its_rival(claim_id, test_seed):
    figure = _quick(claim_id, "float64", test_seed).figure_data
    if figure is None:
        pytest.skip("no figure: the rival is in the report's table")
    rivals = [s for p in figure.panels for s in p.series if s.role == "rival"]
    assert rivals and all(s.label.startswith("rival: ") for s in rivals)


@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_claim_prediction_has_one_type_in_every_dtype(claim_id, test_seed):
    """predicted (and the rival's) keep their shape of type whatever the dtype asked for."""
    a, b = _quick(claim_id, "float64", test_seed), _quick(claim_id, "float32", test_seed)
    if a.error or b.error:
        pytest.skip("the claim errs: test_claim_passes_* reports it")
    assert _shape(a.predicted) == _shape(b.predicted)
    assert _shape(a.rival_predicted) == _shape(b.rival_predicted)


def _shape(value):
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return ("array", len(value))
    return "bool" if isinstance(value, (bool, np.bool_)) else type(value).__name__


@pytest.mark.parametrize("rival", [None, "", " ", "two\nlines"])
def test_a_claim_without_a_rival_is_refused_at_registration(rival):
    with pytest.raises(ValueError, match="rival"):
        claim("t-no-rival", "t", "x", "t", rival=rival)
    with pytest.raises(ValueError, match="rival"):
        Claim("t-no-rival", "t", "x", "t", lambda ctx: None, rival=rival)
    with pytest.raises(TypeError, match="rival"):
        claim("t-no-rival", "t", "x", "t")  # the keyword is required
    assert "t-no-rival" not in REGISTRY


def test_evidence_takes_keywords_only_and_needs_a_rival():
    with pytest.raises(TypeError):
        Evidence(1.0, 1.0, 0.1, 2.0)
    with pytest.raises(TypeError, match="rival"):
        Evidence(predicted=1.0, measured=1.0, tolerance=0.1)


def test_evidence_with_no_rival_prediction_is_an_error_naming_the_rival():
    fn = lambda ctx: Evidence(predicted=1.0, measured=1.0, tolerance=0.1, rival=None)  # noqa: E731
    outcome = evaluate_claim(
        Claim("t-none", "t", "x", "t", fn, rival="the other theory"), Context()
    )
    assert outcome.verdict == "error" and "the other theory" in outcome.error


def test_a_claim_that_cannot_separate_its_rival_fails_with_that_reason():
    """The measurement sits on the prediction, but the rival is inside the tolerance too."""
    fn = lambda ctx: Evidence(predicted=1.0, measured=1.0, tolerance=0.1, rival=1.05)  # noqa: E731
    outcome = evaluate_claim(
        Claim("t-close", "t", "x", "t", fn, rival="nearly the same"), Context()
    )
    assert outcome.verdict == "failed" and not outcome.rival_refuted
    assert "cannot separate" in outcome.reason


@pytest.mark.parametrize("claim_id", [c for c in CLAIMS if c not in SLOW_FULL])
def test_claim_passes_in_full_mode(claim_id):
    _check(evaluate_claim(CLAIMS[claim_id], Context()))


@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_claim_is_reproducible(claim_id):
    first = evaluate_claim(CLAIMS[claim_id], Context(quick=True, seed=3))
    second = evaluate_claim(CLAIMS[claim_id], Context(quick=True, seed=3))
    assert first.to_json()["measured"] == second.to_json()["measured"]


def test_there_are_at_least_forty_claims_with_unique_topics_listed():
    assert len(CLAIMS) >= 40
    assert all(c.topic and c.statement and c.title for c in CLAIMS.values())


def _check(outcome) -> None:
    assert outcome.error is None, outcome.error
    assert outcome.verdict == "passed", (outcome.reason, outcome.predicted, outcome.measured)
    json.dumps(outcome.to_json())  # every value is serialisable
