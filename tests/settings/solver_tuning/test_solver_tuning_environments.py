"""The solver-tuning environments (environments/solver_tuning/, Khodak et al., arXiv:2310.02246):
instances, the fused loops, the Gymnasium shells driven by the generic driver, comparators, and the
paper's statistical claims on the synthetic sequence."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from bandits.core.validation import ParameterError
from bandits.experiment import load_config
from bandits.policies.solver_tuning import ChebCB, FixedOmega, OmegaTsallisINF
from bandits.gym_driver import rollout
from bandits.runner import run
from environments.solver_tuning import (
    HeatEquationTuning,
    HeatEquationTuningEnv,
    HeatEquationTuningShell,
    OmegaGridView,
    SORTuning,
    SORTuningEnv,
    SORTuningShell,
)
from environments.solver_tuning.linear_solvers import laplacian_5point_csr, ssor_pcg_stencil
from solver_tuning_oracles import heat_cn_stencil, heat_initial_condition, heat_kappa, heat_rhs


def dense_sor_iterations(A, b, omega, tol=1e-8, cap=10_000):
    """SOR from x = 0 with W = D/omega + L, relative residual test after each update (the
    official sor.m)."""
    W = np.tril(A, -1) + np.diag(np.diag(A)) / omega
    x = np.zeros_like(b)
    r0 = np.linalg.norm(b)
    for k in range(1, cap + 1):
        x = x + np.linalg.solve(W, b - A @ x)
        if np.linalg.norm(b - A @ x) / r0 < tol:
            return k
    return cap


def dense_matrix(grid_size, shift):
    indptr, indices, data = laplacian_5point_csr(grid_size, 4.0 + shift, -1.0)
    n = grid_size**2
    A = np.zeros((n, n))
    for row in range(n):
        A[row, indices[indptr[row]:indptr[row + 1]]] = data[indptr[row]:indptr[row + 1]]
    return A


def test_problem_validation_names_parameter_value_and_rule():
    cases = [
        (dict(shift_distribution="wide"), "shift_distribution"),
        (dict(shift_distribution="custom"), "beta_a"),
        (dict(beta_a=1.0), "beta_a: only with shift_distribution='custom'"),
        (dict(shift_low=-0.2), "shift_low: must be > -0.162"),
        (dict(omega_grid=[1.0, 2.0]), "omega_grid"),
        (dict(rhs_norm_bound=0.1), "rhs_norm_bound: must be >= sqrt"),
        (dict(rhs_norm_bound=7.0), "rhs_norm_bound: must be >= sqrt"),  # n = 100: 4e-6 acceptance
        (dict(shift_width=0.0), "shift_width: must be > 0"),
        (dict(omega_grid=[1.5] * 40000), "omega_grid: at most 32767"),
        (dict(rhs_norm_bound="huge"), "rhs_norm_bound"),
        (dict(tolerance=0.0), "tolerance"),
        (dict(max_iterations=0), "max_iterations"),
        (dict(grid_costs="yes"), "grid_costs: must be True or False"),
    ]
    for params, fragment in cases:
        with pytest.raises(ParameterError, match=fragment.replace("(", r"\(").replace(")", r"\)")) as error:
            SORTuning(**params)
        assert error.value.root_parameter == fragment.split(":")[0]


def test_instances_follow_the_shift_distribution_and_the_rhs_truncation():
    problem = SORTuning(shift_distribution="low")
    shifts, rhs = problem.instances(seed=3, count=4000)
    # c = -0.15 + 0.6 Beta(2, 6): mean 0, variance 0.36 * ab / ((a+b)^2 (a+b+1)) = 0.36 * 12 / 576
    variance = 0.36 * 12 / (64 * 9)
    assert abs(shifts.mean()) < 4 * math.sqrt(variance / shifts.size)
    assert shifts.var() == pytest.approx(variance, rel=0.1)  # s.e. of a variance estimate ~ 3% here
    assert shifts.min() >= -0.15 and shifts.max() <= 0.45
    assert np.all(np.linalg.norm(rhs, axis=1) <= 10.0 + 1e-12)  # sqrt(n), n = 100
    again, _ = problem.instances(seed=3, count=10)
    np.testing.assert_array_equal(again, shifts[:10])


def test_costs_equal_a_dense_reference_and_omega_star_is_youngs():
    problem = SORTuning(grid_size=4)
    with pytest.raises(ValueError, match="shift: must be >"):
        problem.omega_star(-0.9)  # below -(4 - 4 cos(pi/5)) = -0.764: A + cI not SPD
    with pytest.raises(ValueError, match="shift: must be >"):
        problem.cost(-0.9, np.ones(16), 1.5)
    shifts, rhs = problem.instances(seed=1, count=3)
    for shift, b in zip(shifts, rhs):
        A = dense_matrix(4, shift)
        for omega in (1.0, 1.37, problem.omega_star(shift), 1.9):
            assert problem.cost(shift, b, omega) == dense_sor_iterations(A, b, omega)
        # omega*: Young's formula from the dense Jacobi spectral radius
        D = np.diag(np.diag(A))
        beta = np.max(np.abs(np.linalg.eigvals(np.eye(16) - np.linalg.solve(D, A))))
        assert problem.omega_star(shift) == pytest.approx(2 / (1 + math.sqrt(1 - beta**2)), abs=1e-12)


POLICIES = [FixedOmega(omega=1.0), FixedOmega(omega=1.8), OmegaTsallisINF(), ChebCB()]


def clone(policy):
    return type(policy)(**policy.get_params())


def test_fused_loop_equals_the_generic_gym_driver():
    """bandits.gym_driver drives the shell (problem.make_env, and the shell with info_costs=True)
    and reproduces the fused runner's regret, rewards and actions bit for bit."""
    problem = SORTuning(shift_distribution="high")
    horizon = 60
    result = run(problem, POLICIES, horizon=horizon, n_replications=2, seed=5, record_points=[20, 60])
    for p, template in enumerate(POLICIES):
        for r in range(2):
            for env in (problem.make_env(horizon), SORTuningEnv(problem, horizon=horizon, info_costs=True)):
                out = rollout(env, clone(template), horizon=horizon, seed=5, replication=r)
                assert out.elapsed[-1] == horizon == len(out.actions)
                np.testing.assert_array_equal(out.regret_at([20, 60]), result.cumulative_regret[p, r])
                assert out.total_reward == result.cumulative_reward[p, r, -1]
                assert -out.total_reward == result.metrics["total_iterations"][p, r]
                np.testing.assert_array_equal(result.metrics["omega_index"][p, r], out.actions)


