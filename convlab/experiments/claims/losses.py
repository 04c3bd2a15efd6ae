r"""Softmax + cross-entropy: gradient f − y and a PSD Hessian diag(f) − ffᵀ; MSE as a Gaussian NLL.

Predictions are the derived expressions of :func:`convlab.symbolic.softmax_cross_entropy`,
:func:`convlab.symbolic.softmax_jacobian` and :func:`convlab.symbolic.mean_squared_error`,
evaluated at random logits / outputs.  Measurements: central differences of the numeric
cross-entropy of :class:`convlab.problems.SoftmaxRegression` with one sample x = 1 (its
parameters are then the logits themselves), the fused backward of
:class:`convlab.nn.CrossEntropyLoss`, and :class:`convlab.nn.MSELoss`.
"""

from __future__ import annotations

import numpy as np

from convlab.backend import eps, from_host, get_namespace, host_rng
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.nn import CrossEntropyLoss, MSELoss
from convlab.problems import SoftmaxRegression
from convlab.symbolic.losses import mean_squared_error, softmax_cross_entropy, softmax_jacobian
from convlab.symbolic.rivals import cross_entropy_in_probabilities

K = 3  # classes: the derivation is symbolic in K explicit logits (K = 3 derives in ~0.5 s)
THIRD = np.sqrt(3) / 18  # max over f of |f(1 − f)(1 − 2f)|: bounds the 3rd derivative of ℓ
FOURTH = 1 / 8  # max |f(1 − f)(1 − 6f + 6f²)|: bounds the 3rd derivatives of f − y


