"""Claims: symbolic predictions confirmed (or refuted) by measured runs."""

from convlab.deprecation import renamed
from convlab.experiments.claim import REGISTRY, Claim, Context, Evidence, claim
from convlab.experiments.figure import Contour, Figure, Heatmap, Panel, Series
from convlab.experiments.outcome import Outcome, evaluate_claim
from convlab.experiments.verdict import Verdict, judge

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
    "Verdict",
    "claim",
    "evaluate_claim",
    "judge",
]

__getattr__ = renamed(__name__, {"Surface": "Contour", "evaluate": "evaluate_claim"}, globals())
