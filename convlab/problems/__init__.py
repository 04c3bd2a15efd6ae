"""Objectives with exact derivatives, batched over a leading runs axis."""

from convlab.problems.base import Problem
from convlab.problems.change_of_variables import ChangeOfVariables
from convlab.problems.least_squares import ExponentialDecay, LeastSquares
from convlab.problems.objective import Objective
from convlab.problems.quadratic import Quadratic
from convlab.problems.regression import LinearRegression, LogisticRegression, SoftmaxRegression
from convlab.problems.surfaces import Beale, Cliff, Ellipse, Rosenbrock, Saddle, Surface

__all__ = [
    "Beale",
    "ChangeOfVariables",
    "Cliff",
    "Ellipse",
    "ExponentialDecay",
    "LeastSquares",
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
