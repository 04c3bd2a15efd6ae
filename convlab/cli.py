"""The ``convlab`` command: ``report``, ``demo``, ``derive`` and ``list``.

``convlab report`` runs every built-in claim and writes the verified-convergence report.
Exit codes: 0 when every claim passes, 1 when one fails, 2 on a usage error (a bad option,
an ``--out`` folder convlab will not replace, an unusable backend such as ``--backend cupy``
without a GPU), 130 on Ctrl-C.  Any other exception is a bug in convlab: its traceback is
printed, with a request to report it, and the exit code is 1.

Each subcommand is one entry of :data:`COMMANDS`: its help, a function adding its options to
its parser, and its handler (``handler(args) -> exit code``).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convlab import cli_rule
from convlab.errors import ArgumentError, ConvlabError

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130
JOBS = min(2, os.cpu_count() or 1)  # --jobs when neither it nor --scheduler is given


@dataclass(frozen=True)
class Command:
    """A subcommand: its one-line help, ``options(parser)`` adding its options, ``run(args)``."""

    help: str
    options: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (``sys.argv[1:]`` if None); return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage error (code 2) or --help (0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return COMMANDS[args.command].run(args)
    except ConvlabError as exc:  # a usage error found by convlab's own validation
        print(f"convlab {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"convlab {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        traceback.print_exc()
        print(
            f"convlab {args.command}: this is a bug in convlab, not in how it was called; "
            "please report it to convlab's maintainers with the traceback above",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        command.options(sub.add_parser(name, help=command.help))
    return parser


def _integer_at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer ≥ ``low`` (argparse names the option in its error)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"expected an integer ≥ {low}, got {text!r}")
        return value

    return parse


def _claim_options(p: argparse.ArgumentParser, only: str | None = None) -> Any:
    """The options shared by ``report`` and ``demo``; returns the group ``--jobs`` is in (at
    most one of its options may be given)."""
    p.add_argument("--backend", choices=["numpy", "cupy", "torch"], default="numpy")
    p.add_argument(
        "--device",
        default=None,
        help="with --backend torch: cpu (default), cuda, cuda:N or mps",
    )
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--quick", action="store_true", help="smaller problems, fewer steps")
    p.add_argument(
        "--only",
        default=only,
        metavar="PATTERNS",
        help="claims to run: exact ids, topics or globs such as 'gd-rate-*', separated by commas",
    )
    p.add_argument("--seed", type=_integer_at_least(0), default=0, help="an integer ≥ 0")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--jobs",
        type=_integer_at_least(1),
        default=None,  # None when not given: argparse then sees `--jobs 2` as given
        help=f"claims run in this many processes (≥ 1; default {JOBS})",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return where


def _report_options(p: argparse.ArgumentParser) -> None:
    _claim_options(p).add_argument(
        "--scheduler",
        metavar="local|ADDRESS",
        help="run the claims on Dask (pip install 'convlab[distributed]'): 'local' starts a "
        "local cluster, tcp://HOST:PORT joins a running scheduler; instead of --jobs",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("convlab-report"),
        help="the report folder; it must be new, empty or an earlier convlab report",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="DELETE the --out folder and everything in it even if convlab did not write it "
        "(never the root, home or current folder, nor one above them)",
    )


def _demo_options(p: argparse.ArgumentParser) -> None:
    _claim_options(p, only="gd-*")


def _derive_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("topic", nargs="?", help="a topic name (see `convlab list`)")
    p.add_argument(
        "--latex", action="store_true", help="print LaTeX (the steps and the result) instead"
    )
    cli_rule.add_derive_options(p)


def _context_and_claims(args):
    from convlab.backend import get_namespace
    from convlab.experiments import Context
    from convlab.report import select

    backend = args.backend if args.device is None else f"{args.backend}:{args.device}"
    get_namespace(backend)  # fail early, with the clear message, if it is unusable
    selection = select(args.only)
    ctx = Context(backend=backend, dtype=args.dtype, seed=args.seed, quick=args.quick)
    return ctx, selection


def _report(args) -> int:
    from convlab.report import build, check_out, verdict_table

    out = check_out(args.out, force=args.force)  # before anything slow
    ctx, selection = _context_and_claims(args)
    progress = False if args.no_progress else None
    jobs = 1 if args.scheduler else args.jobs or JOBS
    doc = build(
        selection,
        ctx,
        out,
        jobs=jobs,
        scheduler=args.scheduler,
        progress=progress,
        force=args.force,
    )
    print(verdict_table(doc))
    print(f"report written to {out / 'index.html'}")
    return 0 if doc["summary"]["failed"] == 0 else EXIT_FAILED


def _demo(args) -> int:
    from convlab.experiments import evaluate_claim
    from convlab.report.build import document
    from convlab.report.table import verdict_table

    ctx, selection = _context_and_claims(args)
    outcomes = [evaluate_claim(c, ctx) for c in selection.claims]
    doc = document(outcomes, ctx, selection)
    for o in outcomes:
        print(f"{o.title}\n  predicted {o.predicted}\n  measured  {o.measured}\n  -> {o.verdict}")
    print(verdict_table(doc))
    return 0 if doc["summary"]["failed"] == 0 else EXIT_FAILED


def _derive(args) -> int:
    from convlab.symbolic import derive

    if args.update is not None:
        return cli_rule.derive_command(args)
    if args.topic is None:
        raise ArgumentError("topic", "a topic name (see `convlab list`) or --update TEXT", None)
    result = derive(args.topic)
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


COMMANDS: dict[str, Command] = {
    "report": Command("run every claim and write the verified report", _report_options, _report),
    "demo": Command("a few seconds' taste: the GD claims, printed only", _demo_options, _demo),
    "derive": Command("print a derivation with its steps", _derive_options, _derive),
    "verify": Command(
        "run a rule typed as text against its derived rate",
        cli_rule.verify_options,
        cli_rule.verify_command,
    ),
    "list": Command("list derivation topics and claims", lambda p: None, _list),
}
