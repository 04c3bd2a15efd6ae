"""``lmder``'s inner loop, batched: the trial steps made from one Jacobian.

At x, with the damped model of :mod:`convlab.optim.damped` built once, each run takes trial
steps x + h(λ) until one is accepted or a stopping test holds (Moré 1977, §2-§4; MINPACK
``lmder``): the damping rule ``opt`` (:class:`~convlab.optim.LevenbergMarquardt` or
:class:`~convlab.optim.Levenberg`) picks each trial's λ (``opt._damping``) and judges it
(``opt._judge``) from the reductions :func:`measure` gives, in ``lmder``'s relative terms.

A batch of runs makes its trials together, one residual evaluation per trial for the runs
still pending.  Rows that need no trial are left out: the runs that met a test before the
step (:func:`live_trials`, which builds the model for the others alone), and, once at most
half a large batch is still pending after a trial, the runs that are done with this step
(the later trials are made for the pending rows alone).  Each run's arithmetic is the one it
has in the full batch, bit for bit (tests/optim/test_least_squares.py).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from convlab.backend import array_namespace, to_numpy
from convlab.optim.damped import DampedModel, row_norm


class Trial(NamedTuple):
    """One trial step x + h, in ``lmder``'s relative terms (each entry per run)."""

    lam: Any  # λ of the step
    step_norm: Any  # ‖D h‖
    x_norm: Any  # ‖D x‖
    trial_norm: Any  # ‖D (x + h)‖
    actual: Any  # 1 − f(x+h)/f(x), or −1 when f(x+h) ≥ 100 f(x) or is not finite
    blowup: Any  # a measured rise: f(x+h) finite and ≥ 100 f(x)
    predicted: Any  # (½‖Jh‖² + λ‖Dh‖²)/f(x): the model's relative reduction
    slope: Any  # −(‖Jh‖² + λ‖Dh‖²)/(2f(x)): the model's relative derivative along h
    ratio: Any  # the gain ratio ρ = actual / predicted (0 when nothing is predicted)


def measure(xp, f, f_new, lam, dh2, jh2, x_norm, trial_norm) -> Trial:
    """The trial's reductions (a run with f = 0 has met gtol and takes no trial).  A trial
    whose f(x + h) overflowed (or is NaN) has actual = −1, like a blow-up, but is not one:
    :meth:`LevenbergMarquardt._judge` shrinks Δ by the quadratic rule there."""
    finite = xp.isfinite(f_new)
    blowup = finite & (f_new >= 100.0 * f)
    actual = xp.where(blowup | ~finite, -1.0, 1.0 - f_new / f)
    predicted = (0.5 * jh2 + lam * dh2) / f
    ratio = xp.where(predicted > 0, actual / predicted, 0.0)
    slope = -(jh2 + lam * dh2) / (2.0 * f)
    return Trial(lam, xp.sqrt(dh2), x_norm, trial_norm, actual, blowup, predicted, slope, ratio)


SHED_ROWS = 32  # below this many rows an array operation costs the same (NumPy: ~1 µs)


def trials(opt, oracle, x, f, model: DampedModel, ctl, skip, left=None, count=None):
    """``lmder``'s inner loop for one Jacobian, per run: trial steps from x until one is
    accepted or a stopping test holds (runs in ``skip`` take none); ``opt`` picks each trial's
    λ from its per-run control arrays ``ctl`` and judges the trial.  ``left``: the residual
    evaluations each run may still make (``None``: no budget); as in ``lmder``, a run whose
    trial spends the last one and meets no test ends there, its step taken if accepted.
    ``count``: the most trials to make (default ``opt.max_trials``).  Once at most half the rows of
    a batch are pending (and at least ``SHED_ROWS`` are not), the later trials are made for
    the pending rows alone (:func:`_on_rows`), each with the arithmetic it has in the batch.

    Returns (x, ctl, met, pending, rejected, tried, spent): met — a stopping test held;
    pending — still no acceptable step after ``opt.max_trials``; rejected, tried — the trials
    rejected and made, per run; spent — the budget ran out.
    """
    xp = model.xp
    count = opt.max_trials if count is None else count
    zero = xp.zeros_like(skip, dtype=xp.int64)
    out = (x, ctl, skip, ~skip, zero, zero, xp.zeros_like(skip))
    x_norm = row_norm(xp, model.D * x)
    for k in range(count):
        live = to_numpy(out[3])
        if not live.any():
            break
        if k > 0 and live.ndim == 1 and _worth_cutting(live):
            return _shed(opt, oracle, (x, f, model, left), out, live, count - k)
        out = _trial(opt, oracle, x, f, model, x_norm, left, out)
    return out


def _worth_cutting(live: np.ndarray) -> bool:
    """At most half the rows are live, and at least ``SHED_ROWS`` are not."""
    going = int(np.count_nonzero(live))
    return 2 * going <= live.size and live.size - going >= SHED_ROWS


