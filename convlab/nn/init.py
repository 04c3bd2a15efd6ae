r"""Weight initializations: a registry from name to a function drawing a weight matrix.

Each function takes the weight shape ``(N_y, N_x)`` (outputs × inputs, torch's layout), a
host generator (:func:`convlab.backend.random.host_rng`) and returns a float64 host array;
:class:`~convlab.nn.layers.Linear` moves it to its namespace, device and dtype, so the same
seed gives the same network on every backend.  Biases start at zero.

With ``Var(w) = v`` and unit-variance inputs, one linear layer multiplies the forward
activation variance by ``N_x v`` and the backward gradient variance by ``N_y v``
(Glorot & Bengio 2010, §4.2).  Hence:

=====================  =========================================  ===================
name                   distribution                               keeps
=====================  =========================================  ===================
``xavier_uniform``     U[−√(6/(N_x+N_y)), +√(6/(N_x+N_y))]        both (compromise)
``xavier_normal``      N(0, 2/(N_x+N_y))                          both (compromise)
``lecun_normal``       N(0, 1/N_x)                                forward (LeCun 1998)
``lecun_uniform``      U[−√(3/N_x), +√(3/N_x)]                    forward
``he_normal``          N(0, 2/N_x)                                forward through ReLU (He 2015)
``he_uniform``         U[−√(6/N_x), +√(6/N_x)]                    forward through ReLU
``standard_normal``    N(0, 1)  — deliberately bad: explodes      neither
``tiny``               N(0, 0.01²) — deliberately bad: vanishes   neither
=====================  =========================================  ===================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TINY_SCALE = 0.01


def xavier_uniform(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    n_y, n_x = shape
    a = np.sqrt(6.0 / (n_x + n_y))
    return rng.uniform(-a, a, size=shape)


def xavier_normal(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    n_y, n_x = shape
    return rng.normal(0.0, np.sqrt(2.0 / (n_x + n_y)), size=shape)


def lecun_normal(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(1.0 / shape[1]), size=shape)


def lecun_uniform(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    a = np.sqrt(3.0 / shape[1])
    return rng.uniform(-a, a, size=shape)


def he_normal(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / shape[1]), size=shape)


def he_uniform(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    a = np.sqrt(6.0 / shape[1])
    return rng.uniform(-a, a, size=shape)


def standard_normal(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, 1.0, size=shape)


def tiny(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, TINY_SCALE, size=shape)


INITS: dict[str, Callable[[tuple[int, int], np.random.Generator], np.ndarray]] = {
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "lecun_normal": lecun_normal,
    "lecun_uniform": lecun_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "standard_normal": standard_normal,
    "tiny": tiny,
}


def weight_variance(name: str, n_x: int, n_y: int) -> float:
    """The variance Var(w) of the entries that init ``name`` draws for an N_y × N_x matrix."""
    table = {
        "xavier_uniform": 2.0 / (n_x + n_y),
        "xavier_normal": 2.0 / (n_x + n_y),
        "lecun_normal": 1.0 / n_x,
        "lecun_uniform": 1.0 / n_x,
        "he_normal": 2.0 / n_x,
        "he_uniform": 2.0 / n_x,
        "standard_normal": 1.0,
        "tiny": TINY_SCALE**2,
    }
    return table[name]
