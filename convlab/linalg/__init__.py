"""Linear systems Ax = b: Krylov (CG, PCG), stationary (Jacobi, Gauss–Seidel) and direct solvers."""

from convlab.linalg.compare import compare_solvers
from convlab.linalg.direct import DIRECT_METHODS, solve
from convlab.linalg.krylov import PRECONDITIONERS, cg, pcg
from convlab.linalg.result import SolveResult
from convlab.linalg.stationary import gauss_seidel, jacobi

__all__ = [
    "DIRECT_METHODS",
    "PRECONDITIONERS",
    "SolveResult",
    "cg",
    "compare_solvers",
    "gauss_seidel",
    "jacobi",
    "pcg",
    "solve",
]
