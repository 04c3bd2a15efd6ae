r"""Long-term dependencies: powers of a recurrent matrix through its eigendecomposition.

:math:`W = V\Lambda V^{-1} \Rightarrow W^t = V\Lambda^t V^{-1}`: components along eigenvectors with
:math:`|\lambda| < 1` vanish, those with :math:`|\lambda| > 1` explode; the largest modulus
decides the regime (vanishing, neutral at exactly 1, exploding).

Sources: Bengio, Simard & Frasconi, IEEE TNN (1994); Goodfellow, Bengio & Courville (2016), §10.7.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy as sp

from convlab.errors import ArgumentError
from convlab.symbolic.notation import T
from convlab.symbolic.result import Derivation
from convlab.symbolic.spectra import largest_modulus
from convlab.symbolic.user_input import as_matrix

#: sign of (largest |eigenvalue| - 1) -> regime
REGIMES: dict[int, str] = {-1: "vanishing", 0: "neutral", 1: "exploding"}


def long_term_dynamics(W: Any) -> Derivation:
    r"""Parts ``power`` :math:`W^t = V\Lambda^tV^{-1}` (symbol ``t``), ``eigenvalues``,
    ``spectral_radius``; ``conclusion`` is the regime (vanishing / neutral / exploding, or
    undetermined for symbolic entries of unknown size). ``W`` must be diagonalizable.
    Source: Goodfellow, Bengio & Courville 2016, §10.7 (eq. 10.39).
    """
    return _long_term(as_matrix("W", W, square=True))


@lru_cache(maxsize=64)
def _long_term(W: sp.ImmutableMatrix) -> Derivation:
    matrix = W.as_mutable()
    if not matrix.is_diagonalizable():
        raise ArgumentError("W", "a diagonalizable matrix", W)
    V, Lam = matrix.diagonalize()
    power = (V * Lam.applyfunc(lambda x: x**T) * V.inv()).applyfunc(sp.simplify)
    eigenvalues = tuple(Lam[i, i] for i in range(Lam.rows))
    radius = largest_modulus(eigenvalues)
    sign = sp.sign(radius - 1)
    regime = REGIMES.get(int(sign), "undetermined") if sign.is_number else "undetermined"
    steps = (
        ("eigendecomposition W = V Lambda V^{-1}", (V, Lam)),
        ("W^t = V Lambda^t V^{-1}", power),
        ("largest |eigenvalue|", radius),
    )
    expr = {"power": power, "eigenvalues": eigenvalues, "spectral_radius": radius}
    return Derivation(
        "long-term dependencies",
        expr,
        steps=steps,
        conclusion=regime,
        source="Goodfellow, Bengio & Courville 2016, §10.7",
    )
