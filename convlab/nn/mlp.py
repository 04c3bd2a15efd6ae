"""Build a multi-layer perceptron from its widths.

``mlp([64, 128, 10])`` is ``Linear(64, 128) → ReLU → Linear(128, 10)``; with
``batchnorm=True`` every hidden layer is ``Linear → BatchNorm1d → activation`` (BN before
the non-linearity, as in Ioffe & Szegedy 2015).  All weights come from one host generator
seeded with ``seed``, drawn layer after layer, so the same seed gives the same network on
every backend and dtype.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from convlab.backend import host_rng
from convlab.errors import ArgumentError, ArgumentTypeError, count
from convlab.nn.batchnorm import BatchNorm1d
from convlab.nn.layers import ACTIVATIONS, Linear
from convlab.nn.module import Module, Sequential


def mlp(
    sizes: Sequence[int],
    *,
    activation: str = "relu",
    batchnorm: bool = False,
    init: str = "xavier_uniform",
    seed: Any = 0,
    bn_momentum: float = 0.1,
    backend: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Sequential:
    """An MLP with widths ``sizes = [N_in, hidden..., N_out]`` (see the module docstring).

    sizes: at least two positive integers (a float such as 2.5 is refused, not rounded).

    activation: one of ``convlab.nn.ACTIVATIONS`` (``relu``, ``tanh``, ``sigmoid``).
    init: one of ``convlab.nn.INITS`` for every Linear layer (biases start at zero).
    bn_momentum: BatchNorm's α (running ← (1−α)·running + α·batch, as torch's momentum).
    """
    sizes = _widths(sizes)
    if activation not in ACTIVATIONS:
        raise ArgumentError("activation", f"one of {sorted(ACTIVATIONS)}", activation)
    rng = host_rng(seed)
    place = {"backend": backend, "dtype": dtype, "device": device}
    blocks: list[Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        blocks.append(Linear(n_in, n_out, init=init, seed=rng, **place))
        if i < len(sizes) - 2:
            if batchnorm:
                blocks.append(BatchNorm1d(n_out, momentum=bn_momentum, **place))
            blocks.append(ACTIVATIONS[activation]())
    return Sequential(*blocks)


def _widths(sizes: Any) -> list[int]:
    """``sizes`` as a list of ints, after checking it holds at least two positive integers."""
    want = "a sequence of at least two positive integers [N_in, ..., N_out]"
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence | np.ndarray):
        raise ArgumentTypeError("sizes", want, sizes)
    if len(sizes) < 2:
        raise ArgumentError("sizes", want, sizes)
    return [count(f"sizes[{i}]", s) for i, s in enumerate(sizes)]
