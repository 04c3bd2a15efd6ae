"""An optimizer's own stopping test, reported to the run loop through its state.

A state with a ``stop`` field that is not ``None`` ends the runs in ``stop.mask`` after the
current step, with ``stop.status`` and ``stop.message`` in the Trace.  Second-order methods
use it for SciPy-style ``ftol``/``xtol``/``gtol`` tests (status ``converged``) and for a line
search or damping loop that can make no progress (status ``stopped``).
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Stop(NamedTuple):
    """mask: host bool, or bool array of shape (R,) — which runs stop; status: a Trace status
    (``converged`` or ``stopped``); message: why (the loop appends the step)."""

    mask: Any
    status: str
    message: str
