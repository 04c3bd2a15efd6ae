"""Linear, logistic and softmax regression: derivatives, minimizers, mini-batches, stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp

from convlab.backend import to_numpy
from convlab.problems import LinearRegression, LogisticRegression, SoftmaxRegression


def data(n=30, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, X @ rng.normal(size=d) + 0.3 * rng.normal(size=n), rng


def make(kind, backend, dtype=None, **kw):
    X, y, rng = data()
    place = {"backend": backend.xp, "device": backend.device, "dtype": dtype}
    if kind == "linear":
        return LinearRegression(X, y, **place, **kw)
    if kind == "logistic":
        return LogisticRegression(X, (y > 0).astype(float), **place, **kw)
    return SoftmaxRegression(X, rng.integers(0, 4, size=30), 4, **place, **kw)


KINDS = {
    "linear": {},
    "linear-intercept": {"fit_intercept": True},
    "linear-gram": {"gram": True, "fit_intercept": True},
    "logistic": {},
    "logistic-l2": {"l2": 0.3},
    "softmax": {},
    "softmax-l2": {"l2": 0.3},
}


@pytest.mark.parametrize("case", sorted(KINDS))
def test_derivatives_match_finite_differences(backend, derivatives, case):
    p = make(case.split("-")[0], backend, **KINDS[case])
    derivatives.check(p, np.random.default_rng(1).normal(size=(3, p.dim)))


@pytest.mark.parametrize(
    "case", ["linear", "linear-intercept", "linear-gram", "logistic-l2", "softmax-l2"]
)
def test_minimizer_is_stationary(backend, case):
    p = make(case.split("-")[0], backend, **KINDS[case])
    assert np.linalg.norm(to_numpy(p.grad(p.minimizer))) < 1e-12
    assert p.min_value == pytest.approx(float(p.value(p.minimizer)), abs=0)


def test_minimizer_unknown_without_ridge(backend):
    assert make("logistic", backend).minimizer is None
    assert make("softmax", backend).minimizer is None


def test_linear_regression_lecture_convention(backend):
    X, y, _ = data()
    p = LinearRegression(X, y, backend=backend.xp, device=backend.device)
    C = X.T @ X / len(y)
    np.testing.assert_allclose(to_numpy(p.C_x), C, atol=1e-14)
    np.testing.assert_allclose(to_numpy(p.hessian_matrix), C, atol=1e-14)
    np.testing.assert_allclose(to_numpy(p.eigenvalues), np.linalg.eigvalsh(C), atol=1e-13)
    np.testing.assert_allclose(to_numpy(p.minimizer), np.linalg.lstsq(X, y)[0], atol=1e-12)
    w = np.ones(3)
    assert float(p.value(backend.asarray(w))) == pytest.approx(np.mean((y - X @ w) ** 2) / 2)


def test_gram_form_is_the_same_loss(backend):
    """gram=True: the same value, gradient, minimizer and minimum, from the moments; a batch
    of it evaluates from its own rows, as the data form's batch does."""
    data_form, gram_form = make("linear", backend), make("linear", backend, gram=True)
    x = backend.asarray(np.random.default_rng(3).normal(size=(4, 3)))
    for a, b in zip(data_form.value_and_grad(x), gram_form.value_and_grad(x), strict=True):
        np.testing.assert_allclose(to_numpy(b), to_numpy(a), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(
        to_numpy(gram_form.value(x)), to_numpy(data_form.value(x)), rtol=1e-12
    )
    np.testing.assert_allclose(to_numpy(gram_form.minimizer), to_numpy(data_form.minimizer))
    assert gram_form.min_value == pytest.approx(data_form.min_value, rel=1e-12)
    idx = np.array([1, 4, 9])
    for a, b in zip(
        data_form.batch(idx).value_and_grad(x),
        gram_form.batch(idx).value_and_grad(x),
        strict=True,
    ):
        np.testing.assert_allclose(to_numpy(b), to_numpy(a), atol=1e-13)


def test_gram_form_float32_gradient_is_accurate(backend):
    """In float32 the moments form's gradient keeps the data form's accuracy (its loss loses
    digits to the cancellation of yᵀy/N, as the docstring says, so only the gradient is held
    to float32's precision here)."""
    X, y, _ = data(n=500, d=5)
    exact = LinearRegression(X, y, backend=backend.xp, device=backend.device)
    x = np.random.default_rng(4).normal(size=(3, 5))
    want = to_numpy(exact.grad(backend.asarray(x)))
    for gram in (False, True):
        p = LinearRegression(
            X, y, gram=gram, dtype="float32", backend=backend.xp, device=backend.device
        )
        got = to_numpy(p.grad(backend.asarray(x, dtype=backend.xp.float32)))
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * np.abs(want).max())


def test_linear_regression_singular_has_no_minimizer(backend):
    X, y, _ = data(n=2, d=4)
    p = LinearRegression(X, y, backend=backend.xp, device=backend.device)
    assert p.minimizer is None and p.min_value is None and p.kappa == float("inf")


