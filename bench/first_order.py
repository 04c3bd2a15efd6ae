"""Benchmark: convlab's first-order methods beside torch.optim and the memory-bandwidth floor.

Two tables, float32, measured in one run on this machine (best of a few repeats):

1. Full-batch GD and Adam on least squares, X of shape (N, d) = (1,000,000, 100): ms per step
   for convlab (``run`` on ``LinearRegression``, one pass over X per step, and on
   ``LinearRegression(gram=True)``, the same loss from the moments C_x = XᵀX/N, Xᵀy/N, yᵀy/N
   that the constructor forms in one pass — O(d²) per step; the constructor's time is printed),
   torch.optim with autograd on the CPU, the plain NumPy gradient in two matrix-vector
   products (r = Xw − y, then Xᵀr), a row-blocked one-pass NumPy gradient (BLAS threading each
   product), convlab's ``value_and_grad`` alone, and the floor: the bytes of X read per step ÷
   the read bandwidth measured here.  convlab's one pass picks, by a run-time probe cached per
   shape, the plain products or row blocks shared between the cores
   (``convlab.backend.parallel.fastest``); the plan it chose is printed.  Ratios: each
   gradient row against the two-product NumPy row, each step row against torch.optim's.
   The header names the BLAS library, its version, kernel set and threads (threadpoolctl).
2. A sweep of 1,024 learning rates × 500 GD steps on a d = 100, κ = 100 quadratic: convlab's
   batched ``sweep`` vs a Python loop of single ``run`` calls (timed on a subset, scaled) vs
   the same sweep written directly as batched torch tensors.

Usage: ``python bench/first_order.py [--backend numpy|cupy] [--rows N] [--steps S]``.
With ``--backend cupy`` the convlab columns run on the GPU; without CuPy/CUDA that part is
skipped with a message.  This is a script that prints tables, not a test.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import convlab.optim as co
from convlab.backend import get_namespace, to_numpy
from convlab.backend.parallel import _CHOICE, blas_description
from convlab.errors import BackendUnavailableError
from convlab.problems import LinearRegression, Quadratic


def best(fn, repeat: int = 3) -> float:
    """Best wall time of ``fn()`` in seconds over ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def read_bandwidth(X: np.ndarray) -> float:
    """Bytes per second for one read of X: the faster of a BLAS matrix-vector product and a
    column sum (both stream X once and do ~1 flop per element)."""
    v = np.ones(X.shape[1], dtype=X.dtype)
    seconds = min(best(lambda: X @ v, 5), best(lambda: X.sum(axis=0), 3))
    return X.nbytes / seconds


def numpy_two_gemv(X, y, w):
    """The plain gradient: r = Xw − y, then Xᵀr (two BLAS matrix-vector products)."""
    r = X @ w - y
    return X.T @ r / X.shape[0]


def numpy_one_pass(X, y, w, block=8192):
    """Xᵀ(Xw − y)/N with each block of rows read once while it is in cache."""
    g = np.zeros_like(w)
    for i in range(0, X.shape[0], block):
        xb = X[i : i + block]
        g += xb.T @ (xb @ w - y[i : i + block])
    return g / X.shape[0]


def torch_steps(X, y, name: str, steps: int) -> float:
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    w = torch.zeros(X.shape[1], dtype=torch.float32, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1) if name == "GD" else torch.optim.Adam([w], lr=1e-3)

    def go():
        for _ in range(steps):
            opt.zero_grad()
            loss = ((Xt @ w - yt) ** 2).sum() / (2 * X.shape[0])
            loss.backward()
            opt.step()

    return best(go, 2) / steps


def convlab_steps(problem, name: str, steps: int) -> float:
    opt = co.GD(0.1) if name == "GD" else co.Adam(lr=1e-3)
    return best(lambda: co.run(problem, opt, steps=steps, record=("loss",)), 2) / steps


def least_squares_table(n: int, d: int, steps: int, backend: str) -> str:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d), dtype=np.float32)
    y = X @ rng.standard_normal(d, dtype=np.float32) + rng.standard_normal(n, dtype=np.float32)
    w = np.zeros(d, dtype=np.float32)
    floor = X.nbytes / read_bandwidth(X)
    xp = get_namespace(backend)
    problem = LinearRegression(xp.asarray(X), xp.asarray(y), dtype="float32", backend=xp)
    t0 = time.perf_counter()
    gram = LinearRegression(xp.asarray(X), xp.asarray(y), gram=True, dtype="float32", backend=xp)
    gram_setup = time.perf_counter() - t0
    ours = (convlab_steps(problem, "GD", steps), convlab_steps(problem, "Adam", steps))
    ours_gram = (convlab_steps(gram, "GD", 200), convlab_steps(gram, "Adam", 200))
    wx = xp.asarray(w)
    grad_rows = [
        ("numpy plain two GEMV: Xw − y, then Xᵀr", best(lambda: numpy_two_gemv(X, y, w), 5)),
        ("numpy row-blocked one pass (8192 rows)", best(lambda: numpy_one_pass(X, y, w), 5)),
        (
            f"convlab LinearRegression.value_and_grad [{backend}]",
            best(lambda: problem.value_and_grad(wx), 5),
        ),
    ]
    plain = grad_rows[0][1]
    torch_gd, torch_adam = torch_steps(X, y, "GD", steps), torch_steps(X, y, "Adam", steps)
    step_rows = [
        ("torch.optim (CPU, autograd)", torch_gd, torch_adam),
        (f"convlab run, LinearRegression [{backend}]", *ours),
        (f"convlab run, LinearRegression(gram=True) [{backend}]", *ours_gram),
    ]
    plan = [v for k, v in _CHOICE.items() if k[0] == "LinearRegression" and k[1] == X.shape]
    lines = [
        f"Least squares, X {n:,} x {d}, float32, {steps} steps (ms; "
        f"read bandwidth {X.nbytes / floor / 1e9:.1f} GB/s, floor {floor * 1e3:.2f} ms; "
        f"LinearRegression(gram=True) built in {gram_setup * 1e3:.0f} ms, once; convlab's "
        f"one-pass plan: {_plan_name(plan, n, d)})",
        f"{'gradient (loss and ∇f)':52s} {'ms':>9s} {'/floor':>9s} {'/2-GEMV':>9s}",
    ]
    for label, t in grad_rows:
        lines.append(f"{label:52s} {t * 1e3:9.2f} {t / floor:9.3f} {t / plain:9.3f}")
    lines.append(
        f"{'step (gradient + update)':52s} {'GD':>9s} {'Adam':>9s} {'GD/torch':>9s} "
        f"{'Adam/torch':>10s}"
    )
    for label, gd, adam in step_rows:
        lines.append(
            f"{label:52s} {gd * 1e3:9.2f} {adam * 1e3:9.2f} {gd / torch_gd:9.3f} "
            f"{adam / torch_adam:10.3f}"
        )
    return "\n".join(lines)


