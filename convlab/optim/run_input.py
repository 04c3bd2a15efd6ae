"""What :func:`convlab.run` is given, checked once where it enters: the problem's attributes,
the names to record, the callback's signature and the mini-batch sampler."""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Sequence
from typing import Any

from convlab.backend import to_numpy
from convlab.backend.checks import hyper
from convlab.backend.sampling import BatchSampler
from convlab.errors import ArgumentError, ArgumentTypeError

RECORDABLE = ("loss", "grad_norm", "dist", "params")


def check_problem(problem) -> None:
    """The attributes the loop reads: ``dim``, ``x0``, ``start`` and ``value_and_grad``."""
    dim = getattr(problem, "dim", None)
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise ArgumentTypeError(
            "problem",
            f"a problem with an integer `dim` (its number of parameters); "
            f"{type(problem).__name__}.dim is {dim!r} (set dim, xp, dtype and x0 as "
            "convlab.problems.Problem describes)",
            type(problem),  # not the problem: its repr may need dim
        )
    lacks = [a for a in ("start", "value_and_grad") if not callable(getattr(problem, a, None))]
    if lacks or not hasattr(problem, "x0"):
        raise ArgumentTypeError(
            "problem",
            f"a problem with x0, start(x0) and value_and_grad(x); "
            f"{type(problem).__name__} lacks {', '.join(lacks) or 'x0'}",
            type(problem),
        )


def record_names(problem, record: str | Sequence[str] | None) -> tuple[str, ...]:
    """``record`` as a tuple of names, checked against what ``problem`` can give."""
    known = getattr(problem, "minimizer", None) is not None
    if record is None:
        return ("loss", "grad_norm", "dist") if known else ("loss", "grad_norm")
    names = (record,) if isinstance(record, str) else record
    if not isinstance(names, Sequence) or not all(isinstance(n, str) for n in names):
        raise ArgumentTypeError("record", f"a name or names from {RECORDABLE}", record)
    unknown = set(names) - set(RECORDABLE)
    if unknown:
        raise ArgumentError("record", f"names from {RECORDABLE}", sorted(unknown))
    if "dist" in names and not known:
        raise ArgumentError(
            "record",
            f"'dist' only for a problem with a known minimizer "
            f"({type(problem).__name__}.minimizer is None)",
            tuple(names),
        )
    return tuple(names)


def check_callback(callback: Any) -> None:
    """``callback`` must accept ``(t, x, loss, grad)``, checked before the first step."""
    if not callable(callback):
        raise ArgumentTypeError("callback", "a callable callback(t, x, loss, grad)", callback)
    try:
        signature = inspect.signature(callback)
    except (TypeError, ValueError):  # a builtin without a signature: trust it
        return
    try:
        signature.bind(0, None, None, None)
    except TypeError as exc:
        raise ArgumentTypeError(
            "callback",
            f"a callable accepting four positional arguments (t, x, loss, grad); "
            f"{getattr(callback, '__qualname__', callback)}{signature} does not ({exc})",
            callback,
        ) from None


def batch_sampler(problem, batch_size: int, seed: int, labels: Any) -> BatchSampler:
    """The mini-batch sampler for ``problem``, after checking it can be cut into batches."""
    if not (hasattr(problem, "n_samples") and hasattr(problem, "batch")):
        raise ArgumentError(
            "batch_size", "None for a problem without n_samples and batch(idx)", batch_size
        )
    n = int(problem.n_samples)
    hyper("batch_size", batch_size, low=1, high=n, high_open=False)
    labels = None if labels is None else to_numpy(labels)
    return BatchSampler(n, int(batch_size), seed=seed, labels=labels)
