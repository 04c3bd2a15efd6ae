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
freezes finished runs) does not.

**Hyper-parameters** are the constructor's named arguments (not ``**kwargs``), kept as
attributes of the same name (``self.lr = lr``), as a dataclass keeps its fields; anything that
changes during a run belongs in the state, never on ``self``.  Each is a number, a 1-D array
with one value per run (what :func:`convlab.sweep` passes), a pair of those (``betas``), a
schedule, or any other setting.  Before a run, convlab hands the optimizer a *per-run view*
of itself (:func:`~convlab.optim.hyperparams.for_runs`): every per-run array is already an
``(R, 1)`` array on the parameters' namespace, device and dtype, so ``self.lr * grad`` is
right for ``params`` of shape ``(R, d)`` whatever R and d.  Step code reads ``self.lr`` and
nothing else.

**Optional attributes**: ``elementwise = True`` promises that each run's update reads only its
own row and tolerates non-finite rows (the run loop then need not mask finished runs);
``in_place = True`` promises ``update``; ``aliases`` maps other accepted argument names to the
constructor's (``HeavyBall.aliases == {"momentum": "beta"}``, torch's name for β);
``per_run_fields`` names the fields of the state (a NamedTuple) that hold one row per run,
the others being shared, and promises that each run's step reads only its own rows, so that
:func:`convlab.run` may step the unfinished runs of a batch as a smaller one
(:mod:`convlab.optim.compact`).

Any object with ``init`` and ``step`` (:class:`OptimizerProtocol`) may be run or swept.
Subclassing :class:`Optimizer` adds what the framework enforces: both methods must be defined
(an abstract class cannot be built), the object is immutable once built (a setting changed
after a run could not be checked by the constructor; :meth:`Optimizer.replace` builds a new
one instead), ``aliases`` are honoured, and the ``repr`` shows the hyper-parameters.
An Optax-style ``init``/``update`` pair runs through :func:`~convlab.optim.adapters.from_optax`.
"""

from __future__ import annotations

import functools
import inspect
from abc import ABCMeta, abstractmethod
from collections.abc import Mapping
from dataclasses import FrozenInstanceError
from typing import Any, ClassVar, Protocol, runtime_checkable

from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError


@runtime_checkable
class OptimizerProtocol(Protocol):
    """What :func:`convlab.run` needs from an optimizer: ``init`` and a pure ``step``."""

    def init(self, params: Any) -> Any:
        """The initial state for ``params`` (``(d,)``, or ``(R, d)`` for R runs)."""

    def step(self, params: Any, grad: Any, state: Any, oracle: Any = None) -> tuple[Any, Any]:
        """One update: ``(new_params, new_state)``, new arrays, the inputs left untouched."""


class _Immutable(ABCMeta):
    """Builds an optimizer: translates ``aliases``, runs ``__init__``, then freezes it."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        for alias, name in cls.aliases.items():
            if alias in kwargs:
                if name in kwargs:
                    raise ArgumentError(
                        alias, f"either {name!r} or its alias {alias!r}, not both", kwargs[alias]
                    )
                kwargs[name] = kwargs.pop(alias)
        optimizer = super().__call__(*args, **kwargs)
        object.__setattr__(optimizer, "_frozen", True)
        return optimizer


