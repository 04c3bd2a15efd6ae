"""convlab.symbolic: convergence results derived with SymPy, each with its steps and source.

Every public function returns a :class:`Derivation`; its ``evaluate`` / ``lambdify`` compile the
derived expressions for NumPy or CuPy, the single source of the predictions convlab measures.
"""

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
from convlab.symbolic.linear_iteration import linear_iteration, spectral_radius
from convlab.symbolic.linearised_network import linearised_gd
from convlab.symbolic.long_term import long_term_dynamics
from convlab.symbolic.losses import mean_squared_error, softmax_cross_entropy, softmax_jacobian
from convlab.symbolic.momentum import heavy_ball, heavy_ball_rate, nesterov, nesterov_rate
from convlab.symbolic.quadratic import gd_quadratic, gd_quadratic_matrix, gd_rate, quadratic_model
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
from convlab.symbolic.taylor import CriticalPoint, classify_critical_points, taylor_step
from convlab.symbolic.topics import TOPICS, derive
from convlab.symbolic.update_rule import UpdateRule, update_rule

__all__ = [
    "TOPICS",
    "UpdateRule",
    "accelerated_convex_bound",
    "adam_scale_invariance",
    "diagonal_conditioning",
    "saddle_escape",
    "CriticalPoint",
    "Derivation",
    "adam_bias_correction",
    "adam_large_epsilon",
    "adam_step_bound",
    "bn_scale_invariance",
    "centring_and_scaling",
    "classify_critical_points",
    "conjugate_gradient_bound",
    "derive",
    "gauss_newton_rate",
    "gauss_seidel",
    "gd_convex_rate",
    "gd_quadratic",
    "gd_quadratic_matrix",
    "gd_rate",
    "gradient_norm_growth",
    "he",
    "heavy_ball",
    "heavy_ball_rate",
    "iteration_costs",
    "jacobi",
    "largest_stable_step",
    "levenberg_shrinkage",
    "linear_iteration",
    "linear_regression",
    "linearised_gd",
    "long_term_dynamics",
    "mean_squared_error",
    "minibatch_standard_error",
    "nesterov",
    "nesterov_rate",
    "newton_affine_invariance",
    "newton_family",
    "quadratic_model",
    "robbins_monro",
    "sgd_convex_rate",
    "softmax_cross_entropy",
    "softmax_jacobian",
    "spectral_radius",
    "taylor_step",
    "terminal_velocity",
    "update_rule",
    "variance_propagation",
    "whitening",
    "xavier",
]
