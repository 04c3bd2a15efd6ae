"""Bundled and synthetic data sets, the train/test split and the loader."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.data import (
    DATASETS,
    DataLoader,
    blobs,
    breast_cancer,
    digits,
    teacher_student,
    train_test_split,
    two_moons,
)
from convlab.errors import ArgumentError, ShapeError


def test_digits_and_breast_cancer_shapes_on_the_device(backend):
    d = digits(backend=backend.xp, device=backend.device, dtype="float32")
    assert d.X.shape == (1797, 64) and d.X.dtype == backend.xp.float32  # sklearn's docs
    assert d.X.device == d.y.device and d.y.dtype == backend.xp.int64
    assert sorted(np.unique(to_numpy(d.y))) == list(range(10))
    b = breast_cancer(backend=backend.xp, device=backend.device)
    assert b.X.shape == (569, 30) and int(to_numpy(b.y).sum()) == 357  # 357 benign (sklearn)


def test_digits_are_scikit_learns_load_digits():
    """Read from scikit-learn's bundled file without importing it: the same pixels and labels."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    d = digits()
    np.testing.assert_array_equal(d.X, X)
    np.testing.assert_array_equal(d.y, y)


@pytest.mark.parametrize("name", ["blobs", "two_moons", "teacher_student"])
def test_synthetic_sets_are_seeded_and_backend_independent(name, backend):
    a = DATASETS[name](seed=3, backend=backend.xp, device=backend.device)
    b = DATASETS[name](seed=3)
    np.testing.assert_array_equal(to_numpy(a.X), b.X)
    np.testing.assert_array_equal(to_numpy(a.y), b.y)
    c = DATASETS[name](seed=4)
    assert not np.array_equal(c.X, b.X)


def test_blobs_and_moons_labels():
    b = blobs(90, classes=3, dim=5, std=0.1)
    assert b.X.shape == (90, 5) and np.bincount(b.y).tolist() == [30, 30, 30]
    m = two_moons(100, noise=0.0)
    r = np.linalg.norm(m.X[m.y == 0], axis=1)
    np.testing.assert_allclose(r, 1.0)  # the upper moon is the unit half circle


def test_teacher_student_noise_floor():
    d = teacher_student(4000, dim=5, noise=0.0, seed=1)
    noisy = teacher_student(4000, dim=5, noise=0.3, seed=1)
    assert np.var(noisy.y - d.y) == pytest.approx(0.09, rel=0.1)


def test_split_is_stratified_and_seeded(backend):
    d = digits(backend=backend.xp, device=backend.device)
    sp = train_test_split(d.X, d.y, test_fraction=0.2, seed=1)
    assert sp.X_train.shape[0] + sp.X_test.shape[0] == 1797
    counts = np.bincount(to_numpy(sp.y_test), minlength=10)
    full = np.bincount(to_numpy(d.y))
    assert np.all(np.abs(counts - 0.2 * full) <= 1)
    again = train_test_split(d.X, d.y, test_fraction=0.2, seed=1)
    np.testing.assert_array_equal(to_numpy(sp.X_test), to_numpy(again.X_test))


def test_loader_reshuffles_each_epoch_and_covers_every_row(backend):
    X = backend.asarray(np.arange(20.0)[:, None])
    y = backend.xp.asarray(np.arange(20) % 2, device=backend.device)
    loader = DataLoader(X, y, 6, seed=0, balanced=True)
    assert len(loader) == 4
    epochs = [np.concatenate([to_numpy(xb)[:, 0] for xb, _ in loader]) for _ in range(2)]
    assert sorted(epochs[0]) == list(range(20)) and not np.array_equal(*epochs)


def test_bad_split_and_loader_input_names_the_argument():
    X, y = np.zeros((10, 2)), np.zeros(9, dtype=int)
    with pytest.raises(ShapeError, match="^y: "):
        train_test_split(X, y)
    with pytest.raises(ShapeError, match="^y: "):
        DataLoader(X, y, 2)
    with pytest.raises(ArgumentError, match="^test_fraction: "):
        train_test_split(X, np.zeros(10, dtype=int), test_fraction=1.0)
    with pytest.raises(ArgumentError, match="^std: "):
        blobs(10, std=-1.0)
