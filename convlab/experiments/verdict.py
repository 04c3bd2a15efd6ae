"""One rule for every claim: the verdict from (predicted, measured, tolerance, rival).

A claim's experiment returns what it predicted, what it measured, the tolerance, and the
prediction of its *rival* — the most plausible wrong theory (η = 1/L instead of η*, GD's rate
instead of heavy ball's, "no bias correction", …).  No claim computes its own pass/fail:
:func:`judge` does, for all of them, as PEPit's tests apply one check to every example.  A claim
passes only if

1. the measurement agrees with the prediction (within tolerance, by the claim's comparison),
2. the tolerance can tell the prediction from the rival (|predicted − rival| > tolerance), and
3. the measurement disagrees with the rival (beyond tolerance, by the same comparison).

Comparisons (``compare``), applied elementwise to numbers and (nested) arrays:

``"equal"``
    The gap |m − p| ≤ tol everywhere.  The rival is a value: refuted where |m − r| > tol
    somewhere; separable where |p − r| > tol somewhere.
``"at_most"``
    m ≤ p + tol everywhere (p a bound).  Where the rival is below the bound (r < p) it is a
    tighter bound the measurement must violate: refuted where m > r + tol; where it is above
    (r > p) it is a value the measurement must stay clear of: refuted where m < r − tol.
    Refuted if so somewhere; separable where |p − r| > tol somewhere.
``"at_least"``
    m ≥ p − tol everywhere; the mirror image (a rival above the floor must be violated,
    m < r − tol; one below it kept clear of, m > r + tol).
``"same"``
    m == p exactly (booleans, labels, classifications; tolerance None).  Refuted where
    m ≠ r; separable where p ≠ r.

A claim of several parts gives ``predicted``, ``measured`` and ``tolerance`` as mappings with the
same keys (a scalar tolerance applies to every part), ``compare`` as one kind or a mapping
from part to kind, and its rival as a mapping over the parts where the rival theory differs
(a part it leaves out, the rival predicts as the theory does).  Every part must agree; every
part the rival names must be separable; one of them refuted is enough to refute it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

KINDS = ("equal", "at_most", "at_least", "same")


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """What :func:`judge` found: each of the three conditions, and the first one that failed."""

    agrees: bool
    separable: bool
    refuted: bool
    reason: str

    @property
    def passed(self) -> bool:
        return self.agrees and self.separable and self.refuted


def judge(
    *, predicted: Any, measured: Any, tolerance: Any, rival: Any, compare: Any = "equal"
) -> Verdict:
    """The verdict of one claim (see the module docstring for the rules)."""
    parts = _parts(predicted, measured, tolerance, compare)
    rivals = _rival_parts(rival, parts)
    agrees = {k: _agrees(kind, p, m, t) for k, (kind, p, m, t) in parts.items()}
    separable = {k: _separable(parts[k][0], parts[k][1], r, parts[k][3]) for k, r in rivals.items()}
    refuted = {k: _refutes(parts[k][0], *parts[k][1:3], r, parts[k][3]) for k, r in rivals.items()}
    reasons = [
        f"measured disagrees with the prediction{_at(k)}" for k, ok in agrees.items() if not ok
    ]
    reasons += [
        f"the tolerance cannot separate the prediction from the rival{_at(k)}"
        for k, ok in separable.items()
        if not ok
    ]
    if not any(refuted.values()):
        reasons.append("the measurement does not refute the rival")
    return Verdict(
        agrees=all(agrees.values()),
        separable=all(separable.values()),
        refuted=any(refuted.values()),
        reason="; ".join(reasons),
    )


def _at(key: str | None) -> str:
    return "" if key is None else f" ({key})"


def _parts(predicted, measured, tolerance, compare) -> dict:
    """part -> (kind, predicted, measured, tolerance); one part (key None) for a plain claim."""
    if not isinstance(predicted, Mapping):
        if isinstance(compare, Mapping) or isinstance(measured, Mapping):
            raise TypeError("compare/measured: a mapping needs a mapping of predictions")
        return {None: (_kind(compare), predicted, measured, tolerance)}
    if not isinstance(measured, Mapping) or set(measured) != set(predicted):
        raise ValueError(
            f"measured: expected a mapping with the keys {sorted(predicted)}, got {measured!r}"
        )
    if isinstance(tolerance, Mapping) and set(tolerance) != set(predicted):
        raise ValueError(
            f"tolerance: expected the keys {sorted(predicted)}, got {sorted(tolerance)}"
        )
    out = {}
    for k in predicted:
        kind = compare[k] if isinstance(compare, Mapping) else compare
        tol = tolerance[k] if isinstance(tolerance, Mapping) else tolerance
        out[k] = (_kind(kind), predicted[k], measured[k], tol)
    return out


def _rival_parts(rival, parts: dict) -> dict:
    if rival is None:
        raise ValueError("rival: every claim names its rival's prediction; got None")
    if None in parts:
        if isinstance(rival, Mapping):
            raise TypeError("rival: a plain claim's rival is a value, not a mapping")
        return {None: rival}
    if not isinstance(rival, Mapping) or not rival or not set(rival) <= set(parts):
        raise ValueError(
            f"rival: expected a non-empty mapping over the parts {sorted(parts)}, got {rival!r}"
        )
    return dict(rival)


def _kind(kind: Any) -> str:
    if kind not in KINDS:
        raise ValueError(f"compare: expected one of {KINDS}, got {kind!r}")
    return kind


def _arrays(*values) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def _agrees(kind: str, p, m, t) -> bool:
    if kind == "same":
        return _plain(m) == _plain(p)
    p, m, t = _arrays(p, m, t)
    if not np.all(np.isfinite(m)):
        return False
    gap = {"equal": np.abs(m - p), "at_most": m - p, "at_least": p - m}[kind]
    return bool(np.all(gap <= t))


def _separable(kind: str, p, r, t) -> bool:
    if kind == "same":
        return _plain(r) != _plain(p)
    p, r, t = _arrays(p, r, t)
    return bool(np.any(np.abs(p - r) > t))


def _refutes(kind: str, p, m, r, t) -> bool:
    if kind == "same":
        return _plain(m) != _plain(r)
    p, m, r, t = _arrays(p, m, r, t)
    if not np.all(np.isfinite(m)):
        return False
    if kind == "equal":
        gap = np.abs(m - r)
    else:  # the side of the prediction the rival is on says which way it must be violated
        above = r > p if kind == "at_most" else r >= p
        gap = np.where(above, r - m, m - r)
    return bool(np.any(gap > t))


def _plain(value: Any) -> Any:
    """Arrays and tuples as nested lists, NumPy scalars as Python ones: for exact comparison."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value
