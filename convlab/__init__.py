"""convlab: derive how optimizers converge, then prove it by running them.

The layers, bottom up: :mod:`convlab.symbolic` (SymPy derivations) and :mod:`convlab.backend`
(array namespaces); :mod:`convlab.problems`, :mod:`convlab.optim`; :mod:`convlab.experiments`
(claims: prediction + measured run + verdict); :mod:`convlab.plot` and :mod:`convlab.report`.
"""

from importlib.metadata import PackageNotFoundError, version

from convlab.experiments.verify import verify
from convlab.optim import run, sweep

try:
    __version__ = version("convlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__", "run", "sweep", "verify"]
