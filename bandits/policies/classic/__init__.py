"""Policies for the classic stochastic K-armed bandit.

Each policy is a triple of numba kernels (``*_init``, ``*_select``, ``*_update``; the protocol is
in :mod:`bandits.policies.classic.face`) plus a face, :class:`ArmedBanditPolicy`. Arms never
pulled have index ``+inf`` in the index policies, so each arm is pulled once first, in random
order. Rounds ``t`` are 1-based.

======================  ======================================================================
policy                  decision rule (module)
======================  ======================================================================
UCB1                    ``mean_k + sqrt(alpha ln t / n_k)``, alpha = 2 (``index_policies``)
KL-UCB                  ``max{q : n_k kl(mean_k, q) <= c ln t + c2 ln ln t}`` (``index_policies``)
Thompson (Beta)         ``theta_k ~ Beta(a0 + S_k, b0 + n_k - S_k)`` (``thompson_sampling``)
Thompson (Gaussian)     ``theta_k ~ N(posterior mean, posterior variance)`` (``thompson_sampling``)
epsilon-greedy          explore w.p. eps_t, else greedy; eps_t fixed or min(1, cK/(d^2 t)) (``epsilon_greedy``)
EXP3                    ``p ∝ exp(-eta L_hat)``, importance-weighted losses 1 - r (``adversarial``)
Tsallis-INF             1/2-Tsallis FTRL, ``p_i = 4 / (eta_t (L_hat_i - x))^2`` (``adversarial``)
successive elimination  round robin over active arms, drop arms whose UCB < best LCB (``elimination``)
explore-then-commit     m pulls per arm in round robin, then the best empirical mean (``elimination``)
======================  ======================================================================

:func:`check_classic_policy` (``checks``) is the setting's conformance check.
"""

from bandits.policies.classic.adversarial import EXP3, TsallisINF
from bandits.policies.classic.checks import check_classic_policy
from bandits.policies.classic.epsilon_greedy import DecayingEpsilonGreedy, EpsilonGreedy
from bandits.policies.classic.elimination import ExploreThenCommit, SuccessiveElimination
from bandits.policies.classic.face import ArmedBanditPolicy
from bandits.policies.classic.index_policies import KLUCB, UCB1
from bandits.policies.classic.thompson_sampling import BernoulliThompsonSampling, GaussianThompsonSampling

__all__ = [
    "ArmedBanditPolicy",
    "UCB1",
    "KLUCB",
    "BernoulliThompsonSampling",
    "GaussianThompsonSampling",
    "EpsilonGreedy",
    "DecayingEpsilonGreedy",
    "EXP3",
    "TsallisINF",
    "SuccessiveElimination",
    "ExploreThenCommit",
    "check_classic_policy",
]
