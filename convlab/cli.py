"""The ``convlab`` command: ``report``, ``derive``, ``list`` and ``demo``.

``convlab report`` runs every built-in claim and writes the verified-convergence report;
it exits 0 when every claim passes, 1 when one fails, and 2 on a usage or backend error
(for example ``--backend cupy`` on a machine without a GPU).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from convlab import cli_rule
from convlab.errors import BackendUnavailableError

EXIT_FAILED, EXIT_USAGE = 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except BackendUnavailableError as exc:
        print(f"convlab: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyError as exc:
        print(f"convlab: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="run every claim and write the verified report")
    _report_options(rep)
    rep.add_argument("--out", type=Path, default=Path("convlab-report"), help="output folder")
    rep.set_defaults(handler=_report)
    demo = sub.add_parser("demo", help="a few seconds' taste: the GD claims, printed only")
    _report_options(demo, only="gd-*")
    demo.set_defaults(handler=_demo)
    der = sub.add_parser("derive", help="print a derivation with its steps")
    der.add_argument("topic", nargs="?", help="a topic name (see `convlab list`)")
    der.add_argument(
        "--latex",
        action="store_true",
        help="print LaTeX (the steps and the result) instead of text",
    )
    cli_rule.add_derive_options(der)
    der.set_defaults(handler=_derive)
    cli_rule.add_verify_parser(sub)
    lst = sub.add_parser("list", help="list derivation topics and claims")
    lst.set_defaults(handler=_list)
    return parser


def _report_options(p: argparse.ArgumentParser, only: str | None = None) -> None:
    p.add_argument("--backend", choices=["numpy", "cupy"], default="numpy")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--quick", action="store_true", help="smaller problems, fewer steps")
    p.add_argument(
        "--only",
        default=only,
        metavar="PATTERN",
        help="claims whose id or topic matches (glob or substring; commas for several)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="claims run in this many processes",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _context_and_claims(args):
    from convlab.backend import get_namespace
    from convlab.experiments import Context
    from convlab.report import select

    get_namespace(args.backend)  # fail early, with the clear message, if it is unusable
    claims = select(args.only)
    if not claims:
        raise KeyError(f"no claim matches --only {args.only!r}; see `convlab list`")
    ctx = Context(backend=args.backend, dtype=args.dtype, seed=args.seed, quick=args.quick)
    return ctx, claims


def _report(args) -> int:
    from convlab.report import build, verdict_table

    ctx, claims = _context_and_claims(args)
    progress = False if args.no_progress else None
    doc = build(claims, ctx, args.out, jobs=args.jobs, progress=progress)
    print(verdict_table(doc))
    print(f"report written to {args.out / 'index.html'}")
    return 0 if doc["summary"]["failed"] == 0 else EXIT_FAILED


def _demo(args) -> int:
    from convlab.experiments import evaluate
    from convlab.report.build import document
    from convlab.report.table import verdict_table

    ctx, claims = _context_and_claims(args)
    outcomes = [evaluate(c, ctx) for c in claims]
    doc = document(outcomes, ctx)
    for o in outcomes:
        print(f"{o.title}\n  predicted {o.predicted}\n  measured  {o.measured}\n  -> {o.verdict}")
    print(verdict_table(doc))
    return 0 if doc["summary"]["failed"] == 0 else EXIT_FAILED


def _derive(args) -> int:
    from convlab.symbolic import TOPICS

    if args.update is not None:
        return cli_rule.derive_command(args)
    if args.topic not in TOPICS:
        raise KeyError(f"unknown topic {args.topic!r}; choose from: {', '.join(sorted(TOPICS))}")
    result = TOPICS[args.topic]()
    print(result._repr_latex_() if args.latex else str(result))  # LaTeX with the steps
    return 0


def _list(args) -> int:
    from convlab.experiments.registry import all_claims
    from convlab.symbolic import TOPICS

    print("derivation topics (convlab derive TOPIC):")
    for name in sorted(TOPICS):
        print(f"  {name}")
    print("claims (convlab report --only ID):")
    for c in all_claims().values():
        print(f"  {c.id:<34} {c.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
