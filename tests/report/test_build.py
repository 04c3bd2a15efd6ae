"""The report machinery on small stand-in claims: files, schema, atomicity, error capture."""

import json
import re

import numpy as np
import pytest
from schema import CLAIM_KEYS, RIVAL_KEYS, SCHEMA_KEYS

from convlab.experiments import Context, Evidence, Figure, Panel, Series
from convlab.experiments.claim import Claim
from convlab.report import build, verdict_table


def _good(ctx):
    rng = np.random.default_rng(ctx.seed)
    measured = 0.5 + 1e-3 * rng.normal()
    fig = Figure(
        [
            Panel(
                "p",
                "t",
                "error",
                [
                    Series([0, 1], [1, 0.5], "theory", "theory"),
                    Series([0, 1], [1, 0.9], "ρ = 0.9", "rival"),
                    Series([0, 1], [1, measured], "run"),
                ],
            )
        ],
        "good",
    )
    return Evidence(
        predicted=0.5,
        measured=measured,
        tolerance=0.01,
        rival=0.9,
        params={"seed": ctx.seed},
        figure=fig,
    )


def _bad(ctx):
    raise RuntimeError("this claim is broken")


def _interrupt(ctx):
    raise KeyboardInterrupt


GOOD = Claim(
    "good", "A claim that holds", r"\rho = \frac{\kappa-1}{\kappa+1}", "t", _good, rival="ρ = 0.9"
)
BAD = Claim("bad", "A claim that raises", r"x", "t", _bad, rival="it does not raise")


def test_report_files_and_schema(tmp_path):
    doc = build([GOOD, BAD], Context(quick=True), tmp_path / "rep", progress=False)
    out = tmp_path / "rep"
    on_disk = json.loads((out / "claims.json").read_text())
    assert set(on_disk) == SCHEMA_KEYS and on_disk["summary"] == doc["summary"]
    assert on_disk["summary"] == {"total": 2, "passed": 1, "failed": 1}
    for row in on_disk["claims"]:
        assert CLAIM_KEYS <= set(row) and set(row["rival"]) == RIVAL_KEYS
    good, bad = on_disk["claims"]
    assert good["passed"] and good["figure"] == "figures/good.png"
    assert good["rival"] == {"statement": "ρ = 0.9", "predicted": 0.9, "refuted": True}
    assert bad["rival"]["statement"] == "it does not raise" and not bad["rival"]["refuted"]
    assert (out / "figures" / "good.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "figures" / "good.svg").stat().st_size > 1000
    assert not bad["passed"] and "this claim is broken" in bad["error"]
    assert "FAILED" not in verdict_table(doc).splitlines()[1] and "error" in verdict_table(doc)
    html = (out / "index.html").read_text()
    assert "ρ = 0.9 (refuted)" in html and "<table class='rival'>" in html


def _too_close(ctx):
    return Evidence(predicted=0.5, measured=0.5, tolerance=0.1, rival=0.55)


def test_a_claim_that_cannot_separate_its_rival_fails_in_the_report_with_its_reason(tmp_path):
    close = Claim("close", "too close to tell", "x", "t", _too_close, rival="0.55")
    doc = build([close], Context(), tmp_path / "rep", progress=False)
    (row,) = doc["claims"]
    assert not row["passed"] and not row["rival"]["refuted"]
    assert "cannot separate the prediction from the rival" in row["reason"]
    assert "why: the tolerance cannot separate" in verdict_table(doc)


def test_index_html_has_no_external_urls(tmp_path):
    build([GOOD], Context(), tmp_path / "rep", progress=False)
    html = (tmp_path / "rep" / "index.html").read_text()
    assert "data:image/png;base64," in html and "<svg" in html  # figure and formula inline
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:|@import|url\(\s*["']?https?:""", html)


def test_same_seed_same_measurements(tmp_path):
    a = build([GOOD], Context(seed=3), tmp_path / "a", progress=False)
    b = build([GOOD], Context(seed=3), tmp_path / "b", progress=False)
    assert a["claims"][0]["measured"] == b["claims"][0]["measured"]


def test_an_interrupted_run_leaves_no_report(tmp_path):
    stop = Claim("stop", "interrupted", "x", "t", _interrupt, rival="r")
    with pytest.raises(KeyboardInterrupt):
        build([GOOD, stop], Context(), tmp_path / "rep", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_run_keeps_the_previous_report_untouched(tmp_path):
    build([GOOD], Context(), tmp_path / "rep", progress=False)
    before = (tmp_path / "rep" / "claims.json").read_text()
    with pytest.raises(KeyboardInterrupt):
        build(
            [GOOD, Claim("stop", "i", "x", "t", _interrupt, rival="r")], Context(), tmp_path / "rep"
        )
    assert (tmp_path / "rep" / "claims.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


def _dtype_seen(ctx):
    return Evidence(
        predicted=ctx.dtype, measured=ctx.dtype, tolerance=None, rival="float16", compare="same"
    )


def test_report_shows_the_dtype_each_claim_ran_in_and_why(tmp_path):
    """In a float32 report a claim that needs float64 runs in it; JSON, HTML and table say so."""
    wide = Claim(
        "wide", "needs float64", "x", "t", _dtype_seen, needs_float64="a residual of 1e-10",
        rival="float16",
    )  # fmt: skip
    plain = Claim("plain", "runs as asked", "x", "t", _dtype_seen, rival="float16")
    doc = build([wide, plain], Context(dtype="float32"), tmp_path / "rep", progress=False)
    rows = {
        c["id"]: c for c in json.loads((tmp_path / "rep" / "claims.json").read_text())["claims"]
    }
    assert doc["dtype"] == "float32"
    assert (rows["wide"]["dtype"], rows["wide"]["measured"]) == ("float64", "float64")
    assert rows["wide"]["needs_float64"] == "a residual of 1e-10"
    assert (rows["plain"]["dtype"], rows["plain"]["needs_float64"]) == ("float32", None)
    html = (tmp_path / "rep" / "index.html").read_text()
    assert "float64*" in html and "needs float64: a residual of 1e-10" in html
    table = verdict_table(doc)
    assert "wide: a residual of 1e-10" in table and "ran in float64, not float32" in table
    assert "float32" in next(line for line in table.splitlines() if line.startswith("plain"))
