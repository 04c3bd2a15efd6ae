# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6. Momentum, Nesterov, Rprop, RMSprop and Adam
#
# On a quadratic, heavy-ball momentum and Nesterov's method are linear iterations in
# $(w_t, w_{t-1})$: one $2\times2$ companion matrix per eigen-mode, whose spectral radius is the
# rate. That gives the whole $(\eta, \beta)$ map and each method's optimal pair: heavy ball
# reaches $(\sqrt\kappa-1)/(\sqrt\kappa+1)$ (Polyak 1964), Nesterov's method on a quadratic
# $1-2/\sqrt{3\kappa+1}$ (Lessard, Recht & Packard 2016, §3.2) — both far below GD's
# $(\kappa-1)/(\kappa+1)$ when κ is large, heavy ball the lower of the two. Adaptive methods
# rescale each coordinate by gradient statistics: Rprop by the sign only — which the lecture's
# counter-example breaks — RMSprop and Adam by a running root mean square.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from _lab import explore, verdict
from IPython.display import display

import convlab
from convlab.optim import GD, Adam, HeavyBall, Nesterov, RMSprop, Rprop, sweep
from convlab.problems import Quadratic, Rosenbrock
from convlab.symbolic.momentum import heavy_ball, heavy_ball_rate, nesterov
from convlab.symbolic.notation import BETA, ETA, LAM, Z
from convlab.symbolic.quadratic import gd_quadratic
from convlab.symbolic.result import Derivation
from convlab.symbolic.stochastic import adam_step_bound

# %% [markdown]
# ## The derivation: heavy ball

# %%
kappa = 10
hb = heavy_ball(1, kappa)
display(hb)

# %%
nag = nesterov(1, kappa)
print(nag)

# %% [markdown]
# ## The (η, β) map
# Predicted rate $\max_i \rho(\eta, \beta, \lambda_i)$ over the spectrum against the measured
# rate of one batched sweep (12 × 12 runs of `HeavyBall`).

# %%
eigenvalues = np.linspace(1.0, kappa, 20)
problem = Quadratic.from_spectrum(eigenvalues, seed=0)
etas, betas = np.linspace(0.02, 0.38, 12), np.linspace(0.0, 0.9, 12)
result = sweep(problem, HeavyBall, {"lr": etas, "beta": betas}, steps=400)
measured = np.array(result.table.column("rate")).reshape(len(etas), len(betas))
predicted = heavy_ball_rate(etas[:, None, None], betas[None, :, None], eigenvalues).max(axis=-1)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
for ax, values, title in (
    (axes[0], predicted, "predicted rate"),
    (axes[1], measured, "measured rate"),
):
    image = ax.pcolormesh(
        betas, etas, np.clip(values, 0, 1.05), vmin=0.3, vmax=1.05, shading="nearest"
    )
    ax.set(xlabel="β", title=title)
axes[0].set_ylabel("η")
b = np.linspace(0, 0.95, 50)
for ax in axes:
    ax.plot(b, 2 * (1 + b) / kappa, "w--", lw=1)  # stability edge η λ_M = 2(1 + β)
    ax.plot(float(hb["optimal_momentum"]), float(hb["optimal_step"]), "r*", ms=12)
fig.colorbar(image, ax=axes)
plt.show()
inside = predicted < 0.97
print(
    verdict(
        "heavy-ball rate over the stable (η, β) grid",
        measured[inside],
        predicted[inside],
        rtol=0.02,
    )
)

# %% [markdown]
# ## Goh's map of one mode
# Goh (2017, "Why Momentum Really Works", Distill) draws one eigen-mode's plane: the step in units
# of the mode's curvature, $x = \eta\lambda$, against β. Its regions come from the mode's
# characteristic polynomial (the part `charpoly` of `heavy_ball()`): the sign of its discriminant
# separates real from complex roots, the discriminant's zero set is critical damping, Jury's
# condition $|c_1| < 1 + c_0$ gives the edge of divergence, and complex roots, being conjugate,
# have $|z|^2 = z\bar z = c_0$. SymPy solves each; the figure draws the solutions.

