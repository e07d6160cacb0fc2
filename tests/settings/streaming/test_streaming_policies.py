"""Streaming policies: schedules against the official constants, the conformance check, input
validation, and the six algorithms against readable transcriptions of the official code's
control flow (Chen Wang, ICML 2023, arXiv:2306.02208), driven through the Gymnasium shell."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from streaming_test_policies import all_policies

from bandits.core.conformance import PolicyCheckError, check_policy
from bandits.core.registry import get_setting, policy_class
from bandits.core.validation import ParameterError
from bandits.policies.classic import UCB1
from bandits.policies.streaming import (
    GameOfArms,
    LogLogMemoryTournament,
    LogMemoryTournament,
    LogStarMemory,
    NaiveEpsilonBest,
    UniformExploration,
    check_streaming_policy,
    log_star_levels,
)
from bandits.runner import run
from environments.streaming import (
    COMMIT,
    DISCARD,
    PULL,
    READ,
    StreamingBandit,
    StreamingFeedback,
    StreamingLearnerView,
)


def test_schedules_follow_the_official_constants():
    K, T = 50_000, 1000 * 50_000**3
    view = StreamingLearnerView(K, 32)
    inv = 1 / ((K / T) ** (1 / 3)) ** 2
    assert log_star_levels(K) == 4 and log_star_levels(1000) == 4
    b, m, _ = LogStarMemory().kernel_hyper(view, T)
    assert list(b) == [math.ceil(inv), math.ceil(4 * inv), math.ceil(16 * inv), math.ceil(65536 * inv)]
    assert list(m) == [4, 4, 4096, 10**10]
    b, m, _ = LogMemoryTournament().kernel_hyper(view, T)
    assert len(b) == 10 and list(m) == [6] * 10 and b[3] == math.ceil(math.ceil(1.2**3 * inv))
    b, m, _ = LogLogMemoryTournament().kernel_hyper(view, T)
    assert len(b) == 3 and b[2] == math.ceil(math.log(K) * inv) and list(m[:2]) == [10, 10]
    (B, _), (N, _) = UniformExploration().kernel_hyper(view, T), NaiveEpsilonBest().kernel_hyper(view, T)
    assert B == math.ceil((T / K) ** (2 / 3) * math.log(T) ** (1 / 3)) and N == math.ceil(math.log(K) * inv)
    hyper = GameOfArms(gap_hint="oracle").kernel_hyper(view, T)
    assert hyper[3].size == int(10 * math.log(math.log(K))) and hyper[7] == 1
    assert hyper[4] == pytest.approx(1.5 / math.log(K))
    assert [p.memory_required(K) for p in all_policies()] == [2, 2, 11, 4, 5, 3]


STREAMING_POLICY_NAMES = sorted(get_setting("streaming").policies)


def test_the_registry_lists_the_six_algorithms_and_one_regret_baseline():
    assert STREAMING_POLICY_NAMES == sorted(policy.name for policy in all_policies())
    assert [type(policy) for policy in all_policies()] == [policy_class(policy.name) for policy in all_policies()]
    # reports find the baseline and the oracle-assisted policies by attribute, not by name
    assert [name for name in STREAMING_POLICY_NAMES if policy_class(name).is_regret_baseline] == [
        UniformExploration.name
    ]
    assert [policy.uses_oracle_gap for policy in all_policies()] == [False] * 5 + [True]
    assert not GameOfArms().uses_oracle_gap and not GameOfArms(gap_hint=0.1).uses_oracle_gap


@pytest.mark.parametrize("name", STREAMING_POLICY_NAMES)
def test_check_streaming_policy(name):
    check_streaming_policy(policy_class(name)())
    check_policy(policy_class(name)(official_quirks=True))  # dispatch through the setting registry


def test_policy_validation():
    view = StreamingLearnerView(100, 3)
    for make, parameter, message in [
        (lambda: UniformExploration(paper_accounting=1), "paper_accounting",
         "paper_accounting: must be True or False, got 1"),
        (lambda: LogStarMemory(batch_rounding="round"), "batch_rounding", "batch_rounding: must be one of 'ceil', 'floor'"),
        (lambda: GameOfArms(gap_hint=-0.1), "gap_hint", "gap_hint: must be in [0, 1], got -0.1"),
        (lambda: GameOfArms(gap_hint="true"), "gap_hint", "gap_hint: must be one of 'oracle'"),
        (lambda: GameOfArms(round_scale=0), "round_scale", "round_scale: must be > 0, got 0"),
        (lambda: LogMemoryTournament().reset(view, horizon=10), "memory", "memory: LogMemoryTournament needs >= 5"),
        (lambda: GameOfArms(gap_hint="oracle").reset(StreamingLearnerView(10, 3), horizon=10), "oracle_gap",
         "oracle_gap"),
        (lambda: UniformExploration().reset(view, horizon=2**62 + 1), "horizon", "horizon: must be <= 2^62"),
    ]:
        with pytest.raises(ParameterError) as error:
            make()
        assert message in str(error.value) and error.value.parameter == parameter
    assert "oracle" in GameOfArms(gap_hint="oracle").label
    problem = StreamingBandit(arms="mix-in", n_arms=100, memory=4)
    with pytest.raises(ValueError, match=r"policies\[0\]: log_memory needs memory >= 5 slots"):
        run(problem, [LogMemoryTournament()], horizon=1000, n_replications=1, seed=0)
    for other in (object(), UCB1()):  # not a policy, a policy of another setting
        with pytest.raises(ParameterError, match="policy: must be a policy of the 'streaming' setting") as error:
            problem.check_policy_compatible(other)
        assert error.value.parameter == "policy"
    with pytest.raises(ParameterError, match=r"policies\[1\]: must be a policy of the 'streaming' setting"):
        problem.check_policy_compatible(UCB1(), "policies[1]")
    with pytest.raises(ParameterError, match="log_memory needs memory >= 5 slots") as error:
        problem.check_policy_compatible(LogMemoryTournament(), "policies[0]")  # the setting's own check follows
    assert error.value.parameter == "policies[0]"
    policy = UniformExploration().reset(StreamingLearnerView(3, 2), seed=0, horizon=100)
    action = policy.select()
    with pytest.raises(ParameterError, match="feedback: must be a StreamingFeedback"):
        policy.update(action, (0, 0, 0))
    with pytest.raises(ParameterError, match="feedback.status: must be an integer"):
        policy.update(action, StreamingFeedback(0, 0.5, 0))


class _LyingUniform(UniformExploration):
    """Declares one slot but needs two: the environment must refuse its second READ."""

    def memory_required(self, n_arms):
        return 1


def test_fused_loop_reports_invalid_operations():
    problem = StreamingBandit(arms="mix-in", n_arms=5, memory=1)
    with pytest.raises(ValueError, match=r"policies\[0\]: uniform_exploration made an invalid operation READ"):
        run(problem, [_LyingUniform()], horizon=1000, n_replications=2, seed=0)


def test_pickled_policy_and_a_failing_check():
    policy = LogStarMemory(paper_accounting=True)
    clone = pickle.loads(pickle.dumps(policy))
    assert clone.get_params() == policy.get_params() and clone.label == "log_star_memory(paper_accounting=True)"
    with pytest.raises(PolicyCheckError):
        check_streaming_policy(_LyingUniform())


# ---------------------------------------------------------------------------------------------
# Readable references of the official control flow, driven through the shell
# ---------------------------------------------------------------------------------------------
class _Done(Exception):
    pass


class _Driver:
    """Issues operations through the shell; records them; raises _Done at T."""

    def __init__(self, env):
        self.env = env
        self.operations = []

    def _step(self, op, slot, count=0):
        if self.env.pulls_used >= self.env.horizon:
            raise _Done
        self.operations.append((op, slot, count))
        obs, reward, _, truncated, info = self.env.step({"op": op, "slot": slot, "count": count})
        self.obs = obs
        return reward, info

    def read(self):
        occupied = self.obs["occupied"]
        slot = int(np.flatnonzero(occupied == 0)[0])
        self._step(READ, slot)
        return slot

    def pull(self, slot, batch):
        count = min(batch, self.env.horizon - self.env.pulls_used)
        reward, info = self._step(PULL, slot, count)
        return reward / info["pulls_done"], info["pulls_done"]

    def discard(self, slot):
        self._step(DISCARD, slot)

    def commit(self, slot):
        self._step(COMMIT, slot)
        raise _Done


def reference_levels(d, K, batch, caps, quirks):
    """The official log_eps_best_algorithm loop (lists per level, pop of the last promoted arm),
    with every pull counted and the top level never promoted from."""
    L = len(batch)
    levels = [[] for _ in range(L)]
    bench, counted, max_level, read = [0.0] * L, [0] * L, 0, 0

    def end():
        stored = [l for l in range(L) if levels[l]]
        remaining = d.env.horizon - d.env.pulls_used
        if remaining >= max_level * batch[0] and (quirks or len(stored) >= 2):
            fresh = {l: d.pull(levels[l][0], batch[0])[0] for l in stored}
            if quirks:
                best = 0
                for l in stored:
                    if fresh[l] > 0:
                        best = l
                if not levels[best]:
                    best = max(stored)
            else:
                best = max(stored, key=lambda l: (fresh[l], -l))
        else:
            best = max_level if quirks and levels[max_level] else max(stored)
        d.commit(levels[best][0])

    while True:
        for level in range(L):
            max_level = max(max_level, level)
            if level == L - 1 or counted[level] <= caps[level]:
                if not levels[level]:
                    if read == K:
                        end()
                    x = d.read()
                    read += 1
                    mean, _ = d.pull(x, batch[level])
                    levels[level].append(x)
                    bench[level] = max(bench[level], mean) if quirks else mean
                    counted[level] += 1
                else:
                    if level == 0:
                        if read == K:
                            end()
                        x = d.read()
                        read += 1
                    elif len(levels[level]) > 1:
                        x = levels[level].pop()
                    else:
                        bench[level] = d.pull(levels[level][0], batch[level])[0]
                        break
                    mean, _ = d.pull(x, batch[level])
                    counted[level] += 1
                    if bench[level] >= mean:
                        d.discard(x)
                    else:
                        d.discard(levels[level][0])
                        levels[level] = [x]
                        bench[level] = mean
                break
            if len(levels[level]) > 1:
                m1 = d.pull(levels[level][0], batch[level])[0]
                m2 = d.pull(levels[level][1], batch[level])[0]
                winner, loser = (levels[level][0], levels[level][1]) if m1 > m2 else (levels[level][1], levels[level][0])
                d.discard(loser)
            else:
                winner = levels[level][0]
            levels[level + 1].append(winner)
            levels[level] = []
            counted[level] = 0


def reference_game_of_arms(d, K, hyper, gap, rng):
    """The official Game_of_Arms_regret_min loop (a survivor of every round becomes king)."""
    eps, n_init, inc, rounds, probability, backup_batch, cap = hyper[:7]
    king = backup = d.read()
    budget, est, full = float(n_init), eps / 2, 0.0
    backup_mean = d.pull(king, backup_batch)[0]
    for _ in range(K - 1):
        cur = d.read()
        if full <= cap:
            budget += inc
            for r in range(len(rounds)):
                if budget < rounds[r]:
                    dethrone = True
                    break
                mean, n = d.pull(cur, rounds[r])
                full += n
                budget -= n
                if est - eps / 5 >= mean:
                    dethrone = False
                    break
            else:
                dethrone = True
            if dethrone:
                old, king, budget = king, cur, float(n_init)
                if old not in (backup, cur):
                    d.discard(old)
                mean, n = d.pull(king, n_init)
                est = min(max(mean, est + gap / 2), 1.0)
                full += n
        if rng.random() < probability:
            mean, _ = d.pull(cur, backup_batch)
            if mean > backup_mean:
                backup_mean, old, backup = mean, backup, cur
                if old not in (king, cur):
                    d.discard(old)
        if cur not in (king, backup):
            d.discard(cur)
    d.commit(king if full <= cap else backup)


def reference_champion(d, K, batch, quirks):
    champ, champ_mean = None, 0.0
    for _ in range(K):
        x = d.read()
        mean, _ = d.pull(x, batch)
        if champ is None:
            champ, champ_mean = x, (0.0 if quirks else mean)
        elif mean > champ_mean:
            d.discard(champ)
            champ, champ_mean = x, mean
        else:
            d.discard(x)
    d.commit(champ)


def _operations_of(policy, env, env_seed, policy_seed):
    obs, info = env.reset(seed=env_seed)
    policy.reset(env, seed=policy_seed, horizon=env.horizon)
    view = policy.view
    operations, truncated = [], False
    while not truncated:
        action = policy.select(obs)
        operations.append((action["op"], action["slot"], action["count"]))
        obs, reward, _, truncated, info = env.step(action)
        policy.update(action, view.feedback(reward, info))
    return operations


@pytest.mark.parametrize("quirks", [False, True])
@pytest.mark.parametrize("horizon", [10**5, 10**9])
def test_policies_follow_the_official_control_flow(quirks, horizon):
    """Same operations as a direct transcription of the official loops, on mix-in streams (T =
    10^5 cuts the exploration short, T = 10^9 reaches the commit)."""
    K = 300
    problem = StreamingBandit(arms="mix-in", n_arms=K, memory=16)
    view = problem.learner_view
    for seed in range(3):
        env = problem.make_env(horizon)
        for policy in all_policies(official_quirks=quirks):
            expected_ops = _operations_of(policy, env, seed, seed + 100)
            obs, info = env.reset(seed=seed)
            driver = _Driver(env)
            driver.obs = obs
            hyper = policy.kernel_hyper(view, horizon)
            try:
                if isinstance(policy, GameOfArms):
                    reference_game_of_arms(driver, K, hyper, info["oracle_gap"], np.random.default_rng(seed + 100))
                elif isinstance(policy, (UniformExploration, NaiveEpsilonBest)):
                    reference_champion(driver, K, int(hyper[0]), quirks)
                else:
                    reference_levels(driver, K, [int(b) for b in hyper[0]], [int(c) for c in hyper[1]], quirks)
            except _Done:
                pass
            assert driver.operations == expected_ops, (policy.label, seed)
