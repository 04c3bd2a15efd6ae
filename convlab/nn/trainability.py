r"""Does a deep network train, and what does it predict before training?

* :func:`trainability` — final training loss of ReLU MLPs of growing depth on whitened
  digits, with and without BatchNorm, Xavier init, plain mini-batch SGD.  Xavier's
  v = 2/(N_x+N_y) = 1/N keeps a *linear* layer's variance, but ReLU halves it (He et al.
  2015), so without BN the signal shrinks as 2^{−L} and deep nets stall at the chance loss
  ln C; BN re-normalises every layer and trains much deeper (Ioffe & Szegedy 2015) — though
  not arbitrarily deep: a deep BN net's gradients grow with depth at init (Yang et al. 2019,
  "A mean field theory of batch normalization").
* :func:`class_collapse` — the mean softmax output per true class of a network at
  initialization: a badly initialised deep net gives nearly every input the same class
  (Bjorck et al. 2018, "Understanding batch normalization", Fig. 6), a heat map with one
  bright column.

The SGD step here is the plain recurrence θ ← θ − η g (so this module needs only nn, data
and backend); pass any convlab optimizer as ``optimizer`` to use another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from convlab.backend import array_namespace, to_numpy
from convlab.data import ZCAWhiten, digits, train_test_split
from convlab.nn.batchnorm import statistics_kept
from convlab.nn.mlp import mlp
from convlab.nn.train import fit


class _PlainSGD:
    """θ ← θ − η g, the convlab optimizer protocol (``init``/``step``) with an empty state."""

    def __init__(self, lr: float) -> None:
        self.lr = lr

    def init(self, params: Any) -> None:
        return None

    def step(self, params: Any, grad: Any, state: Any, oracle: Any = None) -> tuple[Any, None]:
        return params - self.lr * grad, None


def whitened_digits(
    *,
    n_train: int | None = None,
    eps: float = 1e-2,
    seed: int = 0,
    backend: Any = None,
    dtype: Any = "float32",
):
    """Digits split 75/25 (seeded, stratified), ZCA-whitened with the training statistics;
    ``n_train`` keeps the first rows of the (shuffled) training split."""
    d = digits(backend=backend, dtype=dtype)
    sp = train_test_split(d.X, d.y, test_fraction=0.25, seed=seed)
    zca = ZCAWhiten(eps=eps).fit(sp.X_train)
    X, y = zca.transform(sp.X_train), sp.y_train
    if n_train is not None:
        X, y = X[:n_train, ...], y[:n_train]
    return sp._replace(X_train=X, y_train=y, X_test=zca.transform(sp.X_test))


@dataclass(frozen=True)
class TrainabilityResult:
    """``final_loss[key][k]``: training loss (eval mode) after training depth ``depths[k]``;
    keys ``"plain"`` and ``"bn"``; ``chance`` = ln C, the loss of a uniform prediction."""

    depths: tuple[int, ...]
    final_loss: dict[str, np.ndarray]
    initial_loss: dict[str, np.ndarray]
    chance: float
    verdict: dict[str, bool]


def trainability(
    *,
    depths: Sequence[int] = (4, 8, 12, 16, 20, 24),
    width: int = 128,
    epochs: int = 5,
    n_train: int = 512,
    batch_size: int = 64,
    lr: float = 0.1,
    optimizer: Any = None,
    seed: int = 0,
    backend: Any = None,
    dtype: Any = "float32",
) -> TrainabilityResult:
    """Train ReLU MLPs 64 → width × (depth − 1) → 10 (Xavier uniform) on ``n_train`` whitened
    digits for ``epochs`` epochs, with and without BN; record the final training loss.

    Defaults run in about 5 s on one CPU core.  Verdict: without BN the deepest net stays
    near chance (loss > 0.9 ln 10); BN trains (loss < ½ ln 10) at a greater depth than
    without.
    """
    data = whitened_digits(n_train=n_train, seed=seed, backend=backend, dtype=dtype)
    opt = optimizer if optimizer is not None else _PlainSGD(lr)
    final, initial = {}, {}
    for key, bn in (("plain", False), ("bn", True)):
        losses = []
        for depth in depths:
            net = mlp(
                [64] + [width] * (depth - 1) + [10],
                batchnorm=bn,
                seed=seed,
                backend=backend,
                dtype=dtype,
            )
            losses.append(
                fit(
                    net, data[:2], opt, epochs, batch_size=batch_size, seed=seed, progress=False
                ).loss[[0, -1]]
            )
        initial[key], final[key] = np.array(losses)[:, 0], np.array(losses)[:, 1]
    chance = float(np.log(10.0))
    trained = {
        k: [d for d, f in zip(depths, final[k], strict=True) if f < chance / 2] for k in final
    }
    verdict = {
        "without BN the deepest net stays near chance": bool(final["plain"][-1] > 0.9 * chance),
        "BN trains a deeper net than without": max(trained["bn"], default=0)
        > max(trained["plain"], default=0),
    }
    return TrainabilityResult(tuple(depths), final, initial, chance, verdict)


class CollapseResult(NamedTuple):
    """``outputs[key]``: C × C matrix, row c the mean softmax output over inputs of class c;
    ``top_share[key]``: share of all inputs given the most frequent predicted class."""

    outputs: dict[str, np.ndarray]
    top_share: dict[str, float]
    verdict: dict[str, bool]


def class_collapse(
    *,
    depth: int = 30,
    width: int = 64,
    inits: Sequence[str] = ("standard_normal", "xavier_uniform"),
    batchnorm: bool = True,
    n: int = 500,
    seed: int = 0,
    backend: Any = None,
    dtype: Any = "float64",
) -> CollapseResult:
    """Per-class mean softmax outputs of ReLU MLPs at initialization on whitened digits, one
    per init (plus the first init with BatchNorm when ``batchnorm``: key ``"<init>+bn"``).

    Verdict: the badly initialised net (the first init) gives one class to most inputs
    (> 50 %; chance is 10 %), and BN spreads the predictions (its top share is at most 2/3 of
    the un-normalised one).  Over seeds 0–4 at the defaults the N(0, 1) net's top share is
    0.90–1.0 and the BN net's 0.35–0.49.  A Xavier ReLU net's argmax collapses too, but its
    softmax outputs are nearly uniform (the signal has shrunk by 2^{−depth}).
    """
    data = whitened_digits(seed=seed, backend=backend, dtype=dtype)
    X, y = data.X_train[:n, ...], data.y_train[:n]
    configs = [(name, name, False) for name in inits]
    if batchnorm:
        configs.append((f"{inits[0]}+bn", inits[0], True))
    outputs, share = {}, {}
    for key, init, bn in configs:
        net = mlp(
            [64] + [width] * (depth - 1) + [10],
            init=init,
            batchnorm=bn,
            seed=seed,
            backend=backend,
            dtype=dtype,
        )
        with statistics_kept(net):
            prob = _softmax(net.forward(X))
        outputs[key], share[key] = _per_class(prob, y)
    bad = share[inits[0]]
    verdict = {f"{inits[0]} gives one class to most inputs": bad > 0.5}
    if batchnorm:
        verdict["BN spreads the predictions"] = share[f"{inits[0]}+bn"] <= 2 * bad / 3
    return CollapseResult(outputs, share, verdict)


def _softmax(z: Any) -> Any:
    xp = array_namespace(z)
    e = xp.exp(z - xp.max(z, axis=1, keepdims=True))
    return e / xp.sum(e, axis=1, keepdims=True)


def _per_class(prob: Any, y: Any) -> tuple[np.ndarray, float]:
    p, labels = to_numpy(prob), to_numpy(y)
    classes = p.shape[1]
    table = np.array([p[labels == c].mean(axis=0) for c in range(classes)])
    counts = np.bincount(p.argmax(axis=1), minlength=classes)
    return table, float(counts.max() / counts.sum())
