"""
Cascading reinforcement learning: CascadingVI against AdaptVI
=============================================================

Cascading RL (Du, Srikant & Chen, ICLR 2024,
`arXiv:2401.08961 <https://arxiv.org/abs/2401.08961>`__) extends the cascade click model of
Kveton et al. (2015, `arXiv:1502.02763 <https://arxiv.org/abs/1502.02763>`__) to a Markov
decision process: the user has a state, each step the learner shows a ranked list of items, the
user clicks the first attractive one, and the click pays a reward and moves the user to a new
state. An episode has H steps. CascadingVI plans with optimistic value iteration whose inner
step, BestPerm, finds the best list without enumerating all lists; AdaptVI, the paper's
baseline, treats every list as a separate action.
"""

# %%
# The problem and the policies
# ----------------------------
# ``RandomCascadingMDP`` draws an instance with the shape of the paper's experiments
# (attraction probabilities and rewards uniform on [0, 1], Dirichlet transitions). We keep it
# small (6 items, 3 states, episodes of 3 steps, lists of 2) so that a run of 50,000 episodes
# takes seconds. The horizon is counted in episodes, and regret is exact: each episode adds
# V* − V^π of the plan the policy committed to, computed by policy evaluation.

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import StrMethodFormatter

from bandits import run
from bandits.policies import AdaptVI, CascadingVI
from bandits.report import plot_regret_curves
from environments import RandomCascadingMDP

problem = RandomCascadingMDP(n_items=6, n_states=3, episode_length=3, list_length=2, instance_seed=1)
policies = [CascadingVI(value_cap="remaining"), AdaptVI()]
names = ["CascadingVI", "AdaptVI (one action per list)"]

horizon, n_replications = 50_000, 10
result = run(problem, policies, horizon=horizon, n_replications=n_replications, seed=2024, n_jobs=2)

# %%
# Regret per policy
# -----------------
# Besides the final regret we print the regret per episode over the last 10,000 episodes: a
# learner that has converged adds nothing there, a learner still exploring adds a constant.

t = result.record_points
late = np.searchsorted(t, horizon - 10_000)
print(f"optimal value V* per episode: {problem.optimal_value:.3f}")
print(f"{'policy':<30} {'regret at 50,000 episodes':>26} {'regret per episode, last 10,000':>32}")
for p, name in enumerate(names):
    final = result.final_regret[p]
    se = final.std(ddof=1) / np.sqrt(final.size)
    recent = (result.cumulative_regret[p, :, -1] - result.cumulative_regret[p, :, late]).mean()
    recent /= t[-1] - t[late]
    print(f"{name:<30} {final.mean():>17.0f} ± {se:>6.0f} {recent:>32.3f}")

# %%
# Regret against episodes
# -----------------------
# Mean cumulative regret with a 95% band. CascadingVI's curve flattens after about 20,000
# episodes: it shares what it learns about an item across all the lists that contain it.
# AdaptVI must try each of the 36 lists (of one or two items) in every state often enough on
# its own; its curve bends much later, and over the last 10,000 episodes it still loses about
# thirteen times as much per episode as CascadingVI.

fig, ax = plt.subplots(figsize=(7, 4.3), layout="constrained")
plot_regret_curves(ax, result, labels=names)  # mean and 95% band per policy, the report's colours
ax.set_xlim(0, horizon)
ax.set_ylim(bottom=0)
ax.set_xlabel("episode k (3 steps each)")
ax.set_ylabel(r"cumulative regret $\Sigma_k\,(V^* - V^{\pi_k})$ (expected reward)")
ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
ax.set_title(f"Cascading MDP, 6 items, 3 states, H = 3, lists of 2: mean regret and 95% band "
             f"({n_replications} runs)", fontsize=10)
ax.grid(alpha=0.3)
ax.legend(loc="upper left", frameon=False)
plt.show()
