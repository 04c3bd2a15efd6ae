"""NIST StRD nonlinear regression: the 27 reference problems, shipped with convlab.

The data, NIST's two starting points and NIST's certified values (parameters, their standard
deviations, the residual sum of squares) of the Statistical Reference Datasets suite,
https://www.itl.nist.gov/div898/strd/nls/nls_main.shtml — see ``README.md`` beside this file
for every field.  The files are package data, so an installed convlab carries them.

>>> from convlab.data import nist_problem
>>> p = nist_problem("Misra1a")
>>> p.model, p.x.shape, p.certified[0]
('y = b1*(1-exp[-b2*x])', (14,), 238.94212918)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

NIST_PROBLEMS = tuple(
    sorted(
        f.name.removesuffix(".json")
        for f in resources.files(__name__).iterdir()
        if f.name.endswith(".json")
    )
)


@dataclass(frozen=True)
class NistProblem:
    """One StRD problem as NIST publishes it (``y`` is NIST's y; Nelson fits log y).

    x: (n_obs,), or (n_obs, 2) for Nelson; certified values are NIST's, 11 significant digits.
    """

    name: str
    difficulty: str
    model: str
    x: np.ndarray
    y: np.ndarray
    start1: tuple[float, ...]
    start2: tuple[float, ...]
    certified: tuple[float, ...]
    certified_sd: tuple[float, ...]
    certified_rss: float
    certified_rsd: float
    dof: int


def nist_problem(name: str) -> NistProblem:
    """The StRD problem ``name`` (one of ``NIST_PROBLEMS``, e.g. ``"Misra1a"``)."""
    if name not in NIST_PROBLEMS:
        raise ValueError(f"name: one of {', '.join(NIST_PROBLEMS)}; got {name!r}")
    rec = json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text("utf-8"))
    return NistProblem(
        name=rec["name"],
        difficulty=rec["difficulty"],
        model=rec["model"],
        x=np.asarray(rec["x"], dtype=np.float64),
        y=np.asarray(rec["y"], dtype=np.float64),
        start1=tuple(rec["start1"]),
        start2=tuple(rec["start2"]),
        certified=tuple(rec["certified"]),
        certified_sd=tuple(rec["certified_sd"]),
        certified_rss=float(rec["certified_rss"]),
        certified_rsd=float(rec["certified_rsd"]),
        dof=int(rec["dof"]),
    )
