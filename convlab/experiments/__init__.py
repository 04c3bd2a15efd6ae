"""Claims: symbolic predictions confirmed (or refuted) by measured runs."""

from convlab.experiments.claim import REGISTRY, Claim, Context, Evidence, claim
from convlab.experiments.figure import Figure, Heatmap, Panel, Series, Surface
from convlab.experiments.outcome import Outcome, evaluate
from convlab.experiments.verdict import Verdict, judge

__all__ = [
    "REGISTRY",
    "Claim",
    "Context",
    "Evidence",
    "Figure",
    "Heatmap",
    "Outcome",
    "Panel",
    "Series",
    "Surface",
    "Verdict",
    "claim",
    "evaluate",
    "judge",
]
