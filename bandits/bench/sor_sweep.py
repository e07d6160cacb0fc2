"""``regretlab bench --sor-sweep``: the SOR kernels of the solver-tuning setting
(:mod:`environments.solver_tuning`) per iteration against PyAMG's compiled SOR sweep.

A benchmark of one setting's numerics, kept apart from the generic throughput benchmark
(:mod:`bandits.bench.throughput`).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time

import numba as nb
import numpy as np

from bandits.core.validation import check_integer, check_real
from environments.solver_tuning.linear_solvers.csr import laplacian_5point_csr, sor_csr_kernel
from environments.solver_tuning.linear_solvers.stencil import _WAVEFRONT, _sweep_block, sor_stencil_kernel

__all__ = ["main", "sor_sweep_benchmark", "SOR_SWEEP_SIZES", "SOR_SWEEP_VARIANTS", "SOR_SWEEP_RATIOS", "PYAMG_MISSING"]


SOR_SWEEP_SIZES = (100, 1000)


SOR_SWEEP_VARIANTS = {
    "stencil": "ours: sor_stencil_kernel, matrix-free stencil, forward sweep + true residual norm per iteration",
    "stencil_sweep": "ours: the forward sweep of sor_stencil_kernel alone (its _sweep_block, no residual)",
    "csr": "ours: sor_csr_kernel on laplacian_5point_csr, forward sweep + true residual norm per iteration",
    "pyamg_sor": "PyAMG: pyamg.relaxation.relaxation.sor(A, x, b, omega, iterations=k, sweep='forward'), sweep only",
    "pyamg_core": "PyAMG: its compiled kernel amg_core.sor_gauss_seidel called directly, one call per sweep",
    "pyamg_sor_residual": "PyAMG: sor(..., iterations=1) then np.linalg.norm(b - A @ x), per iteration",
}


SOR_SWEEP_RATIOS = (
    ("stencil", "pyamg_sor"),
    ("stencil", "pyamg_sor_residual"),
    ("stencil_sweep", "pyamg_sor"),
    ("stencil_sweep", "pyamg_core"),
    ("csr", "pyamg_sor"),
    ("csr", "pyamg_sor_residual"),
)


PYAMG_MISSING = "PyAMG is not installed: pip install -e '.[bench]' (or pip install 'pyamg>=5.0') to compare with it"


@nb.njit(cache=True, nogil=True)
def _stencil_sweeps(n_side, diag, off, b, omega, sweeps):
    """``sweeps`` forward SOR sweeps from ``x = 0``, exactly the sweep of ``sor_stencil_kernel``
    (wavefront blocks of ``_sweep_block`` on the padded iterate) without the residual."""
    xp = np.zeros((n_side + 2) * (n_side + 2))
    scale = omega / diag
    for _ in range(sweeps):
        for i0 in range(1, n_side + 1, _WAVEFRONT):
            rows = min(_WAVEFRONT, n_side + 1 - i0)
            _sweep_block(True, False, n_side, i0, rows, xp, b, False, diag, off, scale, 0.0)
    return xp


def _sweep_iterations(n):
    """The two iteration counts ``(k, 2k)`` timed for ``n`` unknowns: about 10^7 unknown-updates
    for ``k``, with ``10 <= k <= 1000`` (n = 10^4: 1000 and 2000; n = 10^6: 10 and 20)."""
    k = min(1000, max(10, math.ceil(1e7 / n)))
    return k, 2 * k


def sor_sweep_benchmark(sizes=SOR_SWEEP_SIZES, repeats: int = 3, *, omega: float = 1.5, seed: int = 0) -> dict:
    """Time one SOR iteration of our kernels and of PyAMG on the 5-point Laplacian.

    For each grid side N in ``sizes`` (n = N^2 unknowns; ``A = 4 I - (N, S, E, W neighbours)``,
    natural ordering, ``b ~ N(0, I)``, ``x_0 = 0``) every variant of :data:`SOR_SWEEP_VARIANTS`
    runs ``k`` and ``2k`` iterations (:func:`_sweep_iterations`); the time per iteration is
    ``(t(2k) - t(k)) / k``, which removes the fixed costs (allocations, ``||b||``, unpadding, the
    first call's dispatch). Our kernels run with ``tol = 1e-300``, so they perform exactly
    ``max_iter`` iterations (checked). PyAMG gets the same matrix as a scipy ``csr_array`` with
    int32 indices (what ``pyamg.gallery.poisson`` builds). One repeat times every variant once,
    interleaved; the figure is the median over ``repeats`` repeats, with the range.

    Without PyAMG the PyAMG variants and ratios are omitted and ``pyamg_missing`` holds the
    message to install it.

    Returns
    -------
    dict
        ``{"omega", "repeats", "versions", "pyamg_missing", "target_ratio", "sizes": [per N:
        {"n_side", "n", "iterations": [k, 2k], "ns_per_unknown_iteration": {variant: median},
        "range": {variant: [min, max]}, "ratios": {"ours/theirs": median ratio}}]}``; times are
        in nanoseconds per unknown per iteration.
    """
    if isinstance(sizes, (int, np.integer)):
        sizes = [sizes]
    sizes = [check_integer("sizes", n_side, low=2, high=4096) for n_side in sizes]
    if not sizes:
        raise ValueError("sizes: must name at least one grid side N, got none")
    repeats = check_integer("repeats", repeats, low=1)
    omega = check_real("omega", omega, low=0.0, high=2.0, low_open=True, high_open=True)
    seed = check_integer("seed", seed, low=0)
    versions = {"numpy": np.__version__, "numba": nb.__version__}
    try:
        import pyamg
        import scipy
        import scipy.sparse
        from pyamg import amg_core
        from pyamg.relaxation.relaxation import sor as pyamg_sor
    except ImportError:
        pyamg = None
    else:
        versions.update(pyamg=pyamg.__version__, scipy=scipy.__version__)
    diag, off, tol = 4.0, -1.0, 1e-300

    report_sizes = []
    for n_side in sizes:
        n = n_side * n_side
        b = np.random.default_rng(seed).standard_normal(n)
        indptr, indices, data = laplacian_5point_csr(n_side, diag, off)
        counts = _sweep_iterations(n)

        def check(iterations, k):
            if iterations != k:
                raise RuntimeError(f"SOR stopped after {iterations} of {k} iterations at N = {n_side}")

        def stencil(k):
            check(sor_stencil_kernel(n_side, diag, off, b, omega, tol, k)[0], k)

        def stencil_sweep(k):
            _stencil_sweeps(n_side, diag, off, b, omega, k)

        def csr(k):
            check(sor_csr_kernel(indptr, indices, data, b, omega, tol, k)[0], k)

        variants = {"stencil": stencil, "stencil_sweep": stencil_sweep, "csr": csr}
        if pyamg is not None:
            A = scipy.sparse.csr_array((data, indices.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))

            def pyamg_plain(k, x):
                pyamg_sor(A, x, b, omega, iterations=k, sweep="forward")

            def pyamg_kernel(k, x):
                for _ in range(k):
                    amg_core.sor_gauss_seidel(A.indptr, A.indices, A.data, x, b, 0, n, 1, omega)

            def pyamg_residual(k, x):
                for _ in range(k):
                    pyamg_sor(A, x, b, omega, iterations=1, sweep="forward")
                    np.linalg.norm(b - A @ x)

            variants.update(pyamg_sor=pyamg_plain, pyamg_core=pyamg_kernel, pyamg_sor_residual=pyamg_residual)
        for name, variant in variants.items():  # compile / warm up
            variant(1, np.zeros(n)) if name.startswith("pyamg") else variant(1)
        samples = {name: [] for name in variants}
        for _ in range(repeats):
            for name, variant in variants.items():
                seconds = []
                for k in counts:
                    if name.startswith("pyamg"):
                        x = np.zeros(n)
                        start = time.perf_counter()
                        variant(k, x)
                    else:
                        start = time.perf_counter()
                        variant(k)
                    seconds.append(time.perf_counter() - start)
                per_iteration = (seconds[1] - seconds[0]) / (counts[1] - counts[0])
                samples[name].append(per_iteration / n * 1e9)
        figures = {name: statistics.median(values) for name, values in samples.items()}
        ratios = {}
        for ours, theirs in SOR_SWEEP_RATIOS:
            if ours in figures and theirs in figures:
                ratios[f"{ours}/{theirs}"] = figures[ours] / figures[theirs]
        report_sizes.append(
            {
                "n_side": n_side,
                "n": n,
                "iterations": list(counts),
                "ns_per_unknown_iteration": figures,
                "range": {name: [min(values), max(values)] for name, values in samples.items()},
                "ratios": ratios,
            }
        )
    return {
        "omega": omega,
        "repeats": repeats,
        "versions": versions,
        "pyamg_missing": PYAMG_MISSING if pyamg is None else None,
        "target_ratio": 1.5,
        "variants": dict(SOR_SWEEP_VARIANTS),
        "sizes": report_sizes,
    }


def _parse_sizes(text):
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"--sizes: must be comma-separated integers (grid sides N), got {text!r}") from None
    if not sizes:
        raise ValueError(f"--sizes: must name at least one grid side N, got {text!r}")
    return sizes


def _print_figures(args):
    sizes = SOR_SWEEP_SIZES if args.sizes is None else _parse_sizes(args.sizes)
    figures = sor_sweep_benchmark(sizes, args.repeats, seed=args.seed)
    if figures["pyamg_missing"]:
        print(f"regretlab bench: {figures['pyamg_missing']}; timing our kernels only", file=sys.stderr)
    if args.json:
        print(json.dumps(figures))
        return
    versions = ", ".join(f"{k} {v}" for k, v in figures["versions"].items())
    print(
        f"SOR on the 5-point Laplacian (A = 4 I - neighbours, x0 = 0, b ~ N(0, I)), omega = {figures['omega']}; "
        f"{versions}\n"
        f"ns per unknown per iteration = (t(2k) - t(k)) / (k n), median of {figures['repeats']} repeats [range]"
    )
    width = max(len(name) for name in figures["variants"])
    for entry in figures["sizes"]:
        k1, k2 = entry["iterations"]
        print(f"\nN = {entry['n_side']}, n = {entry['n']:,} (k = {k1}, {k2})")
        for name, value in entry["ns_per_unknown_iteration"].items():
            low, high = entry["range"][name]
            spread = f"[{low:.2f}-{high:.2f}]"
            print(f"  {name:<{width}}  {value:7.2f}  {spread:<15}  {figures['variants'][name]}")
        for name, ratio in entry["ratios"].items():
            print(f"  ratio {name:<32} {ratio:.2f}")
    if not figures["pyamg_missing"]:
        print(f"\ntarget: stencil/pyamg_sor <= {figures['target_ratio']} (our sweep + residual against PyAMG's sweep alone)")


def main(argv=None) -> int:
    """``regretlab bench --sor-sweep [--sizes N,N] [--repeats R] [--seed S] [--json]``: the SOR
    sweep of the solver-tuning setting (registered as a bench command in its setting record).
    Exit status 0, or 2 on invalid input."""
    parser = argparse.ArgumentParser(
        prog="regretlab bench --sor-sweep",
        description=(
            "Time one SOR iteration of the solver-tuning setting's kernels (matrix-free stencil: sweep + residual "
            "norm; its sweep alone; the CSR kernel) and of PyAMG's compiled SOR sweep on the 5-point Laplacian of an "
            "N x N grid, for each N of --sizes (n = N^2 unknowns), in nanoseconds per unknown per iteration, with "
            "the ratios ours/PyAMG (median of --repeats). PyAMG is a benchmark-only dependency: "
            "pip install -e '.[bench]'; without it only our kernels are timed."
        ),
    )
    parser.add_argument(
        "--sizes", default=None,
        help="comma-separated grid sides N (n = N^2 unknowns); default 100,1000 (n = 10^4, 10^6)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats; the median is reported; default 3")
    parser.add_argument("--seed", type=int, default=0, help="seed of the right-hand side; default 0")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    try:
        _print_figures(args)
    except ValueError as error:
        print(f"regretlab bench --sor-sweep: error: {error}", file=sys.stderr)
        return 2
    return 0
