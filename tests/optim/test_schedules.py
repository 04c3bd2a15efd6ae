"""Learning-rate schedules: closed forms, composition, use with optimizers, the registry."""

from __future__ import annotations

import math

import numpy as np
import pytest

import convlab.optim as co
from convlab.backend import to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.problems import Quadratic

T = np.arange(50)

CLOSED_FORMS = [
    (co.Constant(0.3), lambda t: 0.3),
    (co.StepDecay(0.3, step_size=10, gamma=0.5), lambda t: 0.3 * 0.5 ** (t // 10)),
    (co.Exponential(0.3, gamma=0.9), lambda t: 0.3 * 0.9**t),
    (co.InverseTime(2.0, t0=4.0), lambda t: 2.0 / (4.0 + t)),
    (co.InverseSqrt(2.0), lambda t: 2.0 / math.sqrt(1.0 + t)),
    (
        co.Cosine(0.3, total=40, final=0.01),
        lambda t: 0.01 + 0.145 * (1 + math.cos(math.pi * min(t, 40) / 40)),
    ),
    (co.LinearWarmup(0.3, steps=10), lambda t: 0.3 * min(1.0, (t + 1) / 10)),
]


@pytest.mark.parametrize(
    ("sched", "formula"), CLOSED_FORMS, ids=[type(s).__name__ for s, _ in CLOSED_FORMS]
)
def test_schedule_follows_its_formula(sched, formula):
    assert np.allclose([sched(t) for t in T], [formula(t) for t in T], rtol=1e-14, atol=0)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (co.StepDecay(0.1, step_size=7, gamma=0.3), ("StepLR", {"step_size": 7, "gamma": 0.3})),
        (co.Exponential(0.1, gamma=0.95), ("ExponentialLR", {"gamma": 0.95})),
        (co.Cosine(0.1, total=30), ("CosineAnnealingLR", {"T_max": 30})),
    ],
)
def test_schedule_matches_torch_lr_scheduler(ours, theirs):
    torch = pytest.importorskip("torch")
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = getattr(torch.optim.lr_scheduler, theirs[0])(opt, **theirs[1])
    lrs = []
    for _ in range(30):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert np.allclose(lrs, [ours(t) for t in range(30)], rtol=1e-12, atol=1e-15)


def test_warmup_then_cosine_is_a_sequence():
    sched = co.Sequence([co.LinearWarmup(0.2, 5), co.Cosine(0.2, 20)], boundaries=[5])
    assert [sched(t) for t in range(5)] == pytest.approx([0.04, 0.08, 0.12, 0.16, 0.2])
    assert sched(5) == pytest.approx(0.2) and sched(25) == pytest.approx(0.0, abs=1e-15)
    assert sched(15) == pytest.approx(0.1)


def test_product_multiplies_pointwise():
    sched = co.Constant(0.5) * co.Exponential(1.0, 0.9)
    assert sched(3) == pytest.approx(0.5 * 0.9**3)


def test_schedule_drives_every_optimizer_step(backend):
    """GD with a schedule equals GD driven by hand with the scheduled step ηₜ."""
    q = Quadratic.from_spectrum(np.linspace(1, 5, 6), backend=backend.xp, device=backend.device)
    sched = co.Sequence([co.LinearWarmup(0.3, 10), co.Cosine(0.3, 40)], [10])
    trace = co.run(q, co.GD(sched), steps=50, record=("loss", "params"))
    x = q.x0
    for t in range(50):
        x = x - sched(t) * q.grad(x)
    assert np.max(np.abs(trace.params[-1] - to_numpy(x))) < 1e-12


@pytest.mark.parametrize(
    "name",
    [
        "SGD",
        "RMSprop",
        "Adagrad",
        "Adadelta",
        "Adam",
        "AdamW",
        "Adamax",
        "NAdam",
        "RAdam",
        "HeavyBall",
        "Nesterov",
    ],
)
def test_constant_schedule_equals_a_number(backend, name):
    q = Quadratic.from_spectrum(np.linspace(1, 5, 6), backend=backend.xp, device=backend.device)
    extra = {"beta": 0.5} if name in ("HeavyBall", "Nesterov") else {}
    cls = getattr(co, name)
    plain = co.run(q, cls(lr=0.05, **extra), steps=30)
    scheduled = co.run(q, cls(lr=co.Constant(0.05), **extra), steps=30)
    assert np.array_equal(plain.loss, scheduled.loss)


def test_per_run_schedule_constants(backend):
    q = Quadratic.from_spectrum(np.linspace(1, 5, 6), backend=backend.xp, device=backend.device)
    x0 = backend.xp.stack([q.x0, q.x0])
    both = co.run(q, co.GD(co.InverseTime(np.array([0.5, 1.0]))), steps=20, x0=x0)
    for r, c in enumerate([0.5, 1.0]):
        alone = co.run(q, co.GD(co.InverseTime(c)), steps=20)
        assert np.max(np.abs(both.loss[:, r] - alone.loss)) < 1e-12


def test_registry_builds_by_name():
    assert set(co.SCHEDULES) == {
        "constant",
        "step",
        "exponential",
        "inverse_time",
        "inverse_sqrt",
        "cosine",
        "warmup",
    }
    sched = co.schedule("cosine", 0.1, total=10)
    assert isinstance(sched, co.Cosine) and sched(10) == pytest.approx(0.0, abs=1e-17)


def test_unknown_schedule_name_is_rejected():
    with pytest.raises(ArgumentError, match="name: expected a schedule name.*'cosin'"):
        co.schedule("cosin", 0.1, total=10)


def test_non_positive_schedule_value_is_rejected():
    with pytest.raises(ArgumentError, match=r"value: expected a value in \(0, inf\), got -0.1"):
        co.Cosine(-0.1, total=10)


def test_gamma_outside_unit_interval_is_rejected():
    with pytest.raises(ArgumentError, match="gamma"):
        co.Exponential(0.1, gamma=1.5)


def test_sequence_with_wrong_number_of_boundaries_is_rejected():
    with pytest.raises(ArgumentError, match="boundaries"):
        co.Sequence([co.Constant(0.1), co.Constant(0.2)], boundaries=[])


def test_sequence_of_non_schedules_is_rejected():
    with pytest.raises(ArgumentTypeError, match=r"schedules\[1\]"):
        co.Sequence([co.Constant(0.1), 0.2], boundaries=[3])
