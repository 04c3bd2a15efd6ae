"""A problem from user callables, in the manner of ``scipy.optimize.minimize``.

The callables are the user's code, so :class:`Objective` is where what they return is
checked, before a run loop or an optimizer sees it: each call's result must be an array of
the parameters' namespace with the shape the protocol asks (``fun`` may also return a real
number for a single run), else a :class:`~convlab.errors.ArgumentTypeError` or
:class:`~convlab.errors.ShapeError` names the callable, the shape expected and what came back.
At the start, ``fun`` and ``grad`` must also be finite, as :class:`LeastSquares` requires of
its residual: a run that began at NaN would have nothing finite to report.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from convlab.backend import array_namespace, get_namespace, is_array, resolve_dtype, to_numpy
from convlab.backend.checks import as_array, check_shape
from convlab.errors import (
    ArgumentError,
    ArgumentTypeError,
    MissingCapabilityError,
    ShapeError,
    count,
)
from convlab.problems.base import Problem


class Objective(Problem):
    """f given as callables: ``fun(x)``, ``grad(x)``, optional ``hess(x)`` and ``hvp(x, v)``.

    As in ``scipy.optimize.minimize(fun, x0, jac=grad, hess=hess, hessp=hvp)``, except that a
    convlab sweep runs R runs at once: every callable must accept x of shape ``(d,)`` *and*
    ``(R, d)`` and return ``()``/``(R,)`` (fun), the shape of x (grad), ``(..., d, d)`` (hess)
    and ``(..., d)`` (hvp), in the namespace of x (take it with ``array_namespace(x)``).
    Results are checked as the module docstring says.

    ``x0`` (a start where ``fun`` and ``grad`` are finite) and ``minimizer`` are optional;
    ``dim`` is taken from them, or must be given when neither is.  A start passed later to
    ``convlab.run`` is checked the same way (one call of ``fun`` and ``grad`` each, before
    the run and not counted in its ``nfev``).  ``min_value`` is ``fun(minimizer)``.  Without
    ``hess``, ``hvp`` is the only second-order oracle; without either, asking for one raises
    :class:`~convlab.errors.MissingCapabilityError` naming the missing argument.
    """

    name = "objective"

    def __init__(
        self,
        fun,
        grad,
        hess=None,
        hvp=None,
        *,
        x0=None,
        minimizer=None,
        dim=None,
        backend=None,
        dtype=None,
        device=None,
    ) -> None:
        for arg, f in (("fun", fun), ("grad", grad), ("hess", hess), ("hvp", hvp)):
            if f is not None and not callable(f):
                raise ArgumentTypeError(arg, "a callable (or None)", f)
        if fun is None or grad is None:
            raise ArgumentTypeError("fun" if fun is None else "grad", "a callable", None)
        self._fun, self._grad, self._hess, self._hvp = fun, grad, hess, hvp
        xp = get_namespace(backend)
        self.xp, self.dtype, self.device = xp, resolve_dtype(xp, dtype), device
        self.x0 = self._vector("x0", x0)
        self.minimizer = self._vector("minimizer", minimizer)
        self.dim = self._dim(dim)
        for name, v in (("x0", self.x0), ("minimizer", self.minimizer)):
            if v is not None:
                check_shape(name, v, (self.dim,))
        if self.x0 is not None:
            self._check_start(self.x0)
        if self.minimizer is not None:
            self.min_value = float(self.value(self.minimizer))
            if not np.isfinite(self.min_value):
                raise ArgumentError("fun", "a finite value at the minimizer", self.min_value)

    def _vector(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        arr = as_array(name, value, xp=self.xp, dtype=self.dtype, device=self.device, ndim=1)
        if arr.shape[0] == 0:
            raise ShapeError(name, "shape (d,) with d ≥ 1 (at least one parameter)", arr)
        self.device = arr.device
        return arr

    def _dim(self, dim) -> int:
        known = [v.shape[0] for v in (self.x0, self.minimizer) if v is not None]
        if dim is not None:
            known.append(count("dim", dim))
        if not known:
            raise ArgumentError("dim", "given when neither x0 nor minimizer is", None)
        return known[0]

    def start(self, x0: Any = None) -> Any:
        """The validated start (see :meth:`Problem.start`), where fun and grad must be finite."""
        x = super().start(x0)
        if x0 is not None:  # the default start was checked at construction
            self._check_start(x)
        return x

    def _check_start(self, x) -> None:
        """fun and grad at the start x: finite, or an error naming the callable."""
        for name, out in (("fun", self.value(x)), ("grad", self.grad(x))):
            host = np.asarray(to_numpy(out), dtype=np.float64)
            bad = np.flatnonzero(~np.isfinite(host))
            if bad.size:
                where = np.unravel_index(bad[0], host.shape)
                raise ArgumentError(
                    name,
                    "finite values at the start x0 (the run has no finite state to begin from)",
                    f"{host[where]} at index {tuple(int(i) for i in where)} of {name}(x0)",
                )

    def value(self, x):
        return self._result("fun", self._fun(x), x, tuple(x.shape[:-1]), "one loss per run")

    def grad(self, x):
        return self._result("grad", self._grad(x), x, tuple(x.shape), "the parameters' shape")

    def hess(self, x):
        if self._hess is None:
            raise MissingCapabilityError(
                "hess",
                "a callable hess(x) for a method that needs the Hessian: "
                "pass Objective(fun, grad, hess=...)",
                None,
            )
        want = tuple(x.shape[:-1]) + (self.dim, self.dim)
        return self._result("hess", self._hess(x), x, want, "runs…, d, d")

    def hvp(self, x, v):
        if self._hvp is not None:
            return self._result("hvp", self._hvp(x, v), x, tuple(x.shape), "the parameters' shape")
        if self._hess is None:
            raise MissingCapabilityError(
                "hvp",
                "a callable hvp(x, v) or hess(x) for a method that needs Hessian-vector "
                "products: pass Objective(fun, grad, hvp=...) or hess=...",
                None,
            )
        return super().hvp(x, v)

    def _result(self, name: str, out: Any, x: Any, shape: tuple, meaning: str) -> Any:
        """``out``, returned by the user's ``name`` at x, after the checks of the module
        docstring (a real number from ``fun`` on one run becomes a 0-D array of x's dtype)."""
        if shape == () and isinstance(out, Real) and not isinstance(out, bool):
            return self.xp.asarray(float(out), dtype=x.dtype, device=x.device)
        if not is_array(out) or array_namespace(out) is not array_namespace(x):
            want = f"an array of shape {shape} ({meaning}) in the namespace of x"
            raise ArgumentTypeError(name, want, out)
        if tuple(out.shape) != shape:
            raise ShapeError(name, f"shape {shape} ({meaning})", out)
        return out
