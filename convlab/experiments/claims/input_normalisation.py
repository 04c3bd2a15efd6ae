r"""Input normalisation speeds up a nonlinear MLP too: steps of GD to a loss, raw against
standardised digits, predicted from the network's tangent kernel at initialisation.

The same ReLU MLP (one hidden layer of :data:`HIDDEN` units, Xavier-uniform weights, zero
biases, the same seed) is trained by full-batch GD on the squared loss
:math:`L = \frac1n\|f(X) - y\|^2` to the centred digit label, once on the raw pixels (0…16,
uncentred) and once on the standardised ones, until :math:`L \le` :data:`TARGET_SHARE` ·
Var(y).  Each run takes its own step by one rule, :math:`\eta = 1/\lambda_M(G_0)`, the largest
eigenvalue of the Gauss–Newton matrix at initialisation (the Hessian of the linearised loss:
its stiffest mode is fitted in one step, none is unstable).

**Prediction** (:func:`convlab.symbolic.linearised_gd`).  Linearised at θ₀, GD moves the
residual by :math:`r \leftarrow (I - \eta\hat K_0)r`, :math:`\hat K_0 = \frac2n JJ^\top` the
tangent kernel (:func:`convlab.nn.tangent_kernel`); in its eigenbasis the loss is
:math:`L_t = \frac1n\sum_i c_i^2(1-\eta\lambda_i)^{2t}` (``mode_loss``), and the predicted count
is the first t with :math:`L_t \le` target.  The raw pixels' Gram matrix :math:`XX^\top` enters
:math:`\hat K_0` (``first_layer_kernel``): their large mean gives it one huge eigenvalue, so η
is small for every other mode.  Only the modes that carry loss above the target must be
fitted, each at its own ratio :math:`\lambda_M/\lambda_i` — which is why κ(C_x) (the whole
spectrum's ratio: κ_raw/κ_std ≈ 10⁴ here, in ``params``) overestimates the speed-up (≈ 15) by
orders of magnitude.

**Tolerance: the linearisation's own error.**  The kernel moves while the network trains (raw:
it shrinks, so the run is a little slower than predicted; standardised: it grows).  The same
model with the kernel :math:`\hat K_T` of the point where the run reached the target (same η,
same initial residual) gives a second count; the measured count is expected between the two
(an assumption — the kernel drifts one way — not a theorem), so each count's tolerance is their
difference, plus one step (a count is an integer).  This is the pattern of the gradient-norm
claim, whose quadratic model is evaluated at both ends of a step.

**Speed-up: a lower bound.**  The standardised count is 5–8 steps, so the ratio's upper side
is not resolved (one step changes it by 15 %); what the model bounds is its lower side: the
speed-up is at least (the smaller raw count − 1)/(the larger standardised count + 1) of the two
kernels, compared with ``at_least``.  The rival — input statistics matter only for linear
models, so the MLP needs the same steps either way — predicts 1 (``rival_speed_up``).

Repeats: ctx.pick(3, 1) network seeds, each of which must agree.  Over seeds 0–19 (quick, the
first 300 digits) every count fell within its tolerance: raw 69–157 steps, standardised 5–7,
speed-up 11–22 against a lower bound of 8–17, in float64 and float32 alike.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from threadpoolctl import threadpool_limits

from convlab.backend import array_namespace
from convlab.data import Standardize, digits
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.nn import TrainingObjective, mlp, tangent_kernel
from convlab.optim import GD, run
from convlab.symbolic import linearised_gd

TARGET_SHARE = 0.4  # the target loss: 40 % of the label variance left (R² = 0.6)
HIDDEN = 128  # wide enough that the kernel moves little before the target (its top ≈ ±10 %)
MAX_STEPS = 1 << 16  # a count the linearised model does not reach by then is "never"
SWEEP = (0.8, 0.7, 0.6, 0.5, TARGET_SHARE)  # the figure's targets (· Var(y)), on the way


@cache
def _digits_on(backend: str, dtype: str, n: int) -> tuple[dict, object, float]:
    """The first n digits, pixels constant over them dropped: raw and standardised inputs,
    the centred label y and its variance."""
    X, labels = digits(backend=backend, dtype=dtype)
    xp = array_namespace(X)
    X, labels = X[:n, ...], labels[:n]
    keep = np.nonzero(host(xp.var(X, axis=0)) > 0)[0]
    X = xp.take(X, xp.asarray(keep, device=X.device), axis=1)
    y = xp.astype(labels, X.dtype)
    y = y - xp.mean(y)
    inputs = {"raw": X, "standardised": Standardize(eps=0.0).fit_transform(X)}
    return inputs, y, float(xp.mean(y * y))


def _modes(model, Z, residual) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues of K̂ = (2/n)K at the model's parameters (host, float64) and ``residual``'s
    coordinates in its eigenbasis."""
    _, K = tangent_kernel(model, Z)
    lam, U = np.linalg.eigh(2.0 * host(K) / Z.shape[0])
    return lam, U.T @ residual


