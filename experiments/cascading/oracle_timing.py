"""Cost per episode of CascadingVI-Oracle (exhaustive search over every item list) against
CascadingVI (BestPerm) on the instances of du2024.toml, N in {10, 15, 20, 25}.

A full CascadingVI-Oracle run of 10^5 episodes at N = 25 takes about 25 minutes per seed on one
core (14,425 lists per state and step), so this script measures a short run instead and
extrapolates; experiments/cascading/du2024_oracle.toml runs the full N = 10 comparison.

    python experiments/cascading/oracle_timing.py [--episodes 1000]
"""

from __future__ import annotations

import argparse

import numpy as np

from bandits import run
from bandits.policies.cascading import CascadingVI, CascadingVIOracle
from environments.cascading import RandomCascadingMDP, all_item_lists


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1000, help="episodes per timing run (default 1000)")
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error(f"--episodes: must be >= 1, got {args.episodes}")
    print("| N | lists per (h, s) | CascadingVI µs/episode | CascadingVI-Oracle µs/episode | ratio | Oracle, 10^5 episodes |")
    print("|---|---|---|---|---|---|")
    for n_items in (10, 15, 20, 25):
        problem = RandomCascadingMDP(n_items=n_items, n_states=20, episode_length=3, list_length=3, instance_seed=n_items)
        # warm-up compiles (or loads) both loops before timing
        run(problem, [CascadingVI(), CascadingVIOracle()], horizon=2, n_replications=1, seed=0)
        result = run(problem, [CascadingVI(), CascadingVIOracle()], horizon=args.episodes, n_replications=1,
                     seed=2024, record_points=np.array([args.episodes]))
        per_episode = 1e6 * result.wall_time / args.episodes
        n_lists = all_item_lists(n_items, 3)[1].size
        print(f"| {n_items} | {n_lists} | {per_episode[0]:.1f} | {per_episode[1]:.0f} | {per_episode[1] / per_episode[0]:.0f} "
              f"| {per_episode[1] * 1e5 / 1e6 / 60:.1f} min |")


if __name__ == "__main__":
    main()