# %%
x = sp.Symbol("x", positive=True)  # x = ηλ
mode = sp.Poly(hb["charpoly"].subs(ETA, x / LAM), Z)
_, c1, c0 = mode.all_coeffs()
discriminant = sp.factor(sp.discriminant(mode))
critical = next(b for b in sp.solve(discriminant, BETA) if b.subs(x, 1) == 0)  # the branch < 1
(edge,) = sp.solve(sp.Eq(c1, 1 + c0), x)  # Jury: |c1| < 1 + c0 fails (a root at z = -1)
(double_root,) = sp.roots(mode.as_expr().subs(BETA, critical), Z)
goh = Derivation(
    "Goh's map of one heavy-ball mode, x = eta lambda",
    {
        "discriminant": discriminant,
        "critical_damping": critical,
        "divergence_edge": edge,
        "complex_modulus": sp.sqrt(c0),
        "double_root": sp.simplify(double_root),
    },
    steps=(
        ("characteristic polynomial of a mode, eta = x / lambda", mode.as_expr()),
        ("discriminant in z: real roots where > 0, complex where < 0", discriminant),
        ("critical damping: discriminant = 0, the branch with beta < 1 on 0 < x < 4", critical),
        ("complex roots are conjugate: |z|^2 = z z_bar = c0", c0),
        (
            "Jury: |c1| < 1 + c0 fails at c1 = 1 + c0 (root z = -1); c1 = -(1 + c0) needs x = 0",
            sp.Eq(x, edge),
        ),
        ("the double root on the critical curve", sp.simplify(double_root)),
    ),
    source="Goh 2017, 'Why Momentum Really Works', Distill; Polyak 1964; Jury 1964",
)
display(goh)
# the optimum of the spectrum [1, kappa] sits on the critical curves of both of its ends
eta_star, beta_star = hb["optimal_step"], hb["optimal_momentum"]
on_curves = [sp.simplify(critical.subs(x, eta_star * lam) - beta_star) == 0 for lam in (1, kappa)]
print(f"β* = β_critical(η*λ₁) and β* = β_critical(η*λ_M) (SymPy): {on_curves}")


def critical_at(x_values):
    return goh.evaluate(part="critical_damping", x=x_values)


def edge_at(beta_values):
    return goh.evaluate(part="divergence_edge", beta=beta_values)


# %%
grid_x, grid_b = np.meshgrid(np.linspace(0.005, 4.4, 400), np.linspace(0.0, 0.999, 300))
fig, ax = plt.subplots(figsize=(7.5, 4.2))
image = ax.pcolormesh(
    grid_x,
    grid_b,
    np.minimum(heavy_ball_rate(grid_x, grid_b, 1.0), 1.05),  # η = x on the mode λ = 1
    vmin=0,
    vmax=1.05,
    shading="auto",
)
fig.colorbar(image, ax=ax, label="rate max|z| (derived)")
curve_x = np.linspace(0.0, 4.0, 400)
ax.plot(curve_x, critical_at(curve_x), "w-", lw=1.5, label="critical damping (discriminant = 0)")
ax.plot(edge_at(grid_b[:, 0]), grid_b[:, 0], "r-", lw=1.5, label="edge: x = 2(1 + β)")
spectrum_x = float(eta_star) * eigenvalues
ax.plot(spectrum_x, np.full_like(spectrum_x, float(beta_star)), "r.-", ms=4)
ax.plot(spectrum_x[[0, -1]], [float(beta_star)] * 2, "r*", ms=12, label=f"(η*λ, β*), κ = {kappa}")
for where, text in (
    ((1.2, 0.72), "complex roots: ripples,\nρ = √β"),
    ((0.02, 0.08), "real roots,\nboth > 0"),
    ((1.95, 0.02), "real roots,\nboth < 0"),
    ((3.3, 0.35), "diverges"),
):
    ax.text(*where, text, fontsize=8, color="w")
