"""The reward of one pull in fixed-budget linear best-arm identification (Chen, Karthik, Chee &
Tan, arXiv:2401.09073), from a fresh draw or from a given reward table.

Differential privacy in this setting is defined on a ``T x K`` table of potential rewards
``x[t, k]``, the pull of arm ``k`` at time ``t`` revealing ``x[t, k]``. :func:`bai_pull` either
reads that entry from a given table (privacy audits, data-use tests) or draws it: ``x = 1{u <
mu_k}`` with one uniform ``u`` per pull. Each row of the table is read at most once (one pull
per time step), and the entries are i.i.d., so the drawn rewards have exactly the law of reading
a pre-drawn i.i.d. table.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.rng import generator_of
from bandits.core.validation import ParameterError

__all__ = ["bai_pull", "check_reward_table"]


def check_reward_table(table, horizon, n_arms, name="table") -> np.ndarray:
    """``table`` as a C-contiguous float64 array of shape ``(horizon, n_arms)`` holding only 0
    and 1 (a ``horizon`` of None accepts any number of rows >= 1); ``ParameterError`` naming
    ``name`` otherwise."""
    try:
        array = np.array(table, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, table, "must be a 2-D array of 0 and 1") from None
    rows = array.shape[0] if array.ndim == 2 and horizon is None else horizon
    if array.ndim != 2 or array.shape != (rows, n_arms) or array.shape[0] < 1:
        raise ParameterError(name, f"an array of shape {array.shape}",
                             f"must have shape (T, K) = ({'T' if horizon is None else horizon}, {n_arms})")
    if not np.all((array == 0.0) | (array == 1.0)):
        raise ParameterError(name, "the table", "must hold only 0 and 1")
    return np.ascontiguousarray(array)


@nb.njit(cache=True, nogil=True)
def bai_pull(means, table, t, arm, rng):
    """The reward of pulling ``arm`` at time ``t`` (1-based).

    Parameters
    ----------
    means : float64[K]
        Bernoulli means.
    table : float64[T, K]
        A reward table to read (``table[t - 1, arm]``), or an array with 0 rows to draw instead.
    t : int
        The pull's time step, ``1 <= t``; ``t <= T`` when a table is read.
    arm : int
    rng : Generator or RandomStream
        One uniform per drawn pull; untouched when the table is read.
    """
    if table.shape[0] > 0:
        return table[t - 1, arm]
    return 1.0 if generator_of(rng).random() < means[arm] else 0.0
