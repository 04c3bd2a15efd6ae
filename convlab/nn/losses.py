r"""Losses with their gradient: softmax + cross-entropy fused, and mean squared error.

* :class:`CrossEntropyLoss` — for logits ``z`` of shape ``(n, C)`` and integer labels ``y``,
  ``L = −(1/n) Σᵢ log softmax(zᵢ)_{yᵢ}`` computed as ``zᵢ − max zᵢ − log Σ_c e^{z_ic − max zᵢ}``
  (no overflow for any finite logits), and ``∂L/∂z = (softmax(z) − onehot(y))/n``: fusing the
  softmax with the loss avoids the ill-conditioned softmax Jacobian.  Same as
  ``torch.nn.CrossEntropyLoss()`` (mean reduction).
* :class:`MSELoss` — ``L = (1/(n·k)) Σ (p − t)²`` over all ``n·k`` entries and
  ``∂L/∂p = 2(p − t)/(n·k)``, as ``torch.nn.MSELoss()``.

Each loss is called as ``loss(prediction, target)`` (returns a 0-d array) and then
``loss.backward()`` returns ∂L/∂prediction.  Labels are not range-checked here (that would
cost a device synchronisation per batch): :func:`convlab.nn.fit` and
:class:`convlab.nn.TrainingObjective` check them once, where data enters.
"""

from __future__ import annotations

import math
from typing import Any

from convlab.backend import array_namespace
from convlab.errors import ShapeError


class CrossEntropyLoss:
    """Mean cross-entropy of softmax(logits) against integer class labels (fused, stable)."""

    def __call__(self, logits: Any, labels: Any) -> Any:
        return self.forward(logits, labels)

    def forward(self, logits: Any, labels: Any) -> Any:
        if logits.ndim != 2 or labels.shape != (logits.shape[0],):
            raise ShapeError(
                "labels", f"one label per row of the logits, shape ({logits.shape[0]},)", labels
            )
        xp = array_namespace(logits)
        logp = logits - xp.max(logits, axis=1, keepdims=True)  # shifted, then (in place) log p
        logp -= xp.log(xp.sum(xp.exp(logp), axis=1, keepdims=True))
        self.onehot = xp.astype(labels[:, None] == self._classes(xp, logits), logits.dtype)
        self.prob = xp.exp(logp)
        return xp.sum(self.onehot * logp) / -logits.shape[0]

    def backward(self) -> Any:
        d = self.prob - self.onehot
        d /= self.prob.shape[0]
        return d

    def _classes(self, xp: Any, logits: Any) -> Any:
        """``arange(C)`` on the logits' device, made once per width and device."""
        key = (logits.shape[1], logits.device, xp)
        if getattr(self, "_arange", (None,))[0] != key:
            self._arange = (key, xp.arange(logits.shape[1], device=logits.device))
        return self._arange[1]


class MSELoss:
    """Mean squared error over every entry; a 1-D target matches an ``(n, 1)`` prediction."""

    def __call__(self, prediction: Any, target: Any) -> Any:
        return self.forward(prediction, target)

    def forward(self, prediction: Any, target: Any) -> Any:
        xp = array_namespace(prediction)
        if target.ndim == 1 and prediction.ndim == 2 and prediction.shape[1] == 1:
            target = xp.reshape(target, (-1, 1))
        if tuple(target.shape) != tuple(prediction.shape):
            raise ShapeError("target", f"the prediction's shape {tuple(prediction.shape)}", target)
        self.residual = prediction - target
        return xp.mean(self.residual * self.residual)

    def backward(self) -> Any:
        r = self.residual
        return (2.0 / math.prod(r.shape)) * r


LOSSES = {"cross_entropy": CrossEntropyLoss, "mse": MSELoss}
