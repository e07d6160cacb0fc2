"""The face of the weighted-tallying policies (Malik, Igoe, Li & Singh, arXiv:2305.02955):
:class:`TallyingPolicy`, the K-armed face of :mod:`bandits.core.armed_bandit` for the
``"tallying"`` setting. A learner pulls one action per step and learns from its reward (``-loss``
or ``1 - loss``); it knows K and, for some policies, an upper bound M on the memory m, never the
weights or the tallies. The classic policies (UCB1, EXP3, successive elimination, ...) use the
same kernel protocol and run on tallying problems unchanged, as the switching baselines.
"""

from __future__ import annotations

from typing import ClassVar

from bandits.core.armed_bandit import KArmedPolicy

__all__ = ["TallyingPolicy"]


class TallyingPolicy(KArmedPolicy):
    """Base class of the weighted-tallying policies' faces (the kernels and the face are those of
    :class:`bandits.core.armed_bandit.KArmedPolicy`)."""

    setting: ClassVar[str] = "tallying"