ax.set(xlabel="x = ηλ", ylabel="β", xlim=(0, 4.4), title="one mode of heavy ball (Goh 2017)")
ax.legend(fontsize=7, loc="upper left")
plt.show()

# %% [markdown]
# Three measurements of the map. (1) Where every mode of the 20-eigenvalue quadratic is complex,
# the measured rate of the (η, β) sweep above should be √β. (2) On the critical curve a
# one-dimensional quadratic (λ = 1) has the double root $1-\sqrt x$ (in modulus), measured with
# the fit for $t\rho^t$. (3) Three percent on either side of the edge $x = 2(1+\beta)$ the run
# converges or grows.

# %%
all_complex = (
    goh.evaluate(
        part="discriminant", x=etas[:, None, None] * eigenvalues, beta=betas[None, :, None]
    ).max(axis=-1)
    < 0
)
root_of_beta = np.broadcast_to(np.sqrt(betas), measured.shape)
print(
    verdict(
        f"rate where every mode is complex ({all_complex.sum()} (η, β) pairs) vs √β",
        measured[all_complex],
        root_of_beta[all_complex],
        rtol=0.02,
    )
)
line = Quadratic.from_spectrum(np.array([1.0]), seed=0)
on_curve = np.array([0.05, 0.2, 0.5, 2.0, 3.0])
critical_rates = [
    convlab.run(line, HeavyBall(float(xi), float(critical_at(xi))), steps=300)
    .rate(model="exp-poly")
    .rate
    for xi in on_curve
]
print(
    verdict(
        f"rate on the critical curve at x = {on_curve.tolist()} vs |1 − √x|",
        critical_rates,
        np.abs(goh.evaluate(part="double_root", x=on_curve)),
        rtol=0.01,
    )
)
edge_betas = np.array([0.2, 0.5, 0.8])
grows, beyond = [], []
for b_edge in edge_betas:
    for factor in (0.97, 1.03):
        run_edge = convlab.run(line, HeavyBall(float(edge_at(b_edge)) * factor, b_edge), steps=300)
        grows.append(float(run_edge.dist[-1] > run_edge.dist[0]))
        beyond.append(float(factor > 1))
print(verdict("grows after 300 steps (1 = yes), x = 0.97 / 1.03 × edge", grows, beyond))

# %% [markdown]
# ## GD, heavy ball and Nesterov at their tuned parameters
# At its optimum each momentum method is critically damped: the $2\times2$ matrix of the mode
# at $\lambda_1$ has a double eigenvalue ρ (a Jordan block; heavy ball's mode at $\lambda_M$ has
# $-\rho$ twice), so that mode's error is $(a + bt)\rho^t$, not $\rho^t$.
# The dashed lines are the predicted shapes: $\rho^t$ for GD, $(1+t)\rho^t$ for the momentum
# methods (the constants depend on the start; the rate does not).

# %%
gd = gd_quadratic(1, kappa)
runs = {
    "gd": (GD(float(gd["optimal_step"])), float(gd["optimal_rate"])),
    "heavy-ball": (
        HeavyBall(float(hb["optimal_step"]), float(hb["optimal_momentum"])),
        float(hb["optimal_rate"]),
    ),
    "nesterov": (
        Nesterov(float(nag["optimal_step"]), float(nag["optimal_momentum"])),
        float(nag["optimal_rate"]),
    ),
}
fig, ax = plt.subplots(figsize=(6, 3.5))
rates = {}
for name, (optimizer, rate) in runs.items():
    trace = convlab.run(problem, optimizer, steps=150)
    # momentum at its optimum is critically damped (a double root): the error is t·ρᵗ
    rates[name] = (trace.rate(model="exp" if name == "gd" else "exp-poly").rate, rate)
    (line,) = ax.semilogy(trace.dist / trace.dist[0], label=f"{name}: measured, ρ = {rate:.4f}")
    steps_t = np.arange(151)
    shape = rate**steps_t if name == "gd" else (1 + steps_t) * rate**steps_t
    ax.semilogy(shape, "--", c=line.get_color(), lw=0.8)
