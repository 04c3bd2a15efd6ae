"""The built-in claims; importing this package registers them all, in report order."""

import importlib

MODULES = (
    "gd_quadratic",
    "momentum",
    "taylor",
    "regression",
    "losses",
    "initialization",
    "stochastic",
    "convex",
    "adaptive",
    "batchnorm",
    "bn_step",
    "second_order",
    "basins",
    "linear_systems",
    "long_term",
    "dynamics",
    "training",
    "invariance",
    "costs",
    "gauss_newton",
    "adam_epsilon",
    "input_normalisation",
)

for _name in MODULES:
    importlib.import_module(f"{__name__}.{_name}")
