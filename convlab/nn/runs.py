r"""A network's training loss at R parameter vectors at once, so that a sweep is one program.

:class:`~convlab.nn.objective.TrainingObjective` loads one parameter vector into a network;
:class:`NetworkRuns` takes the same network (its blocks, its loss, its data) and evaluates it
at θ of shape ``(R, d)`` — R sets of weights in the flat order of
:meth:`~convlab.nn.module.Sequential.get_flat` — with every operation carrying the runs axis,
as the problems of :mod:`convlab.problems` do.  :func:`convlab.optim.sweep` then runs a grid
of learning rates on a network as one batched array program.

For activations ``x`` of shape ``(R, n, N_x)`` (the data, ``(n, N_x)``, broadcast over runs),
each run r has its own parameters and the same formulas as the single-run blocks:

* Linear: ``y = x W_rᵀ + b_r``; ``∂L/∂W_r = dy_rᵀ x_r``, ``∂L/∂b_r = Σₙ dy_r``,
  ``∂L/∂x_r = dy_r W_r`` (:mod:`convlab.nn.layers`);
* BatchNorm1d, with each run's own batch statistics over its n samples (train mode; the
  running statistics are neither used nor updated), forward and backward as in
  :mod:`convlab.nn.batchnorm`;
* activations: the blocks of :data:`~convlab.nn.layers.ACTIVATIONS`, which act elementwise on
  any shape, are used as they are;
* the losses of :data:`~convlab.nn.losses.LOSSES`, averaged over each run's samples: the value
  has shape ``(R,)`` and the gradient ``(R, d)``.

A run whose parameters overflow gives a non-finite loss in its own row only.
"""

from __future__ import annotations

import math
from typing import Any

from convlab.backend import array_namespace
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.nn.batchnorm import BatchNorm1d
from convlab.nn.layers import ACTIVATIONS, Linear
from convlab.nn.losses import LOSSES, CrossEntropyLoss, MSELoss
from convlab.nn.module import Sequential
from convlab.nn.objective import check_data, make_loss, output_width
from convlab.problems.base import Problem


class NetworkRuns(Problem):
    """The training loss of ``model`` on ``(X, y)`` at parameters θ of shape ``(d,)`` or
    ``(R, d)``; ``x0`` is the network's current parameter vector (the default start of
    :meth:`~convlab.problems.base.Problem.start`).

    model: a :class:`~convlab.nn.module.Sequential` of Linear, BatchNorm1d (in train mode) and
    activation blocks, e.g. from :func:`convlab.nn.mlp`; loss: a name of
    :data:`~convlab.nn.losses.LOSSES` or a loss object of those classes.  The network itself
    is only read, never changed.
    """

    name = "network runs"

    def __init__(self, model: Sequential, loss: Any, X: Any, y: Any) -> None:
        if not isinstance(model, Sequential):
            raise ArgumentTypeError("model", "a convlab.nn Sequential", model)
        self.loss = make_loss(loss)
        if type(self.loss) not in _LOSSES:
            raise ArgumentTypeError("loss", f"a loss named in {sorted(LOSSES)}", loss)
        self.X, self.y = check_data(model, self.loss, X, y)
        if isinstance(self.loss, MSELoss):
            self.y = _targets(self.y, output_width(model))
        self.layers = _layers(model)
        self.xp, self.dtype, self.device = model.xp, model.dtype, model.device
        self.dim, self.n_samples = model.num_params, self.X.shape[0]
        self.x0 = model.get_flat()
        self.minimizer = self.min_value = None

    def value_and_grad(self, theta: Any) -> tuple[Any, Any]:
        xp, runs = self.xp, _as_runs(theta, self.dim)
        value, dy = self._forward(runs)
        pieces = []
        for k, layer in reversed(list(enumerate(self.layers))):
            dy, grads = layer.backward(dy, need_input=k > 0)
            pieces = grads + pieces
        grad = xp.concat([xp.reshape(p, (runs.shape[0], -1)) for p in pieces], axis=1)
        return (value[0], grad[0, :]) if theta.ndim == 1 else (value, grad)

    def value(self, theta: Any) -> Any:
        value = self._forward(_as_runs(theta, self.dim))[0]
        return value[0] if theta.ndim == 1 else value

    def grad(self, theta: Any) -> Any:
        return self.value_and_grad(theta)[1]

    def _forward(self, runs: Any) -> tuple[Any, Any]:
        """Each run's loss ``(R,)`` and its gradient with respect to the network's output."""
        out = self.X
        for layer in self.layers:
            out = layer.forward(runs, out)
        return _LOSSES[type(self.loss)](self.xp, out, self.y)

    def __repr__(self) -> str:
        return f"NetworkRuns(dim={self.dim}, n_samples={self.n_samples})"


def _as_runs(theta: Any, dim: int) -> Any:
    """θ as ``(R, d)``: a single vector becomes one run."""
    if theta.ndim not in (1, 2) or theta.shape[-1] != dim:
        raise ShapeError("x", f"parameters of shape ({dim},) or (R, {dim})", theta)
    return theta[None, :] if theta.ndim == 1 else theta