class Optimizer(metaclass=_Immutable):
    """Base class of convlab's optimizers (see the module docstring for the protocol)."""

    elementwise: ClassVar[bool] = False  # True: each run's update reads only its own row
    in_place: ClassVar[bool] = False  # True where update(params, grad, state) is implemented
    aliases: ClassVar[Mapping[str, str]] = {}  # another accepted name → the constructor's name
    per_run_fields: ClassVar[tuple[str, ...] | None] = None  # state fields with a row per run

    @abstractmethod
    def init(self, params: Any) -> Any:
        """The initial state for ``params``."""

    @abstractmethod
    def step(self, params: Any, grad: Any, state: Any, oracle: Any = None) -> tuple[Any, Any]:
        """One pure update: ``(new_params, new_state)``."""

    def update(self, params: Any, grad: Any, state: Any) -> Any:
        """``step`` written over ``params`` and the state's buffers; returns the new state
        (see the module docstring).  Only where ``in_place`` is True."""
        raise NotImplementedError(
            f"{type(self).__name__} has no in-place update (in_place is False): use step"
        )

    def replace(self, **changes: Any) -> Optimizer:
        """A new optimizer with these hyper-parameters changed, checked by the constructor."""
        return rebuild(self, changes)

    def __setattr__(self, name: str, value: Any) -> None:
        self._check_unfrozen(name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._check_unfrozen(name)
        object.__delattr__(self, name)

    def _check_unfrozen(self, name: str) -> None:
        if self.__dict__.get("_frozen"):
            raise FrozenInstanceError(
                f"{type(self).__name__}.{name}: an optimizer cannot be changed once built; "
                f"make a new one, e.g. optimizer.replace({name}=...)"
            )

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in hyperparameters(self).items())
        return f"{type(self).__name__}({fields})"


@functools.cache
def hyperparameter_names(cls: type) -> tuple[str, ...]:
    """The named arguments of ``cls``'s constructor: its hyper-parameters."""
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):  # a builtin __init__ has no signature
        return ()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(p.name for p in list(signature.parameters.values())[1:] if p.kind in kinds)


def hyperparameters(optimizer: Any) -> dict[str, Any]:
    """The hyper-parameters ``optimizer`` keeps, by name (constructor arguments that it stores
    under their own names)."""
    stored = getattr(optimizer, "__dict__", {})
    return {n: stored[n] for n in hyperparameter_names(type(optimizer)) if n in stored}


def rebuild(optimizer: Any, changes: Mapping[str, Any]) -> Any:
    """``type(optimizer)(**its hyper-parameters, **changes)``: the constructor checks it all.

    Raises when a constructor argument is neither kept under its name nor in ``changes``
    (the new object could not be built with the old value)."""
    cls = type(optimizer)
    aliases = getattr(cls, "aliases", {})
    changes = {aliases.get(k, k): v for k, v in changes.items()}
    names, kept = hyperparameter_names(cls), hyperparameters(optimizer)
    unknown = sorted(set(changes) - set(names))
    if unknown:
        raise ArgumentError(
            f"{cls.__name__}.replace", f"hyper-parameters from {names}", ", ".join(unknown)
        )
    lost = [n for n in names if n not in kept and n not in changes]
    if lost:
        raise ArgumentTypeError(
            "optimizer",
            f"an optimizer that keeps its constructor arguments {lost} as attributes of the "
            f"same name (so that it can be rebuilt); pass them all, or build {cls.__name__} "
            "yourself",
            optimizer,
        )
    return cls(**{**kept, **changes})


def check_optimizer(optimizer: Any) -> None:
    """Reject an object that is not an optimizer (no ``init``/``step``), naming what it lacks."""
    if isinstance(optimizer, type):
        raise ArgumentTypeError(
            "optimizer", f"an optimizer object, e.g. {optimizer.__name__}(lr=...)", optimizer
        )
    if not isinstance(optimizer, OptimizerProtocol):
        lacks = [m for m in ("init", "step") if not callable(getattr(optimizer, m, None))]
        hint = " (an Optax-style init/update pair: convlab.optim.from_optax)"
        raise ArgumentTypeError(
            "optimizer",
            f"an object with init(params) and step(params, grad, state, oracle); "
            f"it lacks {' and '.join(lacks)}" + (hint if hasattr(optimizer, "update") else ""),
            optimizer,
        )


def check_grad(params: Any, grad: Any) -> None:
    """Reject a gradient whose shape differs from the parameters'."""
    if tuple(grad.shape) != tuple(params.shape):
        raise ShapeError("grad", f"the parameters' shape {tuple(params.shape)}", grad)