def test_shell_step_regret_solves_the_instance_optimal_omega_of_the_instance_just_solved():
    """Without info_costs the shell solves omega* on the instance it keeps (the next instance is
    drawn into the other buffer); with info_costs it reads star_iterations: the same numbers."""
    problem = SORTuning(grid_size=6)
    lazy, eager = problem.make_env(25), SORTuningEnv(problem, horizon=25, info_costs=True)
    lazy.reset(seed=3)
    eager.reset(seed=3)
    for t in range(25):
        action = (7 * t) % 20
        _, _, _, _, info = lazy.step(action)
        _, _, _, truncated, eager_info = eager.step(action)
        assert eager_info["grid_iterations"][action] == eager_info["iterations"] == info["iterations"]
        assert info["instance"] == lazy.elapsed == t + 1
        expected = eager_info["iterations"] - eager_info["star_iterations"]
        assert lazy.step_regret(info, None) == eager.step_regret(eager_info, None) == expected
        assert lazy.step_regret(info, None) == expected  # cached: asked twice, solved once
        if t == 3:
            stale = info
    assert truncated
    with pytest.raises(ParameterError, match="info: must be the info of the last step"):
        lazy.step_regret(stale, None)


def test_shells_run_over_a_problem_and_the_registered_environments_build_it_from_parameters():
    """One pattern for every setting: problem.make_env gives the shell over the problem
    (environments/solver_tuning/shell.py); the registered ids build the problem from keyword
    parameters (environments/solver_tuning/gym_entry_points.py) or take a ready one."""
    sor, heat = SORTuning(grid_size=4), HeatEquationTuning(nx=6)
    assert type(sor.make_env(5)) is SORTuningShell and sor.make_env(5).problem is sor
    assert type(heat.make_env(5)) is HeatEquationTuningShell and heat.make_env(5).horizon == 5
    registered = gym.make("regretlab/SORTuning-v0", grid_size=4, shift_distribution="low", horizon=5).unwrapped
    assert type(registered) is SORTuningEnv and isinstance(registered, SORTuningShell)
    assert registered.problem.to_dict() == SORTuning(grid_size=4, shift_distribution="low").to_dict()
    assert SORTuningEnv(sor, horizon=5).problem is sor
    assert type(gym.make("regretlab/HeatEquationTuning-v0", nx=6, horizon=3).unwrapped) is HeatEquationTuningEnv
    with pytest.raises(ParameterError, match="problem: must be a SORTuning problem") as error:
        SORTuningShell(heat, horizon=5)
    assert error.value.parameter == "problem"
    with pytest.raises(ParameterError, match="problem: must be a HeatEquationTuning problem"):
        HeatEquationTuningShell(HeatEquationTuning, horizon=5)  # the class, not a problem
    with pytest.raises(ParameterError, match="problem: must be a HeatEquationTuning, got"):
        HeatEquationTuningEnv(sor)
    with pytest.raises(ParameterError, match="horizon: must be >= 1, got 0"):
        sor.make_env(0)
    with pytest.raises(ParameterError, match="info_costs: must be True or False"):
        SORTuningShell(sor, horizon=5, info_costs="yes")


