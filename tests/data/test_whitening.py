"""Standardisation, PCA and ZCA whitening: fitted on train, applied to test, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.data import PCAWhiten, Standardize, ZCAWhiten
from convlab.errors import ArgumentError, ShapeError

RNG = np.random.default_rng(5)
A = RNG.normal(size=(4, 4))
HOST = RNG.normal(size=(400, 4)) @ A + np.array([1.0, -2.0, 3.0, 0.5])


def _cov(Z):
    Zc = Z - Z.mean(axis=0)
    return Zc.T @ Zc / Z.shape[0]


@pytest.mark.parametrize("cls", [PCAWhiten, ZCAWhiten])
def test_whitened_training_data_has_identity_covariance(cls, backend):
    Z = to_numpy(cls(eps=0.0).fit_transform(backend.asarray(HOST)))
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(_cov(Z), np.eye(4), atol=1e-10)


def test_standardised_data_has_zero_mean_unit_variance(backend):
    Z = to_numpy(Standardize(eps=0.0).fit_transform(backend.asarray(HOST)))
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.var(axis=0), 1, rtol=1e-12)


def test_zca_is_the_symmetric_inverse_square_root_and_pca_its_rotation():
    zca, pca = ZCAWhiten(eps=0.0).fit(HOST), PCAWhiten(eps=0.0).fit(HOST)
    d, E = np.linalg.eigh(_cov(HOST))
    W = E @ np.diag(d**-0.5) @ E.T  # x_ZCA = E D^{-1/2} Eᵀ (x − μ)
    np.testing.assert_allclose(zca.transform(HOST), (HOST - HOST.mean(0)) @ W, atol=1e-10)
    Zp = pca.transform(HOST)
    np.testing.assert_allclose(zca.transform(HOST), Zp @ pca.eigenvectors.T, atol=1e-10)
    assert np.all(np.diff(pca.eigenvalues) <= 0)


def test_test_split_uses_the_training_statistics():
    train, test = HOST[:300], HOST[300:] + 10.0
    z = Standardize(eps=0.0).fit(train)
    np.testing.assert_allclose(z.transform(test), (test - train.mean(0)) / train.std(0))


def test_eps_maps_a_constant_feature_to_zero_instead_of_dividing_by_zero():
    X = np.c_[HOST, np.zeros(400)]
    for cls in (Standardize, PCAWhiten, ZCAWhiten):
        Z = cls(eps=1e-5).fit_transform(X)
        assert np.all(np.isfinite(Z))
    with pytest.raises(ArgumentError, match="^eps: "):
        PCAWhiten(eps=0.0).fit(X)


def test_float32_stays_float32(backend):
    X = backend.asarray(HOST, dtype=backend.xp.float32)
    assert ZCAWhiten().fit_transform(X).dtype == backend.xp.float32


def test_transform_before_fit_and_wrong_width_are_refused():
    with pytest.raises(ArgumentError, match="^X: .*fit"):
        ZCAWhiten().transform(HOST)
    with pytest.raises(ShapeError, match="^X: expected rows of width 4"):
        Standardize().fit(HOST).transform(HOST[:, :3])
    with pytest.raises(ArgumentError, match="^X: expected finite"):
        Standardize().fit(np.full((3, 2), np.nan))
