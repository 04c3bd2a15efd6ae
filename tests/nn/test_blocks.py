"""Every block's backward against central finite differences (float64) and torch.autograd."""

from __future__ import annotations

import weakref

import numpy as np
import pytest

from convlab.backend import array_namespace as backend_of
from convlab.backend import to_numpy
from convlab.nn import BatchNorm1d, Linear, ReLU, Sequential, Sigmoid, Tanh, mlp
from convlab.nn.module import Module

RNG = np.random.default_rng(42)


def _make(name, backend):
    place = {"backend": backend.xp, "device": backend.device}
    if name == "linear":
        return Linear(4, 3, seed=1, **place)
    if name == "batchnorm":
        bn = BatchNorm1d(4, **place)
        bn.weight = backend.asarray(RNG.uniform(0.5, 1.5, 4))
        bn.bias = backend.asarray(RNG.normal(size=4))
        return bn
    return {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}[name]()


def _input(name):
    x = RNG.normal(size=(6, 4)) * 2
    if name == "relu":
        x = np.where(np.abs(x) < 0.1, 0.5, x)  # keep away from the kink
    return x


def _fd_check(block, x_host, backend, mode_eval=False):
    """Compare backward with central differences of L = Σ R ⊙ forward(x)."""
    R = RNG.normal(size=(x_host.shape[0], _out_width(block, x_host)))
    Rd = backend.asarray(R)

    def loss():
        return float(backend.xp.sum(block.forward(x_dev[0]) * Rd))

    x_dev = [backend.asarray(x_host)]
    block.forward(x_dev[0])
    dx = to_numpy(block.backward(Rd))
    grads = {k: to_numpy(v) for k, v in getattr(block, "grads", {}).items()}
    h = 1e-6
    num = np.zeros_like(x_host)
    for idx in np.ndindex(x_host.shape):
        for sign in (1, -1):
            xp_ = x_host.copy()
            xp_[idx] += sign * h
            x_dev[0] = backend.asarray(xp_)
            num[idx] += sign * loss() / (2 * h)
    np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-8)
    x_dev[0] = backend.asarray(x_host)
    for name in block.param_names:
        p0 = to_numpy(getattr(block, name)).astype(np.float64)
        num = np.zeros_like(p0)
        for idx in np.ndindex(p0.shape):
            for sign in (1, -1):
                p = p0.copy()
                p[idx] += sign * h
                setattr(block, name, backend.asarray(p))
                num[idx] += sign * loss() / (2 * h)
        setattr(block, name, backend.asarray(p0))
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-8, err_msg=name)


def _out_width(block, x):
    return getattr(block, "out_features", x.shape[1])


@pytest.mark.parametrize("name", ["linear", "relu", "tanh", "sigmoid", "batchnorm"])
def test_backward_matches_finite_differences(name, backend):
    block = _make(name, backend)
    _fd_check(block, _input(name), backend)


def test_batchnorm_eval_backward_matches_finite_differences(backend):
    bn = _make("batchnorm", backend)
    bn.forward(backend.asarray(RNG.normal(size=(8, 4)) + 1.0))
    bn.eval()
    _fd_check(bn, _input("batchnorm"), backend)


def test_sequential_flat_gradient_matches_finite_differences(backend):
    net = mlp(
        [3, 5, 2],
        activation="tanh",
        batchnorm=True,
        seed=3,
        backend=backend.xp,
        device=backend.device,
    )
    x = backend.asarray(RNG.normal(size=(7, 3)))
    R = backend.asarray(RNG.normal(size=(7, 2)))
    theta = to_numpy(net.get_flat())
    net.set_flat(backend.asarray(theta))
    net.forward(x)
    net.backward(R)
    g = to_numpy(net.flat_grad())
    h, num = 1e-6, np.zeros_like(theta)
    for i in range(theta.size):
        for sign in (1, -1):
            t = theta.copy()
            t[i] += sign * h
            net.set_flat(backend.asarray(t))
            num[i] += sign * float(backend.xp.sum(net.forward(x) * R)) / (2 * h)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


def test_float32_stays_float32(backend):
    xp = backend.xp
    net = mlp([4, 8, 3], batchnorm=True, dtype="float32", backend=xp, device=backend.device)
    x = backend.asarray(RNG.normal(size=(5, 4)), dtype=xp.float32)
    y = net.forward(x)
    dx = net.backward(xp.ones_like(y))
    assert y.dtype == dx.dtype == net.flat_grad().dtype == net.get_flat().dtype == xp.float32