def test_check_policy_compatible_raises_parameter_errors():
    problem = SORTuning(omega_grid=[1.0, 1.5])
    problem.check_policy_compatible(FixedOmega(omega=1.5))
    with pytest.raises(ParameterError, match="policies\\[2\\]: must be a policy of the 'solver_tuning' setting") as error:
        problem.check_policy_compatible(object(), "policies[2]")
    assert error.value.parameter == "policies[2]"
    with pytest.raises(ParameterError, match="policy: must fit the problem's omega_grid \\(omega: must be a point") as error:
        HeatEquationTuning(nx=6, omega_grid=[1.0, 1.5]).check_policy_compatible(FixedOmega(omega=1.6))
    assert error.value.parameter == "policy" and "got fixed_omega(omega=1.6)" in str(error.value)


def test_cost_table_never_changes_results():
    """Costs computed once per replication are shared by the policies (and all grid costs with
    grid_costs=True): every number but the solve counts is the same, in any policy order."""
    base = SORTuning(shift_distribution="high")
    full = SORTuning(shift_distribution="high", grid_costs=True)
    a = run(base, POLICIES, horizon=80, n_replications=3, seed=9, n_jobs=2)
    b = run(full, POLICIES[::-1], horizon=80, n_replications=3, seed=9, n_jobs=1)
    np.testing.assert_array_equal(a.cumulative_regret, b.cumulative_regret[::-1])
    np.testing.assert_array_equal(a.metrics["total_iterations"], b.metrics["total_iterations"][::-1])
    assert np.all(a.metrics["best_fixed_iterations"] == -1)
    # the best fixed grid omega in hindsight is no worse than any fixed-omega policy
    best = b.metrics["best_fixed_iterations"][0]
    assert np.all(best <= b.metrics["total_iterations"][-2:].min(axis=0))
    assert np.all(b.metrics["solves"][0] == 80 * 21)  # the first policy of a replication fills the table
    assert np.all(b.metrics["solves"][1:] == 0)


def test_gym_registration_check_env_and_continuous_actions():
    env = gym.make("regretlab/SORTuning-v0", grid_size=5, horizon=10)
    check_env(env.unwrapped, skip_render_check=True)
    continuous = SORTuningEnv(grid_size=5, horizon=3, continuous=True)
    observation, info = continuous.reset(seed=0)
    assert continuous.observation_space.contains(observation)
    _, reward, _, _, step_info = continuous.step(np.array([1.33]))
    assert step_info["omega"] == 1.33 and reward == -step_info["iterations"] < 0
    with pytest.raises(ParameterError, match=r"action: must be one omega in \(0, 2\)"):
        continuous.step(np.array([2.0]))
    assert not continuous.action_space.contains(np.array([2.0])) and not continuous.action_space.contains(np.array([0.0]))
    discrete = SORTuningEnv(grid_size=5, horizon=3)
    discrete.reset(seed=0)
    with pytest.raises(ParameterError, match=r"action: must be an omega index in \[0, 19\]"):
        discrete.step(20)
    with pytest.raises(ParameterError, match="problem_params: pass either a problem or its parameters"):
        SORTuningEnv(SORTuning(), grid_size=5)
    # the registered id, wrappers included, under the generic driver: the fused runner's numbers
    policy = OmegaTsallisINF()
    out = rollout(env, policy, horizon=10, seed=3, replication=1)
    assert policy.view == OmegaGridView() == SORTuning().learner_view
    result = run(SORTuning(grid_size=5), [OmegaTsallisINF()], horizon=10, n_replications=2, seed=3, record_points=[10])
    assert out.final_regret == result.cumulative_regret[0, 1, -1]


def test_experiment_file_with_solver_tuning():
    config = load_config({
        "name": "sor", "horizon": 30, "n_replications": 2, "seed": 0,
        "environments": [{"name": "SORTuning", "shift_distribution": "low", "grid_size": 6}],
        "policies": [{"name": "omega_tsallis_inf"}, {"name": "fixed_omega", "omega": 1.5}],
    })
    assert config.environments[0][2].grid_size == 6


