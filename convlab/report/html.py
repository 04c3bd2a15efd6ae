"""The self-contained ``index.html``: figures embedded, formulas rendered, no external URL.

Formulas are rendered to inline SVG by matplotlib's mathtext (no MathJax, no CDN), so the
page opens offline; a statement mathtext cannot parse is shown as LaTeX source.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from matplotlib import mathtext

from convlab.experiments.outcome import Outcome

CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border-bottom:1px solid #ddd;
padding:.3em .5em;text-align:left;vertical-align:top}.passed{color:#1a7f37}.failed,.error
{color:#cf222e}.claim{border-top:2px solid #eee;margin-top:2em;padding-top:1em}
img{max-width:100%}pre{white-space:pre-wrap;background:#f6f8fa;padding:.5em;font-size:.8em}
code{font-size:.85em}
"""


def formula_svg(latex: str) -> str:
    """``latex`` (mathtext subset) as an inline SVG element, or escaped source if unparsable."""
    buf = io.BytesIO()
    try:
        mathtext.math_to_image(f"${latex}$", buf, format="svg", dpi=100)
    except (ValueError, RuntimeError):
        return f"<code>{html.escape(latex)}</code>"
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]


def image_tag(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def page(outcomes: list[Outcome], meta: dict, root: Path) -> str:
    """The whole page for ``outcomes``; figures are read from below ``root``."""
    s = meta["summary"]
    head = (
        f"<h1>convlab — verified convergence report</h1><p>{s['passed']} of {s['total']} "
        f"claims passed, {s['failed']} failed. Backend {meta['backend']}, dtype "
        f"{meta['dtype']}, seed {meta['seed']}, convlab {meta['convlab_version']}, "
        f"created {meta['created']}.</p>{_selection(meta)}"
    )
    rows = "".join(
        f"<tr><td><a href='#{o.id}'>{o.id}</a></td><td>{html.escape(o.title)}</td>"
        f"<td class='{o.verdict}'>{o.verdict}</td><td>{_rival_cell(o)}</td>"
        f"<td>{_dtype_cell(o, meta)}</td>"
        f"<td>{o.seconds:.2f}</td></tr>"
        for o in outcomes
    )
    table = (
        "<table><tr><th>claim</th><th>title</th><th>verdict</th><th>rival (refuted)</th>"
        "<th>dtype</th><th>s</th></tr>"
        f"{rows}</table>"
    )
    body = "".join(_section(o, root) for o in outcomes)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>convlab report</title>"
        f"<style>{CSS}</style></head><body>{head}{table}{_promoted(outcomes, meta)}{body}"
        "</body></html>"
    )


def _selection(meta: dict) -> str:
    """The ``--only`` value and the claims each of its patterns selected (empty if none)."""
    sel = meta["selection"]
    if sel["only"] is None:
        return ""
    items = "".join(
        f"<li><code>{html.escape(p)}</code>: {html.escape(', '.join(ids))}</li>"
        for p, ids in sel["matched"].items()
    )
    only = html.escape(sel["only"])
    return f"<p>Claims selected with <code>--only {only}</code>:</p><ul>{items}</ul>"


def _dtype_cell(o: Outcome, meta: dict) -> str:
    """The dtype the claim ran in, starred where it is not the report's."""
    return o.dtype if o.dtype == meta["dtype"] else f"{o.dtype}*"


def _promoted(outcomes: list[Outcome], meta: dict) -> str:
    """The starred claims, each with the reason it needs float64."""
    items = "".join(
        f"<li><a href='#{o.id}'>{o.id}</a>: {html.escape(o.needs_float64 or '')}</li>"
        for o in outcomes
        if o.dtype != meta["dtype"]
    )
    if not items:
        return ""
    return f"<p>* ran in float64, not {meta['dtype']}: its statement needs it.</p><ul>{items}</ul>"


def _section(o: Outcome, root: Path) -> str:
    fig = image_tag(root / o.figure, o.title) if o.figure else ""
    err = f"<pre>{html.escape(o.error)}</pre>" if o.error else ""
    note = f"<p>{html.escape(o.note)}</p>" if o.note else ""
    why = f" — needs float64: {html.escape(o.needs_float64)}" if o.needs_float64 else ""
    note = f"<p>Ran in {o.dtype}{why}</p>{note}"
    facts = "".join(
        f"<tr><th>{k}</th><td><code>{html.escape(_short(getattr(o, k)))}</code></td></tr>"
        for k in ("params", "measured", "tolerance", "compare")
    )
    why = f"<p class='failed'>{html.escape(o.reason)}</p>" if o.reason and not o.error else ""
    return (
        f"<div class='claim' id='{o.id}'><h2>{html.escape(o.title)} "
        f"<span class='{o.verdict}'>[{o.verdict}]</span></h2>"
        f"<p>{formula_svg(o.statement_latex)}</p>{note}{_theory_and_rival(o)}{why}"
        f"<table>{facts}</table>{fig}{err}</div>"
    )


def _rival_cell(o: Outcome) -> str:
    refuted = "refuted" if o.rival_refuted else "not refuted"
    return f"{html.escape(o.rival_statement)} ({refuted})"


def _theory_and_rival(o: Outcome) -> str:
    """The theory's prediction beside the rival's: statement, prediction, and whether the
    measurement refuted the rival."""
    refuted = "refuted" if o.rival_refuted else "not refuted"
    css = "passed" if o.rival_refuted else "failed"
    return (
        "<table class='rival'><tr><th></th><th>theory</th><th>rival</th></tr>"
        f"<tr><th>statement</th><td>{html.escape(o.title)}</td>"
        f"<td>{html.escape(o.rival_statement)}</td></tr>"
        f"<tr><th>predicted</th><td><code>{html.escape(_short(o.predicted))}</code></td>"
        f"<td><code>{html.escape(_short(o.rival_predicted))}</code></td></tr>"
        f"<tr><th>verdict</th><td class='{o.verdict}'>{o.verdict}</td>"
        f"<td class='{css}'>{refuted}</td></tr></table>"
    )


def _short(value: object, limit: int = 400) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
