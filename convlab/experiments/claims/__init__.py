"""The built-in claims; importing this package registers them all (in report order)."""

from convlab.experiments.claims import (  # noqa: F401
    gd_quadratic,
    initialization,
    linear_systems,
    long_term,
    losses,
    momentum,
    regression,
    second_order,
    taylor,
)
