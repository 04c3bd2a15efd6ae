"""The verdict table printed at the end of ``convlab report``."""

from __future__ import annotations


def verdict_table(doc: dict) -> str:
    """One line per claim (id, verdict, seconds, title), then the summary."""
    rows = [
        (
            c["id"],
            "error" if c["error"] else ("passed" if c["passed"] else "FAILED"),
            f"{c['seconds']:.2f}",
            c["title"],
        )
        for c in doc["claims"]
    ]
    width = max([len(r[0]) for r in rows] + [5])
    lines = [f"{'claim':<{width}}  verdict  seconds  title"]
    lines += [f"{i:<{width}}  {v:<7}  {s:>7}  {t}" for i, v, s, t in rows]
    s = doc["summary"]
    lines.append(f"{s['passed']} of {s['total']} claims passed, {s['failed']} failed")
    return "\n".join(lines)
