r"""Batch normalisation over the batch axis (Ioffe & Szegedy 2015), forward and backward.

Train mode, on a batch ``x`` of shape ``(n, d)`` with n ≥ 2:

.. math::
    μ = \tfrac1n Σ_i x_i,\quad σ² = \tfrac1n Σ_i (x_i − μ)²,\quad
    \hat x = (x − μ)/\sqrt{σ² + ε},\quad y = γ \hat x + β,

and the running statistics move with momentum α, the weight of the new batch (the lectures'
α, torch's ``momentum``):

.. math::
    \bar μ ← (1 − α) \bar μ + α μ,\qquad \bar σ² ← (1 − α) \bar σ² + α \tfrac{n}{n-1} σ².

Backward (train): ``∂L/∂β = Σ dy``, ``∂L/∂γ = Σ dy·x̂`` and, with ``g = γ·dy``,
``∂L/∂x = (g − mean(g) − x̂ · mean(g·x̂)) / √(σ²+ε)`` — the batch statistics depend on x.
Eval mode normalises with the running statistics, kept fixed, so ``∂L/∂x = γ dy/√(σ̄²+ε)``.

**Relation to torch.**  ``torch.nn.BatchNorm1d(momentum=m)`` updates
``running = (1 − m)·running + m·batch``: ``momentum`` here means the same, with the same
default 0.1 (the error of the running mean decays as (1 − α)ⁿ).  Like torch, the running
variance uses the unbiased batch variance (factor n/(n−1)) while the normalisation uses the
biased one; ε = 1e-5 as in torch.
**Deliberate differences:** a batch of one sample in train mode is an error (its variance is
zero), and so is eval mode before any training batch has set the running statistics (torch
silently normalises with mean 0 and variance 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from convlab.backend import array_namespace, get_namespace, resolve_dtype
from convlab.backend.checks import hyper
from convlab.backend.inplace import assign
from convlab.errors import ArgumentError, ShapeError, count
from convlab.nn.module import Module


class BatchNorm1d(Module):
    """Batch normalisation of ``num_features`` features with trainable γ (``weight``, ones)
    and β (``bias``, zeros); ``momentum`` is α in [0, 1), the weight of each new batch's
    statistics in the running ones (torch's ``momentum``, the lectures' α)."""

    param_names = ("weight", "bias")
    hands_over_output = hands_over_grad = True  # both new: it keeps x̂, not its output

    def __init__(
        self,
        num_features: int,
        *,
        momentum: float = 0.1,
        eps: float = 1e-5,
        backend: Any = None,
        dtype: Any = None,
        device: Any = None,
    ) -> None:
        self.num_features = d = count("num_features", num_features)
        self.momentum = hyper("momentum", momentum, low=0.0, high=1.0)
        self.eps = hyper("eps", eps, low=0.0, high=None, low_open=True)
        xp = get_namespace(backend)
        dt = resolve_dtype(xp, dtype)
        self.weight = xp.ones((d,), dtype=dt, device=device)
        self.bias = xp.zeros((d,), dtype=dt, device=device)
        self.running_mean = xp.zeros((d,), dtype=dt, device=device)
        self.running_var = xp.ones((d,), dtype=dt, device=device)
        self.num_batches_tracked = 0
        self.grads: dict[str, Any] = {}

    def forward(self, x: Any) -> Any:
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ShapeError("x", f"a batch of shape (n, {self.num_features})", x)
        xp = array_namespace(x)
        if self.training:
            inv = self._batch_statistics(xp, x)
        else:
            if self.num_batches_tracked == 0:
                raise ArgumentError(
                    "mode",
                    "train mode for at least one batch before eval() "
                    "(the running statistics are still unset)",
                    "eval",
                )
            inv = 1.0 / xp.sqrt(self.running_var + self.eps)
            self.xhat = (x - self.running_mean) * inv
        self.inv, self.used_batch_stats = inv, self.training
        return self.weight * self.xhat + self.bias

    def _batch_statistics(self, xp: Any, x: Any) -> Any:
        n = x.shape[0]
        if n < 2:
            raise ShapeError("x", "a batch of at least 2 samples in train mode", x)
        mu = xp.mean(x, axis=0)
        xc = x - mu
        var = xp.mean(xc * xc, axis=0)
        inv = 1.0 / xp.sqrt(var + self.eps)
        self.xhat = xc * inv
        a = self.momentum
        self.running_mean = (1.0 - a) * self.running_mean + a * mu
        self.running_var = (1.0 - a) * self.running_var + (a * n / (n - 1)) * var
        self.num_batches_tracked += 1
        return inv

    def backward(self, dy: Any) -> Any:
        xp = array_namespace(dy)
        xhat = self.xhat
        views = self.grad_views  # slices of a Sequential's flat gradient, if it gave them
        self.grads = {
            "weight": assign(views.get("weight"), xp.sum(dy * xhat, axis=0)),
            "bias": assign(views.get("bias"), xp.sum(dy, axis=0)),
        }
        g = dy * self.weight
        if not self.used_batch_stats:
            return g * self.inv
        return (g - xp.mean(g, axis=0) - xhat * xp.mean(g * xhat, axis=0)) * self.inv

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.num_features}, momentum={self.momentum}, eps={self.eps})"


@contextmanager
def statistics_kept(model: Module) -> Iterator[None]:
    """Run forward passes in train mode without changing any BatchNorm1d's running statistics
    (they are restored on exit): batch statistics for a network never trained yet."""
    saved = running_statistics(model)
    mode = model.training
    model.train()
    try:
        yield
    finally:
        restore_statistics(model, saved)
        model.train(mode)


def running_statistics(model: Module) -> list[tuple]:
    """Each BatchNorm1d's (running mean, running variance, batches seen): a snapshot, since a
    training batch replaces these arrays instead of writing into them."""
    return [(b.running_mean, b.running_var, b.num_batches_tracked) for b in _batchnorms(model)]


def restore_statistics(model: Module, saved: list[tuple]) -> None:
    """Put back what :func:`running_statistics` took."""
    for b, (m, v, k) in zip(_batchnorms(model), saved, strict=True):
        b.running_mean, b.running_var, b.num_batches_tracked = m, v, k


def _batchnorms(model: Module) -> list[BatchNorm1d]:
    return [b for b in getattr(model, "blocks", [model]) if isinstance(b, BatchNorm1d)]


def updates_statistics(model: Module) -> bool:
    """True when a forward pass of ``model`` moves some BatchNorm1d's running statistics (one
    in training mode)."""
    return any(b.training for b in _batchnorms(model))


def has_unset_statistics(model: Module) -> bool:
    """True when some BatchNorm1d of ``model`` has not seen a training batch yet."""
    return any(b.num_batches_tracked == 0 for b in _batchnorms(model))