def _plan_name(plan: list, n: int, d: int) -> str:
    if not plan:
        return "row blocks of 4 MiB (no probe: X under 32 MiB, or not NumPy)"
    block_bytes = plan[0]
    if block_bytes >= n * d * 4:
        return "plain two products (one block)"
    return f"row blocks of {block_bytes / 2**20:g} MiB"


def torch_sweep(q: Quadratic, lrs: np.ndarray, steps: int) -> None:
    """The sweep as batched torch tensors: R runs of GD, loss recorded every step."""
    import torch

    A, b = torch.from_numpy(to_numpy(q.A)), torch.from_numpy(to_numpy(q.b))
    x = torch.from_numpy(to_numpy(q.x0)).repeat(lrs.size, 1)
    lr = torch.from_numpy(lrs.astype(np.float32))[:, None]
    losses = []
    for _ in range(steps):
        g = x @ A - b
        losses.append(0.5 * ((x * (g - b)).sum(dim=1)))
        x = x - lr * g
    torch.stack(losses).numpy()


def _one_thread(fn):
    """``fn()`` with torch limited to one thread (NumPy's elementwise work is single-threaded)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return fn()
    finally:
        torch.set_num_threads(before)


def sweep_table(runs: int, steps: int, subset: int, backend: str) -> str:
    xp = get_namespace(backend)
    q = Quadratic.from_spectrum(np.geomspace(1.0, 100.0, 100), dtype="float32", backend=xp)
    lrs = np.linspace(1e-4, 0.021, runs)  # the last few exceed 2/λ_M = 0.02 and diverge
    # convlab first: torch's OpenMP threads spin for a while after each call and would slow
    # whatever runs right after them
    batched = best(lambda: co.sweep(q, co.GD, {"lr": lrs}, steps=steps), 5)
    lean = best(lambda: co.sweep(q, co.GD, {"lr": lrs}, steps=steps, record=("loss",)), 5)
    result = co.sweep(q, co.GD, {"lr": lrs}, steps=steps)
    single = best(lambda: [co.run(q, co.GD(lr), steps=steps) for lr in lrs[:subset]], 2)
    loop = single * runs / subset
    peer = best(lambda: torch_sweep(q, lrs, steps), 5)
    peer_1 = _one_thread(lambda: best(lambda: torch_sweep(q, lrs, steps), 5))
    diverged = result.table.column("status").count("diverged")
    return "\n".join(
        [
            f"Sweep: {runs} learning rates x {steps} GD steps, d = 100, kappa = 100, float32 "
            f"({diverged} runs diverged and were frozen)",
            f"{'method':52s} {'seconds':>9s} {'vs torch':>9s}",
            f"{'torch, batched tensors (loss recorded)':52s} {peer:9.3f} {1.0:9.2f}",
            f"{'torch, batched tensors, 1 thread':52s} {peer_1:9.3f} {peer_1 / peer:9.2f}",
            f"{'convlab sweep [' + backend + '] (loss, ‖g‖, dist, status)':52s} {batched:9.3f} "
            f"{batched / peer:9.2f}",
            f"{'convlab sweep [' + backend + '] (loss, ‖g‖, status)':52s} {lean:9.3f} "
            f"{lean / peer:9.2f}",
            f"{'convlab loop of single runs (' + str(subset) + ' timed, scaled)':52s} {loop:9.3f} "
            f"{loop / peer:9.2f}",
            f"speed-up of the batched sweep over the loop: {loop / batched:.0f}x "
            "(‖g‖ and the status are what the loop needs to stop a diverging run)",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy", choices=["numpy", "cupy"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--subset", type=int, default=32)
    args = parser.parse_args()
    if args.backend == "cupy":
        try:
            get_namespace("cupy")
        except BackendUnavailableError as exc:
            print(f"skipping --backend cupy: {exc}")
            return
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs; {blas_description()}\n")
    print(least_squares_table(args.rows, 100, args.steps, args.backend), "\n")
    print(sweep_table(1024, 500, args.subset, args.backend))


if __name__ == "__main__":
    main()
