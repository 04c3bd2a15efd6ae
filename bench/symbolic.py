"""Wall time of every registered derivation: first call (derived) and second call (cached).

Run: ``python bench/symbolic.py``. Each derivation should take under 2 s on first call.
"""

from __future__ import annotations

import time

from convlab.backend.parallel import blas_description
from convlab.symbolic import TOPICS


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


if __name__ == "__main__":
    main()
