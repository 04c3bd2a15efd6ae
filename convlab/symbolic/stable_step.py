r"""GD's largest stable step on a loss's local quadratic model, for two networks' Hessians.

Around a point θ₀ the loss is :math:`f(\theta_0+\delta) \approx f_0 + g^\top\delta +
\tfrac12\delta^\top H\delta`; gradient descent on this model is gradient descent on a quadratic,
so the stability region of GD's update rule applies (:func:`~convlab.symbolic.update_rule`
``("x - eta*g(x)")``, whose Schur–Cohn region is the ``stable_steps`` of
:func:`~convlab.symbolic.gd_quadratic`): each eigen-mode's distance to the model's minimum is
multiplied by :math:`1-\eta\lambda` per step, so GD is stable iff :math:`\eta < 2/\lambda` for
every eigenvalue, that is :math:`\eta < 2/\lambda_{\max}`.  Two networks at initialisation,
one without and one with BatchNorm, then have largest stable steps in the ratio
:math:`\eta_{\max}^{BN}/\eta_{\max}^{plain} = \lambda^{plain}/\lambda^{BN}`; the rival (BN
leaves the curvature, hence the step, as it is) says 1.

How soon a run shows the instability.  Along a mode of curvature λ carrying the gradient
component :math:`g_1`, the model's loss after t steps has changed by
:math:`\frac{g_1^2}{2\lambda}\big((1-\eta\lambda)^{2t} - 1\big)`: it rises from the first
step on iff :math:`|1-\eta\lambda| > 1`.  Over the whole model, one step changes the loss by
:math:`-\eta\|g\|^2 + \tfrac12\eta^2 g^\top Hg` (:func:`~convlab.symbolic.gradient_norm_growth`),
so it rises at once iff :math:`\eta > 2\|g\|^2/g^\top Hg`: exactly :math:`2/\lambda_{\max}`
when g is a top eigenvector, and at most :math:`2/(\lambda_{\max}\cos^2\theta)` for g at an
angle θ to it with curvature ≥ 0 elsewhere.  A gradient aligned with the top eigenvector thus
shows an unstable step as a loss that rises within the first steps.

Sources: Nocedal & Wright 2006, §3.3 (the quadratic); LeCun, Bottou, Orr & Müller 1998,
"Efficient BackProp", §5 (η_max = 2/λ_max on a network's loss); Lewkowycz et al. 2020, "The
large learning rate phase of deep learning: the catapult mechanism".
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.gradient_growth import G2, GHG, gradient_norm_growth
from convlab.symbolic.notation import ETA, LAM, LAM_M
from convlab.symbolic.result import Derivation
from convlab.symbolic.update_rule import update_rule

LAM_PLAIN = sp.Symbol("lambda_plain", positive=True)  # λ_max of the network without BN
LAM_BN = sp.Symbol("lambda_bn", positive=True)  # λ_max of the same network with BN
COS = sp.Symbol("cos_theta", positive=True)  # cos of the angle between g and the top eigenvector
REST = sp.Symbol("mu", nonnegative=True)  # the curvature of g's part orthogonal to it


@cache
def largest_stable_step() -> Derivation:
    r"""Parts ``largest_step`` :math:`2/\lambda_M`, ``step_ratio``
    :math:`\lambda_{plain}/\lambda_{bn}` (BN's largest step over the plain net's),
    ``rival_step_ratio`` 1, ``first_step_threshold`` :math:`2\|g\|^2/g^\top Hg` (the model's
    loss rises at the first step above it) and ``first_step_bound``
    :math:`2/(\lambda_M\cos^2\theta)` (that threshold at most, for g at angle θ to the top
    eigenvector and curvature ≥ 0 elsewhere).  The first two come from the stability region
    of GD's update rule on a mode of curvature λ (Schur–Cohn), at λ = λ_M; the threshold from
    :func:`gradient_norm_growth`.
    """
    region = update_rule("x - eta*g(x)").stability()["stable_region"]
    per_mode = sp.solve_univariate_inequality(region, ETA, relational=False).sup
    largest = per_mode.subs(LAM, LAM_M)
    ratio = sp.cancel(largest.subs(LAM_M, LAM_BN) / largest.subs(LAM_M, LAM_PLAIN))
    rival = sp.cancel(largest.subs(LAM_M, LAM_PLAIN) / largest.subs(LAM_M, LAM_PLAIN))
    z, t, a = sp.Function("z"), sp.Symbol("t", integer=True, nonnegative=True), sp.Symbol("A")
    mode = sp.rsolve(z(t + 1) - (1 - ETA * LAM) * z(t), z(t), {z(0): a})
    mode_loss = sp.factor(LAM / 2 * (mode**2 - a**2))
    threshold = gradient_norm_growth()["loss_falls_below"]
    on_top = sp.cancel(threshold.subs(GHG, LAM_M * G2))
    if sp.cancel(on_top - largest) != 0:  # pragma: no cover
        raise ArithmeticError("the one-step threshold along the top eigenvector is not 2/λ_M")
    tilted = threshold.subs(GHG, G2 * (LAM_M * COS**2 + REST * (1 - COS**2)))
    bound = sp.cancel(tilted.subs(REST, 0))
    steps = (
        ("GD's update x - eta g(x) on a mode of curvature lambda: stable iff", region),
        ("largest stable step of that mode", per_mode),
        ("2/lambda decreases in lambda: the largest eigenvalue binds", largest),
        ("mode at distance A from the model's minimum, after t steps", mode),
        ("the model's loss change along that mode (A = g_1/lambda)", mode_loss),
        ("it grows with t iff |1 - eta lambda| > 1", sp.Abs(1 - ETA * LAM) > 1),
        ("BN's largest step over the plain net's", ratio),
        ("rival: BN leaves lambda_max unchanged", rival),
        ("one step of the model raises the loss for eta > (gradient_norm_growth)", threshold),
        ("with g a top eigenvector (g'Hg = lambda_M ||g||^2)", on_top),
        ("g at angle theta, curvature mu >= 0 elsewhere", tilted),
        ("decreasing in mu: at most its value at mu = 0", sp.factor(sp.diff(tilted, REST))),
        ("so the first-step threshold is at most", bound),
    )
    return Derivation(
        "largest stable step of GD, with and without BatchNorm",
        {
            "largest_step": largest,
            "step_ratio": ratio,
            "rival_step_ratio": rival,
            "first_step_threshold": threshold,
            "first_step_bound": bound,
        },
        steps=steps,
        source="Nocedal & Wright 2006, §3.3; LeCun et al. 1998, Efficient BackProp, §5",
        conclusion="eta_max = 2/lambda_max for each net, so BN's largest stable step is "
        "lambda_plain/lambda_bn times the plain net's",
    )
