"""The cascading setting's protocol: what a learner may know (:class:`CascadeLearnerView`), what
it learns from one step (:class:`CascadeFeedback`), and the item-list action format
(:func:`parse_item_list`).

Cascading bandits: Kveton, Szepesvari, Wen & Ashkan, ICML 2015, arXiv:1502.02763. Cascading RL:
Du, Srikant & Chen, ICLR 2024, arXiv:2401.08961. In both, the learner shows an ordered list of
1..m distinct items out of N and observes the *examined prefix*: every item up to and including
the clicked one (none clicked: the whole list was examined and found unattractive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from bandits.core.validation import ParameterError

__all__ = ["CascadeLearnerView", "CascadeFeedback", "parse_item_list"]


class CascadeFeedback(NamedTuple):
    """What a cascading policy learns from one step (``view.feedback(reward, info)``).

    Attributes
    ----------
    step : int
        ``h``, the step of the episode (0-based; always 0 for the cascading bandit).
    state : int
        ``s``, the user's state when the list was shown.
    click_position : int
        Position in the list of the clicked item, or -1 for no click: the items before it were
        examined and not attractive, the clicked item was attractive, later items are unobserved.
    next_state : int
        ``s'``, the state the click (or the no-click item) moved the user to.
    reward : float
        The step's reward ``r(s, clicked item)`` (0 without a click).
    """

    step: int
    state: int
    click_position: int
    next_state: int
    reward: float


@dataclass(frozen=True, eq=False)
class CascadeLearnerView:
    """What a cascading learner is told about its problem: sizes, the known reward table and
    initial distribution (the algorithms of Du et al., 2024, arXiv:2401.08961, use ``r(s, a)``
    directly and start from a known ``s_1``). Never attractions or transitions.

    Attributes
    ----------
    n_states, n_items, episode_length, list_length : int
        S, N, H and m.
    reward : float64[S, N+1]
        ``r(s, a)``, column N the no-click reward (0).
    initial_distribution : float64[S]
    unit_rewards : bool
        True for a cascading bandit (``S = H = 1``, ``r = 1``), the setting of CascadeUCB1 and
        CascadeKL-UCB.
    """

    n_states: int
    n_items: int
    episode_length: int
    list_length: int
    reward: np.ndarray
    initial_distribution: np.ndarray
    unit_rewards: bool

    def feedback(self, reward, info) -> CascadeFeedback:
        """The :class:`CascadeFeedback` of one Gymnasium step of a cascading shell: ``info``
        carries ``step``, ``state``, ``click_position`` and ``next_state``; ``ValueError``
        otherwise. The values are checked by the policy's ``update``."""
        try:
            return CascadeFeedback(
                int(info["step"]), int(info["state"]), int(info["click_position"]), int(info["next_state"]), reward
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ParameterError("info", info, "must carry step, state, click_position and next_state") from error


def parse_item_list(action, n_items: int, list_length: int):
    """Validate a Gym action ``MultiDiscrete([N+1]*m)`` (N = empty slot, padding only at the end,
    distinct items, at least one) and return ``(items int64[m], length)``.

    Raises
    ------
    ValueError
        Naming the broken rule (wrong shape or type, item out of range, empty list, a gap,
        duplicates).
    """
    values = np.asarray(action)
    if values.shape != (list_length,) or not np.issubdtype(values.dtype, np.integer):
        raise ParameterError(
            "action", action, f"must be {list_length} integers in [0, {n_items}] ({n_items} = empty slot)"
        )
    values = values.astype(np.int64)
    shown = values.tolist()
    if values.min() < 0 or values.max() > n_items:
        raise ParameterError("action", shown, f"items must be in [0, {n_items}] ({n_items} = empty slot)")
    empty = values == n_items
    length = int(np.argmax(empty)) if empty.any() else list_length
    if length == 0:
        raise ParameterError("action", shown, "the list must hold at least one item")
    if not empty[length:].all():
        raise ParameterError("action", shown, f"empty slots ({n_items}) only at the end of the list")
    if np.unique(values[:length]).size != length:
        raise ParameterError("action", shown, "items must be distinct")
    return np.ascontiguousarray(values), length
