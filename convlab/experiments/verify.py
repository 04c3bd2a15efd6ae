"""Check a derived rule against a run: ``convlab.verify(rule, problem, params, steps=…)``.

The prediction is the rule's spectral radius, largest over the problem's eigenvalues
(:meth:`UpdateRule.radius`); the measurement is the rate fitted to the run of
:meth:`UpdateRule.optimizer` (:meth:`Trace.rate`, the one rate fit, with the ``exp-poly`` model
so that a critically damped mode's t·ρᵗ does not bias it).  The verdict: the two agree within
``tolerance`` (default :data:`RATE_TOL`) and, where the rule has a step ``eta`` and differs
from plain GD at that step by more than the tolerance, the run refutes that rival (GD's
max|1 − ηλ|: "the rest of the rule does nothing"), judged by the claims' one comparator
(:func:`convlab.experiments.verdict.judge`).  The figure shows the measured error over ρᵗ.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from convlab.backend import to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.experiments.figure import Figure, Panel, Series
from convlab.experiments.outcome import Outcome
from convlab.experiments.verdict import judge

#: what the exp-poly fit of a run's error resolves over its tail (as the heavy-ball claims)
RATE_TOL = 2e-3


def verify(
    rule: Any,
    problem: Any,
    params: dict,
    *,
    steps: int = 500,
    predicted: float | None = None,
    tolerance: float = RATE_TOL,
) -> Outcome:
    """Run ``rule.optimizer(**params)`` on ``problem`` and compare its rate with the prediction.

    ``problem`` needs its spectrum: an ``eigenvalues`` attribute (e.g.
    :class:`~convlab.problems.Quadratic`).  ``predicted`` overrides the rule's prediction (to
    check a rate derived elsewhere).  Returns an :class:`Outcome` (verdict, figure).
    """
    if not hasattr(rule, "radius") or not hasattr(rule, "optimizer"):
        raise ArgumentTypeError("rule", "an UpdateRule (convlab.symbolic.update_rule)", rule)
    if getattr(problem, "eigenvalues", None) is None:
        raise ArgumentError(
            "problem",
            "a problem with a known spectrum: an `eigenvalues` attribute (e.g. "
            "convlab.problems.Quadratic), from which the rate is predicted",
            problem,
        )
    if not isinstance(params, dict):
        raise ArgumentTypeError("params", "a dict from parameter name to value", params)
    start = time.perf_counter()
    optimizer = rule.optimizer(**params)
    lam = np.asarray(to_numpy(problem.eigenvalues), dtype=float)
    if predicted is None:
        predicted = float(np.max(rule.radius(lam, **params)))
    from convlab.optim import run

    trace = run(problem, optimizer, steps=steps)
    fit = trace.rate(model="exp-poly")
    measured = fit.rate
    rival = _gd_rival(lam, params, predicted, tolerance)
    if rival is None:  # the rule is GD at this step (or has no step): agreement alone
        passed, refuted = bool(abs(measured - predicted) <= tolerance), False
        reason = "" if passed else "measured disagrees with the prediction"
    else:
        verdict = judge(predicted=predicted, measured=measured, tolerance=tolerance, rival=rival)
        passed, refuted, reason = verdict.passed, verdict.refuted, verdict.reason
    return Outcome(
        id="verify",
        title=f"{rule.text}: measured rate against the derived spectral radius",
        statement_latex=r"\rho = \max_i \rho(\lambda_i)",
        topic="your-method",
        params=dict(params, steps=steps, fit="exp-poly", window=[fit.start, fit.stop]),
        predicted=predicted,
        measured=measured,
        tolerance=tolerance,
        passed=passed,
        rival_statement="" if rival is None else GD_RIVAL,
        rival_predicted=rival,
        rival_refuted=refuted,
        reason=reason,
        seconds=time.perf_counter() - start,
        note=f"rate fitted on steps [{fit.start}, {fit.stop}) of the error (dist to x*, or "
        "the gradient norm), model exp-poly; tolerance |measured - predicted| <= tolerance",
        figure_data=_figure(rule, trace, predicted, rival),
    )


GD_RIVAL = "plain GD at the same step η, max|1 − ηλ|: the rest of the rule does nothing"


def _gd_rival(lam: np.ndarray, params: dict, predicted: float, tolerance: float):
    """GD's rate at the rule's ``eta`` where it differs from the prediction by more than the
    tolerance (so the run can tell them apart), else None."""
    if "eta" not in params:
        return None
    gd = float(np.max(np.abs(1.0 - float(params["eta"]) * lam)))
    return gd if abs(gd - predicted) > tolerance else None


def _figure(rule: Any, trace: Any, predicted: float, rival: float | None) -> Figure:
    """The measured error over ρᵗ (and the rival's rate), the lines cut where the measured
    error reaches its rounding floor, so the axis shows the run and not ρᵗ's far tail."""
    err = np.asarray(trace.error(), dtype=float)
    err = err / err[0]
    t = np.arange(err.size)
    positive = err[err > 0]
    low = 1e-2 * (positive.min() if positive.size else 1e-300)
    high = 1e2 * (positive.max() if positive.size else 1.0)
    series = [Series(t, err, "measured error (relative)", "measured", "rule")]
    lines = [(predicted, "ρᵗ (derived)", "bound")]
    if rival is not None:
        lines.append((rival, GD_RIVAL.split(":")[0], "rival"))
    for rate, label, role in lines:
        log_curve = t * np.log(max(rate, 1e-300))  # in logs: ρᵗ overflows for ρ > 1
        inside = t[(log_curve >= np.log(low)) & (log_curve <= np.log(high))]
        shown = t[: max(2, int(inside.max()) + 1 if inside.size else 2)]
        series.append(Series(shown, np.exp(log_curve[: shown.size]), label, role, "rule"))
    panel = Panel(rule.text, "step t", "relative error", series, yscale="log")
    return Figure([panel], "Derived rate against the run")