ax.set(
    xlabel="step",
    ylabel="‖w − w*‖ / ‖w₀ − w*‖",
    ylim=(1e-16, 20),
    title="dashed: ρᵗ (GD), (1 + t)ρᵗ (double root)",
)
ax.legend()
plt.show()


# %% [markdown]
# ## Paths in two dimensions
# The same methods on a 2-D quadratic with eigenvalues 1 and 10 (κ = 10, axes rotated) and on
# Rosenbrock's valley from $(-1.2, 1)$, each path recorded with `record=("params",)`. On the
# quadratic GD, heavy ball and Nesterov run at their tuned parameters from the derivations above;
# Adam (η = 0.1) has no such tuning. On Rosenbrock all use hand-picked steps (GD 10⁻³; heavy ball
# and Nesterov 10⁻³ with β = 0.9; Adam 0.05). The paths are shown, not judged: the printed
# distances to the minimizer are measurements.

# %%
plane = Quadratic.from_spectrum(np.array([1.0, kappa]), seed=3)
valley = Rosenbrock(x0=[-1.2, 1.0])
path_runs = {
    "quadratic, κ = 10": (
        plane,
        {
            "gd": GD(float(gd["optimal_step"])),
            "heavy ball": HeavyBall(float(hb["optimal_step"]), float(hb["optimal_momentum"])),
            "nesterov": Nesterov(float(nag["optimal_step"]), float(nag["optimal_momentum"])),
            "adam": Adam(lr=0.1),
        },
        40,
    ),
    "Rosenbrock": (
        valley,
        {
            "gd": GD(1e-3),
            "heavy ball": HeavyBall(1e-3, 0.9),
            "nesterov": Nesterov(1e-3, 0.9),
            "adam": Adam(lr=0.05),
        },
        2000,
    ),
}
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (title, (surface, optimizers, n_steps)) in zip(axes, path_runs.items(), strict=True):
    paths2d = {
        name: np.asarray(convlab.run(surface, opt, steps=n_steps, record=("params",)).params)
        for name, opt in optimizers.items()
    }
    points = np.concatenate(list(paths2d.values()))
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.15 * (high - low)
    gx, gy = np.meshgrid(
        np.linspace(low[0] - pad[0], high[0] + pad[0], 200),
        np.linspace(low[1] - pad[1], high[1] + pad[1], 200),
    )
    values = np.asarray(surface.value(np.stack([gx.ravel(), gy.ravel()], axis=1))).reshape(gx.shape)
    ax.contour(
        gx, gy, np.log10(values - values.min() + 1e-3), levels=20, colors="grey", linewidths=0.5
    )
    target = np.asarray(surface.minimizer) if hasattr(surface, "minimizer") else np.ones(2)
    for name, path in paths2d.items():
        style = {"gd": ".-", "heavy ball": ".-", "nesterov": ".--", "adam": ".:"}[name]
        ax.plot(path[:, 0], path[:, 1], style, ms=3 if n_steps < 100 else 0, lw=1.2, label=name)
        distance = np.linalg.norm(path[-1] - target)
        print(f"{title}, {name}: ‖x − x*‖ after {n_steps} steps = {distance:.2e}")
    ax.plot(*target, "k*", ms=10)
    ax.set(title=title, xlabel="x₁", ylabel="x₂")
    ax.legend(fontsize=8)
plt.show()


# %% [markdown]
# ## Explore: (η, β) on the map, and κ
# The map of the 2-D quadratic of the paths above, eigenvalues 1 and κ (at fixed (η, β) the
# largest rate over a spectrum is that of one of its ends — computed below on the map's grid —
# so the map holds for any spectrum spanning [1, κ]): the rate `heavy_ball_rate` over the
# (log η, β) plane, the critical curves of λ₁ and λ_M, the divergence edge
# $\eta\lambda_M = 2(1+\beta)$ and the optimum of `heavy_ball(1, κ)`, all of which move with κ.
# The circle is the slider's (η, β); beside it, its path and its error, measured (solid) against
# the predicted shape (dashed): $C\rho^t$, or $C(1+t)\rho^t$ at a double root, with C the
# smallest constant above the measurement (C depends on the start; ρ does not). Past the edge
# the run stops once it blows up, and the verdict judges that it diverged.
# Without ipywidgets three settings are drawn: ripples (κ = 10), the optimum (κ = 30), and an
# over-damped slow mode (κ = 100).


