"""Running one claim: time it, keep its evidence, and turn an exception into an error record."""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convlab.deprecation import renamed
from convlab.experiments.claim import Claim, Context, Evidence
from convlab.experiments.figure import Figure
from convlab.experiments.verdict import Verdict, judge


@dataclass
class Outcome:
    """One row of the report: the claim, what it found, how long it took, and the dtype it ran
    in (float64 for a claim that ``needs_float64``, with that reason, whatever was asked)."""

    id: str
    title: str
    statement_latex: str
    topic: str
    params: dict
    predicted: Any
    measured: Any
    tolerance: Any
    passed: bool
    seconds: float
    error: str | None = None
    note: str = ""
    rival_statement: str = ""
    rival_predicted: Any = None
    rival_refuted: bool = False
    compare: Any = "equal"
    reason: str = ""
    dtype: str = "float64"
    needs_float64: str | None = None
    figure: str | None = None
    figure_data: Figure | None = field(default=None, repr=False)

    @property
    def verdict(self) -> str:
        return "error" if self.error else ("passed" if self.passed else "failed")

    @property
    def rival(self) -> dict:
        """The rival as claims.json shows it: its statement, its prediction, whether refuted."""
        return {
            "statement": self.rival_statement,
            "predicted": self.rival_predicted,
            "refuted": self.rival_refuted,
        }

    def to_json(self) -> dict:
        keys = (
            "id",
            "title",
            "statement_latex",
            "params",
            "predicted",
            "measured",
            "tolerance",
            "compare",
            "rival",
            "passed",
            "reason",
            "figure",
            "seconds",
            "error",
            "note",
            "dtype",
            "needs_float64",
        )
        return {k: jsonable(getattr(self, k)) for k in keys}


def evaluate_claim(claim: Claim, ctx: Context) -> Outcome:
    """Run ``claim`` in ``ctx`` (in float64 if it needs it) and judge its evidence with
    :func:`convlab.experiments.verdict.judge`; an exception (a malformed evidence or a missing
    rival included) becomes an error outcome with its message."""
    ctx = claim.context(ctx)
    start = time.perf_counter()
    ev: Evidence | None = None
    try:
        ev = claim.fn(ctx)
        verdict, error = _judge(claim, ev), None
    except Exception as exc:  # a broken claim is reported, never allowed to stop the report
        verdict = None
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
    return Outcome(
        id=claim.id,
        title=claim.title,
        statement_latex=claim.statement,
        topic=claim.topic,
        params=ev.params if ev is not None else {},
        predicted=getattr(ev, "predicted", None),
        measured=getattr(ev, "measured", None),
        tolerance=getattr(ev, "tolerance", None),
        passed=verdict is not None and verdict.passed,
        seconds=time.perf_counter() - start,
        error=error,
        note=getattr(ev, "note", ""),
        dtype=ctx.dtype,
        needs_float64=claim.needs_float64,
        rival_statement=claim.rival,
        rival_predicted=getattr(ev, "rival", None),
        rival_refuted=verdict is not None and verdict.refuted,
        compare=getattr(ev, "compare", "equal"),
        reason=verdict.reason if verdict is not None else "",
        figure_data=getattr(ev, "figure", None),
    )


def _judge(claim: Claim, ev: Evidence) -> Verdict:
    if ev.rival is None:
        raise ValueError(f"claim {claim.id!r} gave no prediction for its rival ({claim.rival!r})")
    return judge(
        predicted=ev.predicted,
        measured=ev.measured,
        tolerance=ev.tolerance,
        rival=ev.rival,
        compare=ev.compare,
    )


def jsonable(value: Any) -> Any:
    """NumPy scalars and arrays as plain Python; non-finite floats as strings ("inf", "nan")."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.generic,)):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


__getattr__ = renamed(__name__, {"evaluate": "evaluate_claim"}, globals())
