"""Claims: symbolic predictions confirmed (or refuted) by measured runs."""

from convlab.deprecation import renamed
from convlab.experiments.claim import REGISTRY, Claim, Context, Evidence, claim, within
from convlab.experiments.figure import Contour, Figure, Heatmap, Panel, Series
from convlab.experiments.outcome import Outcome, evaluate_claim

__all__ = [
    "REGISTRY",
    "Claim",
    "Contour",
    "Context",
    "Evidence",
    "Figure",
    "Heatmap",
    "Outcome",
    "Panel",
    "Series",
    "claim",
    "evaluate_claim",
    "within",
]

__getattr__ = renamed(__name__, {"Surface": "Contour", "evaluate": "evaluate_claim"}, globals())