# %%
def map_and_path(eta, beta, kappa):
    spectrum = np.array([1.0, kappa])
    optimum = heavy_ball(1, kappa)
    quadratic = Quadratic.from_spectrum(spectrum, seed=3)
    run = convlab.run(quadratic, HeavyBall(eta, beta), steps=300, record=("params", "dist"))
    per_mode = heavy_ball_rate(eta, beta, spectrum)
    rho, worst = float(per_mode.max()), spectrum[np.argmax(per_mode)]
    double = abs(float(goh.evaluate(part="discriminant", x=eta * worst, beta=beta))) < 1e-9
    fig, (ax_map, ax_path, ax_err) = plt.subplots(1, 3, figsize=(14, 3.9))
    # the map, theory only
    grid_e, grid_beta = np.meshgrid(np.geomspace(3e-3, 1.0, 240), np.linspace(0.0, 0.995, 200))
    rate = heavy_ball_rate(grid_e[..., None], grid_beta[..., None], spectrum).max(axis=-1)
    mesh = ax_map.pcolormesh(grid_e, grid_beta, np.minimum(rate, 1.05), vmin=0, vmax=1.05)
    fig.colorbar(mesh, ax=ax_map, fraction=0.05, pad=0.02)
    e = grid_e[0]
    for lam, style in ((1.0, "w-"), (kappa, "w--")):
        keep = e * lam < 4
        ax_map.plot(
            e[keep], critical_at(e[keep] * lam), style, lw=1, label=f"critical, λ = {lam:g}"
        )
    ax_map.plot(edge_at(grid_beta[:, 0]) / kappa, grid_beta[:, 0], "r-", lw=1, label="edge")
    star = float(optimum["optimal_step"]), float(optimum["optimal_momentum"])
    ax_map.plot(*star, "r*", ms=12, label="(η*, β*)")
    ax_map.plot(eta, beta, "o", mfc="none", mec="k", mew=2, ms=11, label="(η, β)")
    ax_map.text(0.5 * star[0], (1.1 + star[1]) / 2, "ρ = √β", color="w", fontsize=8, ha="center")
    ax_map.text(4 / kappa, 0.3, "diverges", color="w", fontsize=8)
    ax_map.text(4e-3, 0.1, "real roots\nat λ₁", color="w", fontsize=8)
    ax_map.set(xscale="log", xlabel="η", ylabel="β", title=f"κ = {kappa:.3g}: rate (theory)")
    ax_map.legend(fontsize=6, loc="lower right")
    # the path on the contours of f
    w_star, path = np.asarray(quadratic.minimizer), np.asarray(run.params)[:80]
    reach = 1.3 * np.abs(path[0] - w_star).max()
    gx, gy = np.meshgrid(*(np.linspace(c - reach, c + reach, 120) for c in w_star))
    f = np.asarray(quadratic.value(np.stack([gx.ravel(), gy.ravel()], axis=1))).reshape(gx.shape)
    ax_path.contour(gx, gy, np.log10(f - f.min() + 1e-6), levels=15, colors="grey", linewidths=0.5)
    ax_path.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label="heavy ball (measured)")
    ax_path.plot(*w_star, "k*", ms=10)
    ax_path.set(
        xlim=(w_star[0] - reach, w_star[0] + reach), ylim=(w_star[1] - reach, w_star[1] + reach)
    )
    ax_path.set(title=f"path, η = {eta:.3g}, β = {beta:.3g}", xlabel="x₁", ylabel="x₂")
    # the error: measured solid, predicted shape dashed
    error = run.dist / run.dist[0]
    steps_t = np.arange(len(error))
    shape = (1 + steps_t) * rho**steps_t if double else rho**steps_t
    model = "exp-poly" if double else "exp"
    fit = run.rate(model=model)
    usable = error > 1e-13
    scale = (error[usable] / shape[usable]).max()
    ax_err.semilogy(error, "-", label="measured ‖w − w*‖ / ‖w₀ − w*‖")
    ax_err.semilogy(
        scale * shape, "k--", lw=1, label=("C(1+t)ρᵗ" if double else "Cρᵗ") + f", ρ = {rho:.4f}"
    )
    last = min(len(error), int(1.2 * usable.sum()) + 5)
    ax_err.set(
        xlabel="step", xlim=(0, last), ylim=(1e-14, 10 * max(1.0, error.max())), title="error"
    )
    ax_err.legend(fontsize=7)
    plt.show()
    setting = f"η = {eta:.3g}, β = {beta:.3g}, κ = {kappa:.3g}"
    if rho >= 1:  # the run stops once it blows up: judge the outcome, not a rate fit
        grew = bool(not np.isfinite(error[-1]) or error[-1] > 1)
        print(verdict(f"{setting}: diverges (ρ = {rho:.3g} ≥ 1)", grew, True))
        return
    root = "double root, " if double else ""
    print(verdict(f"rate at {setting} ({root}{model} fit)", fit.rate, rho, rtol=0.02))


