"""Mini-batch training of a network with any convlab optimizer, and its record.

``fit(model, data, optimizer, epochs)`` runs, per epoch, one pass of shuffled mini-batches
(:class:`convlab.backend.BatchSampler`; ``balanced=True`` gives class-balanced batches):
forward, loss, backward, then ``params, state = optimizer.step(params, grad, state, oracle)`` on
the flat parameter vector, with ``oracle`` the :class:`~convlab.nn.objective.TrainingObjective`
of the current batch (for methods that evaluate more than the gradient) — or, for an optimizer
with ``in_place = True`` (GD, HeavyBall, SGD), ``state = optimizer.update(params, grad,
state)``, the same step written over the parameters (equal to the bit; three passes over memory
instead of four and no allocation: see :mod:`convlab.optim.base`). After each epoch the network
is evaluated in eval mode on the training, test and validation sets (row 0, before any training
batch, uses BatchNorm's batch statistics of the whole split, since the running statistics are
still unset; they are left untouched).

Options: ``val_fraction`` holds out a seeded part of the training set and, with
``patience``, stops once the validation loss has not improved for that many epochs, restoring
the best parameters; ``ema`` (a decay d in (0, 1)) keeps θ̄ ← d θ̄ + (1 − d) θ after each
step and evaluates and returns θ̄ (Polyak averaging).  A tqdm progress bar shows the epochs
when stderr is a terminal (``progress=False`` turns it off).  Training ends with status
``diverged`` by the rule of ``convlab.run`` (:mod:`convlab.optim.divergence`): a non-finite
loss or parameter, or a training loss risen more than 1e10·max(|f₀|, 1) above row 0's; the
record, the returned parameters and the BatchNorm statistics end at the last finite epoch
(floating-point warnings are silenced, as in ``convlab.run``).

The record, :class:`FitRecord`, reuses :class:`convlab.optim.Trace`'s names where they fit
(``x`` final parameters, ``loss``, ``time``, ``status``, ``message``, ``n_steps``) with one
row per epoch instead of per step (row 0: before training).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from convlab.backend import BatchSampler, take_rows, to_numpy
from convlab.backend.checks import hyper
from convlab.backend.random import host_rng
from convlab.errors import ArgumentError, ArgumentTypeError, count
from convlab.nn.batchnorm import (
    has_unset_statistics,
    restore_statistics,
    running_statistics,
    statistics_kept,
)
from convlab.nn.losses import CrossEntropyLoss
from convlab.nn.module import Sequential
from convlab.nn.objective import TrainingObjective, check_data, make_loss
from convlab.optim.divergence import GROWTH_LIMIT, diverged


@dataclass(frozen=True)
class FitRecord:
    """Per-epoch history of :func:`fit` (arrays of length ``n_steps + 1``; row 0 is the start).

    ``loss``/``accuracy``: training set, eval mode; ``test_*`` and ``val_*``: ``None`` when
    that split was not given.  ``batch_loss``: mean mini-batch loss during each epoch (row 0
    is NaN).  ``status`` is ``max_epochs``, ``early_stopped`` or ``diverged``.
    """

    x: Any
    loss: np.ndarray
    accuracy: np.ndarray | None
    test_loss: np.ndarray | None
    test_accuracy: np.ndarray | None
    val_loss: np.ndarray | None
    batch_loss: np.ndarray
    time: np.ndarray
    status: str
    message: str
    n_steps: int
    extra: dict = field(default_factory=dict)


def fit(
    model: Sequential,
    data: Any,
    optimizer: Any,
    epochs: int,
    *,
    batch_size: int = 64,
    loss: Any = "cross_entropy",
    seed: int = 0,
    balanced: bool = False,
    val_fraction: float | None = None,
    patience: int | None = None,
    ema: float | None = None,
    progress: bool | None = None,
) -> FitRecord:
    """Train ``model`` on ``data`` = ``(X_train, y_train)`` or ``(X_train, y_train, X_test,
    y_test)`` (a :class:`convlab.data.Split` works) for ``epochs`` epochs; see the module
    docstring.  The model is left holding the returned parameters ``record.x``."""
    epochs = count("epochs", epochs)
    loss = make_loss(loss)
    splits = _splits(model, loss, data, val_fraction, seed)
    bs = count("batch_size", batch_size, high=splits["train"][0].shape[0])
    ema = None if ema is None else hyper("ema", ema, low=0.0, high=1.0, low_open=True)
    if patience is not None and "val" not in splits:
        raise ArgumentError(
            "patience", "val_fraction given too (early stopping needs a validation split)", patience
        )
    labels = to_numpy(splits["train"][1]) if balanced else None
    sampler = BatchSampler(splits["train"][0].shape[0], bs, seed=seed, labels=labels)
    loop = _Loop(model, loss, optimizer, splits, sampler, ema, patience)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    bar = tqdm(range(1, epochs + 1), desc="fit", disable=not show, leave=False)
    with bar, np.errstate(all="ignore"):
        for e in bar:
            if loop.epoch(e):
                break
            bar.set_postfix(loss=f"{loop.hist['loss'][-1]:.4g}")
    return loop.record()


def _splits(model, loss, data, val_fraction, seed) -> dict[str, tuple[Any, Any]]:
    if not isinstance(data, tuple) or len(data) not in (2, 4):
        raise ArgumentTypeError(
            "data", "a tuple (X_train, y_train) or (X_train, y_train, X_test, y_test)", data
        )
    splits = {"train": check_data(model, loss, data[0], data[1], ("X_train", "y_train"))}
    if len(data) == 4:
        splits["test"] = check_data(model, loss, data[2], data[3], ("X_test", "y_test"))
    if val_fraction is not None:
        frac = hyper("val_fraction", val_fraction, low=0.0, high=1.0, low_open=True)
        X, y = splits["train"]
        order = host_rng([seed, 1]).permutation(X.shape[0])
        n_val = max(1, round(frac * X.shape[0]))
        splits["val"] = take_rows(X, order[:n_val]), take_rows(y, order[:n_val])
        splits["train"] = take_rows(X, order[n_val:]), take_rows(y, order[n_val:])
    return splits


def evaluate(model: Sequential, loss: Any, X: Any, y: Any) -> tuple[float, float | None]:
    """(mean loss, accuracy) of ``model`` on ``(X, y)`` in its current mode; accuracy only for
    cross-entropy (``None`` otherwise)."""
    out = model.forward(X)
    value = float(loss(out, y))
    if not isinstance(loss, CrossEntropyLoss):
        return value, None
    xp = model.xp
    return value, float(xp.mean(xp.astype(xp.argmax(out, axis=1) == y, out.dtype)))


class _Loop:
    """The state of one call to :func:`fit`."""

    def __init__(self, model, loss, optimizer, splits, sampler, ema, patience) -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.splits, self.sampler, self.ema_decay, self.patience = splits, sampler, ema, patience
        self.params = model.get_flat()
        model.set_flat(self.params)
        self.state = optimizer.init(self.params)
        self.ema = self._copy(self.params) if ema is not None else None
        self.best = (float("inf"), self._copy(self.params), 0)
        self.hist: dict[str, list] = {k: [] for k in ("loss", "accuracy", "batch_loss", "time")}
        for name in splits:
            if name != "train":
                self.hist[f"{name}_loss"], self.hist[f"{name}_accuracy"] = [], []
        self.status, self.message, self.n_epochs = "max_epochs", "", 0
        self.t0 = time.perf_counter()
        self._append(self._evaluate(float("nan")))
        if "val" in splits:
            self.best = (self.hist["val_loss"][0], self.best[1], 0)

    def epoch(self, e: int) -> bool:
        """One pass over the training batches; True when training should stop."""
        X, y = self.splits["train"]
        xp, total = self.model.xp, 0.0
        ema = None if self.ema is None else self._copy(self.ema)
        self.last = self._copy(self.params), ema, running_statistics(self.model)
        self.model.train()
        batches = self.sampler.epoch(e - 1)
        for idx in batches:
            batch = TrainingObjective(
                self.model, self.loss, take_rows(X, idx), take_rows(y, idx), check=False
            )
            value, grad = batch.value_and_grad(self.params)
            total = total + value
            if getattr(self.optimizer, "in_place", False):  # the same step, in place (optim.base)
                self.state = self.optimizer.update(self.params, grad, self.state)
            else:
                self.params, self.state = self.optimizer.step(self.params, grad, self.state, batch)
            if self.ema is not None:
                d = self.ema_decay
                self.ema = d * self.ema + (1.0 - d) * self.params
        self.model.set_flat(self.params)
        mean_loss = float(total) / len(batches)
        finite = bool(xp.all(xp.isfinite(self.params))) and np.isfinite(mean_loss)
        row = self._evaluate(mean_loss) if finite else None
        if row is None or diverged(row["loss"], self.hist["loss"][0]):
            self._diverge(e)
            return True
        self._append(row)
        self.n_epochs = e
        return self._early_stop(e)

    def _diverge(self, e: int) -> None:
        """Status ``diverged`` (the rule of :mod:`convlab.optim.divergence`, as in
        ``convlab.run``), with the parameters and BatchNorm statistics of the last finite
        epoch restored."""
        self.params, self.ema, statistics = self.last
        self.model.set_flat(self.params)
        restore_statistics(self.model, statistics)
        self.n_epochs = e - 1
        self.status = "diverged"
        self.message = (
            f"diverged in epoch {e}: non-finite or exploding loss (risen more than "
            f"{GROWTH_LIMIT:g}·max(|f₀|, 1) above the first); the record ends at the last "
            f"finite state (epoch {e - 1})"
        )

    def _evaluate(self, batch_loss: float) -> dict[str, float]:
        """One history row: each split's loss (and accuracy) in eval mode, and the time."""
        row = {"batch_loss": batch_loss}
        self.model.eval()
        if self.ema is not None:
            self.model.set_flat(self.ema)
        unset = has_unset_statistics(self.model)
        for name, (X, y) in self.splits.items():
            if unset:
                with statistics_kept(self.model):
                    value, acc = evaluate(self.model, self.loss, X, y)
            else:
                value, acc = evaluate(self.model, self.loss, X, y)
            prefix = "" if name == "train" else f"{name}_"
            row[f"{prefix}loss"] = value
            row[f"{prefix}accuracy"] = np.nan if acc is None else acc
        row["time"] = time.perf_counter() - self.t0
        self.model.set_flat(self.params)
        self.model.train()
        return row

    def _append(self, row: dict[str, float]) -> None:
        for key, value in row.items():
            self.hist[key].append(value)

    def _early_stop(self, e: int) -> bool:
        if "val" not in self.splits:
            return False
        val = self.hist["val_loss"][-1]
        if val < self.best[0]:
            self.best = (val, self._copy(self.ema if self.ema is not None else self.params), e)
        if self.patience is not None and e - self.best[2] >= self.patience:
            self.status = "early_stopped"
            self.message = (
                f"validation loss did not improve for {self.patience} epochs; "
                f"parameters restored from epoch {self.best[2]}"
            )
            return True
        return False

    def _copy(self, v: Any) -> Any:
        """A copy that an in-place update of the parameters leaves alone."""
        return self.model.xp.asarray(v, copy=True)

    def record(self) -> FitRecord:
        final = self.ema if self.ema is not None else self.params
        if self.status == "early_stopped":
            final = self.best[1]
        if self.status == "max_epochs":
            self.message = f"reached the epoch limit ({self.n_epochs})"
        self.model.set_flat(final)
        h = {k: np.asarray(v, dtype=float) for k, v in self.hist.items()}
        ce = isinstance(self.loss, CrossEntropyLoss)
        return FitRecord(
            x=final,
            loss=h["loss"],
            accuracy=h["accuracy"] if ce else None,
            test_loss=h.get("test_loss"),
            test_accuracy=h.get("test_accuracy") if ce else None,
            val_loss=h.get("val_loss"),
            batch_loss=h["batch_loss"],
            time=h["time"],
            status=self.status,
            message=self.message,
            n_steps=self.n_epochs,
            extra={"val_accuracy": h.get("val_accuracy"), "best_epoch": self.best[2]},
        )
