"""Rendering claims' figures (matplotlib, headless)."""

from convlab.plot.render import colour, draw, save

__all__ = ["colour", "draw", "save"]
