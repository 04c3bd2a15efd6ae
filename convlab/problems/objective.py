"""A problem from user callables, in the manner of ``scipy.optimize.minimize``."""

from __future__ import annotations

from typing import Any

from convlab.backend import get_namespace, resolve_dtype
from convlab.backend.checks import as_array, check_shape, hyper
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.problems.base import Problem


class Objective(Problem):
    """f given as callables: ``fun(x)``, ``grad(x)``, optional ``hess(x)`` and ``hvp(x, v)``.

    As in ``scipy.optimize.minimize(fun, x0, jac=grad, hess=hess, hessp=hvp)``, except that a
    convlab sweep runs R runs at once: every callable must accept x of shape ``(d,)`` *and*
    ``(R, d)`` and return ``()``/``(R,)`` (fun), the shape of x (grad), ``(..., d, d)`` (hess)
    and ``(..., d)`` (hvp), in the namespace of x (take it with ``array_namespace(x)``).

    ``x0`` (a finite start) and ``minimizer`` are optional; ``dim`` is taken from them, or
    must be given when neither is.  ``min_value`` is ``fun(minimizer)``.  Without ``hess``,
    ``hvp`` is the only second-order oracle; without either, asking for one raises
    ``NotImplementedError`` naming the missing argument.
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
        if self.minimizer is not None:
            self.min_value = float(fun(self.minimizer))

    def _vector(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        arr = as_array(name, value, xp=self.xp, dtype=self.dtype, device=self.device, ndim=1)
        self.device = arr.device
        return arr

    def _dim(self, dim) -> int:
        known = [v.shape[0] for v in (self.x0, self.minimizer) if v is not None]
        if dim is not None:
            d = hyper("dim", dim, low=1, high=None)
            if not float(d).is_integer():
                raise ArgumentError("dim", "a positive integer", dim)
            known.append(int(d))
        if not known:
            raise ArgumentError("dim", "given when neither x0 nor minimizer is", None)
        return known[0]

    def value(self, x):
        return self._fun(x)

    def grad(self, x):
        return self._grad(x)

    def hess(self, x):
        if self._hess is None:
            raise NotImplementedError("Objective has no Hessian: pass hess=callable to Objective")
        return self._hess(x)

    def hvp(self, x, v):
        if self._hvp is not None:
            return self._hvp(x, v)
        if self._hess is None:
            raise NotImplementedError(
                "Objective has no Hessian-vector product: pass hvp=callable or hess=callable"
            )
        return super().hvp(x, v)
