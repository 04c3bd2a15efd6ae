"""Optimizers written for other libraries, run by convlab.

Optax (Babuschkin et al. 2020, ``optax.GradientTransformation``) describes an optimizer as a
pair of pure functions over a state:

* ``init(params) -> state``;
* ``update(updates, state, params) -> (updates, state)``: from the gradient (``updates``
  coming in) to the change of the parameters (going out), applied as
  ``params + updates`` (``optax.apply_updates``).

:func:`from_optax` wraps such a pair as a convlab optimizer: ``step`` calls ``update`` with the
gradient and adds the result to the parameters.  Optax itself is not needed: any object with
those two methods (or a NamedTuple of the two functions, as Optax builds them) works.  Its
hyper-parameters live inside the transformation, out of convlab's sight, so it cannot be
swept: make one transformation per setting, or write the method as a convlab optimizer.
"""

from __future__ import annotations

from typing import Any

from convlab.errors import ArgumentTypeError
from convlab.optim.base import Optimizer, check_grad


class OptaxAdapter(Optimizer):
    """A convlab optimizer that runs an Optax-style ``init``/``update`` pair (module docstring).

    Args:
        transform: an object with ``init(params)`` and ``update(updates, state, params)``.
    """

    def __init__(self, transform: Any) -> None:
        lacks = [m for m in ("init", "update") if not callable(getattr(transform, m, None))]
        if lacks:
            raise ArgumentTypeError(
                "transform",
                f"an Optax-style object with init(params) and update(updates, state, params); "
                f"it lacks {' and '.join(lacks)}",
                transform,
            )
        self.transform = transform

    def init(self, params: Any) -> Any:
        return self.transform.init(params)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        out = self.transform.update(grad, state, params)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ArgumentTypeError(
                f"{type(self.transform).__name__}.update(updates, state, params)",
                "a pair (updates, state) as its return value",
                out,
            )
        updates, state = out
        return params + updates, state


def from_optax(transform: Any) -> OptaxAdapter:
    """``transform`` (Optax's ``init``/``update`` pair) as a convlab optimizer."""
    return OptaxAdapter(transform)
