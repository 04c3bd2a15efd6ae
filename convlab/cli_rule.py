"""``convlab derive --update TEXT`` and ``convlab verify --update TEXT``: your own method.

``derive --update`` prints the derivation of a rule typed as text (parsed by the whitelist
parser, never run), with ``--optimal`` its optimum over [``--mu``, ``--L``];
``verify --update`` runs the rule on a quadratic with spectrum in [1, κ] and compares its
measured rate with the derived one, writing the figure to ``--out`` (a ``.png`` or ``.svg``
file; an existing folder, link or other non-file is never written over).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from convlab.errors import ArgumentError

EXIT_FAILED = 1


def add_derive_options(parser: argparse.ArgumentParser) -> None:
    """The options ``derive`` takes for a rule typed as text."""
    parser.add_argument("--update", metavar="TEXT", help="a rule, e.g. 'x - eta*g(x)'")
    parser.add_argument("--optimal", action="store_true", help="also its optimal parameters")
    parser.add_argument("--mu", type=float, default=None, help="smallest eigenvalue (--optimal)")
    parser.add_argument("--L", type=float, default=None, help="largest eigenvalue (--optimal)")


def verify_options(ver: argparse.ArgumentParser) -> None:
    """The options of the ``verify`` subcommand."""
    ver.add_argument("--update", metavar="TEXT", required=True, help="the rule, as for derive")
    ver.add_argument("--kappa", type=float, default=100.0, help="spectrum in [1, kappa]")
    ver.add_argument(
        "--params", default=None, help="e.g. eta=0.03,beta=0.67 (default: the numeric optimum)"
    )
    ver.add_argument("--steps", type=int, default=2000)
    ver.add_argument("--dim", type=int, default=30)
    ver.add_argument("--seed", type=int, default=0)
    ver.add_argument("--out", type=Path, default=None, help="figure file (.png or .svg)")


def derive_command(args) -> int:
    """Print the derivation (and optimum) of ``--update``."""
    from convlab.symbolic import update_rule

    rule = update_rule(args.update)
    parts = [rule.derivation, rule.stability()]
    if args.optimal:
        parts.append(rule.optimal(args.mu, args.L))
    for part in parts:
        print(part._repr_latex_() if args.latex else str(part))
    return 0


def verify_command(args) -> int:
    """Run ``--update`` on a quadratic with spectrum in [1, κ]; exit 0 if the rate agrees."""
    from convlab.experiments.claims._common import gapped_spectrum
    from convlab.experiments.verify import verify
    from convlab.problems import Quadratic
    from convlab.symbolic import update_rule

    out = _figure_path(args.out)
    rule = update_rule(args.update)
    if args.kappa <= 1:
        raise ArgumentError("--kappa", "a condition number > 1", args.kappa)
    if args.params is None:
        best = rule.optimal(mu=1.0, L=args.kappa)["params"]
        params = {name: float(value) for name, value in best.items()}
    else:
        params = parse_params(args.params)
    problem = Quadratic.from_spectrum(gapped_spectrum(args.kappa, args.dim), seed=args.seed)
    outcome = verify(rule, problem, params, steps=args.steps)
    print(f"{outcome.title}\n  params    {params}")
    print(f"  predicted {outcome.predicted:.6g}\n  measured  {outcome.measured:.6g}")
    print(f"  tolerance {outcome.tolerance:g}\n  -> {outcome.verdict}")
    if out is not None:
        from convlab.plot.render import draw

        figure = draw(outcome.figure_data, outcome.verdict)
        figure.savefig(out)
        print(f"figure written to {out}")
    return 0 if outcome.passed else EXIT_FAILED


def parse_params(text: str) -> dict[str, float]:
    """``"eta=0.1,beta=0.9"`` as ``{"eta": 0.1, "beta": 0.9}`` (numbers only, nothing run)."""
    params = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not sep or not name.strip().isidentifier() or number is None:
            raise ArgumentError("--params", "name=number pairs separated by commas", text)
        params[name.strip()] = number
    return params


def _figure_path(out: Path | None) -> Path | None:
    """``out`` if it is a new file or an existing regular file, with a .png or .svg suffix."""
    if out is None:
        return None
    if out.suffix.lower() not in (".png", ".svg"):
        raise ArgumentError("--out", "a file path ending in .png or .svg", str(out))
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise ArgumentError("--out", "a new file or an existing regular file", str(out))
    if not out.parent.is_dir():
        raise ArgumentError("--out", "a file in an existing folder", str(out))
    return out
