r"""Softmax, cross-entropy and squared error: Jacobians, gradients, Hessians, likelihoods.

With :math:`f = \operatorname{softmax}(z)`: :math:`\partial f/\partial z = \operatorname{diag}(f) -
ff^\top`; the cross-entropy :math:`-\sum_i y_i\log f_i` (one-hot or any :math:`\sum y = 1`) has
gradient :math:`f - y` and Hessian :math:`\operatorname{diag}(f) - ff^\top`, positive semi-definite
because :math:`v^\top(\operatorname{diag} f - ff^\top)v = \sum_i f_i (v_i - \bar v)^2 \ge 0` with
:math:`\bar v = \sum_i f_i v_i` (a variance under the distribution f).  It is the negative
log-likelihood of a categorical model; :math:`\tfrac12\|y - f\|^2` (gradient :math:`f - y`) is,
up to the factor :math:`1/\sigma^2` and a constant, that of a Gaussian with covariance
:math:`\sigma^2 I`.  Derived with an explicit number of classes; the algebra is the same for any.

Sources: Bishop, *Pattern Recognition and Machine Learning* (2006), §4.3.4 and §3.1.1;
Goodfellow, Bengio & Courville (2016), §6.2.2.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.errors import count
from convlab.symbolic.result import Derivation

_SOURCE = "Bishop 2006, §4.3.4; Goodfellow, Bengio & Courville 2016, §6.2.2"


def _classes(n_classes: int) -> tuple:
    """(logits z, softmax f(z), probability symbols f_i) for ``n_classes`` classes."""
    z = sp.Matrix(sp.symbols(f"z_1:{n_classes + 1}", real=True))
    total = sum(sp.exp(zi) for zi in z)
    softmax = z.applyfunc(lambda zi: sp.exp(zi) / total)
    probabilities = sp.Matrix(sp.symbols(f"f_1:{n_classes + 1}", positive=True))
    return z, softmax, probabilities


def _cancel(expr: sp.Expr) -> sp.Expr:
    """Cancel a rational function of the exponentials exp(z_i) to its lowest terms."""
    return sp.cancel(sp.together(expr))


def _in_probabilities(matrix: sp.Matrix, softmax: sp.Matrix, probs: sp.Matrix) -> tuple:
    """(``matrix - (diag(f) - f fᵀ)`` simplified, ``diag(f) - f fᵀ`` in the symbols f_i)."""
    difference = (matrix - (sp.diag(*softmax) - softmax * softmax.T)).applyfunc(_cancel)
    return difference, sp.diag(*probs) - probs * probs.T


def softmax_jacobian(n_classes: int = 3) -> Derivation:
    r""":math:`\partial f_i/\partial z_j = f_i(\delta_{ij} - f_j)`, i.e.
    :math:`\operatorname{diag}(f) - ff^\top` (part ``jacobian``, in the
    symbols :math:`f_i`). Source: Bishop 2006, eq. (4.106).
    """
    return _softmax_jacobian(count("n_classes", n_classes, low=2))


@cache
def _softmax_jacobian(n_classes: int) -> Derivation:
    """:func:`softmax_jacobian` for validated sizes (cached)."""
    z, softmax, probs = _classes(n_classes)
    jacobian = softmax.jacobian(z)
    difference, result = _in_probabilities(jacobian, softmax, probs)
    steps = (
        ("softmax f(z)", softmax),
        ("Jacobian by differentiation", jacobian),
        ("minus diag(f) - f f^T, simplified", difference),
        ("so, with f_i = softmax_i", result),
    )
    return Derivation(
        "softmax Jacobian",
        {"softmax": softmax, "jacobian": result},
        steps=steps,
        source="Bishop 2006, eq. (4.106)",
    )


def softmax_cross_entropy(n_classes: int = 3) -> Derivation:
    r"""Parts ``gradient`` :math:`f - y`, ``hessian`` :math:`\operatorname{diag}(f) - ff^\top`,
    ``quadratic_form`` :math:`\sum_i f_i v_i^2 - (\sum_i f_i v_i)^2`, ``variance_form``
    :math:`\sum_i f_i(v_i - \bar v)^2` (equal when :math:`\sum f = 1`), ``nll`` of the categorical
    model. Source: Bishop 2006, §4.3.4; Goodfellow et al. 2016, §6.2.2.3.
    """
    return _softmax_cross_entropy(count("n_classes", n_classes, low=2))


@cache
def _softmax_cross_entropy(n_classes: int) -> Derivation:
    """:func:`softmax_cross_entropy` for validated sizes (cached)."""
    z, softmax, probs = _classes(n_classes)
    y = sp.Matrix(sp.symbols(f"y_1:{n_classes + 1}", nonnegative=True))
    loss = -sum(yi * sp.log(fi) for yi, fi in zip(y, softmax, strict=True))
    on_simplex = {y[-1]: 1 - sum(y[:-1])}
    gradient = sp.Matrix([loss]).jacobian(z).T
    gradient_check = (gradient - (softmax - y)).subs(on_simplex).applyfunc(_cancel)
    difference, hessian = _in_probabilities(gradient.jacobian(z).subs(on_simplex), softmax, probs)
    v = sp.Matrix(sp.symbols(f"v_1:{n_classes + 1}", real=True))
    form = sp.expand((v.T * hessian * v)[0])
    mean = sum(fi * vi for fi, vi in zip(probs, v, strict=True))
    variance = sum(fi * (vi - mean) ** 2 for fi, vi in zip(probs, v, strict=True))
    normalized = {probs[-1]: 1 - sum(probs[:-1])}
    form_check = sp.expand((form - variance).subs(normalized))
    likelihood = sp.Mul(*(fi**yi for fi, yi in zip(probs, y, strict=True)))
    nll = sp.expand_log(-sp.log(likelihood), force=True)
    steps = (
        ("loss -sum y log softmax(z)", loss),
        ("gradient minus (f - y), with sum(y) = 1", gradient_check),
        ("Hessian minus (diag f - f f^T), with sum(y) = 1", difference),
        ("Hessian (independent of y)", hessian),
        ("quadratic form v^T H v", form),
        ("minus sum f (v - f.v)^2, with sum(f) = 1: a variance, so H is PSD", form_check),
        ("negative log-likelihood of the categorical prod f_i^y_i", nll),
    )
    expr = {
        "gradient": softmax - y,
        "hessian": hessian,
        "quadratic_form": form,
        "variance_form": variance,
        "nll": nll,
    }
    return Derivation("softmax cross-entropy", expr, steps=steps, source=_SOURCE)


def mean_squared_error(n_outputs: int = 2) -> Derivation:
    r"""Parts ``gradient`` :math:`f - y` of :math:`\tfrac12\|y - f\|^2`, ``gaussian_nll``
    :math:`\|y-f\|^2/(2\sigma^2) + \tfrac d2\log(2\pi\sigma^2)` and its gradient
    :math:`(f - y)/\sigma^2`. Source: Bishop 2006, §3.1.1.
    """
    return _mean_squared_error(count("n_outputs", n_outputs))


@cache
def _mean_squared_error(n_outputs: int) -> Derivation:
    """:func:`mean_squared_error` for validated sizes (cached)."""
    f = sp.Matrix(sp.symbols(f"f_1:{n_outputs + 1}", real=True))
    y = sp.Matrix(sp.symbols(f"y_1:{n_outputs + 1}", real=True))
    sigma = sp.Symbol("sigma", positive=True)
    loss = sum((yi - fi) ** 2 for yi, fi in zip(y, f, strict=True)) / 2
    gradient = sp.Matrix([loss]).jacobian(f).T
    density = sp.Mul(
        *(
            sp.exp(-((yi - fi) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
            for yi, fi in zip(y, f, strict=True)
        )
    )
    nll = sp.expand(sp.expand_log(-sp.log(density), force=True))
    nll_gradient = sp.Matrix([nll]).jacobian(f).T.applyfunc(sp.factor)
    steps = (
        ("loss (1/2)||y - f||^2", loss),
        ("gradient", gradient),
        ("-log N(y; f, sigma^2 I)", nll),
        ("its gradient: the MSE gradient over sigma^2", nll_gradient),
    )
    expr = {"gradient": gradient, "gaussian_nll": nll, "gaussian_nll_gradient": nll_gradient}
    return Derivation("mean squared error", expr, steps=steps, source="Bishop 2006, §3.1.1")
