"""The 35 test problems of Moré, Garbow & Hillstrom, with analytic Jacobians.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained optimization
software", ACM Trans. Math. Software 7(1) (1981) 17–41, §3.  Problem k is the paper's (k);
each builder takes the n and m the paper allows and raises :class:`~convlab.errors.ArgumentError`
naming ``n`` or ``m`` otherwise.  ``PROBLEMS`` maps a name to the problem at the n and m for
which the paper states f* (variable-dimension problems: the first n it lists, or n = 10
where f* = 0 for every n), in the paper's order.

f* (``MGHProblem.f_star``) is the paper's printed minimum of f = Σfᵢ², the plain sum of
squares (twice convlab's ½‖r‖²); where the paper prints six digits, a value counts as
reaching f* within one unit of the last digit (or rel 1e-6, if wider); f* = 0 counts as
reached at f ≤ 1e-10 (``MGHProblem.reaches``).  Starts (``MGHProblem.starts``): x₀, 10x₀ and
100x₀ (x₀ alone where x₀ = 0).  NumPy float64 only: these are reference problems for
tests and benchmarks, evaluated on the host.
"""

from convlab.problems.mgh.base import MGHProblem
from convlab.problems.mgh.registry import BUILDERS, PROBLEMS

__all__ = ["BUILDERS", "MGHProblem", "PROBLEMS"]
