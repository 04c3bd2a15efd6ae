r"""An optimizer that runs a rule derived in :mod:`convlab.symbolic.update_rule`.

The rule :math:`x_{t+1} = F(x_t, x_{t-1}, \dots, x_{t-K}; \nabla f)` arrives compiled (a
function of the iterates, the hyper-parameters and a gradient oracle), so this layer needs no
SymPy.  The state keeps the K previous iterates; at the start every one equals :math:`x_0` (zero
velocity, as :class:`~convlab.optim.momentum.HeavyBall`), and a gradient the rule takes at lagged
iterates only (``g(x1)``) is zero while its step precedes the start, like any buffer.  A
gradient at exactly :math:`x_t` is the one the run loop passes in; any other point is asked of
the oracle (``oracle.grad``), so a look-ahead or extragradient rule costs its evaluations.
Hyper-parameters are numbers or one value per run (a sweep over R runs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import check


class RecurrenceState(NamedTuple):
    count: int
    previous: tuple  # (x_{t-1}, …, x_{t-K})


class Recurrence(Optimizer):
    """Runs ``step(env) -> x_{t+1}`` (see :meth:`UpdateRule.step_function`) with K lags.

    Args:
        step: the compiled rule; ``lags``: K; ``hyper``: parameter name → number or per-run
        1-D array; ``text``: the rule as typed (shown in ``repr``).
    """

    elementwise = True  # each run's update reads only its own row

    def __init__(self, step: Callable, lags: int, hyper: dict, text: str) -> None:
        self.text, self.lags, self._step = text, lags, step
        self.hyper = {name: check(name, value, low=None) for name, value in hyper.items()}

    def init(self, params: Any) -> RecurrenceState:
        return RecurrenceState(0, (params,) * self.lags)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)

        def gradient(point: Any, before_start: bool, current: bool) -> Any:
            if before_start:
                return grad * 0.0
            if current:
                return grad
            value = oracle.grad(point)
            check_grad(params, value)
            return value

        env = dict(self.hyper)  # per-run values arrive as (R, 1) arrays (optim.hyperparams)
        env.update({"x": params, "t": state.count, "gradient": gradient})
        env.update({f"x{k + 1}": x for k, x in enumerate(state.previous)})
        new = self._step(env)
        previous = (params, *state.previous[:-1]) if self.lags else ()
        return new, RecurrenceState(state.count + 1, previous)

    def __repr__(self) -> str:
        return f"Recurrence({self.text!r}, {self.hyper})"
