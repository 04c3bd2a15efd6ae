"""Wall time of every registered derivation and of update_rule, cold (first call) and cached.

Run: ``python bench/symbolic.py``.  Each topic should take under 2 s on first call; for a rule
typed as text, ``derivation`` under 1 s and ``optimal(mu=1, L=100)`` under 2 s cold for two lags,
under 5 s for three.  Each rule row runs in a fresh process, so "cold" means it.
"""

from __future__ import annotations

import subprocess
import sys
import time

from convlab.backend.parallel import blas_description
from convlab.symbolic import TOPICS

RULES = {
    "gd": "x - eta*g(x)",
    "heavy ball": "x - eta*g(x) + beta*(x - x1)",
    "nesterov": "x + beta*(x - x1) - eta*g(x + beta*(x - x1))",
    "qhm": "x + beta*(x - x1) - eta*(1 - nu*beta)*g(x) + beta*eta*(1 - nu)*g(x1)",
    "extragradient": "x - eta*g(x - eta*g(x))",
    "three lags": "x + beta*(x - x1) + gamma*(x1 - x2) - eta*g(x)",
}

_ONE_RULE = """
import sys, time
from convlab.symbolic import update_rule
start = time.perf_counter()
rule = update_rule(sys.argv[1])
rule.derivation
derived = time.perf_counter()
rule.stability()
stable = time.perf_counter()
rule.optimal(mu=1, L=100)
done = time.perf_counter()
print(derived - start, stable - derived, done - stable)
"""


def _seconds(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    print(blas_description())
    print(f"{'topic':<22}{'first call (s)':>16}{'cached (s)':>14}")
    for topic, derive in TOPICS.items():
        first, cached = _seconds(derive), _seconds(derive)
        print(f"{topic:<22}{first:>16.3f}{cached:>14.6f}")
    header = ("update_rule (cold)", "derivation (s)", "stability (s)", "optimal (s)")
    print(f"\n{header[0]:<22}{header[1]:>16}{header[2]:>15}{header[3]:>13}")
    for name, text in RULES.items():
        out = subprocess.run(
            [sys.executable, "-c", _ONE_RULE, text], capture_output=True, text=True, check=True
        )
        derived, stable, best = (float(v) for v in out.stdout.split())
        print(f"{name:<22}{derived:>16.3f}{stable:>15.3f}{best:>13.3f}")


if __name__ == "__main__":
    main()