for kappa_check in (10.0, 30.0, 100.0):
    check_e, check_b = np.geomspace(3e-3, 1.0, 60)[:, None, None], np.linspace(0, 0.99, 50)[:, None]
    ends = heavy_ball_rate(check_e, check_b, np.array([1.0, kappa_check])).max(axis=-1)
    inner = heavy_ball_rate(check_e, check_b, np.linspace(1.0, kappa_check, 200)).max(axis=-1)
    gap = np.abs(inner - ends).max()
    print(f"κ = {kappa_check:g}: |max over 200 modes in [1, κ] − max over its ends| ≤ {gap:.1e}")
optimum30 = heavy_ball(1, 30)
explore(
    map_and_path,
    spans={"eta": (0.005, 0.6), "beta": (0.0, 0.99), "kappa": (2.0, 100.0)},
    eta=[0.3, float(optimum30["optimal_step"]), 0.025],
    beta=[0.6, float(optimum30["optimal_momentum"]), 0.5],
    kappa=[10.0, 30.0, 100.0],
)

# %% [markdown]
# ## Rprop against RMSprop: the lecture's counter-example
# One parameter; the gradient is $+0.1$ on nine batches and $-0.9$ on the tenth, so its mean —
# the full gradient — is zero and a sound method should stay put. Rprop sees nine "+" signs for
# one "−" and drifts; RMSprop divides every gradient by the same running RMS
# $\sqrt{(9\cdot0.1^2 + 0.9^2)/10} = 0.3$, so a cycle's steps sum to zero.

# %%
cycle = np.array([0.1] * 9 + [-0.9])
print(f"mean gradient over a cycle: {cycle.mean():.3g}, RMS: {np.sqrt(np.mean(cycle**2)):.3g}")


def follow(optimizer, cycles=200):
    w = np.zeros(1)
    state = optimizer.init(w)
    path = [w[0]]
    for g in np.tile(cycle, cycles):
        w, state = optimizer.step(w, np.array([g]), state)
        path.append(w[0])
    return np.array(path)


paths = {"rprop": follow(Rprop(lr=0.01)), "rmsprop": follow(RMSprop(lr=0.01, alpha=0.99))}
fig, ax = plt.subplots(figsize=(6, 3.4))
for name, path in paths.items():
    ax.plot(path, label=name)
ax.set_yscale("symlog", linthresh=0.01)  # Rprop's drift spans decades; RMSprop stays near 0
ax.set(xlabel="step", ylabel="w (symlog; starts at 0, ∇f ≡ 0 on average)")
ax.legend()
plt.show()

