"""--only: an exact id, a topic or a glob; empty and unmatched patterns are errors."""

import pytest

from convlab.errors import ArgumentError
from convlab.experiments.registry import all_claims
from convlab.report import select


def _ids(only):
    return [c.id for c in select(only).claims]


def test_an_exact_id_selects_that_claim_only():
    assert _ids("gd-rate-kappa-10") == ["gd-rate-kappa-10"]  # not -100 nor -1000


def test_a_glob_selects_every_id_it_matches():
    kappas = ["gd-rate-kappa-2", "gd-rate-kappa-10", "gd-rate-kappa-100", "gd-rate-kappa-1000"]
    assert _ids("gd-rate-kappa-*") == kappas
    assert select("gd-rate-kappa-*,jacobi-rate").matched == {
        "gd-rate-kappa-*": kappas,
        "jacobi-rate": ["jacobi-rate"],
    }


def test_a_topic_selects_its_claims_in_registration_order():
    expected = [c.id for c in all_claims().values() if c.topic == "heavy-ball"]
    assert _ids("heavy-ball") == expected and len(expected) >= 2


def test_no_pattern_selects_every_claim_and_records_none():
    sel = select(None)
    assert len(sel.claims) == len(all_claims()) and sel.to_json() == {"only": None, "matched": {}}


@pytest.mark.parametrize("only", ["", " ", "gd-kappa-1,,jacobi-rate", "gd-kappa-1,"])
def test_an_empty_pattern_is_refused(only):
    with pytest.raises(ArgumentError, match="none empty"):
        select(only)


def test_part_of_a_name_is_refused_with_a_glob_to_use_instead():
    with pytest.raises(ArgumentError, match=r"'\*rate-kappa\*'.*got 'rate-kappa'"):
        select("rate-kappa")


def test_an_unmatched_pattern_names_itself_and_the_closest_ids():
    with pytest.raises(ArgumentError) as info:
        select("jacobi-rate,gd-rate-kapa-10")
    message = str(info.value)
    assert "got 'gd-rate-kapa-10'" in message and "closest: gd-rate-kappa-10" in message
