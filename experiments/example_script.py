"""End-to-end use of the regretlab API from Python.

    python experiments/example_script.py [OUT_DIR]

1. checks a policy against the conventions (check_policy);
2. runs an experiment given as a dict into a result directory (resumable, atomic files);
3. loads the stored arrays and computes paired differences between two policies (common random
   numbers: both saw the same reward draws in each replication);
4. drives the Gymnasium environment step by step for one replication, by hand and with the
   generic driver ``bandits.gym_driver``, and checks both reproduce the stored curve exactly;
5. writes the regret report.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np

import environments  # noqa: F401  (registers the regretlab/... Gymnasium ids)
from bandits import KLUCB, check_policy, replication_seeds, rollout
from bandits.experiment import run_experiment
from bandits.report import write_report

MEANS = [0.3, 0.4, 0.5, 0.6]
CONFIG = {
    "name": "example_script",
    "horizon": 5000,
    "n_replications": 40,
    "seed": 123,
    "n_jobs": 2,
    "environments": [{"name": "BernoulliBandit", "means": MEANS}],
    "policies": [{"name": "kl_ucb"}, {"name": "ucb1"}],
}


def main(out: Path) -> None:
    check_policy(KLUCB())
    print("check_policy(KLUCB()): passed")

    results = run_experiment(CONFIG, out)
    result = results["environments"][0].result
    kl_ucb, ucb1 = result.final_regret  # (replications,) each
    difference = ucb1 - kl_ucb
    se = difference.std(ddof=1) / math.sqrt(difference.size)
    print(f"final regret at T={CONFIG['horizon']}: KL-UCB {kl_ucb.mean():.1f}, UCB1 {ucb1.mean():.1f}, "
          f"paired difference {difference.mean():.1f} ± {se:.1f} (s.e.)")

    # Replay replication 0 of KL-UCB through the Gymnasium shell.
    horizon = CONFIG["horizon"]
    env_seed, policy_seed = replication_seeds(CONFIG["seed"], 0)
    env = gym.make("regretlab/BernoulliBandit-v0", means=MEANS, max_episode_steps=horizon)
    env.reset(seed=env_seed)
    policy = KLUCB().reset(env, seed=policy_seed, horizon=horizon)
    regret = 0.0
    for _ in range(horizon):
        arm = policy.select()
        _, reward, _, _, info = env.step(arm)
        policy.update(arm, reward)
        regret += info["optimal_expected_reward"] - info["expected_reward"]
    stored = result.cumulative_regret[0, 0, -1]
    assert regret == stored, (regret, stored)
    print(f"Gymnasium replay of replication 0 reproduces the stored regret exactly: {regret:.2f}")

    # The same with the generic driver, which runs any registered environment with any policy.
    env = gym.make("regretlab/BernoulliBandit-v0", means=MEANS, max_episode_steps=horizon)
    driven = rollout(env, KLUCB(), horizon=horizon, seed=CONFIG["seed"], replication=0)
    assert driven.final_regret == stored, (driven.final_regret, stored)
    print(f"bandits.gym_driver reproduces it too: {driven.final_regret:.2f}")

    print(f"report: {write_report(out)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("results/example_script"))
