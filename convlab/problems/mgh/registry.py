"""The registry of the 35 MGH problems: ``BUILDERS`` maps a name to the function that builds
the problem for given n and m, ``PROBLEMS`` the name to the problem at the defaults (the n
and m for which the paper states f*), both in the paper's order."""

from __future__ import annotations

from convlab.problems.mgh.equations import (
    broyden_banded,
    broyden_tridiagonal,
    chebyquad,
    discrete_boundary_value,
    discrete_integral_equation,
)
from convlab.problems.mgh.fitting import (
    biggs_exp6,
    box3d,
    brown_dennis,
    gulf,
    kowalik_osborne,
    meyer,
    osborne1,
    osborne2,
    powell_singular,
    wood,
)
from convlab.problems.mgh.linear import linear_full_rank, linear_rank1, linear_rank1_zero
from convlab.problems.mgh.small import (
    bard,
    beale,
    brown_badly_scaled,
    freudenstein_roth,
    gaussian,
    helical_valley,
    jennrich_sampson,
    powell_badly_scaled,
    rosenbrock,
)
from convlab.problems.mgh.variable import (
    brown_almost_linear,
    extended_powell,
    extended_rosenbrock,
    penalty1,
    penalty2,
    trigonometric,
    variably_dimensioned,
    watson,
)

BUILDERS = {
    "rosenbrock": rosenbrock,
    "freudenstein_roth": freudenstein_roth,
    "powell_badly_scaled": powell_badly_scaled,
    "brown_badly_scaled": brown_badly_scaled,
    "beale": beale,
    "jennrich_sampson": jennrich_sampson,
    "helical_valley": helical_valley,
    "bard": bard,
    "gaussian": gaussian,
    "meyer": meyer,
    "gulf": gulf,
    "box3d": box3d,
    "powell_singular": powell_singular,
    "wood": wood,
    "kowalik_osborne": kowalik_osborne,
    "brown_dennis": brown_dennis,
    "osborne1": osborne1,
    "biggs_exp6": biggs_exp6,
    "osborne2": osborne2,
    "watson": watson,
    "extended_rosenbrock": extended_rosenbrock,
    "extended_powell": extended_powell,
    "penalty1": penalty1,
    "penalty2": penalty2,
    "variably_dimensioned": variably_dimensioned,
    "trigonometric": trigonometric,
    "brown_almost_linear": brown_almost_linear,
    "discrete_boundary_value": discrete_boundary_value,
    "discrete_integral_equation": discrete_integral_equation,
    "broyden_tridiagonal": broyden_tridiagonal,
    "broyden_banded": broyden_banded,
    "linear_full_rank": linear_full_rank,
    "linear_rank1": linear_rank1,
    "linear_rank1_zero": linear_rank1_zero,
    "chebyquad": chebyquad,
}
PROBLEMS = {name: build() for name, build in BUILDERS.items()}
