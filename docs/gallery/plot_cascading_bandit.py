"""
Cascading bandits: CascadeKL-UCB against CascadeUCB1
====================================================

In a cascading bandit the learner shows a ranked list of K items out of L; the user scans the
list from the top and clicks the first attractive item, each item being attractive with its
own unknown probability. The learner sees where the click happened (so it learns about every
item above it, and nothing about the items below) and earns 1 per click. Kveton, Szepesvári,
Wen & Ashkan (ICML 2015, `arXiv:1502.02763 <https://arxiv.org/abs/1502.02763>`__) proposed
CascadeUCB1 and CascadeKL-UCB and proved a lower bound of order log n on the hard family
B_LB(L, K, p, Δ): K items attract with probability p, the other L − K with p − Δ.
"""

# %%
# The problem and the policies
# ----------------------------
# ``BLBCascadingBandit`` is the family B_LB(L, K, p, Δ) of the paper; we take L = 16 items,
# lists of K = 4, p = 0.2 and Δ = 0.15. For the cascading bandit a time step is one list shown
# to one user (in cascading RL, where episodes have several steps, the horizon counts
# episodes).

import matplotlib.pyplot as plt
import numpy as np

from bandits import run
from bandits.policies import CascadeKLUCB, CascadeUCB1
from bandits.report import plot_regret_curves
from environments import BLBCascadingBandit

problem = BLBCascadingBandit(n_items=16, list_length=4, p=0.2, gap=0.15)
policies = [CascadeUCB1(), CascadeKLUCB()]
names = ["CascadeUCB1", "CascadeKL-UCB"]

horizon, n_replications = 50_000, 20
result = run(problem, policies, horizon=horizon, n_replications=n_replications, seed=2015, n_jobs=2)

# %%
# Regret and clicks
# -----------------
# Regret is the expected number of clicks lost to the best list, summed over the steps. The
# problem also gives the constant c of the paper's asymptotic lower bound c log n
# (``lower_bound_constant``); no consistent policy can beat it for large n. The metric
# ``clicks`` counts the realised clicks of each run.

c = problem.lower_bound_constant()
print(f"lower bound c log n at n = {horizon:,}: {c * np.log(horizon):.1f}  (c = {c:.2f})")
print(f"{'policy':<14} {'regret at n = 50,000':>22} {'clicks per step':>16}")
for p, name in enumerate(names):
    final = result.final_regret[p]
    se = final.std(ddof=1) / np.sqrt(final.size)
    clicks = result.metrics["clicks"][p].mean() / horizon
    print(f"{name:<14} {final.mean():>14.1f} ± {se:>5.1f} {clicks:>16.4f}")

# %%
# Regret against the number of steps
# ----------------------------------
# Mean cumulative regret with a 95% confidence band, on a logarithmic time axis where the lower
# bound c log n is a straight line (dashed). The bound is asymptotic: early on both policies
# are below it, and at n = 50,000 both still climb faster than it, CascadeUCB1 much faster.
# CascadeKL-UCB's confidence intervals are tighter for attraction probabilities near 0.2, and
# its regret is three to four times smaller.

t = result.record_points
fig, ax = plt.subplots(figsize=(7, 4.3), layout="constrained")
plot_regret_curves(ax, result, labels=names)  # mean and 95% band per policy, the report's colours
ax.plot(t, c * np.log(t), color="black", linestyle="--", linewidth=1.2, label="lower bound c log n")
ax.set_xscale("log")
ax.set_xlim(1, horizon)
ax.set_ylim(bottom=0)
ax.set_xlabel("step n (lists shown, log scale)")
ax.set_ylabel("cumulative regret (expected clicks lost)")
ax.set_title(f"B_LB(L = 16, K = 4, p = 0.2, Δ = 0.15): mean regret and 95% band ({n_replications} runs)",
             fontsize=10)
ax.grid(alpha=0.3, which="both")
ax.legend(loc="upper left", frameon=False)
plt.show()
