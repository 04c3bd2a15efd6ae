"""The block protocol, :class:`Sequential`, and the flat parameter vector optimizers see.

A block (:class:`Module`) computes ``y = f(x, θ)`` in :meth:`~Module.forward`, keeping what its
backward needs, and :meth:`~Module.backward` turns ∂L/∂y into ∂L/∂x, storing ∂L/∂θ in
``module.grads[name]`` (overwritten, not accumulated, on each call).  Parameters are plain
attributes named in ``param_names``; buffers (BatchNorm's running statistics) are not
parameters.

**Arrays handed over.**  Inside a :class:`Sequential` the arrays passed between blocks are
temporaries, and a block may write its result over its input instead of allocating a new
array (the array API has in-place operators; ``ReLU`` uses them) — but only where no one else
holds that input.  A block says so of its own results: ``hands_over_output = True`` when its
forward returns an array it keeps no reference to (``Linear``, not ``Tanh``, whose backward
reads its output), ``hands_over_grad = True`` likewise for backward's ∂L/∂x.  Sequential then
calls the next block's :meth:`~Module.forward_owned` (or :meth:`~Module.backward_owned`)
instead, which by default is the plain method.  Both flags default to False, so a block that
does not know about them is never written over, nor its results.

**How optimizers see a network.**  Every convlab optimizer works on one flat parameter array
(``init(params)``, ``step(params, grad, state, oracle)``).  :class:`Sequential` therefore
exposes its parameters as one vector, in torch's order (each block's parameters in
``param_names`` order, each matrix row-major — the order of
``torch.nn.utils.parameters_to_vector``):

* :meth:`Sequential.get_flat` — a new vector holding every parameter;
* :meth:`Sequential.set_flat` — point each parameter at its slice of the given vector (a view
  on NumPy, CuPy and torch: no copy);
* :meth:`Sequential.flat_grad` — the gradient of the last backward pass, as one vector.  On
  NumPy, CuPy and torch each backward allocates that vector first (after letting go of the
  last one) and hands every block views of its slices (``block.grad_views``), into which the
  weight-gradient products are written directly — no concatenation pass afterwards.

:class:`convlab.nn.objective.TrainingObjective` wraps a network, a loss and data as a Problem-like
``value_and_grad(flat_params)``, so ``convlab.optim.run`` trains it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from convlab.backend import array_namespace
from convlab.backend.inplace import writes_in_place
from convlab.errors import ArgumentTypeError, ShapeError


class Module:
    """Base class of a block with an explicit forward and backward (see the module docstring)."""

    param_names: tuple[str, ...] = ()
    training: bool = True
    grad_views: dict[str, Any] = {}  # where Sequential wants each ∂L/∂θ written (read-only here)
    hands_over_output = False  # forward's result is a new array the block does not keep
    hands_over_grad = False  # backward's result is a new array the block does not keep

    def forward(self, x: Any) -> Any:
        raise NotImplementedError

    def backward(self, dy: Any) -> Any:
        raise NotImplementedError

    def forward_owned(self, x: Any) -> Any:
        """:meth:`forward` of an ``x`` handed over (no one else holds it: the block may write
        over it).  By default the plain forward."""
        return self.forward(x)

    def backward_owned(self, dy: Any) -> Any:
        """:meth:`backward` of a ``dy`` handed over; by default the plain backward."""
        return self.backward(dy)

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def train(self, mode: bool = True) -> Module:
        """Switch to training mode (``mode=False``: evaluation mode); returns the block."""
        self.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (BatchNorm uses its running statistics)."""
        return self.train(False)

    def parameters(self) -> Iterator[tuple[Module, str]]:
        """(block, attribute name) of each parameter, in flat-vector order."""
        for name in self.param_names:
            yield self, name

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sequential(Module):
    """Blocks applied one after the other; backward runs them in reverse.

    ``Sequential(Linear(64, 128), ReLU(), Linear(128, 10))`` — see :func:`convlab.nn.mlp`.
    """

    def __init__(self, *blocks: Module) -> None:
        for i, block in enumerate(blocks):
            if not isinstance(block, Module):
                raise ArgumentTypeError(f"blocks[{i}]", "a convlab.nn Module", block)
        self.blocks = list(blocks)
        first = self.parameter_arrays()
        self.xp = array_namespace(first[0]) if first else None
        self.dtype = first[0].dtype if first else None
        self.device = first[0].device if first else None
        self.shapes = [tuple(a.shape) for a in first]
        self.num_params = sum(_size(s) for s in self.shapes)
        self._grad_buffer, self._grad_slices = None, []

    def forward(self, x: Any) -> Any:
        owned = False  # the caller's x is never written over
        for block in self.blocks:
            x = block.forward_owned(x) if owned else block.forward(x)
            owned = block.hands_over_output
        return x

    def backward(self, dy: Any, *, input_grad: bool = True) -> Any:
        """∂L/∂x from ∂L/∂y, filling every block's ``grads``.  ``input_grad=False`` skips
        ∂L/∂x of a first Linear block (a third of its backward cost) and returns ``None``."""
        self._new_grad_buffer()
        first = self.blocks[0] if self.blocks else None
        owned = False  # the caller's dy is never written over
        for block in reversed(self.blocks[1:]):
            dy = block.backward_owned(dy) if owned else block.backward(dy)
            owned = block.hands_over_grad
        if not input_grad and hasattr(first, "backward_params"):
            first.backward_params(dy)
            return None
        if first is None:
            return dy
        return first.backward_owned(dy) if owned else first.backward(dy)

    def train(self, mode: bool = True) -> Sequential:
        self.training = bool(mode)
        for block in self.blocks:
            block.train(mode)
        return self

    def parameters(self) -> Iterator[tuple[Module, str]]:
        for block in self.blocks:
            yield from block.parameters()

    def parameter_arrays(self) -> list[Any]:
        return [getattr(block, name) for block, name in self.parameters()]

    def get_flat(self) -> Any:
        """Every parameter in one new vector of length ``num_params``."""
        xp = self.xp
        return xp.concat([xp.reshape(a, (-1,)) for a in self.parameter_arrays()])

    def set_flat(self, v: Any) -> None:
        """Make each parameter its slice of ``v`` (shape ``(num_params,)``); views, no copy."""
        if tuple(v.shape) != (self.num_params,):
            raise ShapeError("v", f"a flat parameter vector of shape ({self.num_params},)", v)
        xp, start = self.xp, 0
        for (block, name), shape in zip(self.parameters(), self.shapes, strict=True):
            stop = start + _size(shape)
            setattr(block, name, xp.reshape(v[start:stop], shape))
            start = stop

    def flat_grad(self) -> Any:
        """The gradients of the last :meth:`backward`, in flat-vector order (a new vector
        per backward pass)."""
        xp = self.xp
        pairs = list(self.parameters())
        if self._grad_buffer is None:
            return xp.concat([xp.reshape(block.grads[name], (-1,)) for block, name in pairs])
        for (block, name), view in zip(pairs, self._grad_slices, strict=True):
            if block.grads[name] is not view:  # a block that computed its gradient apart
                view[...] = block.grads[name]
        return self._grad_buffer

    def _new_grad_buffer(self) -> None:
        """Allocate this pass's flat gradient and point every block's ``grad_views`` at its
        slices (NumPy, CuPy and torch: there a reshaped slice is a view).

        The last pass's gradient is let go of first (the blocks' ``grads`` and views too): a
        caller that has let go of it as well — an optimizer that applied it — gets its memory
        back for this one, instead of a fresh block the allocator may have to fault in page by
        page (:mod:`convlab.backend.memory`)."""
        xp = self.xp
        if xp is None or not writes_in_place(xp):
            return
        self._grad_buffer, self._grad_slices = None, []
        for block, _ in self.parameters():
            block.grads, block.grad_views = {}, {}
        buffer = xp.empty((self.num_params,), dtype=self.dtype, device=self.device)
        slices, views, start = [], {}, 0
        for (block, name), shape in zip(self.parameters(), self.shapes, strict=True):
            stop = start + _size(shape)
            slices.append(xp.reshape(buffer[start:stop], shape))
            views.setdefault(block, {})[name] = slices[-1]
            start = stop
        for block, named in views.items():
            block.grad_views = named
        self._grad_buffer, self._grad_slices = buffer, slices

    def __len__(self) -> int:
        return len(self.blocks)

    def __getitem__(self, i: int) -> Module:
        return self.blocks[i]

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(b) for b in self.blocks)
        return f"Sequential(\n  {inner}\n)"


def _size(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n