@pytest.mark.parametrize("kind", ["linear", "logistic", "softmax"])
def test_batch_is_the_problem_on_those_rows(backend, kind):
    full = make(kind, backend)
    idx = np.array([3, 7, 7, 11, 20])
    part = full.batch(idx)
    X, y, rng = data()
    sub = {
        "linear": lambda: LinearRegression(
            X[idx], y[idx], backend=backend.xp, device=backend.device
        ),
        "logistic": lambda: LogisticRegression(
            X[idx], (y[idx] > 0) * 1.0, backend=backend.xp, device=backend.device
        ),
        "softmax": lambda: SoftmaxRegression(
            X[idx], rng.integers(0, 4, size=30)[idx], 4, backend=backend.xp, device=backend.device
        ),
    }[kind]()
    x = backend.asarray(np.random.default_rng(2).normal(size=(2, full.dim)))
    assert part.n_samples == 5 and full.n_samples == 30
    for f in ("value", "grad", "hess"):
        np.testing.assert_allclose(
            to_numpy(getattr(part, f)(x)), to_numpy(getattr(sub, f)(x)), atol=1e-13
        )
    assert part.minimizer is full.minimizer


def test_batch_accepts_device_indices_and_keeps_full_minimizer(backend):
    full = make("linear", backend)
    idx = backend.xp.asarray([0, 1, 2, 5], device=backend.device)
    part = full.batch(idx)
    assert part.minimizer is full.minimizer and part.kappa == full.kappa
    X, y, _ = data()
    Xb, yb = X[[0, 1, 2, 5]], y[[0, 1, 2, 5]]
    g = -(yb - Xb @ np.ones(3)) @ Xb / 4  # the mini-batch gradient (1/B) Σ over the batch
    np.testing.assert_allclose(to_numpy(part.grad(backend.asarray(np.ones(3)))), g, atol=1e-13)
    np.testing.assert_allclose(to_numpy(part.C_x), Xb.T @ Xb / 4, atol=1e-13)


def test_synthetic_spectrum_is_exact(backend):
    p = LinearRegression.synthetic(
        50, 4, kappa=100.0, seed=1, backend=backend.xp, device=backend.device
    )
    np.testing.assert_allclose(to_numpy(p.eigenvalues), np.geomspace(0.01, 1, 4), rtol=1e-12)
    assert p.kappa == pytest.approx(100.0, rel=1e-12)
    lam = [0.5, 1.0, 4.0]
    q = LinearRegression.synthetic(
        20, 3, spectrum=lam, noise=0.0, backend=backend.xp, device=backend.device
    )
    np.testing.assert_allclose(to_numpy(q.eigenvalues), lam, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(q.minimizer), to_numpy(q.teacher), atol=1e-12)


def test_logistic_is_stable_for_huge_logits(backend):
    X = np.array([[1000.0], [-1000.0], [1000.0]])
    y = np.array([0.0, 0.0, 1.0])
    p = LogisticRegression(X, y, backend=backend.xp, device=backend.device)
    w = backend.asarray(np.ones(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad, hess = (to_numpy(f(w)) for f in (p.value, p.grad, p.hess))
    # exact: log(1 + e^1000) = 1000 + log(1 + e^-1000) for the wrong label, ~0 otherwise
    assert value == pytest.approx(1000.0 / 3, rel=1e-14)
    assert grad == pytest.approx([1000.0 / 3], rel=1e-14)
    assert np.all(np.isfinite(hess))


def test_softmax_value_and_flattening(backend):
    X, _, rng = data(n=12, d=3)
    labels = rng.integers(0, 5, size=12)
    p = SoftmaxRegression(X, labels, 5, backend=backend.xp, device=backend.device)
    W = rng.normal(size=(3, 5))
    Z = X @ W
    want = np.mean(logsumexp(Z, axis=1) - Z[np.arange(12), labels])
    assert float(p.value(backend.asarray(W.reshape(-1)))) == pytest.approx(want, rel=1e-13)
    F = np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
    G = X.T @ (F - np.eye(5)[labels]) / 12
    np.testing.assert_allclose(
        to_numpy(p.grad(backend.asarray(W.reshape(-1)))), G.reshape(-1), atol=1e-14
    )


def test_softmax_is_stable_for_huge_logits(backend):
    X = np.array([[1000.0, -1000.0]])
    p = SoftmaxRegression(X, [1], 2, backend=backend.xp, device=backend.device)
    W = backend.asarray(np.array([1.0, -1.0, 0.0, 0.0]))  # logits (1000, -1000), label 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(p.value(W)) == pytest.approx(2000.0, rel=1e-14)
        assert np.all(np.isfinite(to_numpy(p.hess(W))))


@pytest.mark.parametrize("kind", ["linear", "logistic", "softmax"])
def test_float32(backend, kind):
    p = make(kind, backend, dtype="float32")
    x = backend.asarray(np.zeros(p.dim), dtype=backend.xp.float32)
    assert p.value(x).dtype == backend.xp.float32
    assert p.grad(x).dtype == backend.xp.float32