@pytest.mark.statistical
def test_learners_approach_the_best_fixed_omega_and_chebcb_beats_it():
    """The paper's claims (arXiv:2310.02246): on the synthetic sequence Tsallis-INF's cumulative iterations
    approach those of the best fixed omega (regret per instance decreasing in T), and ChebCB,
    which sees the shift, beats the best fixed omega on the high-variance distribution.
    8 replications of 3000 instances (fixed seed); the comparator is the best of the fixed omegas
    1.6, 1.7, 1.8, 1.9 per replication (1.8 is the paper's best fixed value for this
    distribution). Margins are 3 standard errors of the per-replication differences."""
    problem = SORTuning(shift_distribution="high", record_actions=False)
    fixed = [FixedOmega(omega=w) for w in (1.6, 1.7, 1.8, 1.9)]
    points = [375, 750, 1500, 3000]
    result = run(problem, fixed + [OmegaTsallisINF(), ChebCB()], horizon=3000, n_replications=8, seed=2024,
                 record_points=points, n_jobs=2)
    iterations = -result.cumulative_reward  # (P, R, J)
    best = iterations[:4].min(axis=0)       # best fixed omega per replication and point
    excess = (iterations[4] - best) / np.array(points)  # Tsallis-INF, per instance
    mean = excess.mean(axis=0)
    se = excess.std(axis=0, ddof=1) / math.sqrt(8)
    for j in range(len(points) - 1):
        assert mean[j + 1] < mean[j] + 3 * math.hypot(se[j], se[j + 1]), (mean, se)
    assert mean[-1] < mean[0] - 3 * math.hypot(se[0], se[-1]), (mean, se)
    chebcb = (iterations[5, :, -1] - best[:, -1]) / 3000
    assert chebcb.mean() + 3 * chebcb.std(ddof=1) / math.sqrt(8) < 0, chebcb


def test_heat_loop_follows_the_crank_nicolson_reference_and_the_shell():
    """The fused heat loop builds the same systems as the numpy oracles of solver_tuning_oracles
    (an independent path: heat_rhs, heat_cn_stencil, then ssor_pcg_stencil) and the generic driver on the
    shell reproduces the loop step by step."""
    problem = HeatEquationTuning(nx=12)
    steps, omega = 40, 1.3
    u = heat_initial_condition(12)
    counts = []
    for t in range(steps):
        h = (t + 0.5) * problem.dt
        kappa = heat_kappa(h)
        n_side, diag, off = heat_cn_stencil(kappa, problem.dt, 12)
        k, u = ssor_pcg_stencil(n_side, diag, off, heat_rhs(u, kappa, h, problem.dt, 12), omega, x0=u)
        counts.append(k)
    fixed = FixedOmega(omega=omega)
    result = run(problem, [fixed, ChebCB(context_range=None)], horizon=steps, n_replications=1, seed=4,
                 record_points=list(range(1, steps + 1)))
    np.testing.assert_array_equal(np.diff(result.cumulative_regret[0, 0], prepend=0.0), counts)

    env = problem.make_env(steps)
    low, high = problem.context_bounds(steps)
    assert env.learner_view == problem.learner_view_for(steps) == OmegaGridView(problem.omega_grid, low, high)
    for p, template in enumerate((fixed, ChebCB(context_range=None))):
        out = rollout(env, clone(template), horizon=steps, seed=4, replication=0)
        np.testing.assert_array_equal(out.cumulative_regret, result.cumulative_regret[p, 0])
        assert -out.total_reward == out.final_regret == result.metrics["total_iterations"][p, 0]
        np.testing.assert_array_equal(out.actions, result.metrics["omega_index"][p, 0])


def test_heat_shell_check_env_and_golden_section_instance_optimum():
    env = gym.make("regretlab/HeatEquationTuning-v0", nx=8, horizon=6)
    check_env(env.unwrapped, skip_render_check=True)
    shell = HeatEquationTuningEnv(nx=10, horizon=5, instance_optimal=True, continuous=True)
    shell.reset(seed=0)
    for _ in range(5):
        _, _, _, _, info = shell.step(np.array([1.5]))
        assert 1.0 <= info["omega_star"] <= 1.95
        # the search evaluates the 5 omegas of h2d.m first, 1.5 among them, from the same warm start
        assert info["search_min_iterations"] <= info["iterations"]
    with pytest.raises(ParameterError, match="nx: must be >= 3, got 2") as error:
        HeatEquationTuningEnv(nx=2)
    assert error.value.parameter == "nx"


def _load_script(name):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "experiments" / "solver_tuning" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"solver_tuning_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_heat_script_runs_and_refuses_to_overwrite(tmp_path, capsys):
    heat = _load_script("heat")
    out = tmp_path / "heat"
    heat.main(["--sizes", "6,8", "--steps", "30", "--out", str(out)])
    table = (out / "heat.md").read_text()
    assert "vanilla CG" in table and "instance-optimal (golden section)" in table and "nx = 8 (n = 49)" in table
    assert (out / "heat_nx6.json").exists() and (out / "heat_omega_trace.png").exists()
    with pytest.raises(SystemExit):
        heat.main(["--sizes", "6", "--steps", "30", "--out", str(out)])
    assert "already holds a heat.md" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        heat.main(["--sizes", "2", "--out", str(tmp_path / "other")])
    assert not (tmp_path / "other").exists()
