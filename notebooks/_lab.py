"""Two helpers shared by the notebooks: a verdict sentence, and a slider with a static fallback."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import sympy as sp


def verdict(what: str, measured, predicted, *, rtol: float = 0.0, atol: float = 0.0) -> str:
    """ "<what>: measured m vs predicted p: verified" (or "refuted"), elementwise for arrays.

    ``predicted`` may be a SymPy number (printed exactly, then as a float), an array, or a
    bool (a qualitative prediction, printed yes / no); verified means
    |m − p| ≤ atol + rtol·|p| everywhere.
    """
    p = np.asarray(sp.N(predicted) if isinstance(predicted, sp.Basic) else predicted, dtype=float)
    m = np.asarray(measured, dtype=float)
    ok = bool(np.all(np.isfinite(m)) and np.all(np.abs(m - p) <= atol + rtol * np.abs(p)))
    if isinstance(predicted, sp.Basic) and not (predicted.is_Integer or predicted.is_Float):
        shown = f"{predicted} = {float(p):.4g}"
    else:
        shown = _number(p)
    if isinstance(measured, (bool, np.bool_)):
        shown_m, shown = ("yes" if measured else "no"), ("yes" if predicted else "no")
    else:
        shown_m = _number(m)
    return f"{what}: measured {shown_m} vs predicted {shown}: {'verified' if ok else 'refuted'}"


def explore(
    draw: Callable,
    /,
    *,
    spans: Mapping[str, tuple[float, float]] | None = None,
    **values: Sequence[float],
) -> None:
    """Call ``draw(**kwargs)`` under sliders (ipywidgets) or, without widgets, once per value.

    Each keyword gives a few values of one parameter; the slider spans them (or
    ``spans[name]``, a wider (low, high) range), starting at the middle one.  Without ipywidgets
    the static fallback draws the first, middle and last values of every parameter together.
    """
    spans = dict(spans or {})
    unknown = set(spans) - set(values)
    if unknown:
        raise ValueError(
            f"spans: keys among the parameters {sorted(values)}, got {sorted(unknown)}"
        )
    try:
        import ipywidgets as widgets
    except ImportError:
        widgets = None
    if widgets is None:
        n = len(next(iter(values.values())))
        for i in sorted({0, n // 2, n - 1}):
            draw(**{name: list(v)[i] for name, v in values.items()})
        return
    sliders = {}
    for name, v in values.items():
        low, high = spans.get(name, (min(v), max(v)))
        sliders[name] = widgets.FloatSlider(
            min=low, max=high, step=(high - low) / 100, value=list(v)[len(v) // 2]
        )
    widgets.interact(draw, **sliders)


def _number(a: np.ndarray) -> str:
    if a.ndim == 0:
        return f"{float(a):.4g}"
    return np.array2string(
        a.ravel(), precision=4, separator=", ", threshold=8, max_line_width=10_000
    )
