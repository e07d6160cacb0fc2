"""One policy for the two coins: explore each coin ``explore`` times, then follow the leader
(ties to coin 0); and its conformance check."""

from __future__ import annotations

import numba as nb
import numpy as np

from bandits.core.conformance import check_params_and_reset, fail
from bandits.core.kernels import compiled_entry_point
from bandits.core.policy import Policy
from bandits.core.validation import check_integer
from toy_setting.environment import CoinView


@nb.njit(cache=True, nogil=True)
def leader_select(state, hyper, t, rng):
    if t <= 2 * hyper[0]:
        return (t - 1) % 2
    return 0 if state[1] * state[2] >= state[3] * state[0] else 1  # mean_0 >= mean_1


@nb.njit(cache=True, nogil=True)
def leader_update(state, hyper, arm, reward, t):
    state[2 * arm] += 1.0
    state[2 * arm + 1] += reward


class FollowTheLeader(Policy):
    """Explore each coin ``explore`` times, then toss the coin with the better mean."""

    name = "follow_the_leader"
    setting = "toy"
    view_type = CoinView
    reward_range = (0.0, 1.0)
    select_kernel = leader_select
    update_kernel = leader_update

    def __init__(self, explore=3):
        self.explore = check_integer("explore", explore, low=1)

    def kernel_hyper(self, view, horizon):
        return (self.explore,)

    def _start(self, view):
        self._hyper = self.kernel_hyper(view, self._horizon)
        self._state = np.zeros(4)
        self._t = 1

    def _bind_entry_points(self):
        self._select_entry = compiled_entry_point(leader_select, (self._state, self._hyper, 1, self._stream))
        self._update_entry = compiled_entry_point(leader_update, (self._state, self._hyper, 0, 0.0, 1))

    def select(self, observation=None):
        self._require_reset()
        return int(self._select_entry(self._state, self._hyper, self._t, self._stream))

    def update(self, action, feedback):
        self._require_reset()
        self._update_entry(self._state, self._hyper, int(action), float(feedback), self._t)
        self._t += 1


def check_toy_policy(policy, *, seed=12345):
    """Parameters in the constructor; actions are 0 or 1 and the same for the same seed."""
    params = check_params_and_reset(policy)
    runs = []
    for _ in range(2):
        p = type(policy)(**params).reset(CoinView(), seed=seed)
        actions = []
        for t in range(20):
            a = p.select()
            if a not in (0, 1):
                fail(policy, "valid actions", f"returned {a!r}")
            actions.append(a)
            p.update(a, float(t % 3 == 0))
        runs.append(actions)
    if runs[0] != runs[1]:
        fail(policy, "determinism", "same seed, different actions")
