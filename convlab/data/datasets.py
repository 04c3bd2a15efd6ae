"""Data sets that need no download, on any backend, device and dtype.

Each loader returns a :class:`Dataset` ``(X, y)``: ``X`` of shape ``(n, d)`` in the requested
namespace, dtype (float64 by default) and device; ``y`` integer class labels (int64) on the
same device, or float targets ``(n, k)`` for regression.

* :func:`digits` — scikit-learn's bundled 8×8 handwritten digits, 1,797 × 64, 10 classes,
  pixel values 0…16 (Alpaydin & Kaynak 1998, UCI).  Pixels 0, 32 and 39 are 0 in every
  image, so the raw covariance is singular.
* :func:`breast_cancer` — scikit-learn's bundled Wisconsin diagnostic data, 569 × 30, 2 classes.
* :func:`blobs` — ``classes`` isotropic Gaussian clusters N(c_k, std² I), centres drawn
  uniformly from [−10, 10]^d (as ``sklearn.datasets.make_blobs``).
* :func:`two_moons` — two interleaved half circles plus N(0, noise²) noise (as ``make_moons``).
* :func:`teacher_student` — inputs x ~ N(0, I_d), targets y = teacher(x) + N(0, noise²) where the
  teacher is a random one-hidden-layer tanh network with LeCun-normal weights; a student of the
  same architecture can reach the noise floor ``noise²`` in mean squared error.

All random draws come from ``numpy.random.default_rng(seed)`` on the host, so every backend
sees the same numbers.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from convlab.backend import from_host, get_namespace, host_rng
from convlab.backend.checks import hyper
from convlab.errors import count


class Dataset(NamedTuple):
    """Inputs ``X`` (n, d) and targets ``y``: int64 labels (n,) or float targets (n, k)."""

    X: Any
    y: Any


def _place(X: np.ndarray, y: np.ndarray, backend, dtype, device) -> Dataset:
    xp = get_namespace(backend)
    Xd = from_host(X, xp, dtype, device)
    if y.dtype.kind in "iub":
        yd = xp.asarray(y.astype(np.int64), device=Xd.device)
    else:
        yd = from_host(y, xp, dtype, Xd.device)
    return Dataset(Xd, yd)


def digits(*, backend=None, dtype=None, device=None) -> Dataset:
    """The 1,797 × 64 digits of scikit-learn (pixel values 0…16), labels 0…9.

    Read from the file scikit-learn ships, ``sklearn/datasets/data/digits.csv.gz`` (64 pixels
    and the label per row, what ``load_digits`` reads), without importing scikit-learn, whose
    import takes most of a second — longer than a quick claim on the digits."""
    data = np.loadtxt(_bundled_with_sklearn("digits.csv.gz"), delimiter=",")
    return _place(data[:, :-1], data[:, -1].astype(np.int64), backend, dtype, device)


def _bundled_with_sklearn(name: str) -> Path:
    """The path of a data file in scikit-learn's ``datasets/data`` (not imported)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "digits() reads scikit-learn's bundled data: install scikit-learn"
        )
    return Path(spec.submodule_search_locations[0], "datasets", "data", name)


def breast_cancer(*, backend=None, dtype=None, device=None) -> Dataset:
    """The 569 × 30 Wisconsin breast-cancer data of scikit-learn, labels 0 (malignant), 1."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    return _place(X, y, backend, dtype, device)


def blobs(
    n: int = 500,
    *,
    classes: int = 3,
    dim: int = 2,
    std: float = 1.0,
    seed: int = 0,
    backend=None,
    dtype=None,
    device=None,
) -> Dataset:
    """``n`` points in ``classes`` Gaussian clusters of standard deviation ``std`` in R^dim."""
    n = count("n", n)
    classes = count("classes", classes)
    dim = count("dim", dim)
    std = hyper("std", std, low=0.0, high=None)
    rng = host_rng(seed)
    centres = rng.uniform(-10.0, 10.0, size=(classes, dim))
    y = np.arange(n) % classes
    X = centres[y] + rng.normal(0.0, std, size=(n, dim))
    return _place(X, y, backend, dtype, device)


def two_moons(
    n: int = 500, *, noise: float = 0.1, seed: int = 0, backend=None, dtype=None, device=None
) -> Dataset:
    """``n`` points on two interleaved half circles (labels 0 and 1), plus Gaussian noise."""
    n = count("n", n, low=2)
    noise = hyper("noise", noise, low=0.0, high=None)
    rng = host_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.0, np.pi, size=n)
    X = np.where(
        y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1.0 - np.cos(t), 0.5 - np.sin(t)]
    )
    return _place(X + rng.normal(0.0, noise, size=(n, 2)), y, backend, dtype, device)


def teacher_student(
    n: int = 1000,
    *,
    dim: int = 10,
    hidden: int = 32,
    outputs: int = 1,
    noise: float = 0.1,
    seed: int = 0,
    backend=None,
    dtype=None,
    device=None,
) -> Dataset:
    """Regression targets of a random tanh teacher ``W₂ tanh(W₁ x)`` plus N(0, noise²) noise."""
    n = count("n", n)
    dim, hidden = (
        count("dim", dim),
        count("hidden", hidden),
    )
    outputs = count("outputs", outputs)
    noise = hyper("noise", noise, low=0.0, high=None)
    rng = host_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(1.0 / dim), size=(hidden, dim))
    W2 = rng.normal(0.0, np.sqrt(1.0 / hidden), size=(outputs, hidden))
    X = rng.normal(size=(n, dim))
    Y = np.tanh(X @ W1.T) @ W2.T + rng.normal(0.0, noise, size=(n, outputs))
    return _place(X, Y, backend, dtype, device)


DATASETS = {
    "digits": digits,
    "breast_cancer": breast_cancer,
    "blobs": blobs,
    "two_moons": two_moons,
    "teacher_student": teacher_student,
}
