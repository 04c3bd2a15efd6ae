"""Objectives with exact derivatives, batched over a leading runs axis."""

from convlab.problems.base import Problem
from convlab.problems.objective import Objective
from convlab.problems.quadratic import Quadratic
from convlab.problems.regression import LinearRegression, LogisticRegression, SoftmaxRegression
from convlab.problems.surfaces import Beale, Cliff, Ellipse, Rosenbrock, Saddle, Surface

__all__ = [
    "Beale",
    "Cliff",
    "Ellipse",
    "LinearRegression",
    "LogisticRegression",
    "Objective",
    "Problem",
    "Quadratic",
    "Rosenbrock",
    "Saddle",
    "SoftmaxRegression",
    "Surface",
]
