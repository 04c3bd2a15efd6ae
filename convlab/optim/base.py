"""The optimizer protocol.

An optimizer is a configuration object (its hyper-parameters) with two pure functions:

* ``init(params) -> state`` — the initial state (buffers, step count) for these parameters;
* ``step(params, grad, state, oracle) -> (params, state)`` — one update, given the gradient
  at ``params``.  ``oracle`` is the problem (or the current mini-batch of it): methods that
  need more than a gradient — a look-ahead gradient, a Hessian, a line search, residuals
  and Jacobians — call it; first-order methods ignore it.

Neither function mutates its inputs, so a step can be replayed and compared, and the same
object can drive many runs.  Where training speed matters more than replay, optimizers with
``in_place = True`` also have ``update(params, grad, state) -> state``: the same step with
the same arithmetic (equal to the bit — tested), written over ``params`` and the state's
buffers, so that a step makes three passes over memory instead of four or more and
allocates nothing.  The caller hands ``params`` and ``state`` over, as with JAX's buffer
donation; :func:`convlab.nn.fit` does so, :func:`convlab.run` (which keeps histories and
freezes finished runs) does not.  Hyper-parameters are scalars, or 1-D arrays with one value
per run when ``params`` has a leading runs axis of shape ``(R, d)``: :meth:`Optimizer.per_run`
turns them into arrays that broadcast against ``params`` on its namespace and device.
"""

from __future__ import annotations

from typing import Any

from convlab.backend import array_namespace, is_array, to_numpy
from convlab.errors import ShapeError


class Optimizer:
    """Base class of every convlab optimizer (see the module docstring for the protocol)."""

    in_place = False  # True where update(params, grad, state) is implemented

    def init(self, params: Any) -> Any:
        raise NotImplementedError

    def step(self, params: Any, grad: Any, state: Any, oracle: Any = None) -> tuple[Any, Any]:
        raise NotImplementedError

    def update(self, params: Any, grad: Any, state: Any) -> Any:
        """``step`` written over ``params`` and the state's buffers; returns the new state
        (see the module docstring).  Only where ``in_place`` is True."""
        raise NotImplementedError(
            f"{type(self).__name__} has no in-place update (in_place is False): use step"
        )

    def per_run(self, name: str, params: Any) -> Any:
        """Hyper-parameter ``name`` ready to broadcast against ``params``.

        Scalars stay Python floats.  A 1-D array of R values (one per run) becomes an array
        of shape ``(R, 1)`` in ``params``' namespace, dtype and device (converted once, then
        cached on the optimizer).
        """
        value = getattr(self, name)
        if not is_array(value) and not hasattr(value, "__len__"):
            return value
        key = (name, type(params), str(params.device), params.dtype, params.ndim)
        cache = self.__dict__.setdefault("_per_run", {})
        if key not in cache:
            xp = array_namespace(params)
            host = to_numpy(value) if is_array(value) else value
            arr = xp.asarray(host, dtype=params.dtype, device=params.device)
            if params.ndim != 2 or arr.shape != (params.shape[0],):
                runs = params.shape[0] if params.ndim == 2 else "R"
                raise ShapeError(
                    name, f"one value per run, shape ({runs},), with params (R, d)", arr
                )
            cache[key] = arr[:, None]
        return cache[key]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


def check_grad(params: Any, grad: Any) -> None:
    """Reject a gradient whose shape differs from the parameters'."""
    if tuple(grad.shape) != tuple(params.shape):
        raise ShapeError("grad", f"the parameters' shape {tuple(params.shape)}", grad)