def _logits(ctx: Context, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n seeded logit vectors of K classes at scales from 0.1 to 10 (near-uniform to near-one-hot)
    and a label for each."""
    rng = host_rng(ctx.seed + 31)
    scale = np.geomspace(0.1, 10, n)[:, None]
    return scale * rng.normal(size=(n, K)), rng.integers(0, K, size=n)


def _one_sample(ctx: Context, label: int) -> SoftmaxRegression:
    """Cross-entropy of softmax(z) against ``label`` as a problem in z (X = [[1]])."""
    return SoftmaxRegression(
        np.ones((1, 1)), np.array([float(label)]), K, backend=ctx.backend, dtype=ctx.dtype
    )


def _symbolic(part: str, derivation, z: np.ndarray, labels=None, prefix: str = "z"):
    """A derived part at each row of z (n, K) (and one-hot labels): shape (n, K) or (n, K, K);
    ``prefix`` names the symbols z holds (z_i logits, f_i probabilities)."""
    values = {f"{prefix}_{i + 1}": z[:, i] for i in range(K)}
    if labels is not None:
        values.update({f"y_{i + 1}": (labels == i).astype(float) for i in range(K)})
    out = np.asarray(derivation.evaluate(part=part, **values), dtype=float)
    return out[..., 0] if out.shape[-1] == 1 else out


def _shifted(problem, z: np.ndarray, h: float):
    """z ± h·e_j for every row of z and coordinate j, on the problem's device: (2·m·K, K)."""
    pts = z[None, :, None, :] + np.array([h, -h])[:, None, None, None] * np.eye(K)
    return from_host(pts.reshape(-1, K), problem.xp, problem.dtype, problem.device)


def _best_step(third: float, rounding: float) -> float:
    """The step h minimising the central-difference bound h²/6·third + rounding/h."""
    return float(np.cbrt(3 * rounding / third))


def _fd_gradient(problem, z: np.ndarray, h: float) -> np.ndarray:
    """Central differences of ``problem.value`` at each row of z, in one batched call."""
    v = host(problem.value(_shifted(problem, z, h))).reshape(2, len(z), K)
    return (v[0] - v[1]) / (2 * h)


def _fd_hessian(problem, z: np.ndarray, h: float) -> np.ndarray:
    """Central differences of ``problem.grad`` at each row of z, in one batched call; each
    column divided by the step between the two points as the problem's dtype holds them."""
    shifted = _shifted(problem, z, h)
    g = host(problem.grad(shifted)).reshape(2, len(z), K, K)
    x = host(shifted).reshape(2, len(z), K, K)
    steps = np.diagonal(x[0] - x[1], axis1=-2, axis2=-1)  # (n, K): 2h, rounded
    return np.swapaxes(g[0] - g[1], -1, -2) / steps[:, None, :]


def _value(problem, z: np.ndarray) -> np.ndarray:
    return host(problem.value(from_host(z, problem.xp, problem.dtype, problem.device)))


def _by_label(ctx: Context, z: np.ndarray, labels: np.ndarray, fn, shape: tuple) -> np.ndarray:
    """``fn(problem, rows)`` on the rows of each label with that label's problem, reassembled."""
    out = np.zeros((len(z), *shape))
    for label in np.unique(labels):
        rows = labels == label
        out[rows] = fn(_one_sample(ctx, int(label)), z[rows])
    return out


def _fused_gradient(ctx: Context, logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """n × the backward of :class:`CrossEntropyLoss` (a mean over the n rows)."""
    xp = get_namespace(ctx.backend)
    z = from_host(logits, xp, ctx.dtype)
    loss = CrossEntropyLoss()
    loss(z, xp.asarray(labels.astype(np.int64), device=z.device))
    return host(loss.backward()) * logits.shape[0]


@claim(
    "softmax-ce-gradient",
    "The gradient of softmax + cross-entropy in the logits is f − y",
    r"\nabla_z \left(-\sum_i y_i \log f_i(z)\right) = f - y",
    "losses",
    rival="the softmax's Jacobian drops out: ∇ = ∂ℓ/∂f = −y/f",
)
def ce_gradient(ctx: Context) -> Evidence:
    logits, labels = _logits(ctx, ctx.pick(200, 30))
    predicted = _symbolic("gradient", softmax_cross_entropy(K), logits, labels)
    probs = _symbolic("softmax", softmax_jacobian(K), logits)
    rival = _symbolic("gradient", cross_entropy_in_probabilities(K), probs, labels, prefix="f")
    losses = _by_label(ctx, logits, labels, _value, ())
    rounding = 2 * ctx.eps * float(np.max(losses) + np.max(np.abs(logits)) + 1)
    h = _best_step(THIRD, rounding)
    fd = _by_label(ctx, logits, labels, lambda p, z: _fd_gradient(p, z, h), (K,))
    fused = _fused_gradient(ctx, logits, labels)
    fd_tol = h**2 / 6 * THIRD + rounding / h
    fused_tol = 10 * K * ctx.eps
    parts = ("finite differences", "nn fused backward")
    return Evidence(
        predicted=dict.fromkeys(parts, predicted.tolist()),
        measured={parts[0]: fd.tolist(), parts[1]: fused.tolist()},
        tolerance={parts[0]: fd_tol, parts[1]: fused_tol},
        rival=dict.fromkeys(parts, rival.tolist()),
        params={"classes": K, "logit_vectors": len(labels), "fd_step": h},
        note="predicted/measured: the gradient f − y at random logits (scales 0.1–10). FD "
        "tolerance h²/6·max|ℓ‴| + 2·ε·(max ℓ + max|z| + 1)/h with |ℓ‴| ≤ √3/18 "
        "(truncation + rounding of the log-sum-exp), at the step h that minimises it; the "
        "fused CrossEntropyLoss backward (× n, it averages) to 10·K·ε; ε of the run's dtype.",
    )


@claim(
    "softmax-ce-hessian-psd",
    "The Hessian of softmax + cross-entropy, diag(f) − ffᵀ, is positive semi-definite",
    r"\nabla_z^2 \ell = \mathrm{diag}(f) - f f^\top \succeq 0",
    "losses",
    rival="the Hessian is diag(f) (the ffᵀ term dropped): positive definite, λ_min = min f",
)
def ce_hessian(ctx: Context) -> Evidence:
    logits, labels = _logits(ctx, ctx.pick(2000, 200))
    probs = _symbolic("softmax", softmax_jacobian(K), logits)
    values = {f"f_{i + 1}": probs[:, i] for i in range(K)}
    hessians = np.asarray(softmax_cross_entropy(K).evaluate(part="hessian", **values), dtype=float)
    eigs = np.linalg.eigvalsh(hessians)  # of the derived Hessian, on the host in float64
    psd_tol = 10 * K * eps("float64")  # eigvalsh's backward error, norm ≤ 1
    h = _best_step(FOURTH, 4 * ctx.eps)
    fd = _by_label(ctx, logits, labels, lambda p, z: _fd_hessian(p, z, h), (K, K))
    fd_gap = float(np.max(np.abs(fd - hessians)))
    fd_tol = h**2 / 6 * FOURTH + 4 * ctx.eps / h
    return Evidence(
        predicted={"min_eigenvalue": 0.0, "fd_gap": 0.0},
        measured={"min_eigenvalue": eigs[:, 0].tolist(), "fd_gap": fd_gap},
        tolerance={"min_eigenvalue": psd_tol, "fd_gap": fd_tol},
        rival={"min_eigenvalue": np.min(probs, axis=1).tolist()},
        compare={"min_eigenvalue": "equal", "fd_gap": "at_most"},
        params={"classes": K, "logit_vectors": len(probs), "fd_step": h},
        figure=_eigen_figure(probs, eigs, psd_tol),
        note="min_eigenvalue: per sample, 0 (eigenvector 𝟙: PSD and singular); rival: the "
        "smallest eigenvalue of diag(f), min_i f_i > 0. The derived Hessian (in f) at "
        "f = softmax(z) (also derived) for random logits at "
        "scales 0.1–10; its smallest eigenvalue is 0 (eigenvector 1) in exact arithmetic, so "
        "the tolerance is eigvalsh's rounding, 10·K·ε₆₄ (the derived Hessian is evaluated on "
        "the host in float64). fd_gap: max |FD Hessian of SoftmaxRegression's gradient − "
        "derived| (divided by the steps as the run's dtype holds them), tolerance "
        "h²/6·max|∂³(f − y)| + 4·ε/h with |∂³(f − y)| ≤ 1/8, at the step h that minimises it; "
        "ε of the run's dtype.",
    )


def _eigen_figure(probs: np.ndarray, eigs: np.ndarray, tol: float) -> Figure:
    lowest = np.sort(eigs[:, 0])
    smallest = Panel(
        "smallest eigenvalue (0 in exact arithmetic)",
        "sample (sorted)",
        "λ_min",
        [Series(np.arange(lowest.size), lowest, "λ_min of diag(f) − ffᵀ", "measured", "gd")],
        hlines=[(-tol, "−tolerance (rounding)"), (0.0, "0")],
    )
    keep = np.linspace(0, len(probs) - 1, 80).round().astype(int)
    keep = keep[np.argsort(probs.max(axis=1)[keep])]
    peak = probs.max(axis=1)[keep]
    second = Panel(
        "second smallest eigenvalue (> 0)",
        "max_i f_i (how peaked the softmax is)",
        "λ₂",
        [
            Series(peak, eigs[keep, 1], "λ₂ of diag(f) − ffᵀ", "measured", "adam"),
            Series(peak, probs.min(axis=1)[keep], "λ_min of diag(f): min f > 0", "rival"),
        ],
        yscale="log",
    )
    return Figure([smallest, second], "Softmax cross-entropy Hessian: PSD at every sample")


@claim(
    "mse-gaussian-nll",
    "Squared error is the Gaussian negative log-likelihood up to a scale and a constant",
    r"-\log \mathcal{N}(y; f, \sigma^2 I) = \frac{\|y - f\|^2}{2\sigma^2} + "
    r"\frac{d}{2}\log(2\pi\sigma^2)",
    "losses",
    rival="the variance only scales the loss: the constant is (d/2)log 2π, as at σ = 1",
)
def mse_nll(ctx: Context) -> Evidence:
    d, sigma = 3, 0.7
    derivation = mean_squared_error(d)
    rng = host_rng(ctx.seed + 32)
    f, y = _as_dtype(ctx, rng.normal(size=(2, ctx.pick(500, 50), d)))
    names = [f"f_{i + 1}" for i in range(d)] + [f"y_{i + 1}" for i in range(d)]
    columns = np.concatenate([f, y], axis=1).T
    nll = derivation.evaluate(
        part="gaussian_nll", sigma=sigma, **dict(zip(names, columns, strict=True))
    )
    constant = float(
        derivation.evaluate(part="gaussian_nll", sigma=sigma, **dict.fromkeys(names, 0.0))
    )
    rival = float(derivation.evaluate(part="gaussian_nll", sigma=1.0, **dict.fromkeys(names, 0.0)))
    xp = get_namespace(ctx.backend)
    mse = np.array([_mse(xp, ctx, fk, yk) for fk, yk in zip(f, y, strict=True)])
    offsets = np.asarray(nll, dtype=float) - d * mse / (2 * sigma**2)  # MSELoss: mean over d
    tol = 10 * ctx.eps * float(np.max(np.abs(nll)) + 1)
    return Evidence(
        predicted=constant,
        measured=offsets.tolist(),
        tolerance=tol,
        rival=rival,
        params={"d": d, "sigma": sigma, "points": len(f)},
        note="rival: the derived NLL's constant at σ = 1. offset = derived NLL − d·MSELoss/(2σ²) "
        "at "
        "random (f, y) (as the run's dtype holds "
        "them); predicted: the derived NLL at f = y, (d/2)log(2πσ²). Tolerance: rounding, "
        "10·ε·(max|NLL| + 1), ε of the run's dtype.",
    )


def _as_dtype(ctx: Context, values: np.ndarray) -> np.ndarray:
    """``values`` rounded to the context's dtype, back on the host in float64."""
    return host(from_host(values, get_namespace(ctx.backend), ctx.dtype))


def _mse(xp, ctx: Context, f: np.ndarray, y: np.ndarray) -> float:
    loss = MSELoss()
    return float(loss(from_host(f[None, :], xp, ctx.dtype), from_host(y[None, :], xp, ctx.dtype)))
