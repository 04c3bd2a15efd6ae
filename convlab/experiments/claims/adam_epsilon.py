r"""Adam with ε ≫ √v̂ is momentum SGD with step η/ε: on a noisy quadratic its path stays
within the derived bound of the path of convlab's (torch's) SGD with the momentum, dampening
and learning-rate schedule derived by :func:`convlab.symbolic.adam_epsilon.adam_large_epsilon`.

Both runs (and the rival's, Adam at ε → 0) see the same gradient noise, so on the quadratic the
gap between Adam and SGD is driven only by Adam's remainder δ_t = η m̂ √v̂/(ε(√v̂ + ε)) and
carried by the derived transition M_t of SGD's map; the bound is Σ_s |(M_t⋯M_{s+1})₁₁|·|δ̄_s|
with |δ̄_s| = η|m̂_s|√v̂_s/ε² (the derived remainder bound, on Adam's own moments) plus the
rounding of the two runs.
"""

from __future__ import annotations

import numpy as np

from convlab.backend import from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim import SGD, Adam, Schedule
from convlab.problems import Quadratic
from convlab.symbolic.adam_epsilon import adam_large_epsilon

LAMBDAS = np.array([0.25, 0.5, 1.0, 2.0])  # f = ½Σλᵢxᵢ²
X0, NOISE = 3.0, 1.0  # x₀ = 3·𝟙; gradient noise N(0, 1) per coordinate and step
ALPHA = 0.5  # η/ε: the matching SGD's step on the moving average
BETAS = (0.9, 0.999)
EPSILONS = (100.0, 1000.0)  # √v̂ is at most ~6 here (λx₀ + noise): u = √v̂/ε ≲ 0.06, 0.006


class _DerivedRate(Schedule):
    """The derived learning rate α_t of the SGD that follows Adam's ε → ∞ path, for the steps
    t = count + 1 ≤ ``steps``."""

    def __init__(self, eta: float, epsilon: float, steps: int) -> None:
        values = {"eta": eta, "epsilon": epsilon, "beta_1": BETAS[0]}
        t = np.arange(1, steps + 1)
        self.rates = np.asarray(adam_large_epsilon().evaluate(part="sgd_lr", **values, t=t), float)

    def __call__(self, t: int) -> float:
        return float(self.rates[t])


def _matching_sgd(eta: float, epsilon: float, steps: int) -> SGD:
    """torch's SGD with the derived momentum, dampening and learning-rate schedule."""
    derived = adam_large_epsilon()
    momentum = float(derived.evaluate(part="momentum", beta_1=BETAS[0]))
    dampening = float(derived.evaluate(part="dampening"))
    lr = _DerivedRate(eta, epsilon, steps)
    return SGD(lr=lr, momentum=momentum, dampening=dampening)


def _paths(ctx: Context, epsilon: float, noise: np.ndarray) -> tuple[np.ndarray, ...]:
    """Adam(η = αε, ε), the matching SGD and Adam(η, ε = 0) (the rival) on ½Σλᵢxᵢ² with the
    same gradient noise: their paths (3, T+1, d) and Adam's m̂_t, v̂_t (T, d), on the host."""
    eta, xp = ALPHA * epsilon, ctx.xp
    problem = Quadratic(np.diag(LAMBDAS), backend=ctx.backend, dtype=ctx.dtype)
    optimizers = (
        Adam(lr=eta, betas=BETAS, eps=epsilon),
        _matching_sgd(eta, epsilon, noise.shape[0]),
        Adam(lr=eta, betas=BETAS, eps=0.0),
    )
    x = [from_host(np.full(LAMBDAS.size, X0), xp, ctx.dtype)] * 3
    states = [opt.init(x[0]) for opt in optimizers]
    paths, m_hat, v_hat = [[host(x[0])] * 3], [], []
    for t, xi in enumerate(noise, start=1):
        xi = from_host(xi, xp, ctx.dtype)
        for k, opt in enumerate(optimizers):
            x[k], states[k] = opt.step(x[k], problem.grad(x[k]) + xi, states[k])
        paths.append([host(z) for z in x])
        m_hat.append(host(states[0].exp_avg) / (1 - BETAS[0] ** t))
        v_hat.append(host(states[0].exp_avg_sq) / (1 - BETAS[1] ** t))
    return np.swapaxes(np.array(paths), 0, 1), np.array(m_hat), np.array(v_hat)


def _gap_bound(epsilon: float, inputs: np.ndarray) -> np.ndarray:
    """|e_t| ≤ Σ_{s≤t} |(M_t⋯M_{s+1})₁₁|·inputs_s per coordinate, M_t the derived transition
    at α_t and λᵢ; ``inputs`` (T, d) bound the per-step input. Returns (T, d)."""
    steps = inputs.shape[0]
    alphas = _DerivedRate(ALPHA * epsilon, epsilon, steps).rates
    transition = adam_large_epsilon().lambdify(part="transition")
    response = np.zeros((2, steps, LAMBDAS.size))  # column s: the gap's response to δ_s
    bound = np.zeros((steps, LAMBDAS.size))
    for t in range(steps):
        rows = transition(alphas[t], BETAS[0], LAMBDAS)
        M = np.array(
            [[np.broadcast_to(np.asarray(v, float), LAMBDAS.shape) for v in r] for r in rows]
        )
        response[:, :t] = np.einsum("ijd,jsd->isd", M, response[:, :t])
        response[:, t] = [[1.0], [0.0]]
        bound[t] = np.sum(np.abs(response[0, : t + 1]) * inputs[: t + 1], axis=0)
    return bound


