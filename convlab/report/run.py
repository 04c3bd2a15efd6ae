"""Running claims for a report, in this process or in worker processes.

Workers are started with the platform's default method (fork, spawn or forkserver), so what
they receive must be picklable: a registered claim travels as its id and the worker looks it up
in the registry (a claim's function may be a closure, which does not pickle); any other claim
travels whole, so its function must be importable (defined at a module's top level).
"""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

from tqdm import tqdm

from convlab.errors import ArgumentError
from convlab.experiments.claim import Claim, Context
from convlab.experiments.outcome import Outcome, evaluate_claim
from convlab.experiments.registry import all_claims
from convlab.plot import save


def run_all(
    claims: tuple[Claim, ...], ctx: Context, folder: Path, jobs: int, progress: bool | None
) -> list[Outcome]:
    """Every claim's outcome, in the order of ``claims``; figures are drawn into ``folder``."""
    workers = min(jobs, len(claims))
    work = [_work(c) for c in claims] if workers > 1 else list(claims)
    disable = None if progress is None else not progress  # None: only on a terminal
    done: list[Outcome] = []
    with tqdm(total=len(claims), desc="claims", unit="claim", disable=disable) as bar:
        if workers <= 1:
            for c in work:
                done.append(run_one(c, ctx, folder))
                bar.update()
        else:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context())
            try:
                futures = [pool.submit(run_one, item, ctx, folder) for item in work]
                for f in as_completed(futures):
                    done.append(f.result())
                    bar.update()
            finally:  # on Ctrl-C or an error, run no claim that has not started
                pool.shutdown(wait=True, cancel_futures=True)
    order = {c.id: i for i, c in enumerate(claims)}
    return sorted(done, key=lambda o: order[o.id])


def _work(claim: Claim) -> str | Claim:
    """What a worker process is sent for ``claim``: its id if registered, else the claim."""
    if all_claims().get(claim.id) is claim:
        return claim.id
    try:
        pickle.dumps(claim)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise ArgumentError(
            "claims",
            "registered claims, or claims whose function is defined at a module's top level, "
            f"when jobs > 1 (or jobs=1); this one does not pickle: {exc}",
            claim.id,
        ) from exc
    return claim


def run_one(claim: str | Claim, ctx: Context, folder: Path) -> Outcome:
    """Evaluate one claim (a claim or a registered id) and draw its figure into ``folder``."""
    if isinstance(claim, str):
        claim = all_claims()[claim]
    outcome = evaluate_claim(claim, ctx)
    if outcome.figure_data is not None:
        try:
            save(outcome.figure_data, folder / "figures" / claim.id, outcome.verdict)
            outcome = replace(outcome, figure=f"figures/{claim.id}.png")
        except Exception as exc:  # a figure that cannot be drawn is an error of its claim
            outcome = replace(outcome, passed=False, error=f"figure: {type(exc).__name__}: {exc}")
    return replace(outcome, figure_data=None)
