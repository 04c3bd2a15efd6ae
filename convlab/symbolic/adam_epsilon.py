r"""Adam with a large ε is momentum SGD with step η/ε: the expansion, its error, the match.

Adam's step is :math:`\Delta = -\eta\,\hat m/(\sqrt{\hat v} + \epsilon)`.  With
:math:`u = \sqrt{\hat v}/\epsilon`,

.. math::
    \Delta = -\frac{\eta}{\epsilon}\,\frac{\hat m}{1 + u}
           = -\frac{\eta}{\epsilon}\,\hat m\,(1 - u + u^2 - \dots),
    \qquad
    \Big|\Delta + \frac{\eta}{\epsilon}\hat m\Big| = \frac{\eta}{\epsilon}|\hat m|\frac{u}{1+u}
    \le \frac{\eta\,|\hat m|\sqrt{\hat v}}{\epsilon^2},

so for ε ≫ √v̂ Adam steps by :math:`-(\eta/\epsilon)\hat m`: SGD on the bias-corrected moving
average of the gradients, with step η/ε and no normalisation.  The rival "ε only guards the
division" is the limit ε → 0, :math:`-\eta\hat m/\sqrt{\hat v}`.

torch's ``SGD(lr, momentum=μ, dampening=τ)`` keeps :math:`b_1 = g_1`,
:math:`b_t = \mu b_{t-1} + (1-\tau)g_t`; Adam's :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1)g_t`,
:math:`m_0 = 0`.  :math:`b_t \propto m_t` for every gradient sequence only with μ = β₁ and
τ = 0 (dampening τ = β₁, the EMA form, leaves :math:`b_t - m_t = \beta_1^t g_1`: the first
gradient is not damped); then :math:`b_t = m_t/(1-\beta_1)` and
:math:`(\eta/\epsilon)\hat m_t = \alpha_t b_t` with
:math:`\alpha_t = \frac{\eta}{\epsilon}\frac{1-\beta_1}{1-\beta_1^t}`: SGD with that
learning-rate schedule follows Adam's ε → ∞ path exactly.

On :math:`\tfrac12\sum_i\lambda_i x_i^2` with additive gradient noise shared by both runs, the
gap between Adam and that SGD, :math:`(e_t, n_t)` = (difference of iterates, of buffers),
obeys :math:`(e_t, n_t) = M_t(e_{t-1}, n_{t-1}) + (\delta_t, 0)` per coordinate, with
:math:`M_t = \begin{pmatrix}1-\alpha_t\lambda & -\alpha_t\beta_1\\ \lambda & \beta_1
\end{pmatrix}` (the Jacobian of SGD's map) and :math:`\delta_t` Adam's remainder above, so
:math:`|e_t| \le \sum_{s\le t} |(M_t\cdots M_{s+1})_{11}|\,|\delta_s|`.

Sources: Kingma & Ba, ICLR 2015, Alg. 1; PyTorch 2.13 ``torch.optim.SGD`` and
``torch.optim.Adam`` documentation (update rules); Zhang et al., NeurIPS 2019 (the noisy
quadratic model).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.notation import ETA, LAM, T
from convlab.symbolic.result import Derivation

EPSILON = sp.Symbol("epsilon", positive=True)
M_HAT = sp.Symbol("m", real=True)  # bias-corrected first moment m̂
V_HAT = sp.Symbol("v", positive=True)  # bias-corrected second moment v̂
BETA_1 = sp.Symbol("beta_1", positive=True)
ALPHA = sp.Symbol("alpha", positive=True)  # SGD's learning rate at one step
_SOURCE = "Kingma & Ba 2015, Alg. 1; torch.optim.SGD / Adam (PyTorch 2.13)"


def _expansion():
    """(step, limit, expansion to u², remainder, remainder bound, its slack), u = √v̂/ε."""
    u = sp.Symbol("u", nonnegative=True)
    step = -ETA * M_HAT / (sp.sqrt(V_HAT) + EPSILON)
    in_u = -(ETA / EPSILON) * M_HAT / (1 + u)
    series = sp.series(1 / (1 + u), u, 0, 3).removeO()
    ratio = sp.sqrt(V_HAT) / EPSILON
    expansion = sp.expand(-(ETA / EPSILON) * M_HAT * series.subs(u, ratio))
    limit = -(ETA / EPSILON) * M_HAT
    remainder = sp.simplify(step - limit)
    bound = ETA * sp.Abs(M_HAT) * sp.sqrt(V_HAT) / EPSILON**2
    slack = sp.simplify(bound - sp.Abs(remainder))
    same = sp.simplify(in_u.subs(u, ratio) - step)
    if same != 0 or not slack.is_nonnegative:  # pragma: no cover
        raise ArithmeticError("the expansion in u disagrees with Adam's step")
    return step, in_u, series, expansion, limit, remainder, bound, slack, same


def _sgd_match():
    """Solve torch's SGD buffer b_3 = k·m_3 ≠ 0 for every (g_1, g_2, g_3): (μ, τ, k), the EMA
    excess b_3 − m_3 at τ = β₁, the induction step b_t = m_t/(1 − β₁), and α_t."""
    mu, tau, k = sp.symbols("mu tau k", real=True)
    g = sp.symbols("g_1:4", real=True)
    b, m = g[0], (1 - BETA_1) * g[0]
    for g_t in g[1:]:
        b, m = mu * b + (1 - tau) * g_t, BETA_1 * m + (1 - BETA_1) * g_t
    equations = sp.Poly(sp.expand(b - k * m), *g).coeffs()
    (solution,) = [s for s in sp.solve(equations, [mu, tau, k], dict=True) if s[k] != 0]
    excess = sp.factor(sp.expand((b - m).subs({mu: BETA_1, tau: BETA_1})))
    m_prev, g_t = sp.symbols("m_prev g_t", real=True)
    induction = sp.simplify(
        (BETA_1 * m_prev + (1 - BETA_1) * g_t) * solution[k] - (BETA_1 * m_prev * solution[k] + g_t)
    )
    lr = sp.simplify(ETA / EPSILON / (1 - BETA_1**T) / solution[k])
    return solution[mu], solution[tau], solution[k], excess, induction, lr


def _transition():
    """Jacobian of SGD's map (x, b) ↦ (x − α b', b' = β₁ b + λ x + ξ) on ½λx²."""
    x, b, noise = sp.symbols("x b xi", real=True)
    buffer = BETA_1 * b + LAM * x + noise
    new = sp.Matrix([x - ALPHA * buffer, buffer])
    return new, new.jacobian([x, b])


