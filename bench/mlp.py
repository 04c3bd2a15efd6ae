"""Training throughput of a 784-512-512-10 ReLU MLP: convlab.nn vs PyTorch, vs the GEMM ceiling.

Prints a table (not a test).  Both sides train on the same 60,000 synthetic float32 samples
(seeded Gaussian inputs, random labels 0…9), batch 256, reshuffled every epoch, with SGD
(lr 0.01, momentum 0.9): convlab with ``convlab.optim.SGD`` on the flat parameter vector —
and with ``HeavyBall(0.01, 0.9)``, the same update (v ← 0.9v − 0.01g, θ ← θ + v) — each
stepped in place with ``update`` as ``convlab.nn.fit`` does (the same arithmetic as the pure
``step``), torch with ``nn.Sequential`` + ``optim.SGD``, and — the issue's reference point —
a plain hand-written NumPy MLP with the same update (no framework).  Epochs of the sides (and
the matmul timing) alternate, so a busy machine slows all alike; each reports its best epoch.

The matmul line times the very GEMMs one training step makes — 3 forward, 3 weight-gradient,
2 input-gradient (the first layer's input needs no gradient, on either side) — on the same
namespace and threads, best of 3; a square 2048 GEMM gives the machine's peak.  FLOPs per
sample: 6·(784·512 + 512·512 + 512·10) − 2·784·512 = 3,217,920 for a training step.

    OMP_NUM_THREADS=2 python bench/mlp.py [--backend numpy|cupy] [--epochs 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from convlab.backend import (
    BatchSampler,
    array_namespace,
    from_host,
    get_namespace,
    keep_freed_memory,
    take_rows,
)
from convlab.errors import BackendUnavailableError
from convlab.nn import CrossEntropyLoss, mlp
from convlab.optim import SGD, HeavyBall

SIZES = (784, 512, 512, 10)
BATCH = 256
WEIGHTS = sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:], strict=True))
FLOPS_PER_SAMPLE = 6 * WEIGHTS - 2 * SIZES[0] * SIZES[1]


def data(n: int, xp):
    rng = np.random.default_rng(0)
    X = from_host(rng.normal(size=(n, SIZES[0])), xp, "float32")
    y = xp.asarray(rng.integers(0, SIZES[-1], size=n), device=X.device)
    return X, y


def convlab_trainer(X, y, sync, opt):
    """A function running one epoch of convlab.nn with optimizer ``opt``; returns samples/s."""
    xp = array_namespace(X)
    net = mlp(SIZES, seed=0, backend=xp, dtype="float32", device=X.device)
    loss = CrossEntropyLoss()
    params = net.get_flat()
    net.set_flat(params)
    run = {"params": params, "state": opt.init(params), "epoch": 0}
    sampler = BatchSampler(X.shape[0], BATCH, seed=0)

    def epoch(batches=None):
        batches = sampler.epoch(run["epoch"]) if batches is None else batches
        sync()
        t = time.perf_counter()
        p, s = run["params"], run["state"]
        for idx in batches:
            loss(net.forward(take_rows(X, idx)), take_rows(y, idx))
            net.backward(loss.backward(), input_grad=False)
            if opt.in_place:  # what convlab.nn.fit does: the same step, over p (optim.base)
                s = opt.update(p, net.flat_grad(), s)
            else:
                p, s = opt.step(p, net.flat_grad(), s)
                net.set_flat(p)
        sync()
        run.update(params=p, state=s, epoch=run["epoch"] + 1)
        return len(batches) * BATCH / (time.perf_counter() - t)

    epoch(sampler.epoch(0)[:4])
    return epoch


def numpy_trainer(X, y):
    """The issue's reference: a plain hand-written NumPy MLP (no framework), the same net,
    batches and SGD with momentum, one epoch per call; returns samples/s."""
    X, y = np.asarray(X), np.asarray(y)
    rng = np.random.default_rng(0)
    pairs = list(zip(SIZES[:-1], SIZES[1:], strict=True))
    weights = [
        (rng.uniform(-1, 1, (b, a)) * np.sqrt(6 / (a + b))).astype(np.float32) for a, b in pairs
    ]
    params = weights + [np.zeros(b, np.float32) for _, b in pairs]
    velocity = [np.zeros_like(p) for p in params]
    sampler = BatchSampler(X.shape[0], BATCH, seed=0)
    count = [0]

    def step(xb, yb):
        acts, masks = [xb], []
        for i, w in enumerate(weights):
            z = acts[-1] @ w.T
            z += params[3 + i]
            if i < len(weights) - 1:
                masks.append(z > 0)
                z *= masks[-1]
            acts.append(z)
        z = acts[-1] - acts[-1].max(axis=1, keepdims=True)
        e = np.exp(z)
        e /= e.sum(axis=1, keepdims=True)
        e[np.arange(len(yb)), yb] -= 1.0
        d = e / len(yb)
        grads = [None] * len(params)
        for i in reversed(range(len(weights))):
            grads[i], grads[3 + i] = d.T @ acts[i], d.sum(axis=0)
            if i:
                d = (d @ weights[i]) * masks[i - 1]
        for p, v, g in zip(params, velocity, grads, strict=True):
            v *= 0.9
            v += g
            p -= 0.01 * v

    def epoch(batches=None):
        batches = sampler.epoch(count[0]) if batches is None else batches
        t = time.perf_counter()
        for idx in batches:
            step(X[idx], y[idx])
        count[0] += 1
        return len(batches) * BATCH / (time.perf_counter() - t)

    epoch(sampler.epoch(0)[:4])
    return epoch


def torch_trainer(X, y, threads):
    """One epoch of the same network in PyTorch (CPU) per call; returns samples/s."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    Xt, yt = torch.from_numpy(np.asarray(X)), torch.from_numpy(np.asarray(y))
    layers: list = []
    for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        layers += [torch.nn.Linear(a, b)] + ([torch.nn.ReLU()] if i < len(SIZES) - 2 else [])
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    sampler = BatchSampler(Xt.shape[0], BATCH, seed=0)
    count = [0]

    def epoch(batches=None):
        batches = sampler.epoch(count[0]) if batches is None else batches
        t = time.perf_counter()
        for idx in batches:
            i = torch.from_numpy(idx)
            opt.zero_grad(set_to_none=True)
            lossf(net(Xt[i]), yt[i]).backward()
            opt.step()
        count[0] += 1
        return len(batches) * BATCH / (time.perf_counter() - t)

    epoch(sampler.epoch(0)[:4])
    return epoch


