r"""BatchNorm's two modes: train-mode and eval-mode outputs differ until the running
statistics have converged.

In train mode BN normalises with the batch's own mean and variance; in eval mode with the
running statistics μ̄, σ̄², which start at (0, 1) and move with momentum α, the weight of the
new batch (torch's ``momentum``; μ̄_t = (1 − α) μ̄_{t−1} + α μ_batch).  For data of mean μ the
running mean's error after t training batches is therefore (1 − α)^t |μ| (plus batch noise of
variance α/(2 − α) · σ²/B), and the gap between the two modes' outputs shrinks with it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from convlab.backend import from_host, get_namespace, host_rng, to_numpy
from convlab.nn.batchnorm import BatchNorm1d, statistics_kept


class ModesResult(NamedTuple):
    """Per training batch t = 1 … steps: ``gap[t−1]`` = RMS of y_train − y_eval on a fixed
    evaluation batch; ``mean_error`` = max |μ̄_t − μ|; ``predicted_mean_error`` = the closed
    form (default (1 − α)^t |μ|)."""

    gap: np.ndarray
    mean_error: np.ndarray
    predicted_mean_error: np.ndarray
    verdict: dict[str, bool]


def bn_modes(
    *,
    momentum: float = 0.1,
    steps: int = 60,
    batch_size: int = 256,
    width: int = 8,
    mean: float = 3.0,
    std: float = 2.0,
    predicted: np.ndarray | None = None,
    seed: int = 0,
    backend: Any = None,
    dtype: Any = "float64",
) -> ModesResult:
    """Feed ``steps`` batches of N(mean, std²) data through one BatchNorm1d in train mode and,
    after each, compare its train-mode and eval-mode outputs on a fixed batch of 512.

    predicted: the running-mean error per step (default ``(1 - momentum)**t * |mean|``).
    Verdict: the two modes differ after the first batch (gap > 0.5); they agree (gap < 0.1)
    once the running statistics have converged; the running-mean error tracks the
    prediction within a factor 2 while it is above the batch noise (t ≤ 10).
    """
    xp = get_namespace(backend)
    rng = host_rng(seed)
    bn = BatchNorm1d(width, momentum=momentum, backend=xp, dtype=dtype)
    X_eval = from_host(rng.normal(mean, std, size=(512, width)), xp, dtype)
    gaps, errors = [], []
    for _ in range(steps):
        bn.train().forward(
            from_host(rng.normal(mean, std, size=(batch_size, width)), xp, dtype, X_eval.device)
        )
        with statistics_kept(bn):
            y_train = bn.forward(X_eval)
        y_eval = bn.eval().forward(X_eval)
        gaps.append(float(xp.sqrt(xp.mean((y_train - y_eval) ** 2))))
        errors.append(float(np.max(np.abs(to_numpy(bn.running_mean) - mean))))
    t = np.arange(1, steps + 1)
    pred = (1 - momentum) ** t * abs(mean) if predicted is None else np.asarray(predicted, float)
    gaps, errors = np.array(gaps), np.array(errors)
    early = slice(0, min(10, steps))
    verdict = {
        "train and eval outputs differ after one batch": bool(gaps[0] > 0.5),
        "they agree once the running statistics converge": bool(gaps[-1] < 0.1),
        "the running-mean error follows (1 - alpha)^t |mu|": bool(
            np.all(np.abs(np.log2(errors[early] / pred[early])) <= 1.0)
        ),
    }
    return ModesResult(gaps, errors, pred, verdict)
