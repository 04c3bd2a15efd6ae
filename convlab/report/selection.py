"""Choosing claims with ``--only``: exact ids, topics and globs, each pattern accounted for.

``--only`` takes patterns separated by commas.  Each pattern, tried in this order:

1. an exact claim id selects that claim only (``gd-rate-kappa-10``, not ``…-100``);
2. an exact topic selects every claim of that topic (``heavy-ball``);
3. a pattern with a glob character (``*``, ``?``, ``[``) selects every claim whose id or topic
   it matches (``gd-rate-*``).

Anything else is an error, and so is a pattern that selects nothing: the message names the
pattern and the closest ids (a part of a name is written as a glob: ``*rate*``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from convlab.errors import ArgumentError
from convlab.experiments.claim import Claim
from convlab.experiments.registry import all_claims

GLOB = "*?["


@dataclass(frozen=True)
class Selection:
    """Claims to run, in registration order, with the ``--only`` value that chose them (None:
    all of them, or a list given directly) and, for each pattern, the ids it selected."""

    claims: tuple[Claim, ...]
    only: str | None = None
    matched: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"only": self.only, "matched": self.matched}


def select(only: str | None = None) -> Selection:
    """The registered claims that ``only`` selects (all of them if None); see the module doc."""
    registered = list(all_claims().values())
    if only is None:
        return Selection(tuple(registered))
    patterns = [p.strip() for p in only.split(",")]
    if not all(patterns):
        raise ArgumentError(
            "only", "claim ids, topics or globs separated by commas, none empty", only
        )
    matched = {p: _select_one(p, registered) for p in patterns}
    for pattern, ids in matched.items():
        if not ids:
            raise ArgumentError("only", _hint(pattern, registered), pattern)
    chosen = {i for ids in matched.values() for i in ids}
    return Selection(tuple(c for c in registered if c.id in chosen), only, matched)


def _select_one(pattern: str, registered: list[Claim]) -> list[str]:
    """The ids ``pattern`` selects: itself if an id, else its topic's, else its glob's."""
    if any(c.id == pattern for c in registered):
        return [pattern]
    by_topic = [c.id for c in registered if c.topic == pattern]
    if by_topic or not any(ch in pattern for ch in GLOB):
        return by_topic
    return [c.id for c in registered if fnmatchcase(c.id, pattern) or fnmatchcase(c.topic, pattern)]


def _hint(pattern: str, registered: list[Claim]) -> str:
    """What ``--only`` accepts, with the ids and topics closest to ``pattern``."""
    names = [c.id for c in registered] + sorted({c.topic for c in registered})
    close = difflib.get_close_matches(pattern.strip("*?"), names, n=4, cutoff=0.5)
    near = f" (closest: {', '.join(close)})" if close else " (see `convlab list`)"
    if any(ch in pattern for ch in GLOB):
        return f"a glob that matches a claim id or topic{near}"
    return f"a claim id, a topic, or a glob such as '*{pattern}*'{near}"
