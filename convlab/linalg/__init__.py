"""Linear systems Ax = b: Krylov (CG, PCG), stationary (Jacobi, Gauss–Seidel) and direct solvers."""

from convlab.deprecation import renamed
from convlab.linalg.compare import compare_solvers
from convlab.linalg.direct import DIRECT_METHODS, solve
from convlab.linalg.krylov import PRECONDITIONERS, cg, pcg
from convlab.linalg.result import SolveResult
from convlab.linalg.stationary import gauss_seidel_solve, jacobi_solve

__all__ = [
    "DIRECT_METHODS",
    "PRECONDITIONERS",
    "SolveResult",
    "cg",
    "compare_solvers",
    "gauss_seidel_solve",
    "jacobi_solve",
    "pcg",
    "solve",
]

__getattr__ = renamed(
    __name__, {"jacobi": "jacobi_solve", "gauss_seidel": "gauss_seidel_solve"}, globals()
)