# %% [markdown]
# ## Adam's step: its typical size and its largest size
# `adam_step_bound` derives two different facts. A *single* step obeys Cauchy–Schwarz on
# $\hat m_t/\sqrt{\hat v_t}$: $|\Delta_t| \le \eta B(t)$, with $B(t) \to
# (1-\beta_1)/\sqrt{(1-\beta_2)(1-\beta_1^2/\beta_2)} = 7.27$ at $\beta = (0.9, 0.999)$, attained
# by a gradient that grows by $\beta_2/\beta_1$ per step — so a step is *not* bounded by η.
# (Kingma & Ba 2015, §2.1, give $(1-\beta_1)/\sqrt{1-\beta_2} = 3.16$, the step after a single
# non-zero gradient.) The *typical* step, for a stationary gradient of mean μ and spread s, is
# about $\eta\,|E g|/\sqrt{E g^2} = \eta|\mu|/\sqrt{\mu^2+s^2} \le \eta$: a ratio of
# expectations, measured first.

# %%
bound = adam_step_bound()
display(bound)

# %%
rng = np.random.default_rng(0)
mus, s, eta, steps, runs_per_mu = np.array([0.05, 0.2, 0.5, 1.0, 3.0]), 1.0, 1e-3, 3000, 64
adam = Adam(lr=eta, betas=(0.9, 0.999))
w = np.zeros((len(mus) * runs_per_mu, 1))
mean_g = np.repeat(mus, runs_per_mu)[:, None]
state = adam.init(w)
start = None
for t in range(steps):
    if t == 1000:
        start = w.copy()  # after the warm-up of the second moment
    w, state = adam.step(w, mean_g + s * rng.normal(size=w.shape), state)
step_size = (start - w).reshape(len(mus), runs_per_mu).mean(axis=1) / (steps - 1000)
predicted_step = eta * bound.evaluate(part="ratio", mu=mus, s=s)
fig, ax = plt.subplots(figsize=(6, 3.4))
grid = np.geomspace(0.02, 5, 100)
ax.semilogx(grid, eta * bound.evaluate(part="ratio", mu=grid, s=s), "k-", label="η|μ|/√(μ²+s²)")
ax.semilogx(mus, step_size, "o", label="measured mean step")
ax.axhline(eta, ls="--", c="grey", label="η")
ax.set(xlabel="μ / s", ylabel="mean step")
ax.legend()
plt.show()

# %% [markdown]
# The largest step: a gradient growing by $\beta_2/\beta_1$ per step (equality in Cauchy–Schwarz
# at every $t$), and the jump from 2,000 steps at $g = 10^{-3}$ to one step at $g = 1$.


# %%
def adam_steps(grads, betas=(0.9, 0.999)):
    """|Δₜ| / η of Adam(η, betas) on a scalar gradient sequence."""
    opt, w = Adam(lr=eta, betas=betas), np.zeros(1)
    state, out = opt.init(w), []
    for g in grads:
        new, state = opt.step(w, np.array([g]), state)
        out.append(abs(new[0] - w[0]) / eta)
        w = new
    return np.array(out)


t = np.arange(1, 2002)
largest = bound.evaluate(part="bound", beta_1=0.9, beta_2=0.999, t=t)
growing = adam_steps((0.999 / 0.9) ** (t[:350] - 1.0))
jump = adam_steps(np.r_[np.full(2000, 1e-3), 1.0])[-1]
sparse = float(bound.evaluate(part="sparse", beta_1=0.9, beta_2=0.999, t=1e9))
limit = float(bound.evaluate(part="limit", beta_1=0.9, beta_2=0.999))
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(t, largest, "k-", label="B(t): largest |Δₜ|/η (theory)")
ax.plot(t[:350:10], growing[::10], "o", ms=3, label="measured, gᵢ ∝ (β₂/β₁)ⁱ")
ax.plot([2001], [jump], "s", label="measured: 2,000 × g = 1e-3, then g = 1")
for level, text in ((1, "η"), (sparse, "(1 − β₁)/√(1 − β₂)"), (limit, "sup B(t)")):
    ax.axhline(level, ls="--", c="grey", lw=0.8)
    ax.text(420, level * 1.04, text, fontsize=8)
