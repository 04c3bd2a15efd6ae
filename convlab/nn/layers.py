r"""Linear layers and element-wise activations, each backward written next to its forward.

For a batch ``x`` of shape ``(n, N_x)`` and upstream gradient ``dy = ∂L/∂y``:

* :class:`Linear`  ``y = x Wᵀ + b``;  ``∂L/∂W = dyᵀ x``, ``∂L/∂b = Σₙ dy``, ``∂L/∂x = dy W``.
* :class:`ReLU`    ``y = max(x, 0)``; ``∂L/∂x = dy · [x > 0]``.
* :class:`Tanh`    ``y = tanh x``;    ``∂L/∂x = dy · (1 − y²)``.
* :class:`Sigmoid` ``y = 1/(1+e^{−x})``; ``∂L/∂x = dy · y (1 − y)``.

``W`` has torch's layout ``(N_y, N_x)``, so weights copy to and from ``torch.nn.Linear`` as
they are.  Scalars stay Python floats, so float32 inputs stay float32 throughout.
"""

from __future__ import annotations

from typing import Any

from convlab.backend import array_namespace as _xp
from convlab.backend import from_host, get_namespace, host_rng, resolve_dtype
from convlab.backend.inplace import matmul_into, maximum_into, positive_mask, sum_into
from convlab.errors import ArgumentError, ShapeError, count
from convlab.nn.init import INITS
from convlab.nn.module import Module


class Linear(Module):
    """Affine map ``y = x Wᵀ + b`` with ``W`` drawn by ``init`` (a :data:`~convlab.nn.init.INITS`
    name) from ``seed`` (an int or a host ``numpy.random.Generator``), and ``b = 0``."""

    param_names = ("weight", "bias")
    hands_over_output = hands_over_grad = True  # both new: it keeps its input x only

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        init: str = "xavier_uniform",
        seed: Any = 0,
        backend: Any = None,
        dtype: Any = None,
        device: Any = None,
    ) -> None:
        self.in_features = count("in_features", in_features)
        self.out_features = count("out_features", out_features)
        if init not in INITS:
            raise ArgumentError("init", f"one of {sorted(INITS)}", init)
        xp = get_namespace(backend)
        dt = resolve_dtype(xp, dtype)
        host = INITS[init]((self.out_features, self.in_features), host_rng(seed))
        self.weight = from_host(host, xp, dt, device)
        self.bias = xp.zeros((self.out_features,), dtype=dt, device=self.weight.device)
        self.init, self.grads = init, {}

    def forward(self, x: Any) -> Any:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ShapeError("x", f"a batch of shape (n, {self.in_features})", x)
        self.x = x
        y = x @ self.weight.T
        y += self.bias
        return y

    def backward(self, dy: Any) -> Any:
        self.backward_params(dy)
        return dy @ self.weight

    def backward_params(self, dy: Any) -> None:
        """Only ∂L/∂W and ∂L/∂b (for a first layer, whose input needs no gradient), written
        into ``grad_views`` when a Sequential gave them (see ``convlab.nn.module``)."""
        views = self.grad_views
        self.grads = {
            "weight": matmul_into(dy.T, self.x, views.get("weight")),
            "bias": sum_into(dy, 0, views.get("bias")),
        }

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features}, init={self.init!r})"


class ReLU(Module):
    """``y = max(x, 0)``; the sub-gradient at 0 is taken as 0 (as torch does).

    The mask [x > 0] is kept in x's float dtype, so backward is one multiplication (on NumPy
    ``where`` with a scalar is ~15× slower than a product; on the CPU torch multiplies by a
    boolean mask ~5× slower than by a float one — as slow as making the float mask).  It is
    read off the output y (:func:`~convlab.backend.inplace.positive_mask`: y > 0 exactly
    where x > 0).
    """

    hands_over_output = hands_over_grad = True  # it keeps only the mask

    def forward(self, x: Any) -> Any:
        y = _xp(x).maximum(x, 0.0)
        self.mask = positive_mask(y)
        return y

    def forward_owned(self, x: Any) -> Any:
        """max(x, 0) written over ``x`` (handed over by a Sequential): no new array."""
        y = maximum_into(x, 0.0, x)
        self.mask = positive_mask(y)
        return y

    def backward(self, dy: Any) -> Any:
        return dy * self.mask

    def backward_owned(self, dy: Any) -> Any:
        dy *= self.mask
        return dy


class Tanh(Module):
    """``y = tanh x``."""

    hands_over_grad = True  # its output is kept (backward reads it), its ∂L/∂x is new

    def forward(self, x: Any) -> Any:
        self.y = _xp(x).tanh(x)
        return self.y

    def backward(self, dy: Any) -> Any:
        return dy * (1.0 - self.y * self.y)


class Sigmoid(Module):
    """``y = 1/(1 + e^{−x})``, evaluated as ``(1 + tanh(x/2))/2`` (no overflow for any x)."""

    hands_over_grad = True  # its output is kept (backward reads it), its ∂L/∂x is new

    def forward(self, x: Any) -> Any:
        self.y = 0.5 * (1.0 + _xp(x).tanh(0.5 * x))
        return self.y

    def backward(self, dy: Any) -> Any:
        return dy * self.y * (1.0 - self.y)


ACTIVATIONS: dict[str, type[Module]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}