@cache
def adam_large_epsilon() -> Derivation:
    r"""Parts ``step`` :math:`-\eta m/(\sqrt v+\epsilon)`, ``limit`` :math:`-(\eta/\epsilon)m`,
    ``expansion`` (to second order in :math:`\sqrt v/\epsilon`), ``remainder`` (step − limit),
    ``remainder_bound`` :math:`\eta|m|\sqrt v/\epsilon^2`, ``rival_step``
    :math:`-\eta m/\sqrt v` (ε → 0), ``momentum`` (β₁) and ``dampening`` (0) of the matching
    torch SGD, ``sgd_lr`` :math:`\alpha_t = (\eta/\epsilon)(1-\beta_1)/(1-\beta_1^t)` and
    ``transition`` :math:`M_t` in ``alpha`` and ``lambda_`` (module docstring); ``m``, ``v``
    stand for the bias-corrected m̂, v̂.  Source: Kingma & Ba 2015; torch.optim.SGD.
    """
    step, in_u, series, expansion, limit, remainder, bound, slack, same = _expansion()
    momentum, dampening, scale, excess, induction, lr = _sgd_match()
    sgd_map, transition = _transition()
    rival = sp.limit(step, EPSILON, 0)
    steps = (
        ("Adam's step", step),
        ("with u = sqrt(v)/epsilon (difference from the step: 0)", (in_u, same)),
        ("1/(1+u) to second order", series),
        ("the expansion", expansion),
        ("epsilon >> sqrt(v): the limit, SGD on m-hat with step eta/epsilon", limit),
        ("remainder step - limit, exact", remainder),
        ("|remainder| <= eta |m| sqrt(v) / epsilon^2; the slack is >= 0", (bound, slack)),
        ("epsilon -> 0 (the rival: epsilon only guards the division)", rival),
        ("torch SGD b_3 = k m_3 for all g: momentum, dampening, k", (momentum, dampening, scale)),
        ("dampening = beta_1 instead (EMA form): b_3 - m_3", excess),
        ("induction: b_t = m_t / (1 - beta_1) is kept by both recursions (difference)", induction),
        ("so (eta/epsilon) m_t/(1 - beta_1^t) = alpha_t b_t with alpha_t", lr),
        ("SGD's map (x, b) -> (x', b') on lambda x^2/2, gradient noise xi", sgd_map),
        ("its Jacobian: the transition of the Adam - SGD gap", transition),
    )
    return Derivation(
        "Adam with a large epsilon",
        {
            "step": step,
            "limit": limit,
            "expansion": expansion,
            "remainder": remainder,
            "remainder_bound": bound,
            "rival_step": rival,
            "momentum": momentum,
            "dampening": dampening,
            "sgd_lr": lr,
            "transition": transition,
        },
        steps=steps,
        source=_SOURCE,
        conclusion="for epsilon >> sqrt(v-hat) Adam is torch SGD(momentum=beta_1, "
        "dampening=0) with lr_t = (eta/epsilon)(1 - beta_1)/(1 - beta_1^t), each step off by "
        "at most eta |m-hat| sqrt(v-hat) / epsilon^2",
    )
