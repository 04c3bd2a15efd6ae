"""convlab: derive how optimizers converge, then prove it by running them.

The layers, bottom up: :mod:`convlab.symbolic` (SymPy derivations) and :mod:`convlab.backend`
(array namespaces); :mod:`convlab.problems`, :mod:`convlab.optim`, :mod:`convlab.nn`,
:mod:`convlab.data`, :mod:`convlab.linalg`; :mod:`convlab.experiments` (claims: prediction +
measured run + verdict); :mod:`convlab.plot` and :mod:`convlab.report`.  Each subpackage is
imported on first use (``convlab.symbolic.derive(...)`` works after ``import convlab``), so
``import convlab`` stays fast.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from convlab.optim import run, sweep

SUBPACKAGES = (
    "backend",
    "data",
    "experiments",
    "linalg",
    "nn",
    "optim",
    "plot",
    "problems",
    "report",
    "symbolic",
)

try:
    __version__ = version("convlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"


def __getattr__(name: str) -> Any:
    """``convlab.<subpackage>``, imported on first access."""
    if name in SUBPACKAGES:
        return importlib.import_module(f"convlab.{name}")
    if name == "verify":  # convlab.verify: a rule's derived rate against a run (experiments)
        return importlib.import_module("convlab.experiments.verify").verify
    raise AttributeError(f"module 'convlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *SUBPACKAGES, "verify"])


__all__ = ["__version__", "run", "sweep", "verify"]
