"""Claims: a symbolic prediction, a measured run, a comparison rule and a verdict.

A claim is registered with :func:`claim` on a function ``fn(ctx) -> Evidence``.  The
function computes the prediction through :mod:`convlab.symbolic` (never retyping a formula),
runs the experiment with the numeric layers, compares with a tolerance set from the theory
(and, for a stochastic experiment, from its noise measured with repeats) and returns the
:class:`Evidence`.  :func:`convlab.experiments.outcome.evaluate` times each claim and records
an exception as an error, so one broken claim never stops a report.

Precision: one rule for every dtype.  A claim runs in the dtype of its context
(``--dtype``), and each tolerance that exists because of rounding is written as
c·ε·scale, with ε = :attr:`Context.eps` the machine epsilon of that dtype and the scale taken
from the problem (κ, a norm, the largest summand) — e.g. ``10·ε·κ(H)`` for eigenvalues,
``d·κ·ε`` for a solve, and ``10·ε·κ`` for the rounding floor where a rate fit stops.  A
float32 run is then checked at float32's precision, and a float64 run at float64's.  A claim
whose statement is about a precision float32 cannot resolve (a residual of 1e-10, quadratic
convergence below float32's floor, a rate fitted over twelve decades, variances beyond
float32's range) declares so with ``claim(..., needs_float64="one-line reason")``: it then
runs in float64 whatever the context asks, and the report shows, for every claim, the dtype
it ran in and that reason.  No tolerance is loosened for float32 and no claim is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from convlab.backend import eps, get_namespace, resolve_dtype
from convlab.experiments.figure import Figure


@dataclass(frozen=True)
class Context:
    """Where and how claims run: backend name, dtype name, seed, and the quick flag."""

    backend: str = "numpy"
    dtype: str = "float64"
    seed: int = 0
    quick: bool = False

    @property
    def xp(self) -> Any:
        return get_namespace(self.backend)

    @property
    def float(self) -> Any:
        return resolve_dtype(self.xp, self.dtype)

    @property
    def eps(self) -> float:
        """Machine epsilon ε of the dtype: the unit of every rounding tolerance (c·ε·scale)."""
        return eps(self.dtype)

    def pick(self, full: Any, quick: Any) -> Any:
        """``quick`` in a ``--quick`` run, ``full`` otherwise (sizes, step counts, repeats)."""
        return quick if self.quick else full


@dataclass(kw_only=True)
class Evidence:
    """What a claim's experiment found; every value JSON-serialisable (numbers, lists, dicts).

    ``predicted``: the theory's prediction, computed through :mod:`convlab.symbolic` (a number,
    an array, or a mapping from part to those: one type per claim, in every mode);
    ``rival``: the prediction of the claim's rival (its statement is registered with the
    claim), computed the same way, of the same shape (for a mapping: over the parts where it
    differs); ``compare``: how measurement and predictions meet (see
    :mod:`convlab.experiments.verdict`, which alone decides whether the claim passed).
    """

    predicted: Any
    measured: Any
    tolerance: Any
    rival: Any
    compare: str | dict = "equal"
    params: dict = field(default_factory=dict)
    figure: Figure | None = None
    note: str = ""


@dataclass(frozen=True)
class Claim:
    """A registered claim; ``rival`` states its rival, the most plausible wrong theory (one
    line: the experiment must refute it); ``needs_float64`` (a one-line reason, or None) makes
    it run in float64 whatever dtype its context asks for."""

    id: str
    title: str
    statement: str
    topic: str
    fn: Callable[[Context], Evidence]
    needs_float64: str | None = None
    rival: str = ""

    def __post_init__(self) -> None:
        _one_line("needs_float64", self.needs_float64, optional=True)
        _one_line("rival", self.rival, optional=False, claim_id=self.id)

    def context(self, ctx: Context) -> Context:
        """The context the claim runs in: ``ctx``, in float64 if the claim needs it."""
        return replace(ctx, dtype="float64") if self.needs_float64 else ctx


REGISTRY: dict[str, Claim] = {}


def _one_line(name: str, value: str | None, *, optional: bool, claim_id: str = "") -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        what = "a one-line reason or None" if optional else "a one-line statement of the rival"
        where = f" (claim {claim_id!r}: every claim names the wrong theory it refutes)"
        raise ValueError(f"{name}: expected {what}, got {value!r}" + ("" if optional else where))


def claim(
    id: str,
    title: str,
    statement: str,
    topic: str,
    *,
    rival: str,
    needs_float64: str | None = None,
) -> Callable:
    """Register ``fn(ctx) -> Evidence`` as claim ``id`` (ids are unique).

    ``rival``: the most plausible wrong theory, one line (its prediction comes back in the
    :class:`Evidence`); a claim without one is refused.  ``needs_float64``: why the claim's
    statement is beyond float32's precision or range (one line, shown in the report); the
    claim then always runs in float64.
    """
    _one_line("needs_float64", needs_float64, optional=True)
    _one_line("rival", rival, optional=False, claim_id=id)

    def register(fn: Callable[[Context], Evidence]) -> Callable[[Context], Evidence]:
        if id in REGISTRY:
            raise ValueError(f"claim id {id!r} is registered twice")
        REGISTRY[id] = Claim(id, title, statement, topic, fn, needs_float64, rival)
        return fn

    return register
