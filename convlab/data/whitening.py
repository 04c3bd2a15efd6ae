r"""Standardisation and PCA/ZCA whitening, fitted on a training split, applied to any split.

With the training mean μ and covariance C = (1/n) Σ (xᵢ − μ)(xᵢ − μ)ᵀ = E D Eᵀ
(eigen-decomposition, D diagonal):

* :class:`Standardize` — ``x' = (x − μ)/√(σ² + ε)`` per feature (σ² the diagonal of C);
* :class:`PCAWhiten` — ``x_PCA = (D + ε)^{−1/2} Eᵀ (x − μ)``: decorrelated, unit variance, in
  the eigenbasis (components sorted by decreasing variance);
* :class:`ZCAWhiten` — ``x_ZCA = E (D + ε)^{−1/2} Eᵀ (x − μ)``: the same, rotated back, so it
  stays closest to the input (Bell & Sejnowski 1997; Kessy, Lewin & Strimmer 2018).

On the training split the whitened covariance is ``D/(D + ε)``: the identity up to ε.  ε > 0
keeps directions of zero variance (constant pixels of the digits) finite: they map to 0
instead of dividing by zero; ε = 0 is allowed when C is positive definite.  The transform
is affine, so it is applied to the test split with the *training* μ, E, D.
Each object: ``fit(X)`` (returns itself), ``transform(X)``, ``fit_transform(X)``.
"""

from __future__ import annotations

from typing import Any

from convlab.backend import array_namespace
from convlab.backend.checks import as_array, hyper
from convlab.errors import ArgumentError, ShapeError


class _Fitted:
    """Shared checks: fit once on 2-D finite data, then transform rows of the same width."""

    def __init__(self, eps: float = 1e-5) -> None:
        self.eps = hyper("eps", eps, low=0.0, high=None)
        self.mean = None

    def fit(self, X: Any) -> _Fitted:
        X = as_array("X", X, ndim=2)
        if X.shape[0] < 2:
            raise ShapeError("X", "at least 2 rows to estimate a covariance", X)
        xp = array_namespace(X)
        self.mean = xp.mean(X, axis=0)
        self._fit_centred(xp, X - self.mean)
        return self

    def transform(self, X: Any) -> Any:
        if self.mean is None:
            raise ArgumentError(
                "X",
                f"{type(self).__name__}.fit(X_train) called before transform",
                "transform before fit",
            )
        X = as_array("X", X, ndim=2)
        if X.shape[1] != self.mean.shape[0]:
            raise ShapeError("X", f"rows of width {self.mean.shape[0]} (as fitted)", X)
        return self._apply(array_namespace(X), X - self.mean)

    def fit_transform(self, X: Any) -> Any:
        return self.fit(X).transform(X)


class Standardize(_Fitted):
    """Zero mean, unit variance per feature: ``(x − μ)/√(σ² + ε)`` (ε default 1e-5)."""

    def _fit_centred(self, xp: Any, Xc: Any) -> None:
        var = xp.mean(Xc * Xc, axis=0)
        self.scale = 1.0 / xp.sqrt(var + self.eps)
        if self.eps == 0 and not bool(xp.all(var > 0)):
            raise ArgumentError("eps", "eps > 0 when a feature has zero variance", 0.0)

    def _apply(self, xp: Any, Xc: Any) -> Any:
        return Xc * self.scale


class PCAWhiten(_Fitted):
    """PCA whitening ``(D + ε)^{−1/2} Eᵀ (x − μ)``; attributes ``eigenvalues`` (D, descending)
    and ``eigenvectors`` (E, columns)."""

    def _fit_centred(self, xp: Any, Xc: Any) -> None:
        cov = Xc.T @ Xc / Xc.shape[0]
        d, E = xp.linalg.eigh((cov + cov.T) / 2.0)
        self.eigenvalues, self.eigenvectors = xp.flip(d), xp.flip(E, axis=1)
        floor = xp.clip(self.eigenvalues, min=0.0)
        if self.eps == 0 and not bool(xp.all(floor > 0)):
            raise ArgumentError("eps", "eps > 0 when the covariance is singular", 0.0)
        self.scale = 1.0 / xp.sqrt(floor + self.eps)

    def _apply(self, xp: Any, Xc: Any) -> Any:
        return (Xc @ self.eigenvectors) * self.scale


class ZCAWhiten(PCAWhiten):
    """ZCA whitening ``E (D + ε)^{−1/2} Eᵀ (x − μ)`` (the symmetric inverse square root)."""

    def _apply(self, xp: Any, Xc: Any) -> Any:
        return super()._apply(xp, Xc) @ self.eigenvectors.T


TRANSFORMS = {"standardize": Standardize, "pca": PCAWhiten, "zca": ZCAWhiten}
