r"""Derivations that the claims need next to their theory: their rivals, and two small results
no other module derives (clipping's step, a running average's error).

A claim in :mod:`convlab.experiments` passes only when its measurement refutes its *rival*, the
most plausible wrong theory; each rival's prediction is derived here, the same way as the
theory's, so that neither is retyped as a number in a claim.

* :func:`squared_loss_without_half` — the Hessian of :math:`\tfrac1N\sum_n (x_n^\top w - y_n)^2`
  (the ½ of the squared loss dropped): :math:`2C_x`.
* :func:`cross_entropy_in_probabilities` — :math:`\partial\ell/\partial f_i = -y_i/f_i`, the
  gradient of cross-entropy with the softmax's Jacobian forgotten.
* :func:`accelerated_convex_rate` — Nesterov's :math:`2LD^2/(k+1)^2`, order −2 (Nesterov 1983;
  Beck 2017, Thm 10.34), the rate GD on a convex function does *not* reach.
* :func:`spectral_norm_growth` — :math:`\|W\|_2` (the largest singular value), which bounds
  :math:`\|W^t v\|^{1/t}` but is not its limit for a non-normal W.
* :func:`clipped_step` — the step of gradient descent with its gradient clipped to norm c,
  :math:`\eta g \min(1, c/\|g\|)`, of length :math:`\eta\min(\|g\|, c)`, and the plain step
  :math:`\eta\|g\|` (Pascanu, Mikolov & Bengio 2013, Algorithm 1; ``torch.nn.utils.
  clip_grad_norm_``).
* :func:`running_average_error` — the error of a running average
  :math:`\bar\mu_n = (1-\alpha)\bar\mu_{n-1} + \alpha\mu` (torch's BatchNorm ``momentum`` = α)
  solved: :math:`(1-\alpha)^n(\bar\mu_0 - \mu)`, log-rate :math:`\log(1-\alpha)`; and the same
  with the weights the other way round, log-rate :math:`\log\alpha`.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.result import Derivation
from convlab.symbolic.user_input import as_expr


@cache
def squared_loss_without_half(n_samples: int = 3, n_features: int = 2) -> Derivation:
    """Part ``hessian``: the Hessian of the mean squared residual without the ½, in the data
    symbols x_ni (as :func:`convlab.symbolic.linear_regression` names them)."""
    X = sp.Matrix(n_samples, n_features, lambda n, i: sp.Symbol(f"x_{n + 1}{i + 1}", real=True))
    y = sp.Matrix(sp.symbols(f"y_1:{n_samples + 1}", real=True))
    w = sp.Matrix(sp.symbols(f"w_1:{n_features + 1}", real=True))
    r = X * w - y
    loss = (r.T * r)[0] / n_samples
    hessian = sp.simplify(sp.hessian(loss, list(w)))
    return Derivation(
        "Hessian of the mean squared residual without the 1/2",
        {"hessian": hessian},
        steps=(("loss (1/N) sum (x_n.w - y_n)^2", loss), ("Hessian in w", hessian)),
        source="rival of linreg-hessian: the 1/2 of the squared loss forgotten",
    )


@cache
def cross_entropy_in_probabilities(n_classes: int = 3) -> Derivation:
    """Part ``gradient``: ∂(−Σ y_i log f_i)/∂f_i = −y_i/f_i, in the symbols f_i, y_i."""
    f = sp.symbols(f"f_1:{n_classes + 1}", positive=True)
    y = sp.symbols(f"y_1:{n_classes + 1}", real=True)
    loss = -sum(yi * sp.log(fi) for yi, fi in zip(y, f, strict=True))
    grad = sp.Matrix([sp.diff(loss, fi) for fi in f])
    return Derivation(
        "cross-entropy differentiated in the probabilities",
        {"gradient": grad},
        steps=(
            ("loss -sum y_i log f_i", loss),
            ("gradient in f (softmax Jacobian left out)", grad),
        ),
        source="rival of softmax-ce-gradient",
    )


@cache
def accelerated_convex_rate() -> Derivation:
    """Parts ``bound`` 2LD²/(k+1)² and ``order`` (−2) of Nesterov's accelerated gradient on a
    convex L-smooth function (Nesterov 1983; Beck 2017, Thm 10.34)."""
    L, D = sp.symbols("L D", positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    bound = 2 * L * D**2 / (k + 1) ** 2
    order = sp.limit(sp.log(bound) / sp.log(k), k, sp.oo)
    return Derivation(
        "accelerated gradient on a convex function",
        {"bound": bound, "order": order},
        steps=(("bound (Beck 2017, Thm 10.34)", bound), ("order: lim log bound / log k", order)),
        source="Nesterov 1983; Beck, First-Order Methods in Optimization (2017), Thm 10.34",
    )


def spectral_norm_growth(W) -> Derivation:
    """Part ``spectral_norm``: ‖W‖₂ = √λ_max(WᵀW) of a numeric SymPy matrix."""
    W = sp.Matrix(W)
    gram = W.T * W
    largest = max(sp.re(sp.N(e, 30)) for e in gram.eigenvals())  # exact roots carry 0·I
    norm = sp.sqrt(largest)
    return Derivation(
        "spectral norm of W",
        {"spectral_norm": norm},
        steps=(("W^T W", gram), ("largest singular value", norm)),
        source="rival of power-growth: |W^t v| <= |W|^t, tight only for a normal W",
    )


@cache
def clipped_step() -> Derivation:
    """Parts ``clipped`` η·min(G, c) and ``plain`` η·G: the step lengths of gradient descent
    with and without clipping the gradient (norm G) to norm c."""
    eta, G, c = sp.symbols("eta G c", positive=True)
    coefficient = sp.Min(1, c / G)  # torch: clip_coef = c/(‖g‖ + 1e-6), clamped to 1
    length = sp.simplify(eta * G * coefficient)
    return Derivation(
        "gradient descent with the gradient clipped to norm c",
        {"clipped": length, "plain": eta * G},
        steps=(("step -eta g min(1, c/|g|); its length", eta * G * coefficient),),
        source="Pascanu, Mikolov & Bengio 2013, Algorithm 1; torch.nn.utils.clip_grad_norm_",
    )


@cache
def running_average_error() -> Derivation:
    r"""Parts ``error`` (1−α)ⁿ e₀ and ``log_rate`` log(1−α) of a running average updated with
    weight α on each new value (torch's ``momentum``); ``swapped_log_rate`` log α, the same with
    the weights the other way round."""
    alpha, e0 = sp.symbols("alpha e_0", positive=True)
    n = sp.Symbol("n", integer=True, nonnegative=True)
    e = sp.Function("e")
    solution = sp.rsolve(e(n + 1) - (1 - alpha) * e(n), e(n), {e(0): e0})
    rate = sp.simplify(sp.diff(sp.expand_log(sp.log(solution), force=True), n))
    swapped = rate.subs(alpha, 1 - alpha)
    return Derivation(
        "error of a running average",
        {"error": solution, "log_rate": rate, "swapped_log_rate": swapped},
        steps=(
            ("mean_n - mu = (1 - alpha)(mean_{n-1} - mu)", e(n + 1) - (1 - alpha) * e(n)),
            ("solved", solution),
            ("d/dn log e_n", rate),
        ),
        source="torch.nn.BatchNorm1d (momentum: the weight of the new batch statistic)",
    )


def vanishing_step(schedule, variable=None) -> Derivation:
    r"""Parts ``limit`` (:math:`\lim_{t\to\infty}\alpha_t`) and ``vanishes`` (whether it is 0) of a
    step-size schedule: SGD's noise floor is proportional to the step (on a quadratic,
    :math:`E[f - f^*] \approx \eta\,\mathrm{tr}(H\Sigma)/4`), so a vanishing step keeps lowering
    it whether or not :math:`\sum\alpha_t^2 < \infty` — the Robbins–Monro conditions are
    sufficient, not necessary (their rival: necessary)."""
    from convlab.symbolic.notation import T

    variable = T if variable is None else variable
    limit = sp.limit(as_expr("schedule", schedule), variable, sp.oo)
    return Derivation(
        "limit of a step-size schedule",
        {"limit": limit, "vanishes": sp.true if limit == 0 else sp.false},
        steps=(("lim alpha_t, t -> oo", limit),),
        source="Robbins & Monro 1951; the floor of constant-step SGD is O(eta)",
    )


@cache
def lyapunov_spectrum() -> Derivation:
    r"""Parts ``exponent`` :math:`\mu_i = \tfrac12[\ln(2\sigma^2) + \psi(\tfrac{d-i+1}2)]` and
    ``variance`` :math:`\tfrac14\psi'(\tfrac{d-i+1}2)` (per layer) of the i-th Lyapunov exponent
    of a product of d×d matrices with i.i.d. N(0, σ²) entries: after L layers the i-th singular
    value is about :math:`e^{L\mu_i}`, so :math:`\sigma_i/\sigma_1 \approx e^{L(\mu_i-\mu_1)}`
    and the numerical rank at a relative tolerance r is the number of i with
    :math:`L(\mu_i-\mu_1) \ge \ln r` (Newman 1986, Commun. Math. Phys. 103; Forrester 2013,
    J. Phys. A 46, eq. 1.5): a deep random linear net collapses in rank."""
    d, i = sp.symbols("d i", positive=True)
    sigma = sp.Symbol("sigma", positive=True)
    half = (d - i + 1) / 2
    exponent = (sp.log(2 * sigma**2) + sp.digamma(half)) / 2
    return Derivation(
        "Lyapunov exponents of a product of Gaussian matrices",
        {"exponent": exponent, "variance": sp.polygamma(1, half) / 4},
        steps=(("log of the i-th singular value per layer (Newman 1986)", exponent),),
        source="Newman 1986, Commun. Math. Phys. 103, 121; Forrester 2013, J. Phys. A 46 345204",
    )


def lyapunov_rank(d: int, depth: int, rtol: float) -> tuple[int, int]:
    """The numerical rank at relative tolerance ``rtol`` of a product of ``depth`` d×d Gaussian
    matrices predicted by :func:`lyapunov_spectrum`, and its uncertainty: the number of
    singular values whose predicted log-ratio is within two standard deviations
    (√(depth·(v_i + v_1)), v the per-layer variances) of ln ``rtol``."""
    spectrum = lyapunov_spectrum()
    names = {n: spectrum.symbol(n) for n in ("d", "i", "sigma")}

    def at(part: str, i: int) -> float:  # digamma: evaluated by SymPy (no NumPy ufunc)
        values = {names["d"]: d, names["i"]: i, names["sigma"]: 1}
        return float(sp.N(spectrum.part(part).subs(values)))

    mu = [at("exponent", i) for i in range(1, d + 1)]
    var = [at("variance", i) for i in range(1, d + 1)]
    threshold = float(sp.log(rtol))
    gaps = [depth * (m - mu[0]) for m in mu]
    sds = [(depth * (v + var[0])) ** 0.5 for v in var]
    rank = sum(g >= threshold for g in gaps)
    band = sum(abs(g - threshold) <= 2 * s for g, s in zip(gaps, sds, strict=True))
    return rank, band
