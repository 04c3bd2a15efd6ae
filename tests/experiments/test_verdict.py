"""The one comparator every claim is judged by: agreement with the prediction, separation from
the rival, refutation of the rival — for values, arrays, bounds, exact labels and mappings."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.experiments import judge


def _v(**kw):
    return judge(**{"compare": "equal", **kw})


def test_equal_passes_near_the_prediction_and_far_from_the_rival():
    v = _v(predicted=0.998, measured=0.99801, tolerance=1e-4, rival=0.999)
    assert v.passed and v.agrees and v.separable and v.refuted and v.reason == ""


def test_equal_fails_near_the_rival_and_when_the_tolerance_covers_both():
    near = _v(predicted=0.998, measured=0.999, tolerance=2e-4, rival=0.999)
    assert not near.passed and not near.agrees and not near.refuted
    wide = _v(predicted=0.998002, measured=0.998, tolerance=1e-3, rival=0.999)  # the old claim
    assert not wide.passed and not wide.separable
    assert "cannot separate" in wide.reason


def test_arrays_agree_everywhere_and_refute_the_rival_somewhere():
    p, r = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])
    assert _v(predicted=p, measured=p + 0.01, tolerance=0.1, rival=r).passed
    assert not _v(predicted=p, measured=p + [0, 0.2, 0], tolerance=0.1, rival=r).agrees
    assert not _v(predicted=p, measured=p, tolerance=[0.1, 0.1, 2.0], rival=r).separable


def test_a_non_finite_measurement_never_agrees_nor_refutes():
    v = _v(predicted=1.0, measured=float("nan"), tolerance=0.1, rival=2.0)
    assert not v.agrees and not v.refuted


def test_at_most_a_tighter_rival_bound_must_be_violated():
    ok = judge(predicted=3.16, measured=1.8, tolerance=0.0, rival=1.0, compare="at_most")
    assert ok.passed
    kept = judge(predicted=3.16, measured=0.9, tolerance=0.0, rival=1.0, compare="at_most")
    assert kept.agrees and not kept.refuted and not kept.passed
    over = judge(predicted=3.16, measured=3.3, tolerance=0.0, rival=1.0, compare="at_most")
    assert not over.agrees


def test_at_most_a_rival_beyond_the_bound_must_be_kept_clear_of():
    ok = judge(predicted=4.0, measured=1.0, tolerance=0.0, rival=32.0, compare="at_most")
    assert ok.passed
    at = judge(predicted=4.0, measured=4.0, tolerance=1.0, rival=4.5, compare="at_most")
    assert not at.separable


def test_at_least_mirrors_at_most():
    ok = judge(predicted=16.0, measured=25, tolerance=0, rival=5.66, compare="at_least")
    assert ok.passed  # the rival's lower value is cleared
    low = judge(predicted=16.0, measured=15, tolerance=0, rival=5.66, compare="at_least")
    assert not low.agrees
    high = judge(predicted=0.5, measured=0.7, tolerance=0, rival=0.9, compare="at_least")
    assert high.passed  # a higher rival floor, violated


def test_same_compares_labels_exactly():
    p = [True, True, False]
    assert judge(predicted=p, measured=[True, True, False], tolerance=None, rival=[True] * 3,
                 compare="same").passed  # fmt: skip
    v = judge(predicted=p, measured=p, tolerance=None, rival=p, compare="same")
    assert not v.separable and not v.refuted


def test_mappings_judge_every_part_and_the_rival_on_the_parts_it_names():
    kw = {
        "predicted": {"rate": 0.9, "bound": 1.0, "label": "a"},
        "measured": {"rate": 0.9, "bound": 0.95, "label": "a"},
        "tolerance": {"rate": 0.01, "bound": 0.0, "label": None},
        "compare": {"rate": "equal", "bound": "at_most", "label": "same"},
    }
    assert judge(**kw, rival={"rate": 0.99}).passed
    assert not judge(**kw, rival={"rate": 0.99, "label": "a"}).separable
    bad = {**kw, "measured": {**kw["measured"], "bound": 1.1}}
    assert "(bound)" in judge(**bad, rival={"rate": 0.99}).reason


@pytest.mark.parametrize(
    "kw",
    [
        {"rival": None},
        {"compare": "close"},
        {"rival": {"rate": 1.0}},  # a mapping for a plain claim
    ],
)
def test_malformed_evidence_is_refused(kw):
    with pytest.raises((ValueError, TypeError)):
        judge(**{"predicted": 1.0, "measured": 1.0, "tolerance": 0.1, "rival": 2.0, **kw})


def test_a_mapping_rival_must_name_parts_of_the_claim():
    with pytest.raises(ValueError, match="rival"):
        judge(predicted={"a": 1.0}, measured={"a": 1.0}, tolerance=0.1, rival={"b": 2.0})
