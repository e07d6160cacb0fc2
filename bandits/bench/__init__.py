"""``regretlab bench``: how fast the fused runner and the Gymnasium driver run a policy
(:mod:`bandits.bench.throughput`), and the solver-tuning setting's SOR sweep against PyAMG
(:mod:`bandits.bench.sor_sweep`)."""

from __future__ import annotations

__all__ = ["benchmark", "sor_sweep_benchmark"]


def __getattr__(name):
    if name == "benchmark":
        from bandits.bench.throughput import benchmark

        return benchmark
    if name == "sor_sweep_benchmark":
        from bandits.bench.sor_sweep import sor_sweep_benchmark

        return sor_sweep_benchmark
    raise AttributeError(f"module 'bandits.bench' has no attribute {name!r}")
