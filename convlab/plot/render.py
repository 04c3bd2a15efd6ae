"""Drawing a claim's :class:`~convlab.experiments.figure.Figure` with matplotlib (headless).

No process-wide state is touched: figures are :class:`matplotlib.figure.Figure` objects made
without pyplot (so no backend is chosen or switched), and convlab's style (:data:`RC`) applies
only inside :func:`draw` and :func:`save`, through :func:`matplotlib.rc_context`.

Theory is a solid line, a measurement is markers, a bound is dashed, the claim's rival is
dashed in one colour of its own, labelled "rival: …" (see
:mod:`convlab.experiments.figure`); each optimizer or setting keeps one colour across every
figure of a report; the verdict is in the figure's title.
"""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import LogFormatter

from convlab.experiments.figure import Figure, Panel, Series, thin

PALETTE = {
    "gd": "#1f77b4",
    "heavy-ball": "#d62728",
    "momentum": "#d62728",
    "nesterov": "#2ca02c",
    "adam": "#9467bd",
    "rmsprop": "#8c564b",
    "rprop": "#e377c2",
    "sgd": "#17becf",
    "newton": "#ff7f0e",
    "bfgs": "#bcbd22",
    "l-bfgs": "#7f7f7f",
    "cg": "#000000",
    "lm": "#ff7f0e",
    "gauss-newton": "#1f77b4",
    "theory": "#000000",
}
CYCLE = matplotlib.rcParamsDefault["axes.prop_cycle"].by_key()["color"]
RC = {"svg.fonttype": "none"}  # text stays text in SVG: smaller, faster
STYLE = {
    "theory": dict(linestyle="-", linewidth=1.8, marker=None),
    "measured": dict(linestyle="none", marker="o", markersize=4),
    "bound": dict(linestyle="--", linewidth=1.4, marker=None),
    "trajectory": dict(linestyle="-", linewidth=1.2, marker=".", markersize=4),
    "reference": dict(linestyle="-", linewidth=0.8, marker=None, color="#999999"),
    "rival": dict(linestyle=(0, (6, 3)), linewidth=1.6, marker=None, color="#e8590c"),
}

MAX_POINTS = 1200  # longer series are thinned before drawing
DENSE = 80  # measured series longer than this are drawn as lines, not markers
MARKER_LINES = (":", "-.", (0, (5, 2, 1, 2)), (0, (1, 4)))


def colour(group: str | None, label: str) -> str:
    """One colour per optimizer/setting name, stable across figures and runs."""
    key = (group or label).lower()
    if key in PALETTE:
        return PALETTE[key]
    return CYCLE[int(hashlib.md5(key.encode()).hexdigest(), 16) % len(CYCLE)]


def draw(fig_data: Figure, verdict: str | None = None) -> MplFigure:
    """A matplotlib figure for ``fig_data``; ``verdict`` ("passed", "failed", "error"), if
    given, is appended to its title in words and colours it."""
    with matplotlib.rc_context(RC):
        return _draw(fig_data, verdict)


def save(fig_data: Figure, stem: Path, verdict: str | None = None) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg``; return their paths."""
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    with matplotlib.rc_context(RC):
        fig = _draw(fig_data, verdict)
        fig.savefig(paths[0], dpi=110)
        fig.savefig(paths[1])
    return paths


def _draw(fig_data: Figure, verdict: str | None) -> MplFigure:
    n = len(fig_data.panels)
    cols = min(n, 3)
    rows = -(-n // cols)
    width = max(6.4, 4.6 * cols)
    fig = MplFigure(figsize=(width, 3.6 * rows + 0.4))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, panel in zip(axes.flat, fig_data.panels, strict=False):
        _panel(fig, ax, panel)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    title = fig_data.title + (f" — {VERDICT_WORDS[verdict]}" if verdict else "")
    wrapped = textwrap.fill(title, width=int(width * 13))
    fig.suptitle(wrapped, fontsize=11, color=_verdict_colour(verdict))
    fig.tight_layout()
    return fig


def _panel(fig, ax, panel: Panel) -> None:
    if panel.heatmap is not None:
        h = panel.heatmap
        z = np.asarray(h.z, dtype=float)
        lo, hi = h.limits or (None, None)  # None: z's own range
        norm = (
            LogNorm(lo or np.nanmin(z[z > 0]), hi or np.nanmax(z)) if h.log else Normalize(lo, hi)
        )
        mesh = ax.pcolormesh(h.x, h.y, z, shading="auto", cmap="viridis", norm=norm)
        fig.colorbar(mesh, ax=ax, label=h.label)
    if panel.surface is not None:
        s = panel.surface
        z = np.log10(s.z - np.min(s.z) + 1e-12) if s.log else s.z
        ax.contour(s.x, s.y, z, levels=s.levels, cmap="Greys", linewidths=0.6)
    for series in panel.series:
        _series(ax, series)
    for (value, label), dash in zip(panel.vlines, MARKER_LINES, strict=False):
        ax.axvline(value, color="#555555", linestyle=dash, linewidth=1, label=label)
    for (value, label), dash in zip(panel.hlines, MARKER_LINES, strict=False):
        ax.axhline(value, color="#555555", linestyle=dash, linewidth=1, label=label)
    ax.set(title=panel.title, xlabel=panel.xlabel, ylabel=panel.ylabel)
    ax.set_xscale(panel.xscale)
    ax.set_yscale(panel.yscale)
    for axis, scale in ((ax.xaxis, panel.xscale), (ax.yaxis, panel.yscale)):
        if scale == "log":  # plain "1e-06" labels: mathtext ones cost a parse per tick
            axis.set_major_formatter(LogFormatter(labelOnlyBase=True))
    if any(s.label for s in panel.series) or panel.vlines or panel.hlines:
        ax.legend(fontsize=7, loc="best")
    ax.grid(True, alpha=0.3)


def _series(ax, s: Series) -> None:
    style = dict(STYLE[s.role])
    if s.role == "measured" and s.x.size > DENSE:  # a long history: a line reads better
        style.update(linestyle="-", linewidth=2.2, marker=None, alpha=0.75)
    x, y = thin(s.x, s.y, MAX_POINTS)
    default = PALETTE["theory"] if s.role == "theory" and s.group is None else None
    style.setdefault("color", default or colour(s.group, s.label))
    ax.plot(x, y, label=s.label, **style)


def _verdict_colour(verdict: str | None) -> str:
    return {"passed": "#1a7f37", "failed": "#cf222e", "error": "#cf222e"}.get(verdict, "black")


VERDICT_WORDS = {"passed": "verified ✓", "failed": "FAILED ✗", "error": "ERROR ✗"}
