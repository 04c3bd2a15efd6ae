r"""Dynamics of first-order methods beyond a contraction factor: acceleration on convex
functions, escape from a strict saddle, Adam's invariance to the loss's scale, and RMSprop's to
each coordinate's curvature.

* **Accelerated gradient (FISTA form)**, f convex and L-smooth, η = 1/L.  With
  :math:`t_1 = 1` and :math:`t_{k+1} = (1 + \sqrt{1 + 4t_k^2})/2`, the iteration
  :math:`x_k = y_k - \nabla f(y_k)/L`,
  :math:`y_{k+1} = x_k + \beta_k (x_k - x_{k-1})`, :math:`\beta_k = (t_k - 1)/t_{k+1}`
  keeps the potential :math:`\tfrac2L t_k^2 (f(x_k) - f^*) + \|u_k\|^2` non-increasing
  (:math:`u_k = t_k x_k - (t_k - 1)x_{k-1} - x^*`), because :math:`t_{k+1}^2 - t_{k+1} = t_k^2`;
  so :math:`f(x_k) - f^* \le L D^2/(2t_k^2)`, and :math:`t_k \ge (k+1)/2` by induction gives
  :math:`f(x_k) - f^* \le 2LD^2/(k+1)^2`: order −2, against gradient descent's −1.
* **Escape from a strict saddle.**  Near a critical point with Hessian eigenvalue −h < 0
  (h > 0), gradient descent multiplies the component u along that eigenvector by
  :math:`a = 1 + \eta h` per step: :math:`u_t = \delta a^t` from :math:`u_0 = \delta`, so
  it reaches radius R after :math:`\tau = \log(R/\delta)/\log(1 + \eta h)` steps, linear in
  :math:`\log(1/\delta)` with slope :math:`1/\log(1 + \eta h)`.  The gradient flow's
  :math:`e^{\eta h t}` (continuous time, t steps of length η) gives slope :math:`1/(\eta h)`,
  smaller: the discrete map grows slower than the flow.  From the saddle itself (δ = 0) the
  gradient is 0 and GD never moves; SGD's noise ξ (variance σ²) drives
  :math:`u_{t+1} = a u_t - \eta\sigma\xi_t`, whose variance
  :math:`\eta^2\sigma^2 (a^{2t} - 1)/(a^2 - 1)` grows as :math:`a^{2t}`: it escapes.
* **Adam's scale invariance.**  On the loss c·f (c > 0) every gradient is c·g, so the moving
  averages are c·m and c²·v and the step
  :math:`-\eta\,c\hat m/(\sqrt{c^2\hat v} + \epsilon) = -\eta\,\hat m/(\sqrt{\hat v} + \epsilon/c)`:
  Adam on c·f is Adam on f with ε/c.  Its step differs from the step at c = 1 by
  :math:`\eta|\hat m|\,\epsilon|1/c - 1| / ((\sqrt{\hat v} + \epsilon/c)(\sqrt{\hat v} + \epsilon))
  \le \eta\,\epsilon\,|1/c - 1|\,|\hat m|/\hat v`; gradient descent's step, −ηcg, scales with c.
* **RMSprop on a diagonal quadratic.**  On :math:`\tfrac12\sum_i \lambda_i x_i^2` coordinate i
  sees the gradient :math:`\lambda_i x_i`, so its running mean square is :math:`\lambda_i^2`
  times the one of :math:`x_i`, and its step
  :math:`-\eta\lambda_i x_i/(\sqrt{\lambda_i^2 v_i} + \epsilon)
  = -\eta x_i/(\sqrt{v_i} + \epsilon/\lambda_i)`
  does not depend on :math:`\lambda_i` (up to ε/λᵢ): every coordinate started at the same
  value follows the same path, whatever κ, and the steps to an error do not grow with κ
  (log-log slope 0).  Gradient descent at :math:`\eta^* = 2/(\mu + L)` contracts the
  extreme modes by :math:`\rho = (\kappa-1)/(\kappa+1)`, so it needs
  :math:`\log(1/e)/\log(1/\rho) \approx \tfrac\kappa2\log(1/e)` steps to reach a relative
  error e: slope 1 in κ.

Sources: Nesterov, Soviet Math. Dokl. 27 (1983); Beck & Teboulle, SIAM J. Imaging Sci. 2
(2009), Lemma 4.1–4.3 and Thm 4.4; Lee, Simchowitz, Jordan & Recht, COLT 2016 (GD from a
random start escapes strict saddles); Ge, Huang, Jin & Yuan, COLT 2015 (noise escapes them);
Kingma & Ba, ICLR 2015, §2.1 ("invariant to diagonal rescaling of the gradients"); Tieleman &
Hinton, COURSERA lecture 6.5 (2012), RMSprop; Nocedal & Wright 2006, §3.3.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.notation import ETA, KAPPA, L_SMOOTH, T
from convlab.symbolic.quadratic import gd_quadratic
from convlab.symbolic.result import Derivation

D = sp.Symbol("D", positive=True)  # ‖x₀ − x*‖
K = sp.Symbol("k", integer=True, positive=True)
T_K = sp.Symbol("t_k", positive=True)  # FISTA's sequence at step k (t_k ≥ 1)


def _order(bound: sp.Expr) -> sp.Expr:
    """The exponent p in bound ~ k^p as k → ∞."""
    return sp.limit(sp.log(bound) / sp.log(K), K, sp.oo)


@cache
def accelerated_convex_bound() -> Derivation:
    r"""Parts ``t_next`` (:math:`(1+\sqrt{1+4t_k^2})/2`), ``momentum``
    (:math:`\beta_k = (t_k - 1)/t_{k+1}`), ``bound`` (:math:`2LD^2/(k+1)^2`) and ``order`` (−2)
    of the accelerated gradient method at η = 1/L on a convex L-smooth function (see the module
    docstring).  Source: Beck & Teboulle 2009, Lemma 4.3 and Thm 4.4.
    """
    t_next = (1 + sp.sqrt(1 + 4 * T_K**2)) / 2
    identity = sp.simplify(sp.expand(t_next**2 - t_next - T_K**2))
    momentum = (T_K - 1) / t_next
    # induction t_k ≥ (k+1)/2: at t_k = (k+1)/2, t_{k+1} − (k+2)/2 = (√(1+(k+1)²) − (k+1))/2 ≥ 0
    half = (K + 1) / 2
    induction = sp.simplify(t_next.subs(T_K, half) - (K + 2) / 2)
    squares = sp.expand((1 + (K + 1) ** 2) - (K + 1) ** 2)  # √(1+(k+1)²) > k+1 ⇔ this > 0
    from_potential = L_SMOOTH * D**2 / (2 * T_K**2)
    bound = sp.simplify(from_potential.subs(T_K, half))
    steps = (
        ("t_{k+1} = (1 + sqrt(1 + 4 t_k^2))/2", t_next),
        ("it solves t_{k+1}^2 - t_{k+1} = t_k^2 (the residual is 0)", identity),
        ("momentum beta_k = (t_k - 1)/t_{k+1}", momentum),
        ("potential (2/L) t_k^2 (f(x_k) - f*) + |u_k|^2 decreases: f(x_k) - f* <=", from_potential),
        ("induction: t_1 = 1 >= 1, and t_{k+1} - (k+2)/2 at t_k = (k+1)/2 is", induction),
        ("non-negative: squared, 1 + (k+1)^2 - (k+1)^2 =", squares),
        ("so t_k >= (k+1)/2 and f(x_k) - f* <=", bound),
        ("order in k", _order(bound)),
    )
    return Derivation(
        "accelerated gradient (FISTA) on a convex L-smooth function",
        {"t_next": t_next, "momentum": momentum, "bound": bound, "order": _order(bound)},
        steps=steps,
        source="Nesterov 1983; Beck & Teboulle 2009, Lemma 4.3 and Thm 4.4",
        conclusion="f(x_k) - f* <= 2 L D^2 / (k+1)^2: order 1/k^2",
    )


@cache
def saddle_escape() -> Derivation:
    r"""Parts ``growth`` (:math:`\delta(1 + \eta h)^t`), ``escape_time``
    (:math:`\log(R/\delta)/\log(1 + \eta h)`), ``slope`` (its derivative in
    :math:`\log(1/\delta)`, :math:`1/\log(1 + \eta h)`), ``flow_escape_time`` and
    ``flow_slope`` (the gradient flow's, :math:`1/(\eta h)`: the rival), ``gd_from_saddle``
    (GD's displacement from δ = 0, which is 0) and ``noise_variance`` (of SGD's unstable
    component from δ = 0, gradient noise of variance σ²) of gradient descent near a strict
    saddle with negative curvature −h (see the module docstring).  Source: Lee et al. 2016.
    """
    h, delta, R, sigma = sp.symbols("h delta R sigma", positive=True)
    s = sp.Symbol("s", real=True)  # log(1/δ)
    u, var = sp.Function("u"), sp.Function("V")
    recursion = u(T + 1) - (u(T) - ETA * (-h) * u(T))  # u ← u − η f''(0) u, f''(0) = −h
    growth = sp.rsolve(recursion, u(T), {u(0): delta})
    escape = sp.expand_log(sp.solve(sp.Eq(sp.log(growth), sp.log(R)), T)[0], force=True)
    slope = sp.simplify(sp.diff(escape.subs(delta, sp.exp(-s)), s))
    flow = delta * sp.exp(ETA * h * T)  # u' = h u over a time ηt
    flow_escape = sp.expand_log(sp.solve(sp.Eq(sp.log(flow), sp.log(R)), T)[0], force=True)
    flow_slope = sp.simplify(sp.diff(flow_escape.subs(delta, sp.exp(-s)), s))
    at_saddle = growth.subs(delta, 0)  # δ = 0: ∇f(0) = 0, every step is 0
    a = 1 + ETA * h
    noise = sp.rsolve(var(T + 1) - (a**2 * var(T) + ETA**2 * sigma**2), var(T), {var(0): 0})
    noise = sp.factor(sp.simplify(noise))
    steps = (
        ("unstable component: u_{t+1} = u_t - eta (-h) u_t (residual form)", recursion),
        ("solved from u_0 = delta", growth),
        ("escape: u_t = R at t =", escape),
        ("slope in log(1/delta)", slope),
        ("gradient flow u' = h u over time eta t: u =", flow),
        ("its escape time", flow_escape),
        ("its slope in log(1/delta)", flow_slope),
        ("from the saddle itself (delta = 0) GD's u_t is", at_saddle),
        ("SGD from delta = 0: V_{t+1} = a^2 V_t + eta^2 sigma^2, V_0 = 0", noise),
    )
    return Derivation(
        "gradient descent near a strict saddle",
        {
            "growth": growth,
            "escape_time": escape,
            "slope": slope,
            "flow_escape_time": flow_escape,
            "flow_slope": flow_slope,
            "gd_from_saddle": at_saddle,
            "noise_variance": noise,
        },
        steps=steps,
        source="Lee, Simchowitz, Jordan & Recht 2016; Ge, Huang, Jin & Yuan 2015",
        conclusion="escape after log(R/delta)/log(1 + eta h) steps: slope 1/log(1 + eta h)",
    )


@cache
def adam_scale_invariance() -> Derivation:
    r"""Parts ``step`` (Adam's step on c·f, in the moments m̂, v̂ of f), ``equivalent_eps``
    (ε/c: Adam on c·f is Adam on f with that ε), ``deviation`` (the exact difference from the
    step at c = 1), ``deviation_bound`` (:math:`\eta\epsilon|1/c - 1||\hat m|/\hat v`) and
    ``gd_step`` (−ηcg, gradient descent's step on c·f, which scales with c).  Source: Kingma &
    Ba 2015, §2.1.
    """
    c, eps, v = sp.symbols("c epsilon v", positive=True)  # v: the bias-corrected v̂ of f
    m, g = sp.symbols("m g", real=True)  # m: the bias-corrected m̂ of f
    step = -ETA * (c * m) / (sp.sqrt(c**2 * v) + eps)
    equivalent = sp.simplify(step - (-ETA * m / (sp.sqrt(v) + eps / c)))
    at_one = step.subs(c, 1)
    deviation = sp.factor(sp.simplify(step - at_one))
    bound = ETA * eps * sp.Abs(1 / c - 1) * sp.Abs(m) / v
    # |deviation| = η|m|ε|1/c − 1| / ((√v + ε/c)(√v + ε)) and each factor of the denominator ≥ √v
    slack = sp.simplify(bound - sp.Abs(deviation))
    gd = -ETA * c * g
    steps = (
        ("moments of c f: m -> c m, v -> c^2 v; Adam's step", step),
        ("minus Adam's step on f with eps/c (is 0)", equivalent),
        ("difference from the step at c = 1", deviation),
        ("bounded by eta eps |1/c - 1| |m| / v (denominators >= sqrt v)", bound),
        ("bound minus |difference| (non-negative)", slack),
        ("gradient descent's step on c f", gd),
    )
    return Derivation(
        "Adam on a scaled loss c f",
        {
            "step": step,
            "equivalent_eps": eps / c,
            "deviation": deviation,
            "deviation_bound": bound,
            "gd_step": gd,
        },
        steps=steps,
        source="Kingma & Ba 2015, §2.1",
        conclusion="Adam on c f is Adam on f with eps/c: its steps change by O(eps/(c sqrt v))",
    )


@cache
def diagonal_conditioning() -> Derivation:
    r"""Parts ``rmsprop_step`` (RMSprop's step on a coordinate of curvature λ, in that
    coordinate's x and running mean square v of x), ``kappa_slope`` (d log|step| / d log λ at
    ε = 0: 0), ``gd_steps`` (:math:`\log(1/e)/\log(1/\rho)`, ρ = (κ−1)/(κ+1): gradient
    descent's steps at η* to shrink its slowest mode by e) and ``gd_kappa_slope`` (the limit
    of d log(steps) / d log κ as κ → ∞: 1) on a diagonal quadratic (see the module
    docstring).  Sources: Tieleman & Hinton 2012 (RMSprop); Nocedal & Wright 2006, §3.3 (GD).
    """
    lam, eps, v = sp.symbols("lambda epsilon v", positive=True)
    x = sp.Symbol("x", real=True)
    e = sp.Symbol("e", positive=True)  # the relative error to reach, < 1
    step = -ETA * (lam * x) / (sp.sqrt(lam**2 * v) + eps)
    equivalent = sp.simplify(step - (-ETA * x / (sp.sqrt(v) + eps / lam)))
    slope = sp.simplify(lam * sp.diff(sp.log(sp.Abs(step.subs(eps, 0))), lam))
    rho = gd_quadratic()["optimal_rate"]
    gd_steps = sp.log(1 / e) / sp.log(1 / rho)
    gd_slope = sp.limit(KAPPA * sp.diff(sp.log(gd_steps), KAPPA), KAPPA, sp.oo)
    steps = (
        ("RMSprop's step on a coordinate of curvature lambda (gradient lambda x)", step),
        ("minus the step on x itself with eps/lambda (is 0)", equivalent),
        ("d log|step| / d log lambda at eps = 0", slope),
        ("gradient descent at eta* contracts by rho =", rho),
        ("steps to shrink by e", gd_steps),
        ("d log(steps) / d log kappa as kappa -> oo", gd_slope),
    )
    return Derivation(
        "RMSprop and gradient descent on a diagonal quadratic",
        {
            "rmsprop_step": step,
            "kappa_slope": slope,
            "gd_steps": gd_steps,
            "gd_kappa_slope": gd_slope,
        },
        steps=steps,
        source="Tieleman & Hinton 2012; Nocedal & Wright 2006, §3.3",
        conclusion="RMSprop's path on a diagonal quadratic does not depend on the curvatures: "
        "steps flat in kappa; GD's grow as kappa",
    )
