"""Claims: symbolic predictions confirmed (or refuted) by measured runs."""

from convlab.experiments.claim import REGISTRY, Claim, Context, Evidence, claim, within
from convlab.experiments.figure import Figure, Heatmap, Panel, Series, Surface
from convlab.experiments.outcome import Outcome, evaluate

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
    "claim",
    "evaluate",
    "within",
]
