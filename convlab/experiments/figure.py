"""Figures as data: what a claim shows, with no plotting library involved.

A claim returns a :class:`Figure` — panels of series (theory curves, measured points,
bounds, trajectories), heat maps and contour surfaces, all as host NumPy arrays.
:mod:`convlab.plot` turns it into PNG and SVG files.  Keeping figures as data keeps the
experiments layer free of matplotlib and lets tests check what a figure will show.

Roles fix how a series is drawn, the same in every figure: ``theory`` a solid line,
``measured`` markers, ``bound`` a dashed line, ``trajectory`` a line with markers on a
contour plot, ``reference`` a thin grey line, ``rival`` the claim's rival theory, dashed in
one colour everywhere (its label always starts with "rival: ").  ``group`` names the optimizer
or setting, so each gets one colour across a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from convlab.deprecation import renamed

ROLES = ("theory", "measured", "bound", "trajectory", "reference", "rival")


@dataclass
class Series:
    x: np.ndarray
    y: np.ndarray
    label: str
    role: str = "measured"
    group: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role: expected one of {ROLES}, got {self.role!r}")
        self.x, self.y = np.asarray(self.x, dtype=float), np.asarray(self.y, dtype=float)
        if self.role == "rival" and not self.label.startswith("rival: "):
            self.label = f"rival: {self.label}"


@dataclass
class Heatmap:
    """Values z[i, j] at (x[j], y[i]); drawn with a colour bar labelled ``label``, spanning
    ``limits`` (low, high) when given (so that panels share one scale), else z's range."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    label: str
    log: bool = False
    limits: tuple[float, float] | None = None


@dataclass
class Contour:
    """A function on a grid, drawn as contour lines (trajectories go on top as series)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    levels: int | np.ndarray = 30
    log: bool = False


@dataclass
class Panel:
    title: str
    xlabel: str
    ylabel: str
    series: list[Series] = field(default_factory=list)
    xscale: str = "linear"
    yscale: str = "linear"
    heatmap: Heatmap | None = None
    surface: Contour | None = None
    vlines: list[tuple[float, str]] = field(default_factory=list)
    hlines: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class Figure:
    panels: list[Panel]
    title: str = ""


def thin(x: np.ndarray, y: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``keep`` evenly spaced points of a series, its first and last included."""
    x, y = np.asarray(x), np.asarray(y)
    if x.size <= keep:
        return x, y
    idx = np.unique(np.linspace(0, x.size - 1, keep).round().astype(int))
    return x[idx], y[idx]


__getattr__ = renamed(__name__, {"Surface": "Contour"}, globals())
