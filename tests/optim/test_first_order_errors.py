"""Bad input to the first-order optimizers and wrappers: one case per row, each raising a
convlab error that names the argument, the allowed range and the value received.  Where
torch.optim checks the same argument, torch must reject the same value."""

from __future__ import annotations

import numpy as np
import pytest

import convlab.optim as co
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError

# (class name, kwargs, argument named in the message, allowed range in the message, torch too)
CASES = [
    ("GD", {"lr": 0.0}, "lr", "(0, inf)", False),
    ("GD", {"lr": -0.1}, "lr", "(0, inf)", False),
    ("HeavyBall", {"lr": 0.0, "beta": 0.5}, "lr", "(0, inf)", False),
    ("HeavyBall", {"lr": 0.1, "beta": 1.0}, "beta", "[0, 1)", False),
    ("HeavyBall", {"lr": 0.1, "beta": -0.1}, "beta", "[0, 1)", False),
    ("Nesterov", {"lr": 0.1, "beta": 1.5}, "beta", "[0, 1)", False),
    ("SGD", {"lr": -1.0}, "lr", "[0, inf)", True),
    ("SGD", {"momentum": -0.1}, "momentum", "[0, 1)", True),
    ("SGD", {"momentum": 1.0}, "momentum", "[0, 1)", False),
    ("SGD", {"dampening": 1.5}, "dampening", "[0, 1]", False),
    ("SGD", {"weight_decay": -1e-4}, "weight_decay", "[0, inf)", True),
    ("SGD", {"nesterov": True}, "nesterov", "momentum > 0 and dampening = 0", True),
    (
        "SGD",
        {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
        "nesterov",
        "momentum > 0 and dampening = 0",
        True,
    ),
    ("Rprop", {"lr": -1.0}, "lr", "[0, inf)", True),
    ("Rprop", {"etas": (1.5, 1.2)}, "etas[0]", "(0, 1)", True),
    ("Rprop", {"etas": (0.5, 0.9)}, "etas[1]", "(1, inf)", True),
    ("Rprop", {"step_sizes": (1.0, 0.5)}, "step_sizes", "0 <= min <= max", False),
    ("RMSprop", {"lr": -1.0}, "lr", "[0, inf)", True),
    ("RMSprop", {"eps": -1e-8}, "eps", "[0, inf)", True),
    ("RMSprop", {"momentum": -0.5}, "momentum", "[0, 1)", True),
    ("RMSprop", {"weight_decay": -1.0}, "weight_decay", "[0, inf)", True),
    ("RMSprop", {"alpha": -0.1}, "alpha", "[0, 1]", True),
    ("Adagrad", {"lr": -1.0}, "lr", "[0, inf)", True),
    ("Adagrad", {"lr_decay": -1.0}, "lr_decay", "[0, inf)", True),
    ("Adagrad", {"weight_decay": -1.0}, "weight_decay", "[0, inf)", True),
    ("Adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value", "[0, inf)", True),
    ("Adagrad", {"eps": -1.0}, "eps", "[0, inf)", True),
    ("Adadelta", {"lr": -1.0}, "lr", "[0, inf)", True),
    ("Adadelta", {"rho": 1.5}, "rho", "[0, 1]", True),
    ("Adadelta", {"eps": -1.0}, "eps", "[0, inf)", True),
    ("Adadelta", {"weight_decay": -1.0}, "weight_decay", "[0, inf)", True),
    ("Adam", {"lr": -1.0}, "lr", "[0, inf)", True),
    ("Adam", {"eps": -1.0}, "eps", "[0, inf)", True),
    ("Adam", {"betas": (1.0, 0.999)}, "betas[0]", "[0, 1)", True),
    ("Adam", {"betas": (0.9, -0.1)}, "betas[1]", "[0, 1)", True),
    ("Adam", {"weight_decay": -1.0}, "weight_decay", "[0, inf)", True),
    ("AdamW", {"betas": (0.9, 1.0)}, "betas[1]", "[0, 1)", True),
    ("AdamW", {"weight_decay": -0.01}, "weight_decay", "[0, inf)", True),
    ("Adamax", {"betas": (-0.5, 0.99)}, "betas[0]", "[0, 1)", True),
    ("Adamax", {"eps": -1.0}, "eps", "[0, inf)", True),
    ("NAdam", {"momentum_decay": -1.0}, "momentum_decay", "[0, inf)", True),
    ("NAdam", {"betas": (0.9, 1.2)}, "betas[1]", "[0, 1)", True),
    ("RAdam", {"betas": (1.1, 0.999)}, "betas[0]", "[0, 1)", True),
    ("RAdam", {"eps": -1.0}, "eps", "[0, inf)", True),
]
IDS = [f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize(("name", "kwargs", "arg", "allowed", "_"), CASES, ids=IDS)
def test_bad_hyper_parameter_is_rejected(name, kwargs, arg, allowed, _):
    with pytest.raises(ArgumentError) as info:
        getattr(co, name)(**kwargs)
    message = str(info.value)
    assert message.startswith(f"{arg}: expected") and allowed in message
    assert info.value.name == arg


@pytest.mark.torch
@pytest.mark.parametrize(
    ("name", "kwargs", "arg", "allowed", "torch_checks"),
    [c for c in CASES if c[4]],
    ids=[i for i, c in zip(IDS, CASES, strict=False) if c[4]],
)
def test_torch_rejects_the_same_value(name, kwargs, arg, allowed, torch_checks):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="Invalid|Nesterov"):
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)


def test_bad_entry_of_a_per_run_array_is_reported_with_its_value():
    with pytest.raises(ArgumentError, match=r"lr: expected a value in \(0, inf\), got -0.1"):
        co.GD(lr=np.array([0.1, -0.1, 0.2]))


def test_non_numeric_lr_is_rejected():
    with pytest.raises(ArgumentTypeError, match="lr"):
        co.Adam(lr="fast")


def test_betas_that_are_not_a_pair_are_rejected():
    with pytest.raises(ArgumentTypeError, match="betas: expected a pair"):
        co.Adam(betas=(0.9,))


def test_per_run_array_of_the_wrong_length_is_rejected():
    opt = co.GD(lr=np.array([0.1, 0.2, 0.3]))
    x = np.zeros((2, 4))
    with pytest.raises(ShapeError, match=r"GD\.lr: expected one value per run, shape \(2,\)"):
        co.for_runs(opt, x)


def test_per_run_array_with_single_run_params_is_rejected():
    opt = co.SGD(lr=0.1, momentum=np.array([0.1, 0.2]))
    x = np.zeros(4)
    with pytest.raises(ShapeError, match=r"SGD\.momentum"):
        co.for_runs(opt, x)


def test_rprop_rejects_a_schedule_for_its_initial_step():
    with pytest.raises(ArgumentTypeError, match="lr"):
        co.Rprop(lr=co.Constant(0.1))


@pytest.mark.parametrize(
    ("make", "arg"),
    [
        (lambda: co.ClipByGlobalNorm(co.GD(0.1), max_norm=0.0), "max_norm"),
        (lambda: co.ClipByValue(co.GD(0.1), clip_value=-1.0), "clip_value"),
        (lambda: co.EMA(co.GD(0.1), decay=1.0), "decay"),
    ],
)
def test_bad_wrapper_argument_is_rejected(make, arg):
    with pytest.raises(ArgumentError, match=f"{arg}: expected a value in"):
        make()


def test_wrapping_a_non_optimizer_is_rejected():
    with pytest.raises(
        ArgumentTypeError, match="optimizer: expected an object with init.*lacks init and step"
    ):
        co.EMA(lambda x: x)
