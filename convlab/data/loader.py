"""Mini-batches of a data set, reshuffled every epoch (a thin layer over BatchSampler).

``DataLoader(X, y, batch_size, seed=, balanced=)`` yields ``(X_batch, y_batch)`` pairs on
the data's device; each ``for`` loop over it is one epoch, and each epoch draws a fresh
order from ``(seed, epoch)`` (:class:`convlab.backend.BatchSampler`), so runs repeat
exactly.  ``balanced=True`` makes class-balanced batches (labels needed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from convlab.backend import BatchSampler, take_rows, to_numpy
from convlab.errors import ShapeError


class DataLoader:
    """Iterate over shuffled mini-batches of ``(X, y)``, one epoch per ``for`` loop."""

    def __init__(
        self,
        X: Any,
        y: Any,
        batch_size: int,
        *,
        seed: int = 0,
        balanced: bool = False,
        shuffle: bool = True,
        drop_last: bool = False,
    ) -> None:
        if y.shape[0] != X.shape[0]:
            raise ShapeError("y", f"one target per row of X ({X.shape[0]} rows)", y)
        self.X, self.y = X, y
        labels = to_numpy(y) if balanced else None
        self.sampler = BatchSampler(
            X.shape[0], batch_size, seed=seed, shuffle=shuffle, labels=labels, drop_last=drop_last
        )
        self.epoch = 0

    def __len__(self) -> int:
        return self.sampler.batches_per_epoch

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        batches = self.sampler.epoch(self.epoch)
        self.epoch += 1
        for idx in batches:
            yield take_rows(self.X, idx), take_rows(self.y, idx)