def _steps_to(derived, lam, coef, eta: float, target: float) -> int | None:
    """The first t with the linearised loss Σ mode_loss ≤ target (it falls with t while every
    |1 − ηλ| < 1), by doubling then bisection; None if not by MAX_STEPS."""

    def above(t: int) -> bool:
        values = {"c_0": coef, "eta": eta, "lambda_": lam, "n": lam.size, "t": t}
        return float(np.sum(derived.evaluate(part="mode_loss", **values))) > target

    if not above(0):
        return 0
    low, high = 0, 1
    while above(high):
        if high >= MAX_STEPS:
            return None
        low, high = high, 2 * high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if above(mid) else (low, mid)
    return high


def _train(ctx: Context, Z, y, target: float, seed: int) -> dict:
    """One input's run to ``target``: the step η, the counts predicted with the kernel at θ₀
    and at θ_T (where the run stopped), the measured count (NaN if the run missed the target
    by 10× the prediction), the loss curve and both kernels' modes."""
    derived = linearised_gd()
    model = mlp([Z.shape[1], HIDDEN, 1], seed=seed, backend=ctx.backend, dtype=ctx.dtype)
    residual = host(model.forward(Z))[:, 0] - host(y)
    start = _modes(model, Z, residual)
    eta = float(derived.evaluate(part="step", lambda_M=start[0][-1]))
    predicted = _steps_to(derived, *start, eta, target)
    if predicted is None:
        raise ArithmeticError(f"the linearised model does not reach the target {target:g}")
    trace = run(
        TrainingObjective(model, "mse", Z, y),
        GD(eta),
        steps=10 * predicted + 10,
        callback=lambda t, x, loss, grad: bool(loss <= target),
    )
    loss = np.asarray(trace.loss, dtype=float)
    model.set_flat(trace.x)
    end = _modes(model, Z, residual)
    return {
        "eta": eta,
        "predicted": predicted,
        "end kernel": _steps_to(derived, *end, eta, target),
        "measured": trace.n_steps if loss[-1] <= target else float("nan"),
        "loss": loss,
        "modes": (start, end),
    }


def _tolerance(counts: dict) -> float:
    """|count(K̂_T) − count(K̂₀)| + 1 (inf where the end kernel never reaches the target)."""
    if counts["end kernel"] is None:
        return float("inf")
    return abs(counts["end kernel"] - counts["predicted"]) + 1.0


def _speed_up(raw: int | float, std: int | float) -> float:
    """T_raw/T_std (NaN if a run missed the target)."""
    if np.isnan(raw) or np.isnan(std):
        return float("nan")
    return float(linearised_gd().evaluate(part="speed_up", T_raw=raw, T_std=std))


def _speed_up_floor(raw: dict, std: dict) -> float:
    """The lower bound of the speed-up: (smaller raw count − 1)/(larger standardised + 1),
    over the two kernels (0 where the end kernel never reaches the target)."""
    if raw["end kernel"] is None or std["end kernel"] is None:
        return 0.0
    slow = min(raw["predicted"], raw["end kernel"]) - 1
    return _speed_up(slow, max(std["predicted"], std["end kernel"]) + 1)


@claim(
    "input-normalisation-mlp",
    "Standardising the digits speeds up GD on a ReLU MLP as its tangent kernel at init "
    "predicts: the steps to a loss for each input, and a speed-up far above 1",
    r"L_t = \frac1n\sum_i c_i^2 (1 - \eta\lambda_i)^{2t},\ \eta = \frac1{\lambda_M},"
    r"\ \frac{T_{raw}}{T_{std}} \ge \frac{T^{min}_{raw} - 1}{T^{max}_{std} + 1}",
    "linearised-gd",
    rival="normalisation matters only for linear models: the MLP needs the same steps (ratio 1)",
)
def input_normalisation_mlp(ctx: Context) -> Evidence:
    inputs, y, variance = _digits_on(ctx.backend, ctx.dtype, ctx.pick(500, 300))
    seeds = [ctx.seed + k for k in range(ctx.pick(3, 1))]
    target = TARGET_SHARE * variance
    with threadpool_limits(limits=1):  # matrices ≤ 500 wide: BLAS threads cost more than they save
        runs = [{k: _train(ctx, Z, y, target, s) for k, Z in inputs.items()} for s in seeds]
    predicted, measured, tolerance = _parts(runs)
    key = "speed-up T_raw/T_std"
    rival = [float(linearised_gd().evaluate(part="rival_speed_up"))] * len(runs)
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tolerance,
        rival={key: rival},
        compare={**dict.fromkeys(predicted, "equal"), key: "at_least"},
        params={
            "n": int(y.shape[0]),
            "hidden": HIDDEN,
            "target_loss": target,
            "seeds": seeds,
            "eta": {k: [r[k]["eta"] for r in runs] for k in inputs},
            "count with the end kernel": {k: [r[k]["end kernel"] for r in runs] for k in inputs},
            "speed-up floor": [p - t for p, t in zip(predicted[key], tolerance[key], strict=True)],
            "kappa of C_x = XᵀX/n": {k: _kappa(Z) for k, Z in inputs.items()},
        },
        figure=_figure(runs[0], variance, seeds[0]),
        note=f"ReLU MLP {HIDDEN} wide on the first {int(y.shape[0])} digits (constant pixels "
        "dropped), squared loss to the centred label, full-batch GD at η = 1/λ_M of the "
        "Gauss–Newton matrix at init, counted to the first step with L ≤ "
        f"{TARGET_SHARE:g}·Var(y). predicted: the first t where the linearised model's "
        "Σ c_i²(1 − ηλ_i)^{2t}/n ≤ target (tangent kernel at init); tolerance: the change of "
        "that count with the kernel at the end of the run, + 1 step. speed-up: at least "
        "(min raw count − 1)/(max standardised count + 1) over the two kernels; rival: 1. "
        "A run that misses the target counts NaN.",
    )


