"""The second-order, linear-system and long-term claims pass on NumPy float64, are reproducible,
and fail when their prediction is wrong."""

from __future__ import annotations

import pytest

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import linear_systems, long_term, second_order
from convlab.symbolic import (
    conjugate_gradient_bound,
    gauss_seidel,
    gd_quadratic,
    levenberg_shrinkage,
    long_term_dynamics,
)

IDS = [
    "newton-quadratic-convergence",
    "bfgs-superlinear",
    "lm-shrinks-directions",
    "lm-interpolates",
    "cg-distinct-eigenvalues",
    "cg-kappa-bound",
    "gd-vs-cg-direct",
    "jacobi-rate",
    "gauss-seidel-rate",
    "power-growth",
    "clipping-cliff",
]
CHEAP = [i for i in IDS if i != "gd-vs-cg-direct"]  # full mode of that one runs ~10⁴ GD steps


def _verdict(claim_id: str, dtype: str = "float64") -> str:
    return evaluate_claim(REGISTRY[claim_id], Context(quick=True, dtype=dtype)).verdict


class _SwappedPart:
    """A derivation whose ``ratio`` part answers with another part (a wrong theory)."""

    def __init__(self, derivation, part: str) -> None:
        self.derivation, self.swap = derivation, part

    def evaluate(self, *, part=None, **values):
        return self.derivation.evaluate(part=self.swap, **values)


@pytest.mark.parametrize("claim_id", ["lm-shrinks-directions", "lm-interpolates"])
def test_levenberg_claims_fail_with_the_shrink_factor_as_the_kept_fraction(monkeypatch, claim_id):
    wrong = _SwappedPart(levenberg_shrinkage(), "shrink")
    monkeypatch.setattr(second_order, "levenberg_shrinkage", lambda: wrong)
    assert _verdict(claim_id) == "failed"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_jacobi_claim_fails_with_the_gauss_seidel_radius(monkeypatch, dtype):
    monkeypatch.setattr(linear_systems, "jacobi", gauss_seidel)
    assert _verdict("jacobi-rate", dtype) == "failed"


def test_cg_claim_fails_with_no_iterations_to_spare(monkeypatch):
    """k − 1 iterations are not enough: the k-th Krylov vector is needed."""
    monkeypatch.setattr(linear_systems, "SLACK", -1)
    assert _verdict("cg-distinct-eigenvalues") == "failed"


def test_power_claim_fails_with_the_square_of_w(monkeypatch):
    monkeypatch.setattr(long_term, "long_term_dynamics", lambda W: long_term_dynamics(W * W))
    assert _verdict("power-growth") == "failed"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_clipping_claim_fails_when_the_bound_is_below_the_clipped_step(monkeypatch, dtype):
    """A clip threshold the wrapper does not use (half of it) breaks the predicted bound."""
    real = long_term.ClipByGlobalNorm
    monkeypatch.setattr(
        long_term, "ClipByGlobalNorm", lambda opt, max_norm: real(opt, 2 * max_norm)
    )
    assert _verdict("clipping-cliff", dtype) == "failed"


def test_newton_claim_fails_for_gradient_descent(monkeypatch):
    """GD's local ratio e_{t+1}/e_t² grows like 1/e_t: no constant bounds it."""
    monkeypatch.setattr(second_order, "Newton", lambda: second_order.GD(1e-3))
    assert _verdict("newton-quadratic-convergence") == "failed"


def test_bfgs_claim_fails_for_gradient_descent(monkeypatch):
    """A linear method's last ratios e_{t+1}/e_t stay near 1, above the superlinear threshold."""
    monkeypatch.setattr(second_order, "BFGS", lambda: second_order.GD(1e-3))
    assert _verdict("bfgs-superlinear") == "failed"


class _ScaledKappa:
    def __init__(self, derivation, factor: float) -> None:
        self.derivation, self.factor = derivation, factor

    def evaluate(self, *, kappa, **values):
        return self.derivation.evaluate(kappa=kappa * self.factor, **values)


def test_cg_bound_claim_fails_for_a_tenfold_smaller_kappa(monkeypatch):
    wrong = _ScaledKappa(conjugate_gradient_bound(), 0.1)
    monkeypatch.setattr(linear_systems, "conjugate_gradient_bound", lambda: wrong)
    assert _verdict("cg-kappa-bound") == "failed"


def test_solver_claim_fails_when_gd_is_predicted_for_a_tenfold_kappa(monkeypatch):
    monkeypatch.setattr(linear_systems, "gd_quadratic", lambda lo, hi: gd_quadratic(lo, 10 * hi))
    assert _verdict("gd-vs-cg-direct") == "failed"
