"""Building a report: run the claims, draw their figures, write ``claims.json`` and ``index.html``.

Everything is written into a temporary directory beside ``out`` and moved into place only
when the whole report is done, so an interrupted or crashed run never leaves a report that
looks complete.  Claims run in worker processes when ``jobs > 1``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from datetime import UTC, datetime
from fnmatch import fnmatch
from multiprocessing import get_context
from pathlib import Path

from tqdm import tqdm

from convlab import __version__
from convlab.experiments.claim import Claim, Context
from convlab.experiments.outcome import Outcome, evaluate_claim
from convlab.experiments.registry import all_claims
from convlab.plot import save
from convlab.report.html import page


def select(pattern: str | None = None) -> list[Claim]:
    """The registered claims whose id or topic matches the glob ``pattern`` (all if None)."""
    claims = list(all_claims().values())
    if pattern is None:
        return claims
    pats = [p if any(c in p for c in "*?[") else f"*{p}*" for p in pattern.split(",")]
    return [c for c in claims if any(fnmatch(c.id, p) or fnmatch(c.topic, p) for p in pats)]


def build(
    claims: list[Claim], ctx: Context, out: Path, *, jobs: int = 1, progress: bool | None = None
) -> dict:
    """Run ``claims`` and write the report to ``out``; return the claims.json document."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        (tmp / "figures").mkdir()
        outcomes = _run_all(claims, ctx, tmp, jobs, progress)
        doc = document(outcomes, ctx)
        (tmp / "claims.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False))
        (tmp / "index.html").write_text(page(outcomes, doc, tmp), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return doc


def _run_all(claims, ctx, tmp: Path, jobs: int, progress) -> list[Outcome]:
    order = {c.id: i for i, c in enumerate(claims)}
    disable = None if progress is None else not progress  # None: only on a terminal
    bar = tqdm(total=len(claims), desc="claims", unit="claim", disable=disable)
    done: list[Outcome] = []
    if jobs <= 1:
        for c in claims:
            done.append(_run_one(c, ctx, tmp))
            bar.update()
    else:
        global _PENDING
        _PENDING = claims  # forked workers inherit it: claims need not be picklable
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
            futures = [pool.submit(_run_index, i, ctx, tmp) for i in range(len(claims))]
            for f in as_completed(futures):
                done.append(f.result())
                bar.update()
    bar.close()
    return sorted(done, key=lambda o: order[o.id])


_PENDING: list[Claim] = []


def _run_index(i: int, ctx: Context, tmp: Path) -> Outcome:
    return _run_one(_PENDING[i], ctx, tmp)


def _run_one(claim: Claim, ctx: Context, tmp: Path) -> Outcome:
    """Evaluate one claim and draw its figure (in a worker process when jobs > 1)."""
    outcome = evaluate_claim(claim, ctx)
    if outcome.figure_data is not None:
        try:
            save(outcome.figure_data, tmp / "figures" / claim.id, outcome.verdict)
            outcome = replace(outcome, figure=f"figures/{claim.id}.png")
        except Exception as exc:  # a figure that cannot be drawn is an error of its claim
            outcome = replace(outcome, passed=False, error=f"figure: {type(exc).__name__}: {exc}")
    return replace(outcome, figure_data=None)


def document(outcomes: list[Outcome], ctx: Context) -> dict:
    """The claims.json document for ``outcomes`` run in ``ctx``."""
    passed = sum(o.passed for o in outcomes)
    return {
        "convlab_version": __version__,
        "backend": ctx.backend,
        "dtype": ctx.dtype,
        "seed": ctx.seed,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "claims": [o.to_json() for o in outcomes],
        "summary": {"total": len(outcomes), "passed": passed, "failed": len(outcomes) - passed},
    }
