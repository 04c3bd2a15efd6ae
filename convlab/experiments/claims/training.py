r"""Training dynamics of a small MLP, explained by second-order models.

The gradient norm can grow while the loss falls (Goodfellow, Bengio & Courville, *Deep
Learning*, 2016, §8.2.1).  One GD step on the local quadratic model gives
(:func:`convlab.symbolic.gradient_norm_growth`)
:math:`\|g_{t+1}\|^2/\|g_t\|^2 \approx 1 - 2\eta\,g^\top Hg/\|g\|^2 + \eta^2 g^\top H^2 g/\|g\|^2`:
it exceeds 1 (‖g‖ grows) once :math:`\eta\,g^\top H^2 g > 2\,g^\top Hg` — curvature along g
large, or negative as on the plateau a tanh net leaves at the start of training — while the
loss still falls (:math:`\eta\,g^\top Hg < 2\|g\|^2`).  The rival, GD on a convex quadratic
with η ≤ 2/L, has :math:`\|g_{t+1}\| \le \max_i|1-\eta\lambda_i|\,\|g_t\| \le \|g_t\|`.

Measurement: full-batch GD (:func:`convlab.optim.run`) on a tanh MLP
(:func:`convlab.nn.mlp`) trained with cross-entropy on two moons; at every step the loss and
‖g‖ are recorded, and at the steps where the loss falls and ‖g‖ grows the Hessian-vector
products :math:`Hg` come from central differences of gradients.
"""

from __future__ import annotations

import numpy as np

from convlab.backend import from_host
from convlab.data.datasets import two_moons
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.nn import TrainingObjective, mlp
from convlab.optim import GD, run
from convlab.problems.curvature import hessian_vector_product
from convlab.symbolic import gradient_norm_growth

GROWTH_NEEDS_FLOAT64 = (
    "Hg comes from central differences of gradients, accurate to ~ε^(2/3)·‖θ‖ (5e-3 in "
    "float32), as large as the growth ratios' deviations from 1 that are compared (1e-3 to 5e-2)"
)
GROWTH_ETA = 0.5  # GD's step on the moons MLP: the run leaves its plateau, ‖g‖ growing


def _moons_objective(ctx: Context) -> TrainingObjective:
    data = two_moons(200, seed=ctx.seed, backend=ctx.backend, dtype=ctx.dtype)
    model = mlp(
        [2, 16, 16, 2], activation="tanh", seed=ctx.seed, backend=ctx.backend, dtype=ctx.dtype
    )
    return TrainingObjective(model, "cross_entropy", data.X, data.y)


