"""Optimizers, learning-rate schedules, wrappers, the run loop, its Trace and sweeps."""

from convlab.optim.adadelta import Adadelta
from convlab.optim.adagrad import Adagrad
from convlab.optim.adam import Adam, AdamW
from convlab.optim.adamax import Adamax
from convlab.optim.adapters import OptaxAdapter, from_optax
from convlab.optim.base import Optimizer, OptimizerProtocol
from convlab.optim.gd import GD
from convlab.optim.hyperparams import for_runs
from convlab.optim.least_squares import GaussNewton, Levenberg, LevenbergMarquardt, least_squares
from convlab.optim.line_search import LINE_SEARCHES, Backtracking, ExactQuadratic, StrongWolfe
from convlab.optim.loop import run
from convlab.optim.momentum import HeavyBall, Nesterov
from convlab.optim.more_thuente import MoreThuente
from convlab.optim.nadam import NAdam
from convlab.optim.newton import Newton
from convlab.optim.oracle import CountingOracle
from convlab.optim.quasi_newton import BFGS, LBFGS
from convlab.optim.radam import RAdam
from convlab.optim.rmsprop import RMSprop
from convlab.optim.rprop import Rprop
from convlab.optim.schedules import (
    SCHEDULES,
    Constant,
    Cosine,
    Exponential,
    InverseSqrt,
    InverseTime,
    LinearWarmup,
    Product,
    Schedule,
    Sequence,
    StepDecay,
    schedule,
)
from convlab.optim.sgd import SGD
from convlab.optim.stopping import Stop
from convlab.optim.sweep import SweepResult, SweepTable, sweep
from convlab.optim.trace import BatchedTrace, RateFit, Status, Trace, fit_rate, fit_rates
from convlab.optim.wrappers import EMA, ClipByGlobalNorm, ClipByValue

__all__ = [
    "BFGS",
    "LBFGS",
    "LINE_SEARCHES",
    "Backtracking",
    "ExactQuadratic",
    "GaussNewton",
    "Levenberg",
    "LevenbergMarquardt",
    "Newton",
    "Stop",
    "StrongWolfe",
    "least_squares",
    "EMA",
    "GD",
    "SCHEDULES",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "BatchedTrace",
    "ClipByGlobalNorm",
    "ClipByValue",
    "Constant",
    "Cosine",
    "CountingOracle",
    "Exponential",
    "HeavyBall",
    "InverseSqrt",
    "InverseTime",
    "LinearWarmup",
    "NAdam",
    "MoreThuente",
    "Nesterov",
    "OptaxAdapter",
    "Optimizer",
    "OptimizerProtocol",
    "Product",
    "RAdam",
    "RMSprop",
    "RateFit",
    "Rprop",
    "Schedule",
    "Sequence",
    "Status",
    "StepDecay",
    "SweepResult",
    "SweepTable",
    "Trace",
    "fit_rate",
    "fit_rates",
    "for_runs",
    "from_optax",
    "run",
    "schedule",
    "sweep",
]
