"""
Recovering rewards: learning a periodic pulling schedule
========================================================

N arms, of which at most K can be pulled in each period. An arm's expected reward drops when it
is pulled and recovers, with no assumed functional form, as it rests: a learner must decide not
only which arms are good but how long to let each one rest. Simchi-Levi, Zheng & Zhu (ICML 2021,
`arXiv:2106.14813 <https://arxiv.org/abs/2106.14813>`__) showed that *purely periodic*
policies, which pull each arm on a fixed period, are near-optimal offline, and combined them
with upper confidence bounds to learn online. The fluid linear programme behind the periodic
policy gives an upper bound UB* on the average reward of every policy.
"""

# %%
# The problem and the policies
# ----------------------------
# Ten arms with S-shaped (logistic) recovery curves over idle times 1 to 8, three pulls per
# period, Bernoulli rewards. We run the offline purely periodic policy (it reads the true
# recovery table: an oracle), the online UCB + periodic policy that learns the table, and a
# combinatorial UCB that ignores idle times. The horizon counts periods.

import matplotlib.pyplot as plt
import numpy as np

from bandits import run
from bandits.policies import CombinatorialUCB, PeriodicUCB, PurelyPeriodic
from bandits.report import OKABE_ITO
from environments import RandomRecoveringBandit

problem = RandomRecoveringBandit("logistic", n_arms=10, d_max=8, max_pulls=3, instance_seed=2)
policies = [PeriodicUCB(), PurelyPeriodic(), CombinatorialUCB()]
names = ["UCB + periodic (learns)", "purely periodic (offline oracle)", "combinatorial UCB (idle-blind)"]

horizon, n_replications = 100_000, 16
record_points = np.unique(np.round(np.logspace(1, 5, 33)).astype(np.int64))  # 8 per decade
record_points = np.union1d(record_points, [horizon // 2])  # and the middle of the run
result = run(problem, policies, horizon=horizon, n_replications=n_replications, seed=2106, n_jobs=2,
             record_points=record_points)

# %%
# Average reward per period
# -------------------------
# The metric ``expected_reward`` is the cumulative expected reward at each record point. We
# divide it by the number of periods and compare it with two numbers the problem computes
# exactly: the fluid upper bound UB* and the long-run average that the periodic policy is
# guaranteed (``periodic_lower_bound``). We print the reward per period over the whole run and
# over its second half, and the total reward lost to the offline periodic policy (policy
# regret), paired by replication: both policies saw the same reward noise.

upper = problem.fluid_upper_bound
lower = problem.periodic_lower_bound()
reward = result.metrics["expected_reward"]  # (policy, replication, record point)
middle = np.searchsorted(record_points, horizon // 2)


def mean_se(values, digits):
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1) / np.sqrt(values.size):.{digits}f}"


print(f"UB* = {upper:.4f} and periodic lower bound = {lower:.4f} per period; {n_replications} runs")
print(f"{'policy':<34}{'reward per period':>18}{'second half':>18}{'lost to the oracle':>20}")
for p, name in enumerate(names):
    whole = reward[p, :, -1] / horizon
    second = (reward[p, :, -1] - reward[p, :, middle]) / (horizon - horizon // 2)
    lost = reward[1, :, -1] - reward[p, :, -1]
    print(f"{name:<34}{mean_se(whole, 4):>18}{mean_se(second, 4):>18}{mean_se(lost, 0):>20}")

# %%
# Reward against time
# -------------------
# The expected reward per period in consecutive windows between the record points (eight per
# decade, so each window is about a third longer than the one before), as a mean over the
# runs with 95% bands. Untried (arm, idle time) pairs look perfect to the learner, so it
# starts by trying every arm at every idle time and earns little; then its reward climbs to the
# offline policy's as it learns how long each arm must rest. The idle-blind learner ends up
# pulling the same few arms too often, and its reward keeps falling.

t = result.record_points
centres = np.sqrt(t[1:] * t[:-1])  # geometric centre of each window
fig, ax = plt.subplots(figsize=(7, 4.6), layout="constrained")
for p, name in enumerate(names):
    windowed = np.diff(reward[p], axis=1) / np.diff(t)
    mean = windowed.mean(axis=0)
    half = 1.96 * windowed.std(axis=0, ddof=1) / np.sqrt(n_replications)
    ax.plot(centres, mean, color=OKABE_ITO[p], marker="o", markersize=3, label=name)
    ax.fill_between(centres, mean - half, mean + half, color=OKABE_ITO[p], alpha=0.25, linewidth=0)
ax.axhline(upper, color="black", linestyle="--", linewidth=1.2, label="fluid upper bound UB*")
ax.axhline(lower, color="black", linestyle=":", linewidth=1.2, label="periodic policy's lower bound")
ax.set_xscale("log")
ax.set_xlim(10, horizon)
ax.set_ylim(0, 1.25 * upper)
ax.set_xlabel("period t (log scale)")
ax.set_ylabel("expected reward per period (window mean)")
ax.set_title(f"10 logistic arms, K = 3 pulls per period, idle times up to 8\n"
             f"mean reward per period and 95% band ({n_replications} runs)", fontsize=10)
ax.grid(alpha=0.3, which="both")
fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=9)
plt.show()
