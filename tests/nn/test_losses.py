"""Cross-entropy (fused softmax) and MSE: values and gradients vs finite differences and torch."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.nn import CrossEntropyLoss, MSELoss

RNG = np.random.default_rng(3)


def _labels(backend, host):
    return backend.xp.asarray(np.asarray(host, dtype=np.int64), device=backend.device)


def _fd(f, z):
    h, g = 1e-6, np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        for sign in (1, -1):
            zz = z.copy()
            zz[idx] += sign * h
            g[idx] += sign * f(zz) / (2 * h)
    return g


def test_cross_entropy_gradient_matches_finite_differences(backend):
    z, y = RNG.normal(size=(5, 4)), _labels(backend, [0, 3, 1, 1, 2])
    loss = CrossEntropyLoss()
    loss(backend.asarray(z), y)
    g = to_numpy(loss.backward())
    num = _fd(lambda zz: float(CrossEntropyLoss()(backend.asarray(zz), y)), z)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)


def test_mse_gradient_matches_finite_differences(backend):
    p, t = RNG.normal(size=(5, 2)), backend.asarray(RNG.normal(size=(5, 2)))
    loss = MSELoss()
    loss(backend.asarray(p), t)
    g = to_numpy(loss.backward())
    num = _fd(lambda pp: float(MSELoss()(backend.asarray(pp), t)), p)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)


def test_cross_entropy_is_stable_for_huge_logits(backend):
    z = backend.asarray([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]])
    loss = CrossEntropyLoss()
    value = float(loss(z, _labels(backend, [1, 1])))
    # class 1 of row 0 has logit 1e4 below the max: loss = (1e4 + 0) / 2 exactly
    assert value == pytest.approx(0.5e4, rel=1e-12)
    assert np.all(np.isfinite(to_numpy(loss.backward())))


def test_cross_entropy_of_equal_logits_is_log_classes(backend):
    z = backend.asarray(np.zeros((3, 7)))
    assert float(CrossEntropyLoss()(z, _labels(backend, [0, 6, 2]))) == pytest.approx(np.log(7))


def test_mse_accepts_a_1d_target_for_one_output(backend):
    p = backend.asarray([[1.0], [3.0]])
    assert float(MSELoss()(p, backend.asarray([0.0, 1.0]))) == pytest.approx(2.5)


@pytest.mark.torch
def test_losses_match_torch(backend):
    torch = pytest.importorskip("torch")
    z, y = RNG.normal(size=(6, 3)), np.array([0, 2, 1, 1, 0, 2])
    ce = CrossEntropyLoss()
    value = float(ce(backend.asarray(z), _labels(backend, y)))
    zt = torch.tensor(z, requires_grad=True)
    ref = torch.nn.CrossEntropyLoss()(zt, torch.from_numpy(y))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(to_numpy(ce.backward()), zt.grad.numpy(), rtol=1e-10)
    p, t = RNG.normal(size=(6, 2)), RNG.normal(size=(6, 2))
    mse = MSELoss()
    value = float(mse(backend.asarray(p), backend.asarray(t)))
    pt = torch.tensor(p, requires_grad=True)
    ref = torch.nn.MSELoss()(pt, torch.from_numpy(t))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(to_numpy(mse.backward()), pt.grad.numpy(), rtol=1e-10)
