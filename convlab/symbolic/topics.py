"""Registry of derivations by topic name, for ``convlab derive TOPIC``.

Each entry is a zero-argument function returning a :class:`~convlab.symbolic.result.Derivation`;
topics that need an input (a matrix, a schedule, an expression) use the textbook example named in
their docstring.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import sympy as sp

from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.symbolic.adam_epsilon import adam_large_epsilon
from convlab.symbolic.convex_rates import gd_convex_rate, sgd_convex_rate
from convlab.symbolic.costs import iteration_costs
from convlab.symbolic.dynamics import (
    accelerated_convex_bound,
    adam_scale_invariance,
    diagonal_conditioning,
    saddle_escape,
)
from convlab.symbolic.gauss_newton import gauss_newton_rate
from convlab.symbolic.gradient_growth import gradient_norm_growth
from convlab.symbolic.initialization import he, variance_propagation, xavier
from convlab.symbolic.linearised_network import linearised_gd
from convlab.symbolic.long_term import long_term_dynamics
from convlab.symbolic.losses import mean_squared_error, softmax_cross_entropy, softmax_jacobian
from convlab.symbolic.momentum import heavy_ball, nesterov
from convlab.symbolic.notation import T
from convlab.symbolic.quadratic import gd_quadratic, quadratic_model
from convlab.symbolic.regression import centring_and_scaling, linear_regression, whitening
from convlab.symbolic.result import Derivation
from convlab.symbolic.scale_invariance import bn_scale_invariance
from convlab.symbolic.second_order import (
    conjugate_gradient_bound,
    levenberg_shrinkage,
    newton_affine_invariance,
    newton_family,
)
from convlab.symbolic.splitting import gauss_seidel, jacobi
from convlab.symbolic.stable_step import largest_stable_step
from convlab.symbolic.stochastic import (
    adam_bias_correction,
    adam_step_bound,
    minibatch_standard_error,
    robbins_monro,
    terminal_velocity,
)
from convlab.symbolic.taylor import classify_critical_points, taylor_step

#: the 1-D Poisson matrix tridiag(-1, 2, -1) of size 3 (Saad 2003, §2.2): rho_J = cos(pi/4)
_POISSON_3 = sp.ImmutableMatrix([[2, -1, 0], [-1, 2, -1], [0, -1, 2]])


def _jacobi_poisson() -> Derivation:
    """Jacobi on the 3x3 Poisson matrix: spectral radius cos(pi/4)."""
    return jacobi(_POISSON_3)


def _gauss_seidel_poisson() -> Derivation:
    """Gauss-Seidel on the 3x3 Poisson matrix: spectral radius cos(pi/4)^2 = 1/2."""
    return gauss_seidel(_POISSON_3)


def _robbins_monro_example() -> Derivation:
    """Robbins–Monro conditions for the schedule c/t (both hold)."""
    return robbins_monro(sp.Symbol("c", positive=True) / T, T)


def _rosenbrock() -> Derivation:
    """Critical points of Rosenbrock's (1 - x)^2 + 100 (y - x^2)^2: a minimum at (1, 1)."""
    x, y = sp.symbols("x y", real=True)
    return classify_critical_points((1 - x) ** 2 + 100 * (y - x**2) ** 2, [x, y])


def _long_term_example() -> Derivation:
    """Powers of W = [[1/2, 1], [0, 3/4]]: vanishing."""
    half, three_quarters = sp.Rational(1, 2), sp.Rational(3, 4)
    return long_term_dynamics([[half, 1], [0, three_quarters]])


TOPICS: dict[str, Callable[[], Derivation]] = {
    "quadratic": quadratic_model,
    "gd-quadratic": gd_quadratic,
    "heavy-ball": heavy_ball,
    "nesterov": nesterov,
    "jacobi": _jacobi_poisson,
    "gauss-seidel": _gauss_seidel_poisson,
    "linear-regression": linear_regression,
    "centring": centring_and_scaling,
    "whitening": whitening,
    "taylor": taylor_step,
    "critical-points": _rosenbrock,
    "variance-propagation": variance_propagation,
    "xavier": xavier,
    "he": he,
    "softmax-jacobian": softmax_jacobian,
    "softmax-ce": softmax_cross_entropy,
    "mse": mean_squared_error,
    "adam-bias": adam_bias_correction,
    "adam-step": adam_step_bound,
    "terminal-velocity": terminal_velocity,
    "minibatch-error": minibatch_standard_error,
    "robbins-monro": _robbins_monro_example,
    "gd-convex": gd_convex_rate,
    "sgd-convex": sgd_convex_rate,
    "long-term": _long_term_example,
    "cg": conjugate_gradient_bound,
    "newton-family": newton_family,
    "newton-affine": newton_affine_invariance,
    "lm": levenberg_shrinkage,
    "accelerated-convex": accelerated_convex_bound,
    "adam-scale": adam_scale_invariance,
    "saddle-escape": saddle_escape,
    "diagonal-conditioning": diagonal_conditioning,
    "gradient-growth": gradient_norm_growth,
    "iteration-costs": iteration_costs,
    "bn-scale-invariance": bn_scale_invariance,
    "gauss-newton-rate": gauss_newton_rate,
    "adam-eps": adam_large_epsilon,
    "stable-step": largest_stable_step,
    "linearised-gd": linearised_gd,
}


def derive(topic: str) -> Derivation:
    """The derivation registered under ``topic`` (see :data:`TOPICS`)."""
    if not isinstance(topic, str):
        raise ArgumentTypeError("topic", f"a topic name, one of {sorted(TOPICS)}", topic)
    if topic not in TOPICS:
        close = difflib.get_close_matches(topic, list(TOPICS), n=4, cutoff=0.4)
        near = f" (closest: {', '.join(close)})" if close else ""
        raise ArgumentError("topic", f"a topic listed by `convlab list`{near}", topic)
    return TOPICS[topic]()
