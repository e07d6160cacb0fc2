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

from bandits.core.rng import generator_of

__all__ = ["bai_pull"]


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
