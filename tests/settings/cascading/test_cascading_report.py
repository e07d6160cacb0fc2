"""The cascading report section (Kveton, Szepesvari, Wen & Ashkan, ICML 2015, arXiv:1502.02763):
on B_LB instances, the headline figure of regret against the asymptotic lower bound c ln n."""

from __future__ import annotations

import numpy as np

from bandits import load_results, run_experiment
from bandits.report.cascading import cascading_report_section
from environments.cascading import BLBCascadingBandit

BLB = {"name": "BLBCascadingBandit", "n_items": 6, "list_length": 2, "p": 0.2, "gap": 0.15}


def _run(tmp_path, environment):
    config = {"name": "cascading", "horizon": 2000, "n_replications": 3, "seed": 3, "environments": [environment],
              "policies": [{"name": "cascade_ucb1"}, {"name": "cascade_kl_ucb"}]}
    run_experiment(config, tmp_path)
    results = load_results(tmp_path)
    return results["environments"][0], results["manifest"]["config"]


def test_lower_bound_figure_draws_c_ln_n_beside_each_policys_mean_regret(tmp_path, monkeypatch):
    import bandits.report.cascading as cascading

    saved = {}
    original = cascading.save_figure
    monkeypatch.setattr(cascading, "save_figure", lambda fig, out, name: saved.setdefault(name, fig) and
                        original(fig, out, name))
    env, config = _run(tmp_path, BLB)
    section = cascading_report_section(env, tmp_path, config)
    assert section.figures == ["lower_bound_env0"] and (tmp_path / "lower_bound_env0.png").exists()
    ax = saved["lower_bound_env0"].axes[0]
    t = env.result.record_points.astype(float)
    constant = BLBCascadingBandit(**{k: v for k, v in BLB.items() if k != "name"}).lower_bound_constant()
    bound = [line for line in ax.lines if line.get_label().startswith("lower bound")]
    assert len(bound) == 1 and np.allclose(bound[0].get_ydata(), constant * np.log(t), rtol=1e-12)
    for p, label in enumerate(env.result.policy_labels):
        (line,) = [line for line in ax.lines if line.get_label() == label]
        assert np.allclose(line.get_ydata(), env.result.cumulative_regret[p].mean(axis=0), rtol=1e-12)
    assert ax.get_xscale() == "log"


def test_no_lower_bound_figure_off_the_blb_family(tmp_path):
    env, config = _run(tmp_path, {"name": "CascadingBandit", "attraction": [0.5, 0.4, 0.3, 0.2], "list_length": 2})
    assert cascading_report_section(env, tmp_path, config).figures == []
