r"""The cost of one iteration of Newton, BFGS and L-BFGS against the number of parameters n.

Prediction (:func:`convlab.symbolic.iteration_costs`): the flops of one step grow as
:math:`2n^3` for Newton (the Hessian's eigenvalues and an LU solve), :math:`13n^2` for BFGS (two
matrix-vector products and a rank-2 update of the n×n inverse Hessian) and :math:`(8m+10)n`
for L-BFGS (the two-loop recursion over m pairs); on a log-log plot of time per iteration
against n their slopes tend to the leading exponents 3, 2 and 1.  The rival: every method costs
the same order, a dense matrix-vector product's 2n².

Measurement: on a separable quadratic (f, ∇f in O(n); the dense diagonal Hessian in O(n²), for
Newton), each method's ``step`` is timed alone from a fixed state (BFGS after two steps, L-BFGS
with its memory full), on one BLAS thread (threadpoolctl: threading bends the slope), in CPU
time of the calling thread (``time.thread_time``: other processes' load on a shared machine does
not count), the fastest of several rounds, each timing every size once. Each method is timed
over its own range of n, where its leading term dominates and neither interpreter overhead nor
the allocator bends the slope: Newton from n = 362 to 2048 (six sizes √2 apart: LAPACK's blocked
eigensolver has local slopes from 2.5 to 3.7 between neighbouring sizes, which a fit over a
factor 5.7 averages); BFGS over n×n matrices of 2 to 8 MiB (n = 512 to 1024 in float64): above
32 MiB glibc serves every array with a fresh mapping faulted in page by page (see
:mod:`convlab.backend.memory`), which makes the time jump ~6× around that size; L-BFGS over
vectors of 2 to 16 MiB (n = 2¹⁸ to 2²¹ in float64; below 2¹⁶ interpreter overhead per vector
operation flattens the slope). The slope is the least-squares fit of log t on log n.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from convlab.backend import array_namespace, from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim.newton import Newton
from convlab.optim.oracle import CountingOracle
from convlab.optim.quasi_newton import BFGS, LBFGS
from convlab.problems.objective import Objective
from convlab.symbolic import iteration_costs

SLOPE_TOLERANCE = 0.3  # issue #17 §2: fitted exponents within ±0.3 of 3, 2, 1
MEMORY = 10  # L-BFGS's m (its default, SciPy's maxcor)
MIB = 2**20
ROOT2 = 2**0.5
# name -> (optimizer, smallest n for an itemsize, multiples of it timed in full / quick mode,
# rounds of timing): each size's time is the fastest of its rounds
METHODS = {
    "newton": (Newton, lambda size: 362, ROOT2 ** np.arange(6), ROOT2 ** np.arange(5), 3),
    "bfgs": (BFGS, lambda size: (2 * MIB / size) ** 0.5, (1, ROOT2, 2), (1, ROOT2, 2), 10),
    "l-bfgs": (lambda: LBFGS(MEMORY), lambda size: 2 * MIB / size, (1, 2, 4, 8), (1, 2, 4), 3),
}


def separable_quadratic(ctx: Context, n: int) -> Objective:
    """f(x) = ½ Σᵢ dᵢxᵢ², dᵢ evenly spaced in [1, 10], from x₀ = 𝟙: f and ∇f cost O(n)."""
    xp = ctx.xp
    d = from_host(np.linspace(1.0, 10.0, n), xp, ctx.float)

    def hess(x):
        xq = array_namespace(x)
        eye = xq.eye(n, dtype=x.dtype, device=x.device)
        return xq.broadcast_to(eye * d, (*x.shape[:-1], n, n))

    return Objective(
        lambda x: 0.5 * array_namespace(x).sum(d * x * x, axis=-1),
        lambda x: d * x,
        hess,
        x0=from_host(np.ones(n), xp, ctx.float),
        backend=ctx.backend,
        dtype=ctx.dtype,
    )


def time_steps(ctx: Context, make, sizes, rounds: int) -> np.ndarray:
    """CPU seconds (this thread's) of one ``step`` of ``make()`` on
    :func:`separable_quadratic` at each n of ``sizes``, from a state in its steady regime
    (:func:`_steady_state`): the fastest of ``rounds`` rounds, each timing every size once (a
    spell of contention for caches and memory bandwidth then slows every size of a round
    alike)."""
    setups = []
    for n in sizes:
        problem = separable_quadratic(ctx, int(n))
        oracle, optimizer = CountingOracle(problem), make()
        x = problem.x0
        setups.append(
            (optimizer, x, oracle.grad(x), _steady_state(optimizer, problem, oracle, x), oracle)
        )
    best = np.full(len(setups), np.inf)
    for _ in range(rounds):
        for i, (optimizer, x, g, state, oracle) in enumerate(setups):
            start = time.thread_time()
            optimizer.step(x, g, state, oracle)
            best[i] = min(best[i], time.thread_time() - start)
    return best


def _steady_state(optimizer, problem, oracle, x):
    """Newton's state (it has none to speak of); BFGS's after two steps (a dense H, updated);
    L-BFGS's with its memory full: m pairs (s, ∇²f s) of random s, as m steps would leave."""
    state = optimizer.init(x)
    if isinstance(optimizer, LBFGS):
        xp = array_namespace(x)
        rng = np.random.default_rng(0)
        pairs = []
        for _ in range(optimizer.history_size):
            s = from_host(rng.standard_normal(problem.dim), xp, x.dtype)
            y = oracle.grad(s)  # ∇²f s: f is quadratic with ∇f(0) = 0
            pairs.append((s, y, 1.0 / float(xp.sum(s * y))))
        return state._replace(count=optimizer.history_size, pairs=tuple(pairs))
    if isinstance(optimizer, BFGS):
        for _ in range(2):
            x, state = optimizer.step(x, oracle.grad(x), state, oracle)
    return state


def fitted_slope(n, seconds) -> float:
    """The least-squares slope of log t against log n."""
    return float(np.polyfit(np.log(n), np.log(seconds), 1)[0])


@claim(
    "second-order-cost-exponents",
    "Time per iteration grows as n³ for Newton, n² for BFGS and n for L-BFGS: log-log slopes "
    "within ±0.3 of the leading exponents of their flop counts",
    r"t_{\mathrm{Newton}} \propto n^3,\quad t_{\mathrm{BFGS}} \propto n^2,\quad "
    r"t_{\mathrm{L\text{-}BFGS}} \propto m\,n",
    "second-order",
    rival="all three cost the same order per iteration: a dense matrix-vector product's O(n²)",
)
def second_order_costs(ctx: Context) -> Evidence:
    costs = iteration_costs()
    sizes, seconds, slopes = {}, {}, {}
    with threadpool_limits(limits=1):
        for name, (make, smallest, full, quick, rounds) in METHODS.items():
            n0 = smallest(np.dtype(ctx.dtype).itemsize)
            sizes[name] = np.round(n0 * np.array(ctx.pick(full, quick)))
            seconds[name] = time_steps(ctx, make, sizes[name], rounds)
            slopes[name] = fitted_slope(sizes[name], seconds[name])
    predicted = [int(costs.evaluate(part=f"{k} exponent")) for k in METHODS]
    rival = [int(costs.evaluate(part="dense matvec exponent"))] * len(METHODS)
    fitted = [slopes[k] for k in METHODS]
    within = all(abs(s - p) <= SLOPE_TOLERANCE for s, p in zip(fitted, predicted, strict=True))
    return Evidence(
        predicted={"exponents": predicted, f"slopes within ±{SLOPE_TOLERANCE}": True},
        measured={
            "exponents": [int(round(s)) for s in fitted],
            f"slopes within ±{SLOPE_TOLERANCE}": within,
        },
        tolerance={"exponents": None, f"slopes within ±{SLOPE_TOLERANCE}": None},
        rival={"exponents": rival},
        compare="same",
        params={
            "methods": list(METHODS),
            "fitted_slopes": fitted,
            "n": {k: v.tolist() for k, v in sizes.items()},
            "seconds": {k: v.tolist() for k, v in seconds.items()},
            "lbfgs_memory": MEMORY,
            "rounds": {k: v[-1] for k, v in METHODS.items()},
        },
        figure=_cost_figure(costs, sizes, seconds),
        note="measured: each fitted log-log slope, rounded to the nearest integer, and whether "
        "every slope lies within ±0.3 of its predicted exponent (params.fitted_slopes); the "
        "rounding and the boolean make the verdict and the record stable under timing noise. "
        "Times: CPU time of one step from a fixed state, fastest of params.rounds rounds, one "
        "BLAS thread.",
    )


def _cost_figure(costs, sizes: dict, seconds: dict) -> Figure:
    """Measured seconds per step, the flop count and the rival's 2n², each scaled through the
    measured time at the largest n."""
    series = []
    for name in sizes:
        n, t = sizes[name], seconds[name]
        flops = np.asarray(
            costs.evaluate(part=name, n=n, m=MEMORY)
            if name == "l-bfgs"
            else costs.evaluate(part=name, n=n),
            dtype=float,
        )
        matvec = np.asarray(costs.evaluate(part="dense matvec", n=n), dtype=float)
        series += [
            Series(n, flops * t[-1] / flops[-1], f"{name}: flop count", "theory", name),
            Series(n, t, f"{name}: measured", "measured", name),
            Series(n, matvec * t[-1] / matvec[-1], f"{name}: 2n²", "rival"),
        ]
    panel = Panel(
        "time per iteration", "parameters n", "seconds per step", series, xscale="log", yscale="log"
    )
    return Figure([panel], "Cost of one step of Newton, BFGS and L-BFGS")