def _parts(runs: list[dict]) -> tuple[dict, dict, dict]:
    """predicted, measured and tolerance of each part, one entry per repeat: each input's
    count, and the speed-up with its tolerance down to the floor."""
    predicted, measured, tolerance = {}, {}, {}
    for name in runs[0]:
        key = f"{name}: steps to the target"
        predicted[key] = [r[name]["predicted"] for r in runs]
        measured[key] = [r[name]["measured"] for r in runs]
        tolerance[key] = [_tolerance(r[name]) for r in runs]
    key = "speed-up T_raw/T_std"
    pairs = [(r["raw"], r["standardised"]) for r in runs]
    predicted[key] = [_speed_up(raw["predicted"], std["predicted"]) for raw, std in pairs]
    measured[key] = [_speed_up(raw["measured"], std["measured"]) for raw, std in pairs]
    floor = [_speed_up_floor(raw, std) for raw, std in pairs]
    tolerance[key] = [p - f for p, f in zip(predicted[key], floor, strict=True)]
    return predicted, measured, tolerance


def _kappa(Z) -> float:
    """κ of the second-moment matrix the first layer sees, C_x = ZᵀZ/n (for comparison: the
    speed-up it would predict is κ_raw/κ_std, orders of magnitude off)."""
    Z = host(Z)
    lam = np.linalg.eigvalsh(Z.T @ Z / Z.shape[0])
    return float(lam[-1] / lam[0])


def _loss_curve(derived, modes, eta: float, t: np.ndarray) -> np.ndarray:
    """The linearised model's loss Σ mode_loss at the steps t."""
    lam, coef = modes
    values = {"c_0": coef[:, None], "eta": eta, "lambda_": lam[:, None], "n": lam.size}
    return np.sum(derived.evaluate(part="mode_loss", t=t[None, :], **values), axis=0)


def _sweep(first: dict, variance: float) -> dict:
    """Speed-ups at the looser targets SWEEP · Var(y) that the same runs pass on their way:
    measured (from the loss curves), predicted (K̂₀) and the lower bound (both kernels)."""
    derived, out = linearised_gd(), {"measured": [], "predicted": [], "floor": [], "rival": []}
    for share in SWEEP:
        counts = {}
        for name, r in first.items():
            start, end = (_steps_to(derived, *m, r["eta"], share * variance) for m in r["modes"])
            reached = np.nonzero(r["loss"] <= share * variance)[0]
            seen = reached[0] if reached.size else float("nan")
            counts[name] = {"predicted": start, "end kernel": end, "measured": seen}
        raw, std = counts["raw"], counts["standardised"]
        out["measured"].append(_speed_up(raw["measured"], std["measured"]))
        out["predicted"].append(_speed_up(raw["predicted"], std["predicted"]))
        out["floor"].append(_speed_up_floor(raw, std))
        out["rival"].append(float(derived.evaluate(part="rival_speed_up")))
    return out


def _figure(first: dict, variance: float, seed: int) -> Figure:
    derived, series = linearised_gd(), []
    for name, r in first.items():
        t, (start, end) = np.arange(r["loss"].size), r["modes"]
        series += [
            Series(t + 1, r["loss"], f"{name}: measured", "measured", name),
            Series(t + 1, _loss_curve(derived, start, r["eta"], t), f"{name}: K̂₀", "theory", name),
            Series(t + 1, _loss_curve(derived, end, r["eta"], t), f"{name}: K̂_T", "bound", name),
        ]
    curves = Panel(
        f"loss of GD (network seed {seed}) and of its linearisation",
        "step t + 1",
        "loss (1/n)‖f − y‖²",
        series,
        xscale="log",
        yscale="log",
        hlines=[(TARGET_SHARE * variance, "target")],
    )
    sweep = _sweep(first, variance)
    ratio = Panel(
        "speed-up of standardising, at each loss target",
        "target loss / Var(y)",
        "T_raw / T_std",
        [
            Series(SWEEP, sweep["measured"], "measured", "measured", "gd"),
            Series(SWEEP, sweep["predicted"], "linearised model, K̂₀", "theory", "gd"),
            Series(SWEEP, sweep["floor"], "lower bound (K̂₀ and K̂_T)", "bound", "gd"),
            Series(SWEEP, sweep["rival"], "same steps (ratio 1)", "rival"),
        ],
        yscale="log",
    )
    return Figure([curves, ratio], "Input normalisation speeds up a nonlinear MLP too")
