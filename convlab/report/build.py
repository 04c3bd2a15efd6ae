"""Building a report: run the claims, draw their figures, write ``claims.json`` and ``index.html``.

The folder rules (what ``out`` may be, the marker, the atomic swap that keeps the old report
until the new one is complete) are in :mod:`convlab.report.folder`; running claims, in this
process or in workers, is in :mod:`convlab.report.run`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from convlab import __version__
from convlab.errors import ArgumentError, count
from convlab.experiments.claim import Claim, Context
from convlab.experiments.outcome import Outcome
from convlab.report.folder import check_out, staged
from convlab.report.html import page
from convlab.report.run import check_scheduler, connect, run_all
from convlab.report.selection import Selection


def build(
    claims: Selection | Sequence[Claim],
    ctx: Context,
    out: str | os.PathLike,
    *,
    jobs: int = 1,
    scheduler: Any = None,
    progress: bool | None = None,
    force: bool = False,
) -> dict:
    """Run ``claims`` and write the report to the folder ``out``; return the claims.json document.

    ``claims`` is a :class:`~convlab.report.selection.Selection` (from
    :func:`~convlab.report.select`, recorded in claims.json) or a list of claims.  ``out`` is
    checked before any claim runs: it must be new, empty or an earlier report, unless ``force``
    allows replacing another folder (see :mod:`convlab.report.folder`).  ``jobs`` ≥ 1 worker
    processes run the claims; ``progress`` shows a bar (None: only on a terminal).
    ``scheduler`` runs them on Dask instead (extra ``[distributed]``): ``"local"`` starts a
    local cluster, ``"tcp://host:8786"`` joins a running scheduler (one that does not answer
    within 7 s is an error, and nothing is written), a ``dask.distributed.Client`` is used as
    it is; ``jobs`` is then 1 (see :mod:`convlab.report.run`).
    """
    jobs = count("jobs", jobs)
    check_scheduler(scheduler)
    if scheduler is not None and jobs != 1:
        raise ArgumentError(
            "jobs",
            "1 with a scheduler (the cluster's workers run the claims; jobs is the option for "
            "one machine)",
            jobs,
        )
    out = check_out(out, force=force)
    selection = claims if isinstance(claims, Selection) else Selection(tuple(claims))
    with connect(scheduler) as client, staged(out, force=force) as folder:
        (folder / "figures").mkdir()
        outcomes = run_all(selection.claims, ctx, folder, jobs, progress, client)
        doc = document(outcomes, ctx, selection)
        (folder / "claims.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False))
        (folder / "index.html").write_text(page(outcomes, doc, folder), encoding="utf-8")
    return doc


def document(outcomes: list[Outcome], ctx: Context, selection: Selection | None = None) -> dict:
    """The claims.json document for ``outcomes`` run in ``ctx``, chosen by ``selection``."""
    passed = sum(o.passed for o in outcomes)
    chosen = selection or Selection(())
    return {
        "convlab_version": __version__,
        "backend": ctx.backend,
        "dtype": ctx.dtype,
        "seed": ctx.seed,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "selection": chosen.to_json(),
        "claims": [o.to_json() for o in outcomes],
        "summary": {"total": len(outcomes), "passed": passed, "failed": len(outcomes) - passed},
    }
