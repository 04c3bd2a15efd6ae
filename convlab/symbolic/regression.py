r"""Linear regression :math:`L(w) = \frac{1}{2N}\sum_n (y_n - w^\top x_n)^2` and preprocessing.

The Hessian is the input second-moment matrix :math:`C_x = \frac1N\sum_n x_n x_n^\top`, so the
conditioning of gradient descent is that of the inputs: centring decouples the bias, scaling
equalizes the diagonal, and PCA or ZCA whitening makes :math:`H = I` (κ = 1), where gradient descent
with η = 1 lands on the minimizer in one step.  Newton's step from any point is the
normal-equations solution :math:`(X^\top X)^{-1}X^\top y`.

Sources: LeCun, Bottou, Orr & Müller, "Efficient BackProp" (1998), §4.3 and §5; Kessy, Lewin &
Strimmer, "Optimal whitening and decorrelation" (2018) for PCA / ZCA.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.errors import count
from convlab.symbolic.notation import ETA
from convlab.symbolic.result import Derivation

_SOURCE = "LeCun, Bottou, Orr & Müller 1998, 'Efficient BackProp', §4.3, §5"


def linear_regression(n_samples: int = 3, n_features: int = 2) -> Derivation:
    r"""Gradient :math:`\frac1N X^\top(Xw - y)`, Hessian :math:`C_x = \frac1N X^\top X`, and
    Newton's step equal to the normal-equations solution, for explicit sizes.
    Source: LeCun et al. 1998, §5.
    """
    return _linear_regression(count("n_samples", n_samples), count("n_features", n_features))


@cache
def _linear_regression(n_samples: int, n_features: int) -> Derivation:
    """:func:`linear_regression` for validated sizes (cached)."""
    N = n_samples
    X = sp.Matrix(N, n_features, lambda n, i: sp.Symbol(f"x_{n + 1}{i + 1}", real=True))
    y = sp.Matrix(sp.symbols(f"y_1:{N + 1}", real=True))
    w = sp.Matrix(sp.symbols(f"w_1:{n_features + 1}", real=True))
    loss = sum((y[n] - (w.T * X.row(n).T)[0]) ** 2 for n in range(N)) / (2 * N)
    gradient = sp.Matrix([loss]).jacobian(w).T.applyfunc(sp.expand)
    hessian = sp.hessian(loss, list(w))
    second_moment = sum((X.row(n).T * X.row(n) for n in range(N)), sp.zeros(n_features)) / N
    normal = (X.T * X).inv() * X.T * y
    newton = w - hessian.inv() * gradient
    steps = (
        ("loss", loss),
        ("gradient", gradient),
        ("Hessian minus C_x = (1/N) sum x x^T", (hessian - second_moment).applyfunc(sp.expand)),
        ("normal equations X^T X w = X^T y, solved", normal),
        (
            "Newton's step w - H^{-1} g minus the normal-equations solution",
            (newton - normal).applyfunc(lambda e: sp.cancel(sp.together(e))),
        ),
    )
    expr = {
        "gradient": gradient,
        "hessian": hessian,
        "second_moment": second_moment,
        "normal_equations": normal,
    }
    return Derivation("linear regression", expr, steps=steps, source=_SOURCE)


def centring_and_scaling(n_samples: int = 3) -> Derivation:
    r"""With inputs :math:`(x, 1)` (a bias), :math:`H = \begin{pmatrix}\overline{x^2} & \bar x\\
    \bar x & 1\end{pmatrix}`; centring makes it block-diagonal, scaling to unit variance makes it
    :math:`I`. Source: LeCun et al. 1998, §4.3 ("normalizing the inputs").
    """
    return _centring_and_scaling(count("n_samples", n_samples))


@cache
def _centring_and_scaling(n_samples: int) -> Derivation:
    """:func:`centring_and_scaling` for validated sizes (cached)."""
    xs = sp.symbols(f"x_1:{n_samples + 1}", real=True)
    w, bias = sp.symbols("w b", real=True)
    ys = sp.symbols(f"y_1:{n_samples + 1}", real=True)

    def hessian(inputs):
        loss = sum((yn - w * xn - bias) ** 2 for xn, yn in zip(inputs, ys, strict=True)) / (
            2 * n_samples
        )
        return sp.hessian(loss, (w, bias)).applyfunc(sp.simplify)

    mean = sum(xs) / n_samples
    centred = [x - mean for x in xs]
    std = sp.sqrt(sum(c**2 for c in centred) / n_samples)
    raw, after_centring = hessian(xs), hessian(centred)
    standardized = hessian([c / std for c in centred])
    steps = (
        ("Hessian in (w, b) for raw inputs", raw),
        ("after centring x -> x - mean(x): bias decoupled", after_centring),
        ("after also scaling to unit variance", standardized),
    )
    expr = {"raw": raw, "centred": after_centring, "standardized": standardized}
    return Derivation("centring and scaling", expr, steps=steps, source=_SOURCE)


@cache
def whitening() -> Derivation:
    r"""PCA whitening :math:`\Lambda^{-1/2}Q^\top` and ZCA whitening
    :math:`Q\Lambda^{-1/2}Q^\top` of centred inputs with covariance :math:`C = Q\Lambda Q^\top`
    give :math:`H = I`, κ = 1, and the GD iteration matrix :math:`I - \eta H` vanishes at η = 1
    (one step). Derived on 2-D inputs with :math:`Q` a rotation.
    Sources: LeCun et al. 1998, §4.3; Kessy, Lewin & Strimmer 2018.
    """
    theta = sp.Symbol("theta", real=True)
    l1, l2 = sp.symbols("ell_1 ell_2", positive=True)
    Q = sp.Matrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]])
    C = Q * sp.diag(l1, l2) * Q.T
    inv_sqrt = sp.diag(1 / sp.sqrt(l1), 1 / sp.sqrt(l2))
    pca, zca = inv_sqrt * Q.T, Q * inv_sqrt * Q.T
    h_pca = sp.simplify(pca * C * pca.T)
    h_zca = sp.simplify(zca * C * zca.T)
    eigenvalues = tuple(h_pca.eigenvals(multiple=True))
    kappa = max(eigenvalues) / min(eigenvalues)
    iteration = (sp.eye(2) - ETA * h_pca).subs(ETA, 1)
    steps = (
        ("input covariance C = Q diag(ell_1, ell_2) Q^T", C),
        ("Hessian after PCA whitening W C W^T, W = Lambda^{-1/2} Q^T", h_pca),
        ("Hessian after ZCA whitening, W = Q Lambda^{-1/2} Q^T", h_zca),
        ("condition number", kappa),
        ("GD error matrix I - eta H at eta = 1: converged after one step", iteration),
    )
    expr = {
        "pca_hessian": h_pca,
        "zca_hessian": h_zca,
        "condition_number": kappa,
        "gd_iteration_matrix": iteration,
    }
    source = _SOURCE + "; Kessy, Lewin & Strimmer 2018"
    return Derivation("whitening", expr, steps=steps, source=source)