def test_same_seed_same_network_on_every_backend(backend):
    a = to_numpy(mlp([6, 5, 4], seed=7, backend=backend.xp, device=backend.device).get_flat())
    b = to_numpy(mlp([6, 5, 4], seed=7).get_flat())
    np.testing.assert_array_equal(a, b)


def test_set_flat_round_trips_and_is_a_view_on_numpy():
    net = mlp([3, 4, 2], seed=0)
    v = net.get_flat() + 1.0
    net.set_flat(v)
    np.testing.assert_array_equal(net.get_flat(), v)
    assert np.shares_memory(net[0].weight, v)
    assert net.num_params == 3 * 4 + 4 + 4 * 2 + 2


# --- torch.autograd with the same weights -------------------------------------------------


def _torch_block(name, block, torch):
    if name == "linear":
        t = torch.nn.Linear(4, 3, dtype=torch.float64)
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(to_numpy(block.weight)))
            t.bias.copy_(torch.from_numpy(to_numpy(block.bias)))
        return t
    if name == "batchnorm":
        t = torch.nn.BatchNorm1d(4, momentum=block.momentum, dtype=torch.float64)
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(to_numpy(block.weight)))
            t.bias.copy_(torch.from_numpy(to_numpy(block.bias)))
        return t
    return {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[name]()


def _compare(block, tblock, x_host, R, backend, torch):
    y = block.forward(backend.asarray(x_host))
    dx = block.backward(backend.asarray(R))
    xt = torch.tensor(x_host, requires_grad=True)
    yt = tblock(xt)
    (yt * torch.from_numpy(R)).sum().backward()
    np.testing.assert_allclose(to_numpy(y), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(to_numpy(dx), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name in block.param_names:
        np.testing.assert_allclose(
            to_numpy(block.grads[name]), getattr(tblock, name).grad.numpy(), rtol=1e-10, atol=1e-12
        )
        getattr(tblock, name).grad = None


@pytest.mark.torch
@pytest.mark.parametrize("name", ["linear", "relu", "tanh", "sigmoid", "batchnorm"])
def test_block_matches_torch_autograd(name, backend):
    torch = pytest.importorskip("torch")
    block = _make(name, backend)
    tblock = _torch_block(name, block, torch)
    x = _input(name)
    R = RNG.normal(size=(6, _out_width(block, x)))
    _compare(block, tblock, x, R, backend, torch)


@pytest.mark.torch
def test_batchnorm_running_statistics_and_eval_mode_match_torch(backend):
    torch = pytest.importorskip("torch")
    bn = _make("batchnorm", backend)
    tbn = _torch_block("batchnorm", bn, torch)
    for _ in range(3):
        x = RNG.normal(size=(5, 4)) * 3 + 2
        _compare(bn, tbn, x, RNG.normal(size=(5, 4)), backend, torch)
    np.testing.assert_allclose(to_numpy(bn.running_mean), tbn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(bn.running_var), tbn.running_var.numpy(), rtol=1e-12)
    bn.eval()
    tbn.eval()
    _compare(bn, tbn, RNG.normal(size=(6, 4)), RNG.normal(size=(6, 4)), backend, torch)


@pytest.mark.torch
def test_flat_vector_order_matches_torch_parameters_to_vector():
    torch = pytest.importorskip("torch")
    net = mlp([3, 4, 2], batchnorm=True, seed=0)
    t = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
    ).double()
    blocks = [b for b in net.blocks if b.param_names]
    tblocks = [b for b in t if list(b.parameters())]
    with torch.no_grad():
        for b, tb in zip(blocks, tblocks, strict=True):
            for name in b.param_names:
                getattr(tb, name).copy_(torch.from_numpy(getattr(b, name)))
    vec = torch.nn.utils.parameters_to_vector(t.parameters()).detach().numpy()
    np.testing.assert_array_equal(net.get_flat(), vec)


def test_sequential_backward_runs_blocks_in_reverse():
    net = Sequential(Linear(2, 2, seed=0), Tanh())
    x = np.ones((3, 2))
    y = net.forward(x)
    dx = net.backward(np.ones_like(y))
    expected = (1 - y**2) @ net[0].weight
    np.testing.assert_allclose(dx, expected)


def test_flat_gradient_is_written_in_place_and_new_each_pass():
    """On NumPy the weight gradients are the flat vector's own slices (no concatenation);
    a second backward pass writes a new vector, leaving the first untouched."""
    net = mlp([3, 5, 2], batchnorm=True, seed=3)
    x, dy = RNG.normal(size=(7, 3)), RNG.normal(size=(7, 2))
    net.forward(x)
    net.backward(dy)
    first = net.flat_grad()
    weight = net[0].grads["weight"]
    assert np.shares_memory(weight, first)
    expected = np.concatenate([np.ravel(b.grads[n]) for b, n in net.parameters()])
    np.testing.assert_array_equal(first, expected)
    kept = first.copy()
    net.forward(x)
    net.backward(2 * dy)
    np.testing.assert_array_equal(first, kept)
    np.testing.assert_allclose(net.flat_grad(), 2 * kept, rtol=1e-12, atol=1e-15)


def test_the_last_flat_gradient_is_let_go_of_before_the_next_is_made(monkeypatch):
    """When the caller no longer holds the last pass's gradient, nothing else does by the time
    the next pass allocates its own, so the allocator can hand back the same memory."""
    net = mlp([3, 5, 2], batchnorm=True, seed=3)
    x, dy = RNG.normal(size=(7, 3)), RNG.normal(size=(7, 2))
    net.forward(x)
    net.backward(dy)
    last = weakref.ref(net.flat_grad())
    alive_at_allocation = []
    empty = net.xp.empty

    def watched(*args, **kwargs):
        alive_at_allocation.append(last() is not None)
        return empty(*args, **kwargs)

    monkeypatch.setattr(net.xp, "empty", watched)
    net.forward(x)
    net.backward(dy)
    assert alive_at_allocation == [False]


class _KeepsItsOutput(Module):
    """y = eˣ, a block unaware of the hand-over flags that keeps its output for backward."""

    def forward(self, x):
        self.y = backend_of(x).exp(x)
        return self.y

    def backward(self, dy):
        return dy * self.y


class _Doubles(Module):
    """y = 2x, written over x and dy when they are handed over (as ReLU writes over them, but
    changing every entry, so that a kept array written over shows in the gradient)."""

    hands_over_output = hands_over_grad = True

    def forward(self, x):
        return x * 2.0

    def forward_owned(self, x):
        x *= 2.0
        return x

    def backward(self, dy):
        return dy * 2.0

    def backward_owned(self, dy):
        dy *= 2.0
        return dy


def _lin(n_in, n_out, place):
    return Linear(n_in, n_out, seed=n_in, **place)


@pytest.mark.parametrize(
    "blocks",
    [
        lambda p: [ReLU(), _lin(4, 5, p), ReLU(), _lin(5, 3, p), ReLU()],
        lambda p: [_lin(4, 5, p), BatchNorm1d(5, **p), ReLU(), _lin(5, 3, p)],
        lambda p: [_lin(4, 5, p), Tanh(), _Doubles(), ReLU(), _lin(5, 3, p)],
        lambda p: [_lin(4, 5, p), _KeepsItsOutput(), _Doubles(), Sigmoid(), _Doubles()],
    ],
)
def test_arrays_handed_over_give_the_numbers_of_blocks_run_one_by_one(backend, blocks):
    """Sequential writes over the temporaries it owns (ReLU in place); the result is that of the
    same blocks run one after another by hand, and the caller's x and dy are left untouched —
    as is a block's kept output (Tanh's, or that of a block that never declared hand-overs)."""
    place = {"backend": backend.xp, "device": backend.device}
    x_host, net, alone = RNG.normal(size=(6, 4)), Sequential(*blocks(place)), blocks(place)
    x = backend.asarray(x_host.copy())
    y = net.forward(x)
    dy_host = RNG.normal(size=tuple(y.shape))
    dy = backend.asarray(dy_host.copy())
    dx = net.backward(dy)
    ref = backend.asarray(x_host.copy())
    for block in alone:
        ref = block.forward(ref)
    ref_dx = backend.asarray(dy_host.copy())
    for block in reversed(alone):
        ref_dx = block.backward(ref_dx)
    np.testing.assert_array_equal(to_numpy(y), to_numpy(ref))
    np.testing.assert_array_equal(to_numpy(dx), to_numpy(ref_dx))
    for ours, theirs in zip(net.blocks, alone, strict=True):
        for name in ours.param_names:
            np.testing.assert_array_equal(to_numpy(ours.grads[name]), to_numpy(theirs.grads[name]))
    np.testing.assert_array_equal(to_numpy(x), x_host)
    np.testing.assert_array_equal(to_numpy(dy), dy_host)
