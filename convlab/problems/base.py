"""The problem protocol: an objective with exact derivatives, batched over runs.

A problem maps parameters ``x`` of shape ``(d,)`` — or ``(R, d)`` for R runs at once, so
that a sweep is one array program — to

* ``value(x)``: the loss, shape ``()`` or ``(R,)``;
* ``grad(x)``: its gradient, the shape of ``x``;
* ``hess(x)``: its Hessian, shape ``(d, d)`` or ``(R, d, d)``, and ``hvp(x, v)``, the
  Hessian-vector product;
* ``value_and_grad(x)``: both, sharing work where the maths allows.

Attributes: ``dim``, ``xp`` (the array namespace), ``dtype``, ``device``, ``x0`` (the default
start), ``minimizer`` and ``min_value`` (``None`` where unknown), and ``pure`` (default
``True``): whether an evaluation leaves no trace.  A problem whose evaluations change state
(a network in training mode with BatchNorm, whose running statistics each forward pass moves)
sets it ``False``, and the run loop then evaluates exactly the points a run steps through —
no steps made ahead in blocks and dropped (:mod:`convlab.optim.blocks`).  Problems built from data
(regressions) also have ``n_samples`` and ``batch(idx)``, the same problem restricted to the
samples ``idx``, which is how mini-batch methods see them.
"""

from __future__ import annotations

from typing import Any

from convlab.backend import array_namespace
from convlab.backend.checks import as_array, check_shape
from convlab.errors import ArgumentTypeError, MissingCapabilityError


class Problem:
    """Base class: subclasses set the attributes and implement ``value`` and ``grad``."""

    name = "problem"
    dim: int
    xp: Any
    dtype: Any
    device: Any = None
    x0: Any = None
    minimizer: Any = None
    min_value: float | None = None
    pure: bool = True

    def value(self, x: Any) -> Any:
        raise NotImplementedError

    def grad(self, x: Any) -> Any:
        raise NotImplementedError

    def hess(self, x: Any) -> Any:
        raise MissingCapabilityError(
            "problem", "a problem with hess(x) (the method needs the Hessian)", type(self).__name__
        )

    def value_and_grad(self, x: Any) -> tuple[Any, Any]:
        return self.value(x), self.grad(x)

    def hvp(self, x: Any, v: Any) -> Any:
        """Hessian-vector product H(x) v, by default through the full Hessian."""
        xp = array_namespace(x)
        return xp.matmul(self.hess(x), v[..., None])[..., 0]

    def start(self, x0: Any = None) -> Any:
        """Validated starting parameters: ``x0`` if given, else the problem's default."""
        if x0 is None:
            if self.x0 is None:
                raise ArgumentTypeError(
                    "x0", f"a start (d,) or (R, d): {type(self).__name__} has no default", None
                )
            return self.x0
        x = as_array("x0", x0, xp=self.xp, dtype=self.dtype, device=self.device, ndim=(1, 2))
        check_shape("x0", x, (None,) * (x.ndim - 1) + (self.dim,))
        return x

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim})"
