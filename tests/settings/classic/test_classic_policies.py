"""Classic policies: the conformance checker on every policy, hyper-parameter validation,
and the Python face."""

import numpy as np
import pytest
from gymnasium import spaces

from bandits import check_policy
from bandits.core.conformance import PolicyCheckError
from bandits.core.registry import get_setting, policy_class
from bandits.policies import (
    EXP3,
    KLUCB,
    UCB1,
    BernoulliThompsonSampling,
    DecayingEpsilonGreedy,
    EpsilonGreedy,
    ExploreThenCommit,
    GaussianThompsonSampling,
    SuccessiveElimination,
    TsallisINF,
)
from environments.classic import ArmedBanditView

ALL_POLICIES = [
    UCB1(),
    UCB1(alpha=0.5),
    KLUCB(),
    KLUCB(c=1.0, c_loglog=3.0),
    BernoulliThompsonSampling(),
    GaussianThompsonSampling(),
    EpsilonGreedy(),
    DecayingEpsilonGreedy(),
    EXP3(),
    EXP3(learning_rate=0.05),
    TsallisINF(),
    SuccessiveElimination(),
    ExploreThenCommit(),
    ExploreThenCommit(explore_per_arm=3),
]


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.label)
def test_every_policy_passes_check_policy(policy):
    check_policy(policy)


def test_registry_lists_every_classic_policy():
    classic = get_setting("classic").policies
    assert set(classic) == {
        "ucb1", "kl_ucb", "thompson_beta", "thompson_gaussian", "epsilon_greedy",
        "decaying_epsilon_greedy", "exp3", "tsallis_inf", "successive_elimination",
        "explore_then_commit",
    }
    for name in classic:
        cls = policy_class(name)
        assert cls.name == name
        assert cls.setting == "classic"
        assert cls.__doc__


def test_check_policy_catches_a_broken_policy():
    """The checker must be able to fail: a policy that returns an invalid arm is caught."""

    class OffByOne(UCB1):
        name = "off_by_one"

        def select(self, observation=None):
            return super().select() + 1

    with pytest.raises(PolicyCheckError, match="valid actions"):
        check_policy(OffByOne())


def test_check_policy_catches_hidden_global_randomness():
    class Unseeded(UCB1):
        name = "unseeded"

        def select(self, observation=None):
            self._require_reset()
            return int(np.random.default_rng().integers(0, self.view.n_arms))

    with pytest.raises(PolicyCheckError, match="determinism"):
        check_policy(Unseeded())


def test_check_policy_catches_mutated_hyper_parameters():
    class Drifting(UCB1):
        name = "drifting"

        def update(self, action, reward):
            super().update(action, reward)
            self.alpha = self.alpha * 1.001

    with pytest.raises(PolicyCheckError, match="immutability"):
        check_policy(Drifting())


@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda: UCB1(alpha=0), r"alpha: must be > 0, got 0"),
        (lambda: UCB1(alpha=float("nan")), r"alpha: must be finite"),
        (lambda: KLUCB(c=-1), r"c: must be > 0, got -1"),
        (lambda: KLUCB(c_loglog=-0.5), r"c_loglog: must be >= 0, got -0.5"),
        (lambda: BernoulliThompsonSampling(prior_alpha=0), r"prior_alpha: must be > 0, got 0"),
        (lambda: GaussianThompsonSampling(noise_std=0), r"noise_std"),
        (lambda: EpsilonGreedy(epsilon=1.5), r"epsilon: must be in \[0, 1\], got 1.5"),
        (lambda: DecayingEpsilonGreedy(d=0), r"d: must be in \(0, 1\]"),
        (lambda: EXP3(learning_rate=-0.1), r"learning_rate: must be > 0, got -0.1"),
        (lambda: EXP3(learning_rate=0.1, anytime=True), r"anytime: must be False"),
        (lambda: TsallisINF(learning_rate_scale=0), r"learning_rate_scale"),
        (lambda: SuccessiveElimination(delta=1.0), r"delta: must be in \(0, 1\), got 1.0"),
        (lambda: ExploreThenCommit(explore_per_arm=0), r"explore_per_arm: must be >= 1, got 0"),
        (lambda: ExploreThenCommit(explore_per_arm=2.5), r"explore_per_arm: must be an integer"),
    ],
)
def test_invalid_hyper_parameters_raise_naming_parameter_rule_and_value(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_horizon_dependent_defaults_require_a_horizon():
    with pytest.raises(ValueError, match="horizon"):
        ExploreThenCommit().reset(4, seed=0)
    ExploreThenCommit(explore_per_arm=2).reset(4, seed=0)
    # EXP3 falls back to its anytime rate without a horizon.
    assert EXP3().kernel_hyper(ArmedBanditView(4), None)[0] == 1
    assert EXP3().kernel_hyper(ArmedBanditView(4), 1000)[0] == 0


def test_reset_rejects_non_discrete_spaces_and_bad_arm_counts():
    with pytest.raises(ValueError, match="Discrete"):
        UCB1().reset(spaces.Box(0, 1, (2,)), seed=0)
    with pytest.raises(ValueError, match="n_arms: must be >= 1, got 0"):
        UCB1().reset(0, seed=0)


def test_policies_refuse_rewards_outside_their_model():
    policy = KLUCB().reset(3, seed=0)
    with pytest.raises(ValueError, match=r"reward: KLUCB needs finite rewards in \[0, 1\], got 1.5"):
        policy.update(0, 1.5)
    UCB1().reset(3, seed=0).update(0, 7.5)  # UCB1 accepts any finite reward


def test_explore_then_commit_explores_exactly_m_times_then_commits():
    policy = ExploreThenCommit(explore_per_arm=4).reset(3, seed=1)
    rewards = {0: 0.0, 1: 1.0, 2: 0.5}
    arms = []
    for _ in range(30):
        arm = policy.select()
        arms.append(arm)
        policy.update(arm, rewards[arm])
    assert sorted(arms[:12]) == [0] * 4 + [1] * 4 + [2] * 4
    assert arms[12:] == [1] * 18


def test_label_shows_non_default_parameters():
    assert UCB1().label == "ucb1"
    assert UCB1(alpha=0.5).label == "ucb1(alpha=0.5)"
    assert repr(KLUCB(c=2.0)) == "KLUCB(c=2.0, c_loglog=0.0)"
