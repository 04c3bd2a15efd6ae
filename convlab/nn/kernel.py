r"""The empirical neural tangent kernel of a network with one output: :math:`K = JJ^\top`.

For a network :math:`f(x;\theta)` with one output and data :math:`X` (n rows), the Jacobian
:math:`J = \partial f(X)/\partial\theta` has one row per sample, and
:math:`K_{nm} = J_n\cdot J_m` (Jacot, Gabriel & Hongler 2018, "Neural tangent kernel").
Under the squared loss :math:`L = \frac1n\|f(X) - y\|^2` (torch's ``MSELoss``), gradient descent
on the network linearised at θ moves the residual :math:`r = f(X) - y` by
:math:`r \leftarrow (I - \eta\,\tfrac2n K)\,r`, and the Gauss–Newton matrix
:math:`\tfrac2n J^\top J` has the same non-zero eigenvalues as :math:`\tfrac2n K`.

:func:`tangent_kernel` never forms J.  A Linear layer :math:`z = aW^\top + b` contributes
:math:`\partial f_n/\partial W = \delta_n a_n^\top` and :math:`\partial f_n/\partial b = \delta_n`,
with :math:`a_n` its input and :math:`\delta_n = \partial f_n/\partial z_n` the signal
back-propagated from the output for sample n alone, so its share of K is
:math:`(\Delta\Delta^\top)\odot(AA^\top + 1)` — n² (N_in + N_out) work per layer instead of
n² N_in N_out (the "structured" kernel of Novak, Sohl-Dickstein & Schoenholz 2022, "Fast finite
width neural tangent kernel", §3).  Each δ comes from the blocks' own backward passes, run
with the upstream gradient 1 for every sample; this is per-sample only because every block
but Linear acts on each element alone — a BatchNorm, which mixes the samples, is refused.
"""

from __future__ import annotations

from typing import Any

from convlab.backend.checks import as_array
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.nn.layers import ACTIVATIONS, Linear
from convlab.nn.module import Sequential
from convlab.nn.objective import input_width, output_width

_PER_SAMPLE = (Linear, *ACTIVATIONS.values())


def tangent_kernel(model: Sequential, X: Any) -> tuple[Any, Any]:
    r"""``(f, K)``: the outputs ``f`` (shape ``(n,)``) of ``model`` on ``X`` (n, N_in) at its
    current parameters, and its tangent kernel :math:`K = JJ^\top` (n, n), in the model's
    namespace, dtype and device (see the module docstring).

    model: a :class:`~convlab.nn.Sequential` of Linear blocks and element-wise activations
    (``convlab.nn.mlp(..., batchnorm=False)``) whose last Linear has one output.
    """
    _check_model(model)
    xp = model.xp
    X = as_array("X", X, xp=xp, dtype=model.dtype, device=model.device, ndim=2)
    if X.shape[1] != input_width(model):
        raise ShapeError("X", f"rows of the network's input width {input_width(model)}", X)
    f = model.forward(X)
    delta = xp.ones((X.shape[0], 1), dtype=model.dtype, device=model.device)
    K = xp.zeros((X.shape[0], X.shape[0]), dtype=model.dtype, device=model.device)
    for block in reversed(model.blocks):
        if isinstance(block, Linear):
            K += (delta @ delta.T) * (block.x @ block.x.T + 1.0)
            delta = delta @ block.weight
        else:
            delta = block.backward(delta)
    return f[:, 0], K


def _check_model(model: Any) -> None:
    if not isinstance(model, Sequential):
        raise ArgumentTypeError("model", "a convlab.nn Sequential (see convlab.nn.mlp)", model)
    odd = [type(b).__name__ for b in model.blocks if not isinstance(b, _PER_SAMPLE)]
    if odd or not model.blocks:
        raise ArgumentError(
            "model", "Linear blocks and element-wise activations only (no BatchNorm)", odd
        )
    if output_width(model) != 1:
        raise ArgumentError("model", "a network with one output", output_width(model))
