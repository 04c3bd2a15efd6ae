"""The topic registry used by ``convlab derive TOPIC``."""

from __future__ import annotations

import pytest

from convlab.errors import ArgumentError
from convlab.symbolic import TOPICS, Derivation, derive

REQUIRED = [
    "gd-quadratic",
    "heavy-ball",
    "nesterov",
    "xavier",
    "linear-regression",
    "adam-bias",
    "taylor",
    "softmax-ce",
    "robbins-monro",
    "cg",
    "lm",
    "he",
    "whitening",
    "jacobi",
    "gauss-seidel",
]


def test_required_topics_are_registered():
    assert set(REQUIRED) <= set(TOPICS)


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_derives_and_renders(topic):
    d = derive(topic)
    assert isinstance(d, Derivation) and d.steps and d.source
    assert d.name in str(d) and d._repr_latex_().startswith("$$") and d.latex()


def test_unknown_topic_is_rejected():
    with pytest.raises(ArgumentError, match="topic"):
        derive("no-such-topic")
