"""The fixed-omega comparator (Khodak, Chow, Balcan & Talwalkar, *Learning to Relax*, ICLR 2024,
arXiv:2310.02246: the fixed omegas of the synthetic study, 1, 1.2, ..., 1.8, and of the heat study,
1, 1.3, 1.5, 1.75, 1.95): one grid point every round.

State ``(rounds int64[1],)``; hyper ``(index int64,)``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.validation import ParameterError, check_integer, check_real
from bandits.policies.solver_tuning.face import SolverTuningPolicy, _check_grid

__all__ = ["FixedOmega", "fixed_omega_init", "fixed_omega_select", "fixed_omega_update"]


@nb.njit(cache=True, nogil=True)
def fixed_omega_init(n_omegas, horizon, context_low, context_high, hyper):
    """State of the fixed comparator: a round counter."""
    return (np.zeros(1, np.int64),)


@nb.njit(cache=True, nogil=True)
def fixed_omega_select(state, hyper, context, rng):
    """Always ``hyper[0]``; no draws."""
    return hyper[0]


@nb.njit(cache=True, nogil=True)
def fixed_omega_update(state, hyper, context, index, cost):
    """Counts the round."""
    state[0][0] += 1


class FixedOmega(SolverTuningPolicy):
    """Comparator that plays one grid point every round (the paper's fixed-omega baselines). The
    best fixed omega in hindsight and the instance-optimal omega are computed by the environment,
    not by policies.

    Parameters
    ----------
    omega_index : int >= 0, optional
        The grid index to play (checked against the grid size at :meth:`reset`).
    omega : float in (0, 2), optional
        The omega value to play; it must be a point of the grid (within 1e-9), which is
        resolved at :meth:`reset` (the learner view's ``omega_grid``, or the policy's ``grid``).
        Exactly one of ``omega_index`` and ``omega`` must be given.
    grid : sequence of float, optional
        See :class:`SolverTuningPolicy`.
    """

    name = "fixed_omega"
    init_kernel = fixed_omega_init
    select_kernel = fixed_omega_select
    update_kernel = fixed_omega_update
    contextual = False
    regret_exponent = 1.0
    is_fixed_comparator = True

    def __init__(self, omega_index=None, omega=None, grid=None):
        if (omega_index is None) == (omega is None):
            raise ParameterError(
                "omega_index", omega_index, "exactly one of omega_index and omega must be given",
                got=f"omega_index={omega_index!r}, omega={omega!r}",
            )
        self.omega_index = None if omega_index is None else check_integer("omega_index", omega_index, low=0)
        self.omega = None if omega is None else check_real("omega", omega, low=0.0, high=2.0, low_open=True,
                                                           high_open=True)
        self.grid = _check_grid("grid", grid)
        if self.grid is not None:
            self._index_in(np.array(self.grid))

    def _index_in(self, values: np.ndarray) -> int:
        """The index to play on a grid of omega ``values``."""
        if self.omega_index is not None:
            if self.omega_index >= values.size:
                raise ParameterError("omega_index", self.omega_index, f"must be < the grid size {values.size}")
            return self.omega_index
        distance = np.abs(values - self.omega)
        index = int(np.argmin(distance))
        if distance[index] > 1e-9:
            raise ParameterError("omega", self.omega, f"must be a point of the grid {values.tolist()!r}")
        return index

    def _kernel_hyper(self, omega_values, horizon):
        return (np.int64(self._index_in(omega_values)),)
