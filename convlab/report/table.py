"""The verdict table printed at the end of ``convlab report``."""

from __future__ import annotations


def verdict_table(doc: dict) -> str:
    """One line per claim (id, verdict, the dtype it ran in, seconds, title; a failed claim's
    reason on the next line), the summary, the
    ``--only`` patterns and the claims each selected, and why each claim that ran in another
    dtype than the report's needed float64."""
    rows = [
        (
            c["id"],
            "error" if c["error"] else ("passed" if c["passed"] else "FAILED"),
            c["dtype"],
            f"{c['seconds']:.2f}",
            c["title"],
        )
        for c in doc["claims"]
    ]
    width = max([len(r[0]) for r in rows] + [5])
    lines = [f"{'claim':<{width}}  verdict  dtype    seconds  title"]
    for (i, v, d, s, t), c in zip(rows, doc["claims"], strict=True):
        lines.append(f"{i:<{width}}  {v:<7}  {d:<7}  {s:>7}  {t}")
        if v == "FAILED" and c.get("reason"):
            lines.append(f"{'':<{width}}  why: {c['reason']}")
    s = doc["summary"]
    lines.append(f"{s['passed']} of {s['total']} claims passed, {s['failed']} failed")
    lines += selection_lines(doc)
    promoted = [c for c in doc["claims"] if c["dtype"] != doc["dtype"]]
    if promoted:
        lines.append(f"{len(promoted)} claims ran in float64, not {doc['dtype']}:")
        lines += [f"  {c['id']}: {c['needs_float64']}" for c in promoted]
    return "\n".join(lines)


def selection_lines(doc: dict) -> list[str]:
    """How the claims were chosen: each ``--only`` pattern and the ids it selected."""
    sel = doc["selection"]
    if sel["only"] is None:
        return []
    return [f"selected with --only {sel['only']!r}:"] + [
        f"  {pattern}: {', '.join(ids)}" for pattern, ids in sel["matched"].items()
    ]