def step_gemm_flops(xp, device, sync, repeats: int = 20) -> float:
    """FLOP/s of the 8 GEMMs of one training step, best of 3 (the ceiling for this net)."""
    rng = np.random.default_rng(1)
    acts = [from_host(rng.normal(size=(BATCH, n)), xp, "float32", device) for n in SIZES]
    ws = [
        from_host(rng.normal(size=(b, a)), xp, "float32", device)
        for a, b in zip(SIZES[:-1], SIZES[1:], strict=True)
    ]
    best = np.inf
    for _ in range(3):
        sync()
        t = time.perf_counter()
        for _ in range(repeats):
            for i, w in enumerate(ws):
                acts[i] @ w.T  # forward
                acts[i + 1].T @ acts[i]  # weight gradient
                if i:
                    acts[i + 1] @ w  # input gradient
        sync()
        best = min(best, time.perf_counter() - t)
    return repeats * BATCH * FLOPS_PER_SAMPLE / best


def square_gemm_flops(xp, device, sync, n: int = 2048, repeats: int = 5) -> float:
    rng = np.random.default_rng(2)
    a = from_host(rng.normal(size=(n, n)), xp, "float32", device)
    a @ a
    sync()
    t = time.perf_counter()
    for _ in range(repeats):
        a @ a
    sync()
    return repeats * 2 * n**3 / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="numpy", choices=["numpy", "cupy"])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--samples", type=int, default=60_000)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = ap.parse_args()
    try:
        xp = get_namespace(args.backend)
    except BackendUnavailableError as exc:
        print(f"skipped backend {args.backend!r}: {exc}")
        return
    sync = _sync(args.backend)
    kept = keep_freed_memory()  # the opt-in (convlab.backend.memory), for both sides
    X, y = data(args.samples, xp)
    print(
        f"784-512-512-10 ReLU MLP, batch {BATCH}, float32, {args.samples} samples, best of "
        f"{args.epochs} epochs, backend {args.backend}, OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')}; freed memory kept: {kept}; load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    trainers = {
        "convlab.nn + convlab.optim.SGD": convlab_trainer(X, y, sync, SGD(0.01, momentum=0.9)),
        "convlab.nn + convlab.optim.HeavyBall": convlab_trainer(X, y, sync, HeavyBall(0.01, 0.9)),
    }
    if args.backend == "numpy":
        trainers["plain hand-written NumPy MLP"] = numpy_trainer(X, y)
        trainers["torch nn.Sequential + optim.SGD (CPU)"] = _torch(X, y, args.threads)
    best = dict.fromkeys(trainers, 0.0)
    gemm = 0.0
    for _ in range(args.epochs):  # interleaved, so that a busy machine slows both alike
        gemm = max(gemm, step_gemm_flops(xp, X.device, sync))
        for name, epoch in trainers.items():
            best[name] = max(best[name], epoch()) if epoch else None
    square = square_gemm_flops(xp, X.device, sync)
    rows = list(best.items())
    ref = rows[-1][1] if len(rows) > 2 else None
    print(f"{'':40s} {'samples/s':>10s} {'GFLOP/s':>8s} {'vs torch':>8s} {'vs matmul':>9s}")
    for name, sps in rows:
        if sps is None:
            print(f"{name:40s} (torch not installed)")
            continue
        f = sps * FLOPS_PER_SAMPLE
        vs = f"{sps / ref:7.2f}x" if ref else "       -"
        print(f"{name:40s} {sps:10.0f} {f / 1e9:8.1f} {vs:>8s} {f / gemm:9.0%}")
    print(
        f"{'matmul: the GEMMs of a step, alone':40s} {gemm / FLOPS_PER_SAMPLE:10.0f} "
        f"{gemm / 1e9:8.1f}"
    )
    print(f"{'matmul: square 2048 (peak)':40s} {'':10s} {square / 1e9:8.1f}")


def _torch(X, y, threads):
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    return torch_trainer(X, y, threads)


def _sync(backend: str):
    if backend == "cupy":
        import cupy

        return cupy.cuda.Device().synchronize
    return lambda: None


if __name__ == "__main__":
    main()
