"""Mini-batch index sampling: per-epoch reshuffling and class-balanced batches.

Indices are host integers drawn from a seeded NumPy generator (see :mod:`convlab.backend.random`),
so every backend sees the same batches; data is indexed on its device with
``xp.take(X, xp.asarray(idx, device=X.device), axis=0)`` (:func:`take_rows`).

* ``shuffle=True``: each epoch is a fresh permutation of range(n), cut into batches of
  ``batch_size`` (the last one shorter unless ``drop_last``) — sampling without replacement,
  as torch's ``DataLoader(shuffle=True)`` does.
* ``labels`` given: class-balanced (stratified) batches — each class is shuffled on its own and
  its members are spread evenly over the epoch's batches, so every batch holds each class in
  about its overall proportion.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from convlab.backend.namespace import array_namespace
from convlab.backend.random import host_rng
from convlab.errors import ArgumentError, ShapeError, count


class Batch(NamedTuple):
    """One mini-batch: its epoch, its position within the epoch, and the row indices."""

    epoch: int
    index: int
    idx: np.ndarray


class BatchSampler:
    """Iterate over mini-batches of range(n), epoch after epoch (see the module docstring)."""

    def __init__(
        self,
        n: int,
        batch_size: int,
        *,
        seed: int = 0,
        shuffle: bool = True,
        labels: Any = None,
        drop_last: bool = False,
    ) -> None:
        self.n = count("n", n)
        self.batch_size = count("batch_size", batch_size, high=n)
        self.seed, self.shuffle, self.drop_last = seed, bool(shuffle), bool(drop_last)
        self.labels = None if labels is None else np.asarray(labels).astype(np.int64)
        if self.labels is not None and self.labels.shape != (self.n,):
            raise ShapeError("labels", f"one label per sample, shape ({self.n},)", self.labels)
        if self.labels is not None and not self.shuffle:
            raise ArgumentError("shuffle", "True when labels ask for class-balanced batches", False)

    @property
    def batches_per_epoch(self) -> int:
        full, rest = divmod(self.n, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def epoch(self, e: int) -> list[np.ndarray]:
        """The batches of epoch ``e`` (deterministic in (seed, e))."""
        rng = host_rng([self.seed, e])
        order = np.arange(self.n)
        if self.labels is not None:
            order = self._stratified(rng)
        elif self.shuffle:
            order = rng.permutation(self.n)
        cuts = range(0, self.batches_per_epoch * self.batch_size, self.batch_size)
        return [order[c : c + self.batch_size] for c in cuts]

    def _stratified(self, rng: np.random.Generator) -> np.ndarray:
        """Spread each class evenly over the epoch: position of member k of class c is k/n_c."""
        keys = np.empty(self.n)
        for c in np.unique(self.labels):
            members = rng.permutation(np.nonzero(self.labels == c)[0])
            keys[members] = (np.arange(members.size) + rng.uniform()) / members.size
        return np.argsort(keys, kind="stable")

    def __iter__(self) -> Iterator[Batch]:
        e = 0
        while True:
            for i, idx in enumerate(self.epoch(e)):
                yield Batch(e, i, idx)
            e += 1


def take_rows(a: Any, idx: Any) -> Any:
    """Rows ``idx`` (host or device integers) of array ``a``, on ``a``'s device."""
    xp = array_namespace(a)
    if not hasattr(idx, "device") or isinstance(idx, np.ndarray):
        idx = xp.asarray(np.asarray(idx, dtype=np.int64), device=a.device)
    return xp.take(a, idx, axis=0)
