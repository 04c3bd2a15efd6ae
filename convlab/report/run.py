"""Running claims for a report: in this process, in worker processes, or on a Dask cluster.

Workers are started with the platform's default method (fork, spawn or forkserver), so what
they receive must be picklable: a registered claim travels as its id and the worker looks it up
in the registry (a claim's function may be a closure, which does not pickle); any other claim
travels whole, so its function must be importable (defined at a module's top level).

On a Dask cluster (``scheduler``: ``"local"`` starts a Dask ``LocalCluster``, an
address such as ``"tcp://host:8786"`` joins a running scheduler) each claim is a task, sent
the same way; the workers, which may be other machines, return the outcome with its figure's
data, and the figures are drawn here, into the report's folder.  The workers need the same
convlab installed.  Dask is imported only when a scheduler is given.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits
from tqdm import tqdm

from convlab.errors import ArgumentError
from convlab.experiments.claim import Claim, Context
from convlab.experiments.outcome import Outcome, evaluate_claim
from convlab.experiments.registry import all_claims
from convlab.optim.distributed import require_distributed
from convlab.plot import save

CONNECT_TIMEOUT = 7  # seconds to wait for a scheduler: the command ends within 10 s


def run_all(
    claims: tuple[Claim, ...],
    ctx: Context,
    folder: Path,
    jobs: int,
    progress: bool | None,
    client: Any = None,
) -> list[Outcome]:
    """Every claim's outcome, in the order of ``claims``; figures are drawn into ``folder``.
    ``client``: a Dask client whose workers run the claims (``jobs`` is then ignored)."""
    workers = min(jobs, len(claims))
    remote = client is not None
    work = [_work(c) for c in claims] if workers > 1 or remote else list(claims)
    disable = None if progress is None else not progress  # None: only on a terminal
    done: list[Outcome] = []
    with tqdm(total=len(claims), desc="claims", unit="claim", disable=disable) as bar:
        if remote:
            done = _on_cluster(client, work, ctx, folder, bar)
        elif workers <= 1:
            for c in work:
                done.append(run_one(c, ctx, folder))
                bar.update()
        else:
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=get_context(),
                initializer=share_cores,
                initargs=(workers,),
            )
            try:
                futures = [pool.submit(run_one, item, ctx, folder) for item in work]
                for f in as_completed(futures):
                    done.append(f.result())
                    bar.update()
            finally:  # on Ctrl-C or an error, run no claim that has not started
                pool.shutdown(wait=True, cancel_futures=True)
    order = {c.id: i for i, c in enumerate(claims)}
    return sorted(done, key=lambda o: order[o.id])


_BLAS_LIMIT: list = []  # the worker's threadpoolctl limit, kept alive for the worker's life


def share_cores(workers: int) -> None:
    """In a worker process: BLAS gets this worker's share of the cores, ⌊cores/workers⌋ ≥ 1.

    Each worker's BLAS would otherwise start a thread per core, and ``workers`` processes
    then run workers × cores threads on the cores: small matrix products, most of a claim's
    work, wait on each other (a claim 10× slower on 2 cores with 2 workers)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    _BLAS_LIMIT.append(threadpool_limits(max(1, (cores or 1) // workers), user_api="blas"))


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
            f"when jobs > 1 or with a scheduler (or jobs=1); this one does not pickle: {exc}",
            claim.id,
        ) from exc
    return claim


def run_one(claim: str | Claim, ctx: Context, folder: Path) -> Outcome:
    """Evaluate one claim (a claim or a registered id) and draw its figure into ``folder``."""
    return draw(evaluate_one(claim, ctx), folder)


def evaluate_one(claim: str | Claim, ctx: Context) -> Outcome:
    """One claim's outcome (a claim or a registered id), its figure's data kept, not drawn."""
    if isinstance(claim, str):
        claim = all_claims()[claim]
    return evaluate_claim(claim, ctx)


def draw(outcome: Outcome, folder: Path) -> Outcome:
    """Draw ``outcome``'s figure into ``folder``; the outcome names the file, without the data."""
    if outcome.figure_data is not None:
        try:
            save(outcome.figure_data, folder / "figures" / outcome.id, outcome.verdict)
            outcome = replace(outcome, figure=f"figures/{outcome.id}.png")
        except Exception as exc:  # a figure that cannot be drawn is an error of its claim
            outcome = replace(outcome, passed=False, error=f"figure: {type(exc).__name__}: {exc}")
    return replace(outcome, figure_data=None)


def _on_cluster(client: Any, work: list, ctx: Context, folder: Path, bar: tqdm) -> list[Outcome]:
    """Each claim a Dask task; figures drawn here as outcomes arrive; on an error or Ctrl-C
    the claims not yet finished are cancelled."""
    from distributed import as_completed as arrived

    futures = [client.submit(evaluate_one, item, ctx, pure=False) for item in work]
    done = []
    try:
        for future in arrived(futures):
            done.append(draw(future.result(), folder))
            bar.update()
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)
    return done


def check_scheduler(scheduler: Any) -> None:
    """``scheduler``: None, ``"local"``, a scheduler's address (``"tcp://host:8786"``) or a
    ``dask.distributed.Client``."""
    if scheduler is None or (isinstance(scheduler, str) and _is_address(scheduler)):
        return
    dask = sys.modules.get("distributed")  # a client exists only once Dask is imported
    if dask is not None and isinstance(scheduler, dask.Client):
        return
    raise ArgumentError(
        "scheduler",
        "'local' or a Dask scheduler's address such as 'tcp://host:8786' (or a "
        "dask.distributed.Client)",
        scheduler,
    )


def _is_address(text: str) -> bool:
    return text == "local" or ("://" in text and not text.startswith("://"))


@contextmanager
def connect(scheduler: Any) -> Iterator[Any]:
    """A Dask client for ``scheduler`` (None: no client), closed on leaving — with the local
    cluster it started; a client given is used as it is, and left open."""
    if scheduler is None or not isinstance(scheduler, str):
        yield scheduler
        return
    dask = require_distributed("scheduler")
    if scheduler == "local":
        with (
            dask.LocalCluster(threads_per_worker=1, processes=True, dashboard_address=":0") as c,
            dask.Client(c) as client,
        ):
            yield client
        return
    try:
        client = dask.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ArgumentError(
            "scheduler",
            f"the address of a running Dask scheduler, answering within {CONNECT_TIMEOUT} s "
            f"(start one with `dask scheduler`, and workers with `dask worker ADDRESS`); {exc}",
            scheduler,
        ) from None
    with client:
        yield client
