"""Loading the built-in claims: importing :mod:`convlab.experiments.claims` registers them."""

from __future__ import annotations

import importlib

from convlab.experiments.claim import REGISTRY, Claim


def all_claims() -> dict[str, Claim]:
    """Every built-in claim, by id, in registration order."""
    importlib.import_module("convlab.experiments.claims")
    return REGISTRY
