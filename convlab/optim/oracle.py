"""The oracle an optimizer sees: the problem's callables, with evaluations counted.

Counting lives here so that every method — first-order, Newton, line searches, LM — reports
function, gradient and Hessian evaluations the same way SciPy does (``nfev``, ``njev``,
``nhev``), which is what makes an evaluation count comparable across libraries.

Two rules keep the counts fair (each evaluation counted once, as SciPy counts them):

* the oracle remembers the last two results of ``value``, ``grad``, ``value_and_grad``,
  ``residual`` and ``jacobian``, keyed on the *identity* of ``x`` (the protocol never mutates
  arrays), for as long as ``x`` lives (a weak reference: a result no one can ask for again
  is let go of at once, and its memory reused for the next).  A line search that evaluates
  at its accepted point and returns that very array costs nothing more when the run loop
  evaluates there again; ``value(x)`` and ``grad(x)`` reuse a ``value_and_grad(x)`` result.
  A caller that asks once per point (the run loop's blocks) sets ``remembers = False``.
* for a least-squares problem (one with ``residual``, ``jacobian`` and
  ``value_and_grad_from(r, J)``), ``value_and_grad`` is computed from the counted
  ``residual`` and ``jacobian`` calls — ½‖r‖² and Jᵀr — so
  ``nfev`` counts residual evaluations and ``njev`` Jacobian evaluations, as in
  ``scipy.optimize.least_squares``.
"""

from __future__ import annotations

import weakref
from typing import Any

COUNTED = {
    "value": ("nfev",),
    "grad": ("ngev",),
    "value_and_grad": ("nfev", "ngev"),
    "hess": ("nhev",),
    "hvp": ("nhev",),
    "residual": ("nfev",),
    "jacobian": ("njev",),
}
MEMO = ("value", "grad", "value_and_grad", "residual", "jacobian")
MEMO_SIZE = 2


class CountingOracle:
    """Wraps a problem; calls listed in ``COUNTED`` increment ``counts``, the rest pass through."""

    def __init__(self, problem: Any) -> None:
        self.problem = problem
        self.counts = {"nfev": 0, "ngev": 0, "nhev": 0, "njev": 0}
        self._memo: dict[str, list] = {name: [] for name in MEMO}
        self.remembers = True  # off: each call evaluates (a caller that asks once per point)
        self._from_residuals = hasattr(problem, "value_and_grad_from")

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.problem, name)
        if name not in COUNTED:
            return attr
        if name == "value_and_grad":
            return self._value_and_grad

        def counted(*args, **kwargs):
            memo = name in MEMO and len(args) == 1 and not kwargs
            hit = self._recall(name, args[0]) if memo else None
            if hit is not None:
                return hit[0]
            for key in COUNTED[name]:
                self.counts[key] += 1
            out = attr(*args, **kwargs)
            if memo:
                self._remember(name, args[0], out)
            return out

        return counted

    def _value_and_grad(self, x: Any) -> tuple[Any, Any]:
        hit = self._recall("value_and_grad", x)
        if hit is not None:
            return hit[0]
        if self._from_residuals:
            r, J = self.residual(x), self.jacobian(x)
            out = self.problem.value_and_grad_from(r, J)
        else:
            f, g = self._recall("value", x), self._recall("grad", x)
            if f is not None and g is not None:
                out = (f[0], g[0])
            elif f is not None:
                out = (f[0], self.grad(x))
            else:
                self.counts["nfev"] += 1
                self.counts["ngev"] += 1
                out = self.problem.value_and_grad(x)
        self._remember("value_and_grad", x, out)
        return out

    def carry(self, old: Any, new: Any, cut) -> None:
        """What was remembered at ``old`` is remembered at ``new`` too, each result (or each
        item of a pair) passed through ``cut``: ``new`` holds some of ``old``'s runs (a batch
        that shed its finished runs), whose values are known without a new evaluation."""
        for name, memo in self._memo.items():
            for seen, out in list(memo):
                if seen() is old:
                    kept = tuple(map(cut, out)) if isinstance(out, tuple) else cut(out)
                    self._remember(name, new, kept)

    def _recall(self, name: str, x: Any) -> tuple | None:
        """``(result,)`` if ``name`` was evaluated at this very ``x`` object, else ``None``."""
        for seen, out in self._memo[name]:
            if seen() is x:
                return (out,)
        if name in ("value", "grad"):
            pair = self._recall("value_and_grad", x)
            if pair is not None:
                return (pair[0][0 if name == "value" else 1],)
        return None

    def _remember(self, name: str, x: Any, out: Any) -> None:
        if not self.remembers:
            return
        try:
            seen = weakref.ref(x, self._forget)
        except TypeError:  # an object without weak references (a NumPy scalar): held
            seen = lambda: x  # noqa: E731
        self._memo[name] = [(seen, out)] + self._memo[name][: MEMO_SIZE - 1]

    def _forget(self, dead: weakref.ref) -> None:
        """Drop the results at an ``x`` that no longer exists."""
        for name, entries in self._memo.items():
            if entries:  # most lists are empty: a run loop remembers value_and_grad alone
                self._memo[name] = [entry for entry in entries if entry[0] is not dead]
