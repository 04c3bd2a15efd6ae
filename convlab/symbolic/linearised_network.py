r"""Gradient descent on a network linearised at its initialisation: steps to a loss, per mode.

Near its start θ₀ a network is :math:`f(\theta) \approx f_0 + J(\theta - \theta_0)`, with J the
Jacobian of its outputs on the n training inputs.  Under the squared loss
:math:`L = \frac1n\|f - y\|^2` (torch's ``MSELoss``) a gradient step
:math:`\theta \leftarrow \theta - \eta\frac2n J^\top r` moves the residual :math:`r = f - y` by

.. math::
    r_{t+1} = (I - \eta\hat K)\,r_t, \qquad \hat K = \tfrac2n JJ^\top,

:math:`\hat K` the (scaled) neural tangent kernel, whose non-zero eigenvalues are those of the
Gauss–Newton matrix :math:`\tfrac2n J^\top J`, the Hessian of the linearised loss (Jacot,
Gabriel & Hongler 2018; Lee et al. 2019, "Wide neural networks of any depth evolve as linear
models under gradient descent", §2.2).  In :math:`\hat K`'s eigenbasis each mode is the scalar
recurrence of gradient descent on a quadratic (Nocedal & Wright 2006, §3.3): a mode of
eigenvalue λ holding :math:`c_0` of the initial residual keeps :math:`c_0(1-\eta\lambda)^t`, so

.. math::
    L_t = \frac1n\sum_i c_{0,i}^2\,(1 - \eta\lambda_i)^{2t}.

With the step :math:`\eta = 1/\lambda_M` (λ_M the largest eigenvalue: the stiffest mode is fitted
in one step and every factor lies in [0, 1), so :math:`L_t` falls monotonically) a mode needs
:math:`\log\varepsilon / (2\log(1-\lambda/\lambda_M)) \approx \tfrac12\log(1/\varepsilon)\,
\lambda_M/\lambda` steps to shrink its share of the loss by ε.  The steps to a loss *target*
are therefore set by the modes that carry loss above the target, each at the ratio
:math:`\lambda_M/\lambda` — not by κ over the whole spectrum, most of which never has to be
fitted.

**Where the inputs enter.**  For a hidden unit :math:`a\,\phi(w^\top x + b)` the (w, b) block
of :math:`J_nJ_m^\top` is :math:`a^2\phi'(h_n)\phi'(h_m)(x_n^\top x_m + 1)`: the Gram matrix of
the inputs (whose non-zero eigenvalues are n times those of the second-moment matrix
:math:`C_x = X^\top X/n`).  Raw, uncentred inputs of a large scale give :math:`\hat K` one
huge eigenvalue (the mean direction), which sets λ_M and with it a small step for all the
other modes; standardised inputs do not.  The rival — normalisation matters only for linear
models, the network's steps do not depend on the inputs' statistics — is the same count for
both inputs: a speed-up of 1.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.notation import ETA, LAM, LAM_M, T
from convlab.symbolic.result import Derivation

_SOURCE = (
    "Jacot, Gabriel & Hongler 2018, 'Neural tangent kernel'; Lee et al. 2019, 'Wide neural "
    "networks of any depth evolve as linear models under gradient descent', §2.2; Nocedal & "
    "Wright 2006, §3.3; LeCun, Bottou, Orr & Müller 1998, 'Efficient BackProp', §4.3"
)
N = sp.Symbol("n", integer=True, positive=True)  # training samples
C0 = sp.Symbol("c_0", real=True)  # a mode's share of the initial residual
EPS = sp.Symbol("epsilon", positive=True)  # the factor a mode's loss must shrink by
STEPS_RAW, STEPS_STD = sp.symbols("T_raw T_std", positive=True)


@cache
def linearised_gd() -> Derivation:
    r"""Parts ``residual_map`` (:math:`r_{t+1} = (I - \eta\hat K)r_t`, on 2 samples and 2
    parameters), ``mode_residual`` :math:`c_0(1-\eta\lambda)^t`, ``mode_loss``
    :math:`c_0^2(1-\eta\lambda)^{2t}/n`, ``step`` :math:`1/\lambda_M`, ``mode_steps``
    :math:`\log\varepsilon/(2\log(1-\lambda/\lambda_M))`, ``first_layer_kernel`` (the (w, b)
    block of :math:`J_nJ_m^\top` for one hidden unit: the inputs' Gram entry
    :math:`x_n^\top x_m + 1` times the units' slopes), ``speed_up`` :math:`T_{raw}/T_{std}` and
    ``rival_speed_up`` (the same with the raw inputs' count equal to the standardised one: 1).
    See the module docstring; sources there.
    """
    residual_map, gauss_newton = _linearised_step()
    mode = _mode_solution()
    mode_loss = mode**2 / N
    step = 1 / LAM_M
    stiffest = (1 - ETA * LAM).subs({ETA: step, LAM: LAM_M})
    mode_steps = _steps_to_shrink(mode_loss.subs(ETA, step) / mode_loss.subs(T, 0))
    slow_limit = sp.limit(mode_steps * LAM / LAM_M, LAM, 0)
    first_layer = _first_layer_kernel()
    speed_up = STEPS_RAW / STEPS_STD
    rival = speed_up.subs(STEPS_RAW, STEPS_STD)
    steps = (
        ("linearised GD step on the residual: r' - (I - eta K) r, K = (2/n) J J^T", residual_map),
        ("Gauss-Newton (2/n) J^T J: trace and determinant minus those of K", gauss_newton),
        ("a mode of K: c_{t+1} = (1 - eta lambda) c_t, c(0) = c_0, solved by", mode),
        ("its share of the loss (1/n) ||r||^2", mode_loss),
        ("at eta = 1/lambda_M the stiffest mode's factor is", stiffest),
        ("steps for a mode's loss to shrink by epsilon", mode_steps),
        ("slow modes: steps * lambda/lambda_M -> as lambda -> 0", slow_limit),
        ("(w, b) block of J_n J_m^T for one hidden unit a phi(w.x + b)", first_layer),
        ("speed-up of standardising", speed_up),
        ("rival: the count does not depend on the inputs (T_raw = T_std)", rival),
    )
    expr = {
        "residual_map": residual_map,
        "mode_residual": mode,
        "mode_loss": mode_loss,
        "step": step,
        "mode_steps": mode_steps,
        "first_layer_kernel": first_layer,
        "speed_up": speed_up,
        "rival_speed_up": rival,
    }
    return Derivation(
        "gradient descent on a linearised network: steps to a loss",
        expr,
        steps=steps,
        source=_SOURCE,
        conclusion="each mode of the tangent kernel needs ~ (1/2) log(1/eps) lambda_M/lambda "
        "steps; the target is reached once the modes carrying loss above it are fitted",
    )


def _steps_to_shrink(share: sp.Expr) -> sp.Expr:
    """The t at which a mode's loss share (a power of t) equals ε: its log is linear in t."""
    log_share = sp.expand_log(sp.log(share), force=True)
    per_step = sp.diff(log_share, T)
    if sp.expand(log_share - per_step * T) != 0:  # pragma: no cover
        raise ArithmeticError("the log of a mode's loss share is not proportional to t")
    return sp.log(EPS) / per_step


def _mode_solution() -> sp.Expr:
    """c₀(1 − ηλ)^t, checked to satisfy c_{t+1} = (1 − ηλ)c_t and c(0) = c₀ (the geometric
    solution of a first-order linear recurrence, verified rather than searched for)."""
    factor = 1 - ETA * LAM
    mode = C0 * factor**T
    step = sp.expand_power_exp(mode.subs(T, T + 1)) - factor * mode
    if sp.simplify(step) != 0 or mode.subs(T, 0) != C0:  # pragma: no cover
        raise ArithmeticError("c0 (1 - eta lambda)^t does not solve the mode's recurrence")
    return mode


def _linearised_step(n: int = 2) -> tuple[sp.Matrix, sp.Matrix]:
    """One GD step on the linearised loss (1/n)‖f₀ + Jθ − y‖², n samples and n parameters:
    the new residual minus (I − ηK̂)r, and the Gauss–Newton matrix's trace and determinant
    minus K̂'s (both zero)."""
    J = sp.Matrix(n, n, lambda i, k: sp.Symbol(f"j_{i + 1}{k + 1}", real=True))
    theta = sp.Matrix(sp.symbols(f"theta_1:{n + 1}", real=True))
    f0 = sp.Matrix(sp.symbols(f"f_1:{n + 1}", real=True))
    y = sp.Matrix(sp.symbols(f"y_1:{n + 1}", real=True))
    r = f0 + J * theta - y  # the start θ₀ = 0
    loss = (r.T * r)[0] / n
    gradient = sp.Matrix([loss]).jacobian(theta).T
    kernel = 2 * J * J.T / n
    moved = r.subs(dict(zip(theta, theta - ETA * gradient, strict=True)), simultaneous=True)
    moved -= (sp.eye(n) - ETA * kernel) * r
    gauss_newton = sp.hessian(loss, list(theta))
    invariants = sp.Matrix(
        [gauss_newton.trace() - kernel.trace(), gauss_newton.det() - kernel.det()]
    )
    return moved.applyfunc(sp.expand), invariants.applyfunc(sp.expand)


def _first_layer_kernel() -> sp.Expr:
    """Σ over (w₁, w₂, b) of ∂f(x_n)/∂θ · ∂f(x_m)/∂θ for f = a φ(wᵀx + b), x ∈ R², factored."""
    a, b = sp.symbols("a b", real=True)
    w = sp.symbols("w_1:3", real=True)
    phi = sp.Function("phi")
    xs = [sp.symbols(f"x_{n}1:3", real=True) for n in ("n", "m")]
    outputs = [a * phi(sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b) for x in xs]
    grads = [[sp.diff(out, p) for p in (*w, b)] for out in outputs]
    return sp.factor(sum(gn * gm for gn, gm in zip(*grads, strict=True)))
