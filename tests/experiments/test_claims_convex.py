"""The convex-rate claims (GD's 1/k, SGD's 1/√k) fail when the derived order is wrong."""

from __future__ import annotations

import numpy as np

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import convex


class _FasterBound:
    """A wrong derivation: the bound and its order one power of k faster than derived."""

    def __init__(self, true):
        self.true = true

    def evaluate(self, part, **kw):
        value = np.asarray(self.true.evaluate(part=part, **kw), float)
        return value / np.sqrt(kw["k"]) if part in ("bound", "best_bound") else value

    def __getitem__(self, part):
        return self.true[part] - 0.5 if part == "order" else self.true[part]


def test_gd_claim_fails_on_a_faster_order(monkeypatch):
    true = convex.gd_convex_rate()
    monkeypatch.setattr(convex, "gd_convex_rate", lambda: _FasterBound(true))
    assert evaluate_claim(REGISTRY["gd-convex-sublinear"], Context(quick=True)).verdict == "failed"


def test_sgd_claim_fails_on_a_faster_order(monkeypatch):
    true = convex.sgd_convex_rate()
    monkeypatch.setattr(convex, "sgd_convex_rate", lambda: _FasterBound(true))
    assert evaluate_claim(REGISTRY["sgd-convex-sublinear"], Context(quick=True)).verdict == "failed"
