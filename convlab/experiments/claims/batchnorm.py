r"""Batch normalization: rank collapse, trainability, train vs eval mode; collapse at init.

Predictions.  Rank (Daneshmand et al. 2020, "Batch normalization provably avoids rank
collapse for randomly initialised deep networks", NeurIPS): without BN the activations of a
deep random linear net become numerically rank one as depth grows; with BN the rank of a
linear net stays :math:`\Omega(\sqrt d)` at every depth, and a ReLU + BN net keeps (nearly)
full rank.  The rank without BN is predicted from the Lyapunov exponents of products of Gaussian
matrices (:func:`convlab.symbolic.rivals.lyapunov_rank`, Newman 1986); the statements with BN
are qualitative, so those claims take the bound's unstated constant as 1 (√d) or a criterion
fixed in advance (d/2); rank at rtol 10⁻³ of σ₁.
Trainability: through a ReLU, :func:`convlab.symbolic.he` halves the second moment, so a Xavier
layer (:func:`convlab.symbolic.xavier`, variance 2/(N_x+N_y)) keeps
:math:`N\sigma_w^2\cdot\tfrac12 = \tfrac12` of the signal per layer: a deep net without BN
starts with its signal shrunk by :math:`2^{-L}` and stays at the chance loss ln C; BN trains it.
Train vs eval: the running statistics move as :math:`\bar\mu_n = (1-\alpha)\bar\mu_{n-1} +
\alpha\mu_B` (α: torch's ``momentum``, the lectures' α), so the gap between the two modes
decays as :math:`(1-\alpha)^n` (:func:`convlab.symbolic.rivals.running_average_error`).

Measurements: :func:`convlab.nn.depth.rank_collapse`, :func:`convlab.nn.trainability.trainability`,
:func:`convlab.nn.bn_modes.bn_modes`, :func:`convlab.nn.trainability.class_collapse`.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.figure import Figure, Heatmap, Panel, Series
from convlab.nn.bn_modes import bn_modes
from convlab.nn.depth import RankResult, rank_collapse
from convlab.nn.trainability import class_collapse, trainability
from convlab.symbolic.initialization import he, xavier
from convlab.symbolic.rivals import lyapunov_rank, running_average_error

WIDTH = 32  # d: the whitened inputs and every hidden layer
RTOL = 1e-3  # singular values below RTOL·σ₁ count as zero
RANK_LABELS = {
    "linear": "linear",
    "linear+bn": "linear + BN",
    "relu": "ReLU",
    "relu+bn": "ReLU + BN",
}


@cache
def _rank(depth: int, seed: int, backend: str, dtype: str) -> RankResult:
    """One rank_collapse run shared by the three rank claims (same seed → same result)."""
    return rank_collapse(
        depth=depth, width=WIDTH, n=2 * WIDTH, rtol=RTOL, seed=seed, backend=backend, dtype=dtype
    )


def _rank_run(ctx: Context) -> tuple[RankResult, int]:
    depth = 200  # quick mode too: the run is cheap and shared, and at 100 the criterion is
    # marginal (rank 3-5 over seeds 0-4)
    return _rank(depth, ctx.seed, ctx.backend, ctx.dtype), depth


def _rank_params(depth: int) -> dict:
    return {"depth": depth, "width": WIDTH, "n": 2 * WIDTH, "rtol": RTOL, "init": "xavier_normal"}


def _rank_panel(result: RankResult, hlines: list, rival: Series | None = None) -> Panel:
    series = [
        Series(np.arange(r.size), r, RANK_LABELS[key], "measured", key)
        for key, r in result.rank.items()
    ] + ([rival] if rival is not None else [])
    return Panel(
        f"d = {WIDTH} whitened inputs",
        "depth ℓ",
        f"numerical rank of H_ℓ (σ > {RTOL:g}·σ₁)",
        series,
        hlines=hlines,
    )


@claim(
    "rank-collapse-linear",
    "Without BN a deep linear net's activations collapse towards rank one",
    r"\mathrm{rank}\, H_\ell \rightarrow 1 \quad (\ell \rightarrow \infty,\ \text{no BN})",
    "batchnorm",
    rival="a product of random Gaussian layers keeps the inputs' full rank d",
)
def rank_collapse_linear(ctx: Context) -> Evidence:
    result, depth = _rank_run(ctx)
    predicted, band = lyapunov_rank(WIDTH, depth, RTOL)
    rank = result.rank["linear"]
    measured = int(rank[-1])
    spectra = result.spectra["linear"]
    spec = [
        Series(
            np.arange(1, s.size + 1),
            np.maximum(s, 1e-300),
            f"layer {ell}",
            "measured",
            f"ℓ = {ell}",
        )
        for ell, s in enumerate(spectra)
    ]
    figure = Figure(
        [
            _rank_panel(
                result,
                [(predicted, "Lyapunov rank (derived)")],
                Series([0, depth], [WIDTH] * 2, "full rank d", "rival"),
            ),
            Panel(
                "linear, no BN: covariance spectra of layers 0–4",
                "eigenvalue index",
                "eigenvalue of cov(H_ℓ)",
                spec,
                yscale="log",
            ),
        ],
        "Rank collapse with depth, with and without BatchNorm",
    )
    falls = "deep linear net without BN collapses in rank"
    return Evidence(
        predicted={"final rank": predicted, "falls with depth": True},
        measured={"final rank": measured, "falls with depth": bool(result.verdict[falls])},
        tolerance={"final rank": band, "falls with depth": None},
        rival={"final rank": WIDTH},
        compare={"final rank": "equal", "falls with depth": "same"},
        params={**_rank_params(depth), "rank_by_depth": rank.tolist()},
        figure=figure,
        note="Daneshmand et al. 2020: the product of L random matrices has singular values "
        "spreading as e^{L(μ_i − μ_1)} (Lyapunov exponents), so the numerical rank falls to 1. "
        "predicted: the rank at the last depth from the exponents of Gaussian products, "
        "μ_i = ½[ln 2σ² + ψ((d−i+1)/2)] (Newman 1986): #{i: L(μ_i − μ_1) ≥ ln rtol}; "
        "tolerance: the number of singular values within two standard deviations of that "
        "threshold (per-layer variance ψ'((d−i+1)/2)/4, over L layers).",
    )


@claim(
    "bn-keeps-rank",
    "With BN a deep linear net keeps a rank of order √d",
    r"\mathrm{rank}\, H_\ell \geq \sqrt{d}\ \ \text{for all}\ \ell \quad (\text{linear + BN})",
    "batchnorm",
    rival="BN does not stop the collapse: the rank falls to the no-BN (Lyapunov) rank",
)
def bn_keeps_rank(ctx: Context) -> Evidence:
    result, depth = _rank_run(ctx)
    threshold = math.sqrt(WIDTH)
    collapsed, _ = lyapunov_rank(WIDTH, depth, RTOL)
    rank, plain = result.rank["linear+bn"], result.rank["linear"]
    panel = _rank_panel(result, [(threshold, "√d (Daneshmand et al. bound)")])
    panel.series.append(Series([0, depth], [collapsed] * 2, "the no-BN rank", "rival"))
    return Evidence(
        predicted={"min rank": threshold, "final rank / no-BN final rank": 2.0},
        measured={
            "min rank": int(rank.min()),
            "final rank / no-BN final rank": float(rank[-1] / max(plain[-1], 1)),
        },
        tolerance=0,
        rival={"min rank": collapsed},
        compare="at_least",
        params={**_rank_params(depth), "final_rank": int(rank[-1]), "no_bn_final": int(plain[-1])},
        figure=Figure([panel], "BatchNorm keeps the rank of a deep linear net"),
        note="Daneshmand et al. 2020, Theorem 1: with BN the rank of a linear net stays "
        "Ω(√d) at every depth. The constant is not given, so the criterion takes it as 1.",
    )


@claim(
    "relu-bn-rank",
    "A deep ReLU net with BN keeps (nearly) full rank",
    r"\mathrm{rank}\, H_\ell \geq d/2\ \ \text{for all}\ \ell \quad (\text{ReLU + BN})",
    "batchnorm",
    rival="BN guarantees only a rank of order √d, in a ReLU net as in a linear one",
)
def relu_bn_rank(ctx: Context) -> Evidence:
    result, depth = _rank_run(ctx)
    threshold = WIDTH / 2
    rank = result.rank["relu+bn"]
    higher = "BN keeps a higher rank in the ReLU net"
    panel = _rank_panel(result, [(threshold, "d/2 (criterion)")])
    panel.series.append(Series([0, depth], [math.sqrt(WIDTH)] * 2, "√d", "rival"))
    return Evidence(
        predicted={"min rank": threshold, higher: True},
        measured={"min rank": int(rank.min()), higher: bool(result.verdict[higher])},
        tolerance={"min rank": 0, higher: None},
        rival={"min rank": math.sqrt(WIDTH)},
        compare={"min rank": "at_least", higher: "same"},
        params={**_rank_params(depth), "relu_no_bn_final": int(result.rank["relu"][-1])},
        figure=Figure([panel], "ReLU + BatchNorm keeps the rank"),
        note="Daneshmand et al. 2020 (experiments, §5): ReLU + BN nets keep a high rank at "
        "every depth while plain ReLU nets collapse. Criterion fixed in advance: rank >= d/2.",
    )


@claim(
    "bn-trainability",
    "A deep ReLU MLP trains with BN and stays at the chance loss without",
    r"L > 12:\ \ \ell_{\mathrm{BN}} < \frac{1}{2}\ln C,\ \ \ell_{\mathrm{plain}} > 0.9\ln C",
    "batchnorm",
    rival="BN does not rescue a deep plain-initialised net: it stays at the chance loss ln C too",
)
def bn_trainability(ctx: Context) -> Evidence:
    width, lr = 128, 0.1
    kw = ctx.pick(
        {"depths": (4, 10, 14, 16), "epochs": 5, "n_train": 512, "batch_size": 64},
        {"depths": (14, 16), "epochs": 8, "n_train": 128, "batch_size": 16},
    )
    res = trainability(
        width=width, lr=lr, seed=ctx.seed, backend=ctx.backend, dtype=ctx.dtype, **kw
    )
    gain = float(xavier().evaluate(part="variance", N_x=width, N_y=width)) * width
    gain *= float(he().evaluate(part="relu_second_moment", sigma=1.0))
    deep = [k for k, d in enumerate(res.depths) if d > 12]
    predicted, measured, compare, rival = {}, {}, {}, {}
    for k in deep:
        bn, plain = f"L = {res.depths[k]}: BN loss", f"L = {res.depths[k]}: plain loss"
        predicted[bn], predicted[plain] = res.chance / 2, 0.9 * res.chance
        measured[bn], measured[plain] = res.final_loss["bn"][k], res.final_loss["plain"][k]
        compare[bn], compare[plain] = "at_most", "at_least"
        rival[bn] = res.chance
    depths = np.array(res.depths)
    panel = Panel(
        "ReLU MLP, width 128, Xavier uniform, whitened digits",
        "depth L",
        f"training loss after {kw['epochs']} epochs",
        [
            Series(depths, res.final_loss["plain"], "no BN", "measured", "plain"),
            Series(depths, res.final_loss["bn"], "BN", "measured", "bn"),
            Series(depths, np.full(depths.size, res.chance), "BN net at ln C", "rival"),
        ],
        yscale="log",
        hlines=[(res.chance, "chance ln C"), (res.chance / 2, "½ ln C (trained)")],
    )
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=0,
        rival=rival,
        compare=compare,
        params={
            "width": width,
            "lr": lr,
            **kw,
            "depths": list(kw["depths"]),
            "per_layer_signal_gain_without_bn": gain,
            "final_loss_plain": res.final_loss["plain"].tolist(),
            "final_loss_bn": res.final_loss["bn"].tolist(),
        },
        figure=Figure([panel], "Trainability with and without BatchNorm"),
        note="Criterion: at every depth L > 12 the BN net's final training loss is below "
        "½ ln 10 and the plain net's above 0.9 ln 10 (two such depths in quick mode). Without "
        "BN each Xavier + ReLU layer keeps N·var w·E[relu(z)²]/σ² = 1/2 of the signal "
        "(xavier(), he()), 2^{-L} in all.",
    )


@claim(
    "bn-train-vs-eval",
    "BN's train- and eval-mode outputs differ by a gap that decays as (1 − α)^n "
    "(α: the new batch's weight, torch's momentum)",
    r"\|y_{\mathrm{train}} - y_{\mathrm{eval}}\| \propto (1-\alpha)^n",
    "batchnorm",
    rival="the momentum weighs the running statistics the other way round: the gap decays as α^n",
)
def bn_train_vs_eval(ctx: Context) -> Evidence:
    momenta, steps, mean, rel_tol = (0.3, 0.2, 0.1), 80, 10.0, 0.1
    decay = running_average_error()
    predicted, measured, tolerance, rival, compare, series = {}, {}, {}, {}, {}, []
    for alpha in momenta:
        res = bn_modes(
            momentum=alpha, steps=steps, mean=mean, std=1.0, seed=ctx.seed,
            backend=ctx.backend, dtype=ctx.dtype,
        )  # fmt: skip
        t = np.arange(1, steps + 1)
        floor = float(np.median(res.gap[-10:]))
        window = int(np.argmin(res.gap >= 10 * floor))  # first t whose gap is below 10·floor
        slope = float(np.polyfit(t[:window], np.log(res.gap[:window]), 1)[0])
        key = f"alpha={alpha:g}"
        predicted[key] = float(decay.evaluate(part="log_rate", alpha=alpha))
        rival[key] = float(decay.evaluate(part="swapped_log_rate", alpha=alpha))
        measured[key], tolerance[key], compare[key] = slope, rel_tol * abs(predicted[key]), "equal"
        for name, seen in res.verdict.items():
            part = f"{key}: {name}"
            predicted[part], measured[part], tolerance[part], compare[part] = (
                True, bool(seen), None, "same",
            )  # fmt: skip
        shape = np.exp(predicted[key] * (t[:window] - 1))
        series += [
            Series(t, res.gap, f"α = {alpha:g}", "measured", key),
            Series(t[:window], res.gap[0] * shape, f"(1 − α)^n, α = {alpha:g}", "theory", key),
        ]
        if key.endswith("0.3"):
            series.append(Series(t[:6], res.gap[0] * alpha ** (t[:6] - 1), "α^n, α = 0.3",
                                 "rival"))  # fmt: skip
    panel = Panel(
        f"BatchNorm1d on N({mean:g}, 1) data, batches of 256",
        "training batches n",
        "RMS of y_train − y_eval",
        series,
        yscale="log",
    )
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tolerance,
        rival=rival,
        compare=compare,
        params={"momenta": list(momenta), "steps": steps, "mean": mean, "std": 1.0, "width": 8},
        figure=Figure([panel], "Train vs eval mode: the gap decays as (1 − α)^n"),
        note="α: BatchNorm1d's momentum, torch's meaning (μ̄ ← (1 − α)μ̄ + α·mean, the "
        "lectures' α). Slope of log gap vs n, least squares over the batches whose gap is at "
        "least 10× the floor (median of the last 10 gaps: the eval batch's own mean and the "
        "running statistics' noise); predicted: the derived log(1 − α); rival: log α. A floor "
        "of at most 1/10 of the gap biases the slope by at most ~10%, hence the tolerance "
        "0.1·|ln(1 − α)|. With std = 1 the running variance starts right, so the gap is the "
        "running-mean error, linear in (1 − α)^n. Also required: bn_modes' own verdicts (modes "
        "differ after one batch, agree at the end, running mean tracks (1 − α)^n|μ|).",
    )


@claim(
    "init-class-collapse",
    "A deep net initialised with N(0,1) weights predicts one class for every input; Xavier's "
    "outputs stay near uniform",
    r"w \sim N(0, 1):\ \ \arg\max_c p_c(x) = c^*\ \ \text{for most}\ x",
    "initialization",
    rival="the weights' scale does not matter at init: N(0,1)'s mean outputs stay near 1/C too",
)
def init_class_collapse(ctx: Context) -> Evidence:
    depth, n = ctx.pick((30, 500), (20, 200))
    inits = ("standard_normal", "xavier_uniform")
    res = class_collapse(
        depth=depth, inits=inits, batchnorm=False, n=n, seed=ctx.seed,
        backend=ctx.backend, dtype=ctx.dtype,
    )  # fmt: skip
    bad, good = res.outputs["standard_normal"], res.outputs["xavier_uniform"]
    classes = bad.shape[1]
    confidence = float(bad.mean(axis=0).max())  # mean softmax output of the favoured class
    spread = float(np.abs(good - 1 / classes).max())
    c = np.arange(classes)
    panels = [
        Panel(
            title,
            "output class",
            "true class of the inputs",
            heatmap=Heatmap(c, c, table, label),
        )
        for title, table, label in (
            (f"N(0, 1), depth {depth}", bad, "mean softmax output p"),
            (
                f"Xavier uniform, depth {depth}: near uniform",
                good - 1 / classes,
                "mean softmax output p − 1/C",
            ),
        )
    ]
    return Evidence(
        predicted={"bad_top_share": 0.5, "bad_confidence": 0.5, "xavier_max_dev": 0.05},
        measured={
            "bad_top_share": res.top_share["standard_normal"],
            "bad_confidence": confidence,
            "xavier_max_dev": spread,
        },
        tolerance=0,
        rival={"bad_confidence": 1 / classes},
        compare={
            "bad_top_share": "at_least",
            "bad_confidence": "at_least",
            "xavier_max_dev": "at_most",
        },
        params={
            "depth": depth,
            "width": 64,
            "n": n,
            "inits": list(inits),
            "xavier_top_share": res.top_share["xavier_uniform"],
        },
        figure=Figure(panels, "Outputs at initialization: one bright column for a bad init"),
        note="Bjorck et al. 2018, Fig. 6. Criterion: the N(0,1) net gives one class to > 50 % "
        "of the inputs (chance 10 %) with mean softmax output > 0.5 for that class; every "
        "per-class mean output of the Xavier net is within 0.05 of 1/C. Xavier's argmax "
        "also tends to one class, but with near-uniform outputs (its signal shrank by 2^{-L}): "
        "it is not confident in any class.",
    )