def _shed(opt, oracle, problem, out, live: np.ndarray, count: int):
    """The remaining ``count`` trials of :func:`trials` (``problem`` = its x, f, model and left)
    made for the rows pending in its record ``out`` (host mask ``live``) alone."""
    x, f, model, left = problem
    _, ctl, _, pending, _, tried, _ = out

    def sub(cut):
        rest = None if left is None else cut(left - tried)
        args = (cut(x), cut(f), model.rows(cut), tuple(cut(c) for c in ctl), cut(~pending), rest)
        return trials(opt, oracle, *args, count)

    return _on_rows(model.xp, live, out, sub)


def _trial(opt, oracle, x, f, model: DampedModel, x_norm, left, out):
    """One trial step from x of each run pending in ``out`` (:func:`trials`'s record)."""
    xp, tol = model.xp, opt.tol
    new_x, ctl, met, pending, rejected, tried, spent = out
    lam, a = opt._damping(model, ctl)
    h, dh2, jh2 = model.step(a)
    trial = x + h
    f_new = half_sq(xp, oracle.residual(trial))
    t = measure(xp, f, f_new, lam, dh2, jh2, x_norm, row_norm(xp, model.D * trial))
    judged, accept, small = opt._judge(xp, ctl, t)
    flat = (xp.abs(t.actual) <= tol.ftol) & (t.predicted <= tol.ftol) & (t.ratio <= 2.0)
    accept, stop = accept & pending, (small | flat) & pending
    if pending.ndim == 0:  # a single run is pending here
        ctl = judged
    else:
        ctl = tuple(xp.where(pending, n, o) for n, o in zip(judged, ctl, strict=True))
    rejected = rejected + xp.astype(pending & ~accept, xp.int64)
    tried = tried + xp.astype(pending, xp.int64)
    if left is not None:
        spent = spent | (pending & ~stop & (tried >= left))
    pending = pending & ~accept & ~stop & ~spent
    return _choose(xp, accept, trial, new_x), ctl, met | stop, pending, rejected, tried, spent


def _on_rows(xp, live: np.ndarray, out: tuple, sub):
    """:func:`trials`'s record ``out`` with the rows in ``live`` (host mask) replaced by
    ``sub(cut)``'s record for them, ``cut`` taking those rows of a per-run array; the other
    rows keep their point, control and counts, and are not pending."""
    new_x, ctl, met, pending, rejected, tried, spent = out
    device = new_x.device
    idx = xp.asarray(np.flatnonzero(live), device=device)
    pos = xp.asarray(np.cumsum(live) - 1, device=device)  # each row's place among the live

    def cut(a):
        return xp.take(a, idx, axis=0)

    def back(a):  # the live rows' values spread back to the batch (others: any live row's)
        return xp.take(a, pos, axis=0)

    s_x, s_ctl, s_met, s_pending, s_rejected, s_tried, s_spent = sub(cut)
    keep = xp.asarray(live, device=device)
    return (
        xp.where(keep[:, None], back(s_x), new_x),
        tuple(xp.where(keep, back(n), o) for n, o in zip(s_ctl, ctl, strict=True)),
        met | (keep & back(s_met)),
        keep & back(s_pending),
        rejected + xp.where(keep, back(s_rejected), 0),
        tried + xp.where(keep, back(s_tried), 0),
        spent | (keep & back(s_spent)),
    )


def live_trials(opt, oracle, x, f, parts, ctl, skip, left):
    """:func:`trials` for the runs not in ``skip`` only, with the model (B, b, D, rcond) =
    ``parts`` built for them alone: in a batch whose runs have mostly finished, the SVD and
    the trial steps cost what the remaining runs need.  Each run's arithmetic is the one it
    would have in the full batch; the others keep their point and control, and count as met.
    """
    B, b, D, rcond = parts
    live = None if x.ndim == 1 else ~to_numpy(skip)
    if live is None or live.all() or not live.any():
        return trials(opt, oracle, x, f, DampedModel(B, b, D, rcond), ctl, skip, left)
    xp = array_namespace(x)
    zero = xp.zeros_like(skip, dtype=xp.int64)
    none = xp.zeros_like(skip)

    def sub(cut):
        model = DampedModel(cut(B), cut(b), cut(D), rcond)
        rest = None if left is None else cut(left)
        return trials(
            opt, oracle, cut(x), cut(f), model, tuple(cut(c) for c in ctl), cut(skip), rest
        )

    return _on_rows(xp, live, (x, ctl, skip, none, zero, zero, none), sub)


def _choose(xp, accept, trial, x):
    """x + h where accepted.  A single run gets the trial array itself, whose residual the
    oracle remembers by identity (the run loop's evaluation there is then free)."""
    if x.ndim == 1:
        return trial if bool(accept) else x
    return xp.where(accept[..., None], trial, x)


def half_sq(xp, r):
    """½‖r‖² per run (NaN or inf for a non-finite residual: no acceptance test passes it)."""
    return 0.5 * xp.vecdot(r, r)
