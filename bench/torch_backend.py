"""Benchmark: convlab on ``backend="torch"`` beside hand-written torch, in one run.

Three tables, each convlab row next to the torch program a user would write by hand:

1. A sweep of 1,024 learning rates x 500 GD steps on a d = 100, kappa = 100 quadratic
   (float64, convlab's default; ``--dtype float32`` for the other): ``convlab.sweep`` on
   torch vs the same sweep as batched torch tensors (loss and ‖g‖ recorded every step, as
   convlab's ``record="loss"`` does; a second pair adds the distance to x*, convlab's default
   record) — target ≤ 1.2x; and ``convlab.sweep`` on NumPy vs a Python loop of single NumPy
   ``run`` calls (timed on a subset, scaled) — target ≥ 20x.
2. One full-batch GD step of least squares, X 1,000,000 x 100 float32: convlab ``run`` on
   ``LinearRegression`` vs ``torch.optim.SGD`` with autograd (target ≤ 1.0x on the marginal
   cost of a step, (T(20) − T(10))/10: a convlab run of K steps also evaluates its last point
   for the trace, which the torch loop does not; the run's cost per step is printed beside it),
   with the bandwidth each step reaches (bytes of X read per step ÷ seconds) as a fraction of
   the device's read bandwidth (the faster of ``X.sum(0)`` and ``X @ 1``; both read X twice
   per step).
3. Training a 784-512-512-10 ReLU MLP (batch 256, SGD momentum 0.9, float32): ``convlab.nn``
   on torch vs a plain torch loop with autograd off and the backward pass written by hand
   (target ≥ 1.0x, samples per second).

Usage: ``OMP_NUM_THREADS=2 python bench/torch_backend.py [--device cpu|cuda|cuda:N]
[--rows N] [--samples N] [--dtype float64|float32] [--table 1|2|3] [--quick]``
(``--table``: only that table; repeatable).  With a CUDA device the same tables run there
(times taken after ``torch.cuda.synchronize()``); without one, ``--device cuda`` prints why
and stops.  Sides alternate and each reports its best of a few
repeats, so a busy machine slows both alike.  This is a script that prints tables, not a test.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import convlab
import convlab.optim as co
from convlab.backend import BatchSampler, get_namespace, take_rows
from convlab.errors import BackendUnavailableError
from convlab.nn import CrossEntropyLoss, mlp
from convlab.problems import LinearRegression, Quadratic

SIZES = (784, 512, 512, 10)
BATCH = 256


def best(fn, sync, repeat: int = 3) -> float:
    """Best wall time of ``fn()`` in seconds over ``repeat`` calls (device synchronised)."""
    times = []
    for _ in range(repeat):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return min(times)


def header(device: str) -> str:
    import torch
    from threadpoolctl import threadpool_info

    blas = ", ".join(
        f"{i['internal_api']} {i.get('version') or ''} ({i['num_threads']} threads)".replace(
            "  ", " "
        )
        for i in threadpool_info()
    )
    gpu = torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else ""
    return (
        f"torch {torch.__version__} on {device}{' (' + gpu + ')' if gpu else ''}: "
        f"torch.get_num_threads() = {torch.get_num_threads()}, OMP_NUM_THREADS = "
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')}; threadpools: {blas}; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )


# 1. the sweep ------------------------------------------------------------------------------


def torch_sweep(q, lrs, steps: int, dist: bool) -> None:
    """The sweep as batched torch tensors: R runs of GD, loss and ‖g‖ (and ‖x − x*‖) kept on
    the device every step, copied to the host at the end."""
    import torch

    A, b, x_star = q.A, q.b, q.minimizer
    x = q.x0.repeat(lrs.shape[0], 1)
    lr = torch.as_tensor(lrs, dtype=x.dtype, device=x.device)[:, None]
    rows = []
    for _ in range(steps):
        g = x @ A - b
        f = 0.5 * (torch.linalg.vecdot(x, g) - x @ b)
        row = [f, torch.linalg.vector_norm(g, dim=1)]
        if dist:
            row.append(torch.linalg.vector_norm(x - x_star, dim=1))
        rows.append(torch.stack(row))
        x = x - lr * g
    torch.stack(rows).cpu().numpy()


def sweep_table(device: str, sync, runs: int, steps: int, subset: int, dtype: str) -> list[str]:
    spectrum = np.geomspace(1.0, 100.0, 100)
    q = Quadratic.from_spectrum(spectrum, dtype=dtype, backend=f"torch:{device}")
    qn = Quadratic.from_spectrum(spectrum, dtype=dtype, backend="numpy")
    lrs = np.linspace(1e-4, 0.021, runs)  # the last few exceed 2/λ_M = 0.02 and diverge
    sides = {
        "numpy": lambda: co.sweep(qn, co.GD, {"lr": lrs}, steps=steps, record="loss"),
        "hand": lambda: torch_sweep(q, lrs, steps, dist=False),
        "convlab": lambda: co.sweep(q, co.GD, {"lr": lrs}, steps=steps, record="loss"),
        "hand+dist": lambda: torch_sweep(q, lrs, steps, dist=True),
        "convlab+dist": lambda: co.sweep(q, co.GD, {"lr": lrs}, steps=steps),
    }
    t = dict.fromkeys(sides, float("inf"))
    for _ in range(3):  # interleaved: a busy machine slows every side alike
        for name, fn in sides.items():
            time.sleep(0.3)  # let the last call's spinning OpenMP/BLAS threads go to sleep
            t[name] = min(t[name], best(fn, sync, 1))
    single = best(lambda: [co.run(qn, co.GD(lr), steps=steps) for lr in lrs[:subset]], sync, 2)
    loop = single * runs / subset
    diverged = co.sweep(q, co.GD, {"lr": lrs}, steps=steps).table.column("status")
    rows = [
        ("hand-written batched torch (loss, ‖g‖)", t["hand"], "-"),
        ("convlab.sweep [torch] record='loss' (loss, ‖g‖)", t["convlab"], "≤ 1.2"),
        ("hand-written batched torch (loss, ‖g‖, dist)", t["hand+dist"], "-"),
        ("convlab.sweep [torch] default (loss, ‖g‖, dist)", t["convlab+dist"], "≤ 1.2"),
    ]
    lines = [
        f"1. Sweep: {runs} learning rates x {steps} GD steps, d = 100, kappa = 100, {dtype} "
        f"({diverged.count('diverged')} runs diverge and are frozen)",
        f"{'':52s} {'seconds':>8s} {'vs hand':>8s} {'target':>7s}",
    ]
    for i, (label, sec, target) in enumerate(rows):
        ref = rows[i - i % 2][1]
        lines.append(f"{label:52s} {sec:8.3f} {sec / ref:8.2f} {target:>7s}")
    lines += [
        f"{'convlab.sweep [numpy] record=loss':52s} {t['numpy']:8.3f}",
        f"{f'Python loop of single runs [numpy] ({subset} timed, scaled)':52s} {loop:8.3f}",
        f"speed-up of the NumPy sweep over the loop: {loop / t['numpy']:.0f}x (target ≥ 20x)",
    ]
    return lines


# 2. least squares --------------------------------------------------------------------------


def least_squares_table(device: str, sync, n: int, d: int, steps: int) -> list[str]:
    """Per step, the marginal cost (T(2K) − T(K))/K of each side — what one more step costs —
    beside the whole run of K steps divided by K.  The two differ by a run's fixed costs:
    convlab's trace records f and ‖g‖ at the last point x_K too (a K-step run evaluates
    K + 1 times, two reads of X more), while the torch loop stops at its K-th update."""
    import torch

    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.standard_normal((n, d), dtype=np.float32)).to(device)
    y = X @ torch.from_numpy(rng.standard_normal(d, dtype=np.float32)).to(device)
    problem = LinearRegression(X, y, dtype="float32", backend=f"torch:{device}")
    w = torch.zeros(d, dtype=torch.float32, device=device, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)

    def torch_steps(k):
        for _ in range(k):
            opt.zero_grad()
            loss = ((X @ w - y) ** 2).sum() / (2 * n)
            loss.backward()
            opt.step()

    def ours(k):
        convlab.run(problem, co.GD(0.1), steps=k, record="loss")

    ones = torch.ones(d, dtype=X.dtype, device=X.device)
    read = float("inf")
    t = {(side, k): float("inf") for side in ("torch", "ours") for k in (steps, 2 * steps)}
    for _ in range(3):
        read = min(read, best(lambda: X.sum(dim=0), sync, 3), best(lambda: X @ ones, sync, 3))
        for (side, k), sec in t.items():
            fn = torch_steps if side == "torch" else ours
            t[side, k] = min(sec, best(lambda fn=fn, k=k: fn(k), sync, 1))
    bandwidth = X.nbytes / read
    lines = [
        f"2. Least squares, X {n:,} x {d} float32, full-batch GD: ms per step, marginal "
        f"((T({2 * steps}) − T({steps}))/{steps}) and over a run of {steps} steps (read bandwidth "
        f"{bandwidth / 1e9:.1f} GB/s: the faster of X.sum(0) and X @ 1)",
        f"{'':44s} {'marginal':>8s} {'vs torch':>8s} {'of bw':>6s} {'run':>7s} {'vs torch':>8s}",
    ]
    ref = {}
    for side, label, target in (
        ("torch", "torch.optim.SGD, autograd", "-"),
        ("ours", "convlab.run(LinearRegression) [torch]", "≤ 1.0 (marginal)"),
    ):
        marginal = (t[side, 2 * steps] - t[side, steps]) / steps
        run = t[side, steps] / steps
        ref.setdefault("marginal", marginal), ref.setdefault("run", run)
        reach = 2 * X.nbytes / marginal / bandwidth  # a step reads X twice: Xw, then Xᵀr
        lines.append(
            f"{label:44s} {marginal * 1e3:8.2f} {marginal / ref['marginal']:8.2f} {reach:6.0%} "
            f"{run * 1e3:7.2f} {run / ref['run']:8.2f}  {target}"
        )
    return lines


# 3. the MLP --------------------------------------------------------------------------------


def mlp_data(n: int, device: str):
    import torch

    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.normal(size=(n, SIZES[0])).astype(np.float32)).to(device)
    y = torch.from_numpy(rng.integers(0, SIZES[-1], size=n)).to(device)
    return X, y


def convlab_mlp(X, y, sync):
    """One epoch of convlab.nn (SGD, momentum 0.9, stepped in place as nn.fit does)."""
    xp = get_namespace("torch")
    net = mlp(SIZES, seed=0, backend=xp, dtype="float32", device=X.device)
    loss, opt = CrossEntropyLoss(), co.SGD(0.01, momentum=0.9)
    params = net.get_flat()
    net.set_flat(params)
    state = [opt.init(params)]
    sampler, count = BatchSampler(X.shape[0], BATCH, seed=0), [0]

    def epoch():
        batches = sampler.epoch(count[0])
        sync()
        t = time.perf_counter()
        for idx in batches:
            loss(net.forward(take_rows(X, idx)), take_rows(y, idx))
            net.backward(loss.backward(), input_grad=False)
            state[0] = opt.update(params, net.flat_grad(), state[0])
        sync()
        count[0] += 1
        return len(batches) * BATCH / (time.perf_counter() - t)

    return epoch


def torch_mlp(X, y, sync):
    """One epoch of the same network as plain torch: autograd off, backward by hand."""
    import torch

    gen = torch.Generator().manual_seed(0)
    pairs = list(zip(SIZES[:-1], SIZES[1:], strict=True))
    weights = [
        ((torch.rand(b, a, generator=gen) * 2 - 1) * (6 / (a + b)) ** 0.5).to(X.device)
        for a, b in pairs
    ]
    params = weights + [torch.zeros(b, device=X.device) for _, b in pairs]
    velocity = [torch.zeros_like(p) for p in params]
    sampler, count = BatchSampler(X.shape[0], BATCH, seed=0), [0]

    def step(xb, yb):
        acts, masks = [xb], []
        for i, w in enumerate(weights):
            z = torch.addmm(params[3 + i], acts[-1], w.T)
            if i < len(weights) - 1:
                masks.append(z > 0)
                z = z.mul_(masks[-1])
            acts.append(z)
        e = torch.softmax(acts[-1], dim=1)
        e[torch.arange(len(yb), device=e.device), yb] -= 1.0
        d = e / len(yb)
        grads = [None] * len(params)
        for i in reversed(range(len(weights))):
            grads[i], grads[3 + i] = d.T @ acts[i], d.sum(dim=0)
            if i:
                d = (d @ weights[i]).mul_(masks[i - 1])
        for p, v, g in zip(params, velocity, grads, strict=True):
            v.mul_(0.9).add_(g)
            p.add_(v, alpha=-0.01)

    def epoch():
        batches = sampler.epoch(count[0])
        sync()
        t = time.perf_counter()
        with torch.no_grad():
            for idx in batches:
                i = torch.from_numpy(idx).to(X.device)
                step(X[i], y[i])
        sync()
        count[0] += 1
        return len(batches) * BATCH / (time.perf_counter() - t)

    return epoch


def mlp_table(device: str, sync, n: int, epochs: int) -> list[str]:
    X, y = mlp_data(n, device)
    sides = {"plain torch, backward by hand": torch_mlp(X, y, sync)}
    sides["convlab.nn + convlab.optim.SGD [torch]"] = convlab_mlp(X, y, sync)
    rate = dict.fromkeys(sides, 0.0)
    for _ in range(epochs):
        for name, epoch in sides.items():
            rate[name] = max(rate[name], epoch())
    ref = rate["plain torch, backward by hand"]
    lines = [
        f"3. MLP 784-512-512-10, batch {BATCH}, float32, {n:,} samples, best of {epochs} epochs",
        f"{'':52s} {'samples/s':>9s} {'vs torch':>8s}",
    ]
    for name, r in rate.items():
        target = "≥ 1.0" if name.startswith("convlab") else "-"
        lines.append(f"{name:52s} {r:9.0f} {r / ref:8.2f}  {target}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N (torch's strings)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the script")
    parser.add_argument(
        "--table", type=int, choices=(1, 2, 3), action="append", help="only this table (repeatable)"
    )
    args = parser.parse_args()
    try:
        get_namespace("torch", device=args.device)
    except BackendUnavailableError as exc:
        print(f"skipped: {exc}")
        return
    import torch

    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    runs, steps, rows, n = (1024, 500, args.rows, args.samples)
    if args.quick:
        runs, steps, rows, n = 128, 100, 100_000, 4096
    tables = {
        1: lambda: sweep_table(args.device, sync, runs, steps, 16, args.dtype),
        2: lambda: least_squares_table(args.device, sync, rows, 100, 10),
        3: lambda: mlp_table(args.device, sync, n, 3),
    }
    print(header(args.device))
    for number in args.table or sorted(tables):
        print("\n" + "\n".join(tables[number]()))


if __name__ == "__main__":
    main()