def _case(ctx: Context, epsilon: float, noise: np.ndarray) -> dict:
    """The gap ‖x_t − y_t‖∞ of Adam to the matching SGD, its derived bound (max over the
    coordinates of the per-coordinate bound), and the rival's gap."""
    (adam, sgd, rival), m_hat, v_hat = _paths(ctx, epsilon, noise)
    remainder = np.asarray(
        adam_large_epsilon().evaluate(
            part="remainder_bound", eta=ALPHA * epsilon, epsilon=epsilon, m=m_hat, v=v_hat
        ),
        float,
    )
    # rounding: each run stores x + Δ to within ε|x| and computes Δ to within a few ε|Δ|
    rounding = 10 * ctx.eps * (np.abs(adam[1:]) + np.abs(np.diff(adam, axis=0)))
    bound = _gap_bound(epsilon, remainder + rounding)
    return {
        "gap": np.abs(adam[1:] - sgd[1:]).max(axis=1),
        "bound": bound.max(axis=1),
        "rival": np.abs(rival[1:] - sgd[1:]).max(axis=1),
        "u": float(np.sqrt(v_hat).max() / epsilon),
        "paths": (adam, sgd),
    }


def _key(epsilon: float) -> str:
    return f"‖x_t − y_t‖∞, ε = {epsilon:g}"


@claim(
    "adam-large-eps",
    "With ε ≫ √v̂ Adam follows momentum SGD with step η/ε — torch's SGD(momentum = β₁, "
    "dampening = 0) at lr_t = (η/ε)(1 − β₁)/(1 − β₁ᵗ) — within the derived remainder",
    r"-\eta\frac{\hat m}{\sqrt{\hat v}+\epsilon} = -\frac{\eta}{\epsilon}\hat m\Big(1 - "
    r"\frac{\sqrt{\hat v}}{\epsilon} + \dots\Big),\quad \Big|\Delta + \frac{\eta}{\epsilon}"
    r"\hat m\Big| \le \frac{\eta|\hat m|\sqrt{\hat v}}{\epsilon^2}",
    "adam-eps",
    rival="ε only guards the division: it does not change Adam's path (the ε → 0 path)",
)
def adam_large_eps(ctx: Context) -> Evidence:
    steps = ctx.pick(400, 200)
    noise = NOISE * np.random.default_rng(ctx.seed).normal(size=(steps, LAMBDAS.size))
    cases = {epsilon: _case(ctx, epsilon, noise) for epsilon in EPSILONS}
    zero = np.zeros(steps)
    return Evidence(
        predicted={_key(e): zero.tolist() for e in EPSILONS},
        measured={_key(e): c["gap"].tolist() for e, c in cases.items()},
        tolerance={_key(e): c["bound"].tolist() for e, c in cases.items()},
        rival={_key(e): c["rival"].tolist() for e, c in cases.items()},
        params={
            "alpha = eta/epsilon": ALPHA,
            "betas": list(BETAS),
            "lambdas": LAMBDAS.tolist(),
            "steps": steps,
            "max sqrt(v_hat)/epsilon": {f"{e:g}": c["u"] for e, c in cases.items()},
            "max gap / bound": {
                f"{e:g}": float(np.max(c["gap"] / c["bound"])) for e, c in cases.items()
            },
            "max rival gap": {f"{e:g}": float(c["rival"].max()) for e, c in cases.items()},
            "max bound": {f"{e:g}": float(c["bound"].max()) for e, c in cases.items()},
        },
        figure=_figure(cases, steps),
        note="½Σλᵢxᵢ² (λ = 0.25, 0.5, 1, 2) from x₀ = 3·𝟙, gradients with N(0, 1) noise drawn "
        "once and shared by every run; Adam(η = 0.5ε, β = (0.9, 0.999), ε) against convlab's "
        "SGD with the derived momentum β₁, dampening 0 (torch's first step takes g₁ undamped, "
        "so dampening β₁ would overweight it by β₁ᵗ) and learning rate "
        "(η/ε)(1 − β₁)/(1 − β₁ᵗ) (Adam's bias correction). predicted: the same path; "
        "tolerance: the derived bound Σ_s |(M_t⋯M_{s+1})₁₁|·(η|m̂_s|√v̂_s/ε² + 10ε(|x_s| + "
        "|Δ_s|)) per step and coordinate (max over the coordinates), M_t the derived "
        "transition; rival: the path of Adam at ε = 0, whose gap to SGD is far beyond the bound",
    )


def _figure(cases: dict, steps: int) -> Figure:
    t = np.arange(1, steps + 1)
    gaps = []
    for (epsilon, c), group in zip(cases.items(), ("adam", "rmsprop"), strict=False):
        gaps += [
            Series(t, c["bound"], f"derived bound, ε = {epsilon:g}", "bound", group),
            Series(t, c["gap"], f"Adam − SGD, ε = {epsilon:g}", "measured", group),
        ]
    first, c = next(iter(cases.items()))
    gaps.append(Series(t, c["rival"], f"ε → 0 path − SGD, ε = {first:g}", "rival"))
    adam, sgd = c["paths"]
    paths = [
        Series(np.arange(steps + 1), sgd[:, 0], "SGD(α_t, β₁, dampening 0)", "theory", "sgd"),
        *(
            Series(np.arange(steps + 1), k["paths"][0][:, 0], f"Adam, ε = {e:g}", "measured", g)
            for (e, k), g in zip(cases.items(), ("adam", "rmsprop"), strict=False)
        ),
    ]
    return Figure(
        [
            Panel("gap to the matching SGD", "step t", "‖x_t − y_t‖∞", gaps, yscale="log"),
            Panel(f"coordinate λ = {LAMBDAS[0]:g}", "step t", "x_t", paths),
        ],
        f"Adam with a large ε is momentum SGD with step η/ε = {ALPHA:g}",
    )
