"""A seeded train/test split, stratified by class when the targets are labels."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from convlab.backend import take_rows, to_numpy
from convlab.backend.checks import hyper
from convlab.backend.random import host_rng
from convlab.errors import ShapeError


class Split(NamedTuple):
    """Training and test arrays; unpacks as ``X_train, y_train, X_test, y_test``."""

    X_train: Any
    y_train: Any
    X_test: Any
    y_test: Any


def train_test_split(
    X: Any, y: Any, *, test_fraction: float = 0.25, seed: int = 0, stratify: bool = True
) -> Split:
    """Split rows of ``(X, y)`` at random (seeded) into training and test sets.

    test_fraction in (0, 1): the share of rows in the test set (rounded, at least one row
    each side).  stratify: for integer labels, split each class in that proportion (as
    ``sklearn.model_selection.train_test_split(stratify=y)``); ignored for float targets.
    Rows are taken on the arrays' own device.
    """
    frac = hyper("test_fraction", test_fraction, low=0.0, high=1.0, low_open=True)
    n = X.shape[0]
    if y.shape[0] != n:
        raise ShapeError("y", f"one target per row of X ({n} rows)", y)
    if n < 2:
        raise ShapeError("X", "at least 2 rows to split", X)
    rng = host_rng(seed)
    labels = to_numpy(y)
    if stratify and labels.dtype.kind in "iu":
        test = np.concatenate(
            [_pick(rng, np.nonzero(labels == c)[0], frac) for c in np.unique(labels)]
        )
    else:
        test = _pick(rng, np.arange(n), frac)
    mask = np.zeros(n, dtype=bool)
    mask[test] = True
    train_idx, test_idx = np.nonzero(~mask)[0], np.sort(test)
    return Split(
        take_rows(X, train_idx),
        take_rows(y, train_idx),
        take_rows(X, test_idx),
        take_rows(y, test_idx),
    )


def _pick(rng: np.random.Generator, members: np.ndarray, frac: float) -> np.ndarray:
    k = int(round(frac * members.size))
    k = min(max(k, 1 if members.size > 1 else 0), members.size - 1)
    return rng.permutation(members)[:k]
