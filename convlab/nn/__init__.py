"""Neural networks with hand-written backward passes, and their training.

The experiments live in their own modules (not re-exported, so importing ``convlab.nn`` stays
light): :mod:`convlab.nn.depth` (variance through depth, rank collapse),
:mod:`convlab.nn.trainability` (trainability vs depth, class collapse at init),
:mod:`convlab.nn.bn_modes` (BatchNorm's train/eval gap), :mod:`convlab.nn.conditioning`
(whitening and the conditioning of least squares).

:func:`tangent_kernel` (:mod:`convlab.nn.kernel`) is the kernel JJᵀ of a network linearised at
its parameters, which sets the steps of its gradient descent near there.
"""

from convlab.deprecation import renamed
from convlab.nn.batchnorm import BatchNorm1d
from convlab.nn.init import INITS, weight_variance
from convlab.nn.kernel import tangent_kernel
from convlab.nn.layers import ACTIVATIONS, Linear, ReLU, Sigmoid, Tanh
from convlab.nn.losses import LOSSES, CrossEntropyLoss, MSELoss
from convlab.nn.mlp import mlp
from convlab.nn.module import Module, Sequential
from convlab.nn.objective import TrainingObjective
from convlab.nn.train import FitRecord, evaluate, fit

__all__ = [
    "ACTIVATIONS",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "FitRecord",
    "INITS",
    "LOSSES",
    "Linear",
    "MSELoss",
    "Module",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "TrainingObjective",
    "evaluate",
    "fit",
    "mlp",
    "tangent_kernel",
    "weight_variance",
]

__getattr__ = renamed(__name__, {"Objective": "TrainingObjective"}, globals())
