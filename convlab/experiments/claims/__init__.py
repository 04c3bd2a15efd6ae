"""The built-in claims; importing this package registers them all (in report order)."""

from convlab.experiments.claims import gd_quadratic, momentum  # noqa: F401