def _hvp(objective: TrainingObjective, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
    """H(θ)v by central differences of gradients (:func:`hessian_vector_product`), on the host."""
    on_device = (from_host(a, objective.xp, objective.dtype, objective.device) for a in (theta, v))
    return host(hessian_vector_product(objective, *on_device))


def _model_ratios(objective, thetas: np.ndarray, grads: np.ndarray, steps: np.ndarray):
    """The quadratic model's ‖g_{t+1}‖²/‖g_t‖² and f_{t+1} − f_t at each step (H at θ_t), and
    a bound on the model's error from the change of Hg over the step.

    The exact ratio is ‖g − ηH̄g‖²/‖g‖² with H̄ the Hessian averaged along the step, and
    H̄g − H(θ_t)g ≈ Δ/2 with Δ = H(θ_{t+1})g − H(θ_t)g (to first order in the step), so by
    Cauchy–Schwarz the model is off by at most (η‖Δ‖‖g‖ + ½η²‖Δ‖(‖H_t g‖ + ‖H_{t+1}g‖))/‖g‖².
    """
    derivation = gradient_norm_growth()
    ratios, errors, loss_change = [], [], []
    for t in steps:
        g = grads[t]
        hg, hg1 = _hvp(objective, thetas[t], g), _hvp(objective, thetas[t + 1], g)
        gg, delta = g @ g, float(np.linalg.norm(hg1 - hg))
        values = {"eta": GROWTH_ETA, "gTg": gg, "gTHg": g @ hg}
        ratios.append(float(derivation.evaluate(part="grad_norm_ratio", gTH2g=hg @ hg, **values)))
        loss_change.append(float(derivation.evaluate(part="loss_change", **values)))
        spread = np.linalg.norm(hg) + np.linalg.norm(hg1)
        errors.append(GROWTH_ETA * delta * (np.sqrt(gg) + GROWTH_ETA * spread / 2) / gg)
    return np.array(ratios), np.array(errors), np.array(loss_change)


@claim(
    "gradient-norm-grows",
    "On a tanh MLP trained by GD, ‖g‖ grows at steps where the loss falls, by the ratio "
    "1 − 2ηgᵀHg/‖g‖² + η²gᵀH²g/‖g‖² of the local quadratic model",
    r"f_{t+1} < f_t,\quad \frac{\|g_{t+1}\|^2}{\|g_t\|^2} \approx 1 - 2\eta\frac{g^\top Hg}"
    r"{\|g\|^2} + \eta^2\frac{g^\top H^2g}{\|g\|^2} > 1",
    "training-dynamics",
    rival="the gradient norm falls whenever the loss falls (GD on a convex quadratic, η ≤ 2/L)",
    needs_float64=GROWTH_NEEDS_FLOAT64,
)
def gradient_norm_grows(ctx: Context) -> Evidence:
    objective = _moons_objective(ctx)
    n_steps = ctx.pick(120, 80)
    trace = run(objective, GD(GROWTH_ETA), steps=n_steps, record=("loss", "grad_norm", "params"))
    thetas = np.asarray(trace.params, dtype=float)
    loss, gnorm = np.asarray(trace.loss, dtype=float), np.asarray(trace.grad_norm, dtype=float)
    grads = (thetas[:-1] - thetas[1:]) / GROWTH_ETA  # GD: θ_{t+1} = θ_t − ηg_t
    both = np.nonzero((np.diff(loss) < 0) & (np.diff(gnorm) > 0))[0]
    both = both[both < grads.shape[0]]
    model, third_order, loss_model = _model_ratios(objective, thetas, grads, both)
    measured = (gnorm[both + 1] / gnorm[both]) ** 2
    tol = third_order + np.sqrt(ctx.eps)
    rival = float(gradient_norm_growth().evaluate(part="convex_ratio_max"))
    return Evidence(
        predicted={"growth": model.tolist(), "steps where loss falls, ‖g‖ grows": 1},
        measured={"growth": measured.tolist(), "steps where loss falls, ‖g‖ grows": len(both)},
        tolerance={"growth": tol.tolist(), "steps where loss falls, ‖g‖ grows": 0.5},
        rival={"growth": [rival] * len(both), "steps where loss falls, ‖g‖ grows": 0},
        compare={"growth": "equal", "steps where loss falls, ‖g‖ grows": "at_least"},
        params={
            "eta": GROWTH_ETA,
            "steps": both.tolist(),
            "loss_change_model": loss_model.tolist(),
            "loss_change_measured": np.diff(loss)[both].tolist(),
            "max_growth": float(np.max(measured)) if len(both) else None,
        },
        figure=_growth_figure(loss, gnorm, both, model, measured, rival),
        note="measured: ‖g_{t+1}‖²/‖g_t‖² at each GD step t where f_{t+1} < f_t and "
        "‖g_{t+1}‖ > ‖g_t‖; predicted: the quadratic model's ratio with Hg at θ_t (central "
        "differences of gradients); tolerance: its difference from the model with H averaged "
        "over the step's two ends (the third-order term) + √ε (the differences' rounding).",
    )


def _growth_figure(loss, gnorm, both, model, measured, rival) -> Figure:
    t = np.arange(loss.size)
    run_panel = Panel(
        "GD on a tanh MLP (two moons)",
        "step t",
        "value",
        [
            Series(t, loss, "loss f_t", "measured", "gd"),
            Series(t, gnorm, "‖g_t‖", "measured", "adam"),
        ],
        yscale="log",
    )
    ratio_panel = Panel(
        "‖g‖ growth at steps where the loss falls",
        "step t",
        "‖g_{t+1}‖² / ‖g_t‖²",
        [
            Series(both, model, "quadratic model", "theory", "gd"),
            Series(both, measured, "measured", "measured", "gd"),
            Series(both, np.full(both.size, rival), "convex quadratic: ratio ≤ 1", "rival"),
        ],
    )
    return Figure([run_panel, ratio_panel], "The gradient norm grows while the loss falls")
