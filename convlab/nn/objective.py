"""A network, a loss and data seen as a Problem: ``value_and_grad(flat_params)``.

``TrainingObjective(model, loss, X, y)`` has the attributes of
:class:`convlab.problems.base.Problem` (``dim``, ``xp``, ``dtype``, ``device``, ``x0`` — the
network's current parameters — and ``minimizer = min_value = None``), plus ``n_samples`` and
``batch(idx)``, the same objective on the rows ``idx``. ``value_and_grad(θ)`` loads θ into the
network (:meth:`set_flat`, no copy), runs forward and backward, and returns ``(L, ∂L/∂θ)``, so
``convlab.optim.run`` trains the network full-batch and mini-batch methods train it on
``batch(idx)``.

Only single runs are supported (θ of shape ``(d,)``): one network holds one set of weights.
Evaluating in train mode updates BatchNorm's running statistics, as a forward pass would; the
objective is then not ``pure`` (:mod:`convlab.problems.base`), so a run evaluates the network
at exactly the points it steps through, on every backend.
:func:`check_data` validates data once, where it enters.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convlab.backend import is_array, take_rows, to_numpy
from convlab.backend.checks import as_array, check_finite
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.nn.batchnorm import updates_statistics
from convlab.nn.losses import LOSSES, CrossEntropyLoss
from convlab.nn.module import Sequential


class TrainingObjective:
    """The training loss of ``model`` on ``(X, y)`` as a function of the flat parameters."""

    name = "network"

    def __init__(self, model: Sequential, loss: Any, X: Any, y: Any, *, check: bool = True) -> None:
        self.model, self.loss = model, make_loss(loss)
        self.X, self.y = check_data(model, self.loss, X, y) if check else (X, y)
        self.xp, self.dtype, self.device = model.xp, model.dtype, model.device
        self.dim, self.n_samples = model.num_params, self.X.shape[0]
        self.x0 = model.get_flat()
        self.minimizer = self.min_value = None

    @property
    def pure(self) -> bool:
        """False while an evaluation moves BatchNorm's running statistics (train mode)."""
        return not updates_statistics(self.model)

    def value_and_grad(self, theta: Any) -> tuple[Any, Any]:
        self._load(theta)
        value = self.loss(self.model.forward(self.X), self.y)
        self.model.backward(self.loss.backward(), input_grad=False)
        return value, self.model.flat_grad()

    def value(self, theta: Any) -> Any:
        self._load(theta)
        return self.loss(self.model.forward(self.X), self.y)

    def grad(self, theta: Any) -> Any:
        return self.value_and_grad(theta)[1]

    def batch(self, idx: Any) -> TrainingObjective:
        """The same objective on rows ``idx`` (host or device integers)."""
        return TrainingObjective(
            self.model, self.loss, take_rows(self.X, idx), take_rows(self.y, idx), check=False
        )

    def start(self, x0: Any = None) -> Any:
        if x0 is None:
            return self.x0
        return as_array("x0", x0, xp=self.xp, dtype=self.dtype, device=self.device, ndim=1)

    def _load(self, theta: Any) -> None:
        if theta.ndim != 1:
            raise ShapeError("x", f"one flat parameter vector of shape ({self.dim},)", theta)
        self.model.set_flat(theta)

    def __repr__(self) -> str:
        return f"TrainingObjective(dim={self.dim}, n_samples={self.n_samples})"


def make_loss(loss: Any) -> Any:
    """A loss object from a name in ``LOSSES`` (``cross_entropy``, ``mse``) or the object."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ArgumentError("loss", f"one of {sorted(LOSSES)} or a loss object", loss)
        return LOSSES[loss]()
    if not (hasattr(loss, "forward") and hasattr(loss, "backward")):
        raise ArgumentTypeError("loss", "a loss name or an object with forward and backward", loss)
    return loss


def check_data(model: Sequential, loss: Any, X: Any, y: Any, names=("X", "y")) -> tuple[Any, Any]:
    """Validate a data set for ``model``: 2-D finite X of the input width, one target per row;
    class labels (for cross-entropy) integers in [0, classes).  Returns X in the model's
    dtype and device and y on the same device."""
    nx, ny = names
    X = as_array(nx, X, xp=model.xp, dtype=model.dtype, device=model.device, ndim=2)
    width = input_width(model)
    if width is not None and X.shape[1] != width:
        raise ShapeError(nx, f"rows of the network's input width {width}", X)
    if isinstance(loss, CrossEntropyLoss):
        y = _check_labels(ny, y, X.shape[0], output_width(model), model)
    else:
        y = as_array(ny, y, xp=model.xp, dtype=model.dtype, device=model.device, ndim=(1, 2))
        check_finite(ny, y)
    if y.shape[0] != X.shape[0]:
        raise ShapeError(ny, f"one target per row of {nx} ({X.shape[0]} rows)", y)
    return X, y


def _check_labels(name: str, y: Any, n: int, classes: int, model: Sequential) -> Any:
    host = to_numpy(y) if is_array(y) else np.asarray(y)
    if host.ndim != 1:
        raise ShapeError(name, "a 1-D array of integer class labels", host)
    if host.shape[0] != n:
        raise ShapeError(name, f"one label per row of X ({n} rows)", host)
    if host.dtype.kind == "f" and not np.all(host == np.round(host)):
        raise ArgumentTypeError(name, "integer class labels", host)
    if host.size and (host.min() < 0 or host.max() >= classes):
        bad = host[(host < 0) | (host >= classes)][0]
        raise ArgumentError(name, f"class labels in [0, {classes})", int(bad))
    xp = model.xp
    return xp.asarray(host.astype(np.int64), device=model.device)


def input_width(model: Sequential) -> int | None:
    """The input width of the first block that fixes one (a Linear or a BatchNorm1d)."""
    for block in model.blocks:
        for attr in ("in_features", "num_features"):
            if hasattr(block, attr):
                return getattr(block, attr)
    return None


def output_width(model: Sequential) -> int:
    """The output width of the last Linear block (the number of classes for cross-entropy)."""
    for block in reversed(model.blocks):
        if hasattr(block, "out_features"):
            return block.out_features
    raise ArgumentError("model", "a network with at least one Linear block", model)
