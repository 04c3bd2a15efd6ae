r"""What depth does to a network at initialization: variance propagation and rank collapse.

Each experiment returns its measurements together with a ``verdict`` — a dict from a claim to
whether the measurement bears it out — so a report can state the claims and show the data.
Predictions enter as numbers (default: the closed forms below), never computed here.

**Variance through depth** (Glorot & Bengio 2010, §4.2).  Through a linear layer with i.i.d.
weights of variance v, activations scale in variance by ``N_x v`` (forward) and gradients by
``N_y v`` (backward).  So v = 1/N_x keeps the forward pass, v = 1/N_y the backward pass, and
Glorot's compromise v = 2/(N_x + N_y) keeps both when N_x = N_y; v = 1 explodes as N^L and a
tiny scale vanishes as (N v)^L.

**Rank collapse** (Daneshmand et al. 2020, "Batch normalization provably avoids rank collapse
for randomly initialised deep networks", NeurIPS).  The activations H_ℓ (n × width) of a deep
random linear or ReLU network become numerically low-rank as ℓ grows — their singular values
spread exponentially — while with BatchNorm the rank stays high.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from convlab.backend import from_host, get_namespace, host_rng, to_numpy
from convlab.nn.batchnorm import BatchNorm1d
from convlab.nn.init import INITS, weight_variance
from convlab.nn.layers import ACTIVATIONS, Linear
from convlab.nn.module import Module, Sequential

BAD_INITS = ("standard_normal", "tiny")


@dataclass(frozen=True)
class VarianceResult:
    """Per-layer activation and gradient variances, measured and predicted (rows: inits).

    ``forward[k, ℓ]``: Var of the activations after layer ℓ (column 0: the input);
    ``backward[k, ℓ]``: Var of ∂L/∂(input of layer ℓ+1) (last column: the upstream gradient).
    """

    inits: tuple[str, ...]
    forward: np.ndarray
    backward: np.ndarray
    predicted_forward: np.ndarray
    predicted_backward: np.ndarray
    verdict: dict[str, bool]


def variance_through_depth(
    *,
    depth: int = 20,
    width: int = 256,
    n: int = 512,
    inits: Sequence[str] = tuple(INITS),
    gains: dict[str, tuple[float, float]] | None = None,
    seed: int = 0,
    backend: Any = None,
    dtype: Any = "float64",
) -> VarianceResult:
    """Push N(0, I) inputs forward and N(0, I) gradients backward through ``depth`` linear
    layers of ``width`` units for each init (default: every one in ``INITS``), recording the
    variance after every layer.

    gains: per init, the predicted per-layer variance factors (forward, backward); default
    the closed forms ``(N_x v, N_y v)`` with v = :func:`~convlab.nn.init.weight_variance`.
    Verdict: Xavier stays within a factor 2 of the input variance in both directions;
    N(0, 1) grows by more than 10¹⁰; the tiny scale shrinks by more than 10¹⁰.
    """
    xp = get_namespace(backend)
    rng = host_rng(seed)
    x = from_host(rng.normal(size=(n, width)), xp, dtype)
    dy = from_host(rng.normal(size=(n, width)), xp, dtype, x.device)
    fwd, bwd, pf, pb = [], [], [], []
    for name in inits:
        net = Sequential(
            *[
                Linear(width, width, init=name, seed=rng, backend=xp, dtype=dtype, device=x.device)
                for _ in range(depth)
            ]
        )
        f, b = _layer_variances(net, x, dy)
        g_f, g_b = (gains or {}).get(name, (width * weight_variance(name, width, width),) * 2)
        fwd.append(f)
        bwd.append(b)
        pf.append(f[0] * g_f ** np.arange(depth + 1))
        pb.append(b[-1] * g_b ** np.arange(depth, -1, -1))
    fwd, bwd = np.array(fwd), np.array(bwd)
    verdict = {}
    for k, name in enumerate(inits):
        if name.startswith("xavier"):
            spread = max(_log2_spread(fwd[k]), _log2_spread(bwd[k]))
            verdict[f"{name} keeps both variances within a factor 2"] = spread <= 1.0
        elif name == "standard_normal":
            verdict["standard_normal explodes (x1e10)"] = bool(~(fwd[k, -1] / fwd[k, 0] < 1e10))
        elif name == "tiny":
            verdict["tiny vanishes (/1e10)"] = bool(fwd[k, -1] / fwd[k, 0] < 1e-10)
    return VarianceResult(tuple(inits), fwd, bwd, np.array(pf), np.array(pb), verdict)


def _layer_variances(net: Sequential, x: Any, dy: Any) -> tuple[np.ndarray, np.ndarray]:
    xp = net.xp
    fwd = [float(xp.var(x))]
    for block in net.blocks:
        x = block.forward(x)
        fwd.append(float(xp.var(x)))
    bwd = [float(xp.var(dy))]
    for block in reversed(net.blocks):
        dy = block.backward(dy)
        bwd.append(float(xp.var(dy)))
    return np.array(fwd), np.array(bwd[::-1])


def _log2_spread(v: np.ndarray) -> float:
    ratio = v / v[0] if v[0] > 0 else v
    return float(np.max(np.abs(np.log2(ratio))))


@dataclass(frozen=True)
class RankResult:
    """Numerical rank and condition number of the activations H_ℓ after each layer.

    Keys of the dicts: ``"linear"``, ``"linear+bn"``, ``"relu"``, ``"relu+bn"``; each array
    has ``depth + 1`` entries (entry 0: the whitened input); rank and condition are those of
    H_ℓ itself (uncentred, as Daneshmand et al.).  ``spectra[key][ℓ]``: the eigenvalues
    (descending) of the activation covariance of H_ℓ (centred) for ℓ = 0 … 4.
    """

    rank: dict[str, np.ndarray]
    condition: dict[str, np.ndarray]
    spectra: dict[str, np.ndarray]
    verdict: dict[str, bool]


def rank_collapse(
    *,
    depth: int = 50,
    width: int = 32,
    n: int = 128,
    init: str = "xavier_normal",
    rtol: float = 1e-3,
    seed: int = 0,
    backend: Any = None,
    dtype: Any = "float64",
) -> RankResult:
    """Rank and conditioning of H_ℓ through a deep random net on whitened d = ``width`` inputs.

    The input batch (n × width, Gaussian) is whitened to sample covariance I, so rank and
    condition start at ``width`` and 1.  rtol: singular values below ``rtol·σ₁`` count as
    zero — a coarse tolerance, as the soft rank of Daneshmand et al.: with float64's own
    (σ₁·n·eps) the rank falls only slowly while the condition number saturates near 1e16.
    BatchNorm is in train mode (batch statistics), placed after each Linear layer.
    Range: without BN, H_ℓ shrinks or grows geometrically (a ReLU net by ≈ 2^(-ℓ/2), below
    float32's 1e-38 within 200 layers), so each layer's output is rescaled by a power of two
    to a maximum entry in [1, 2): exact in floating point, and rank and condition are scale
    invariant because Linear (zero bias at init) and ReLU are positively homogeneous.  BN nets
    are not rescaled (BN normalises, and its ε is not scale invariant).  Singular values are
    compared in float64 on the host, so float32 runs neither overflow nor underflow.
    Verdict: without BN the deep linear and ReLU nets lose rank (final rank < width/2); with
    BN they keep a higher final rank than without.
    """
    xp = get_namespace(backend)
    rng = host_rng(seed)
    g = rng.normal(size=(n, width))
    g -= g.mean(axis=0)
    d, E = np.linalg.eigh(g.T @ g / n)
    x = from_host(g @ E / np.sqrt(d), xp, dtype)
    rank, cond, spectra = {}, {}, {}
    for act in ("linear", "relu"):
        for bn in (False, True):
            key = act + ("+bn" if bn else "")
            net = _deep_net(act, bn, depth, width, init, host_rng([seed, 1]), xp, dtype, x.device)
            rank[key], cond[key], spectra[key] = _track_rank(net, x, rtol, rescale=not bn)
    verdict = {
        "deep linear net without BN collapses in rank": bool(rank["linear"][-1] < width / 2),
        "deep ReLU net without BN collapses in rank": bool(rank["relu"][-1] < width / 2),
        "BN keeps a higher rank in the linear net": bool(
            rank["linear+bn"][-1] > rank["linear"][-1]
        ),
        "BN keeps a higher rank in the ReLU net": bool(rank["relu+bn"][-1] > rank["relu"][-1]),
    }
    return RankResult(rank, cond, spectra, verdict)


def _deep_net(act, bn, depth, width, init, rng, xp, dtype, device) -> list[Sequential]:
    """One Sequential per layer: Linear, then BatchNorm1d (if ``bn``), then the activation."""
    layers = []
    for _ in range(depth):
        blocks: list[Module] = [
            Linear(width, width, init=init, seed=rng, backend=xp, dtype=dtype, device=device)
        ]
        if bn:
            blocks.append(BatchNorm1d(width, backend=xp, dtype=dtype, device=device))
        if act != "linear":
            blocks.append(ACTIVATIONS[act]())
        layers.append(Sequential(*blocks))
    return layers


def _track_rank(layers: list[Sequential], x: Any, rtol: float, rescale: bool):
    xp = layers[0].xp
    ranks, conds, spectra = [], [], []
    h = x
    for i in range(len(layers) + 1):
        if i:
            h = layers[i - 1].forward(h)
            if rescale:
                h = _power_of_two_rescale(h, xp)
        s = to_numpy(xp.linalg.svdvals(h)).astype(np.float64)
        ranks.append(int(np.sum(s > rtol * s[0])))
        conds.append(float(s[0] / s[-1]) if s[-1] > 0 else np.inf)
        if i < 5:
            hc = h - xp.mean(h, axis=0)
            eig = xp.flip(xp.linalg.eigvalsh(hc.T @ hc / h.shape[0]))
            spectra.append(to_numpy(eig).astype(np.float64))
    return np.array(ranks), np.array(conds), np.array(spectra)


def _power_of_two_rescale(h: Any, xp: Any) -> Any:
    """h · 2^k with max|h · 2^k| in [1, 2): exact (a power-of-two scale rounds nothing)."""
    peak = float(xp.max(xp.abs(h)))
    if not 0.0 < peak < math.inf:
        return h
    return h * math.ldexp(1.0, 1 - math.frexp(peak)[1])