class _Affine:
    """A Linear block at R weight matrices: parameters ``W`` (flat, row-major) then ``b``."""

    def __init__(self, block: Linear, start: int) -> None:
        self.shape = (block.out_features, block.in_features)
        self.w, self.b = (start, start + math.prod(self.shape)), start + math.prod(self.shape)
        self.stop = self.b + block.out_features

    def forward(self, runs: Any, x: Any) -> Any:
        xp = array_namespace(runs)
        self.W = xp.reshape(runs[:, self.w[0] : self.w[1]], (runs.shape[0], *self.shape))
        self.x = x
        return x @ xp.matrix_transpose(self.W) + runs[:, None, self.b : self.stop]

    def backward(self, dy: Any, need_input: bool) -> tuple[Any, list]:
        xp = array_namespace(dy)
        grads = [xp.matrix_transpose(dy) @ self.x, xp.sum(dy, axis=-2)]
        return (dy @ self.W if need_input else None), grads


class _Normalise:
    """A BatchNorm1d block with each run's batch statistics: parameters γ then β."""

    def __init__(self, block: BatchNorm1d, start: int) -> None:
        if not block.training:
            raise ArgumentError(
                "model", "BatchNorm1d blocks in train mode (each run's batch statistics)", block
            )
        d, self.eps = block.num_features, block.eps
        self.gamma, self.beta, self.stop = start, start + d, start + 2 * d

    def forward(self, runs: Any, x: Any) -> Any:
        xp = array_namespace(runs)
        xc = x - xp.mean(x, axis=-2, keepdims=True)
        self.inv = 1.0 / xp.sqrt(xp.mean(xc * xc, axis=-2, keepdims=True) + self.eps)
        self.xhat = xc * self.inv
        self.g = runs[:, None, self.gamma : self.beta]
        return self.g * self.xhat + runs[:, None, self.beta : self.stop]

    def backward(self, dy: Any, need_input: bool) -> tuple[Any, list]:
        xp = array_namespace(dy)
        xhat = self.xhat
        grads = [xp.sum(dy * xhat, axis=-2), xp.sum(dy, axis=-2)]
        g = dy * self.g
        mean_g = xp.mean(g, axis=-2, keepdims=True)
        mean_gx = xp.mean(g * xhat, axis=-2, keepdims=True)
        return (g - mean_g - xhat * mean_gx) * self.inv, grads


class _Elementwise:
    """An activation block (its own fresh copy: the network's blocks are left untouched)."""

    def __init__(self, block: Any, start: int) -> None:
        self.block, self.stop = type(block)(), start

    def forward(self, runs: Any, x: Any) -> Any:
        return self.block.forward(x)

    def backward(self, dy: Any, need_input: bool) -> tuple[Any, list]:
        return self.block.backward(dy), []


_BLOCKS: dict[type, type] = {Linear: _Affine, BatchNorm1d: _Normalise}
_BLOCKS.update({act: _Elementwise for act in ACTIVATIONS.values()})


def _layers(model: Sequential) -> list:
    """One run-batched layer per block, each knowing where its parameters sit in θ."""
    layers, start = [], 0
    for i, block in enumerate(model.blocks):
        if type(block) not in _BLOCKS:
            want = "Linear, BatchNorm1d and activation blocks (convlab.nn.ACTIVATIONS)"
            raise ArgumentTypeError(f"model.blocks[{i}]", want, block)
        layers.append(_BLOCKS[type(block)](block, start))
        start = layers[-1].stop
    return layers


def _targets(y: Any, width: int) -> Any:
    """Regression targets as ``(n, k)``, k the network's output width (a 1-D y for k = 1)."""
    if y.ndim == 1:
        y = array_namespace(y).reshape(y, (-1, 1))
    if y.shape[1] != width:
        raise ShapeError("y", f"one target per output, shape (n, {width})", y)
    return y


def _mse(xp: Any, prediction: Any, target: Any) -> tuple[Any, Any]:
    """Mean squared error over each run's n·k entries, and its gradient (as MSELoss)."""
    residual = prediction - target
    entries = math.prod(target.shape)
    return xp.sum(residual * residual, axis=(-2, -1)) / entries, (2.0 / entries) * residual


def _cross_entropy(xp: Any, logits: Any, labels: Any) -> tuple[Any, Any]:
    """Mean softmax cross-entropy of each run's logits, and its gradient (as CrossEntropyLoss)."""
    shifted = logits - xp.max(logits, axis=-1, keepdims=True)
    logp = shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))
    classes = xp.arange(logits.shape[-1], device=logits.device)
    onehot = xp.astype(labels[:, None] == classes, logits.dtype)
    n = logits.shape[-2]
    return -xp.sum(onehot * logp, axis=(-2, -1)) / n, (xp.exp(logp) - onehot) / n


_LOSSES = {MSELoss: _mse, CrossEntropyLoss: _cross_entropy}
