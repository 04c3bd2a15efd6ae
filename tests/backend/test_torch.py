"""backend="torch": names, devices, clear failures, float64 by default, the same results.

The numeric suite runs on torch (CPU) through the ``backend`` fixture (tests/conftest.py);
these tests cover what is particular to it.  Tests marked ``gpu("torch")`` need a CUDA device
and are skipped cleanly without one.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import convlab.optim as co  # noqa: E402
from convlab.backend import (  # noqa: E402
    ENV_VAR,
    DeviceNamespace,
    array_namespace,
    backend_name,
    get_namespace,
    same_namespace,
    to_numpy,
)
from convlab.cli import main  # noqa: E402
from convlab.errors import ArgumentError, BackendUnavailableError  # noqa: E402
from convlab.problems import Quadratic  # noqa: E402


def test_torch_by_name_by_environment_and_with_the_cpu(monkeypatch):
    xp = get_namespace("torch")
    assert backend_name(xp) == "torch"
    assert get_namespace("torch:cpu") is xp and get_namespace("torch", device="cpu") is xp
    monkeypatch.setenv(ENV_VAR, "torch")
    assert get_namespace() is xp
    assert array_namespace(xp.asarray([1.0])) is xp  # a torch array's namespace is convlab's


@pytest.mark.parametrize("device", ["gpu", "cuda:x", "cuda1", "tpu:0", 3])
def test_an_unknown_device_names_device_and_the_accepted_forms(device):
    with pytest.raises(ArgumentError, match=r"device: expected a torch device: 'cpu', 'cuda'"):
        get_namespace("torch", device=device)


def test_a_device_in_the_name_and_another_in_the_argument():
    with pytest.raises(ArgumentError, match="device: expected the device named in backend"):
        get_namespace("torch:cuda", device="cpu")


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict", "numpy:cuda"])
def test_a_device_for_a_host_backend_is_refused(backend):
    device = None if ":" in backend else "cuda:0"
    with pytest.raises(ArgumentError, match="device: expected None or 'cpu' for backend"):
        get_namespace(backend, device=device)


def test_an_absent_cuda_device_gives_one_clear_error():
    if torch.cuda.is_available() and torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    with pytest.raises(BackendUnavailableError, match=r"backend 'torch' on device 'cuda:7'"):
        get_namespace("torch:cuda:7")


def test_torch_missing_gives_one_clear_error(fake_import):
    fake_import("torch")
    with pytest.raises(BackendUnavailableError, match=r"PyTorch is not installed.*pip install"):
        get_namespace("torch")


def test_a_device_namespace_places_new_arrays_on_its_device():
    """The ``meta`` device (shapes only) stands in for a GPU on any machine."""
    xp = DeviceNamespace(get_namespace("torch"), torch.device("meta"))
    assert backend_name(xp) == "torch" and same_namespace(xp, get_namespace("torch"))
    for made in (xp.zeros(3), xp.asarray([1.0, 2.0]), xp.eye(2), xp.full((2,), 1.0)):
        assert made.device.type == "meta"
    assert xp.zeros(3, device="cpu").device.type == "cpu"  # an explicit device wins
    assert "meta" in repr(xp)


def test_arrays_are_float64_unless_asked():
    """torch's own default is float32: convlab's is float64 wherever it creates arrays."""
    q = Quadratic.from_spectrum([1.0, 2.0, 3.0], backend="torch")
    assert q.A.dtype == q.x0.dtype == q.minimizer.dtype == torch.float64
    trace = co.run(q, co.GD(0.1), steps=3)
    assert trace.x.dtype == torch.float64 and trace.loss.dtype == np.float64


def test_the_fast_vecdot_is_the_array_api_vecdot():
    xp = get_namespace("torch")
    a, b = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    np.testing.assert_allclose(to_numpy(xp.vecdot(a, b)), to_numpy((a * b).sum(-1)))
    np.testing.assert_array_equal(to_numpy(xp.linalg.vecdot(a, b)), to_numpy(xp.vecdot(a, b)))
    ints = torch.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(to_numpy(xp.vecdot(ints, ints)), [5, 50])  # the compat path


def test_a_sweep_on_torch_matches_numpy():
    """Same seed, same draws (moved from the host), same statuses and near-equal histories."""
    spectrum, lrs = np.geomspace(1.0, 50.0, 10), np.linspace(0.005, 0.05, 12)
    result = {}
    for backend in ("numpy", "torch"):
        q = Quadratic.from_spectrum(spectrum, seed=4, backend=backend)
        result[backend] = (q, co.sweep(q, co.GD, {"lr": lrs}, steps=200, tol=1e-8))
    (qn, n), (qt, t) = result["numpy"], result["torch"]
    np.testing.assert_array_equal(to_numpy(qt.x0), to_numpy(qn.x0))
    assert t.trace.status == n.trace.status and "diverged" in t.trace.status
    np.testing.assert_array_equal(t.trace.n_steps, n.trace.n_steps)
    np.testing.assert_allclose(t.trace.loss, n.trace.loss, rtol=1e-9, atol=1e-12)


def test_cli_device_errors_exit_2_with_the_clear_message(capsys):
    assert main(["report", "--backend", "torch", "--device", "gpu", "--only", "gd-kappa-1"]) == 2
    assert "device: expected a torch device" in capsys.readouterr().err
    assert main(["report", "--backend", "numpy", "--device", "cuda", "--only", "x"]) == 2
    assert "needs backend 'torch'" in capsys.readouterr().err


@pytest.mark.gpu("torch")
def test_a_sweep_on_cuda_matches_the_cpu_and_stays_there():
    spectrum, lrs = np.geomspace(1.0, 50.0, 10), np.linspace(0.005, 0.05, 12)
    q_gpu = Quadratic.from_spectrum(spectrum, seed=4, backend="torch:cuda")
    q_cpu = Quadratic.from_spectrum(spectrum, seed=4, backend="torch")
    assert q_gpu.A.device.type == "cuda" and q_gpu.x0.device.type == "cuda"
    gpu = co.sweep(q_gpu, co.GD, {"lr": lrs}, steps=200, tol=1e-8).trace
    cpu = co.sweep(q_cpu, co.GD, {"lr": lrs}, steps=200, tol=1e-8).trace
    assert gpu.x.device.type == "cuda"
    assert gpu.status == cpu.status
    np.testing.assert_array_equal(gpu.n_steps, cpu.n_steps)
    np.testing.assert_allclose(gpu.loss, cpu.loss, rtol=1e-9, atol=1e-12)


@pytest.mark.gpu("torch")
def test_cuda_device_strings():
    for name in ("torch:cuda", "torch:cuda:0"):
        xp = get_namespace(name)
        assert xp.zeros(2).device.type == "cuda"
        assert to_numpy(xp.asarray([1.0, 2.0]) * 2).tolist() == [2.0, 4.0]
