"""Exceptions raised by convlab.

Every error a user can trigger with bad input is a subclass of :class:`ValueError` or
:class:`TypeError`, so ``except ValueError`` keeps working, and its message names the
argument, what was expected and what arrived.  This module imports nothing from convlab,
so every layer may use it, and so it also holds :func:`count`, the one check of an integer
setting that SymPy derivations and array code share.
"""

from __future__ import annotations

import numbers
from typing import Any


class ConvlabError(Exception):
    """Base class of every exception convlab raises on purpose."""


class ArgumentError(ConvlabError, ValueError):
    """An argument has the right type but a value outside what is allowed."""

    def __init__(self, name: str, expected: str, got: object) -> None:
        self.name, self.expected, self.got = name, expected, got
        super().__init__(f"{name}: expected {expected}, got {_show(got)}")


class ShapeError(ArgumentError):
    """An array argument has the wrong shape (or the wrong number of dimensions)."""


class MissingCapabilityError(ArgumentError):
    """A problem lacks an oracle the method asks of it (a Hessian, a Hessian-vector product).

    ``name`` is the missing piece (``hess``); ``expected`` says how to provide it."""


class ArgumentTypeError(ConvlabError, TypeError):
    """An argument has the wrong type."""

    def __init__(self, name: str, expected: str, got: object) -> None:
        self.name, self.expected, self.got = name, expected, got
        super().__init__(f"{name}: expected {expected}, got {type(got).__name__} {_show(got)}")


class BackendUnavailableError(ConvlabError, RuntimeError):
    """An array backend was asked for but cannot be used here (not installed, or no device)."""


def _show(value: object) -> str:
    """A short, readable rendering of a received value for an error message."""
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, (int, float, complex)):
        dtype = getattr(value, "dtype", "?")
        return f"an array of shape {tuple(shape)} and dtype {dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def count(name: str, value: Any, *, low: int = 1, high: int | None = None) -> int:
    """An integer setting (a number of steps, epochs, iterations, a width) in [low, high].

    Python and NumPy integers only: ``2.5`` or ``1e3`` is refused rather than truncated, and a
    bool is not a count.
    """
    if low == 1 and high is None:
        expected = "a positive integer"
    else:
        expected = f"an integer in [{low}, {'inf)' if high is None else f'{high}]'}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(name, expected, value)
    if value < low or (high is not None and value > high):
        raise ArgumentError(name, expected, int(value))
    return int(value)