ax.set(xlabel="step t", ylabel="|Δₜ| / η", ylim=(0, 8), title="Adam(1e-3, (0.9, 0.999))")
ax.legend(fontsize=8, loc="lower right")
plt.show()
print(f"jump: {jump:.3f} η; B(2001) = {largest[-1]:.3f}; sup B = {limit:.3f}; sparse {sparse:.3f}")

# %% [markdown]
# ## Verdicts

# %%
for name, (measured_rate, rate) in rates.items():
    print(
        verdict(
            f"{name} rate at its tuned parameters (κ = {kappa})", measured_rate, rate, rtol=0.02
        )
    )
# drift per cycle over the last 100 cycles (after RMSprop's warm-up of its running mean square),
# in units of the step size η = 0.01; the first-order prediction for RMSprop is
# −η Σ g / RMS = 0 per cycle
drift = {name: abs(path[-1] - path[1000]) / 100 / 0.01 for name, path in paths.items()}
print(f"drift per cycle: {drift['rprop']:.3g} η (Rprop), {drift['rmsprop']:.3g} η (RMSprop)")
print(
    verdict(
        "Rprop drifts (more than 100 η per cycle) on a zero-mean gradient",
        bool(drift["rprop"] > 100),
        True,
    )
)
print(verdict("RMSprop's drift per cycle, in η", drift["rmsprop"], 0, atol=0.1))
print(verdict("Adam's mean step vs η|μ|/√(μ²+s²)", step_size, predicted_step, rtol=0.1))
print(verdict("Adam's step on gᵢ ∝ (β₂/β₁)ⁱ vs η·B(t)", growing, largest[:350], rtol=1e-6))
print(verdict("one step after the jump exceeds η", bool(jump > 1), True))
print(verdict("and stays within η·B(2001)", bool(jump <= largest[-1]), True))

# %% [markdown]
# ## Exercises
# ### Exercise 6.1 — predict before you run
# Raise the condition number to κ = 100 (eigenvalues evenly spread over [1, 100]). Predict heavy
# ball's rate at its tuned (η, β) from `heavy_ball(1, 100)`, and how many times fewer steps than
# tuned GD it needs per decade of error. Then run it.

# %% tags=["solution", "hide-cell"]
hb100, gd100 = heavy_ball(1, 100), gd_quadratic(1, 100)
quadratic100 = Quadratic.from_spectrum(np.linspace(1.0, 100.0, 20), seed=0)
optimizer100 = HeavyBall(float(hb100["optimal_step"]), float(hb100["optimal_momentum"]))
fit100 = convlab.run(quadratic100, optimizer100, steps=400).rate(model="exp-poly")
speedup = np.log(float(gd100["optimal_rate"])) / np.log(float(hb100["optimal_rate"]))
print(f"GD needs {1 / speedup:.3g}× as many steps per decade as heavy ball")
print(verdict("heavy ball's rate at κ = 100", fit100.rate, hb100["optimal_rate"], rtol=0.02))

# %% [markdown]
# ### Exercise 6.2 — change one thing and explain
# Kingma & Ba (2015, §2.1) say the step is at most η when $1-\beta_1 \le \sqrt{1-\beta_2}$. Change
# β₂ from 0.999 to 0.95 (so $0.1 \le 0.224$ holds) and predict the largest step from
# `adam_step_bound`'s part `limit`. Does a gradient growing by β₂/β₁ per step exceed η?

# %% tags=["solution", "hide-cell"]
limit95 = float(bound.evaluate(part="limit", beta_1=0.9, beta_2=0.95))
steps95 = adam_steps((0.95 / 0.9) ** np.arange(300.0), betas=(0.9, 0.95))
print(f"predicted sup {limit95:.4f} η; measured largest step {steps95.max():.4f} η")
print(verdict("largest Adam step at β = (0.9, 0.95), in η", steps95.max(), limit95, rtol=1e-3))
