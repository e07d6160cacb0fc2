"""Linear solvers of the *Learning to Relax* environments (Khodak, Chow, Balcan & Talwalkar, ICLR
2024, arXiv:2310.02246): SOR, SSOR-preconditioned CG and vanilla CG, on a generic CSR matrix and
matrix-free on the constant-coefficient 5-point stencil, plus the golden-section search for the
instance-optimal omega. (Young's closed forms of SOR theory and a numpy Crank-Nicolson path of the
heat equation, which only the tests use as oracles, are in
``tests/settings/solver_tuning/solver_tuning_oracles.py``.)

Modules
-------
:mod:`.csr`
    SOR and the SSOR preconditioner on a CSR matrix; ``laplacian_5point_csr``.
:mod:`.stencil`
    The same, matrix-free on the 5-point stencil (the fast path: wavefront sweeps, fused residual).
:mod:`.pcg`
    SSOR-PCG and vanilla CG with MATLAB ``pcg`` semantics, on either representation.
:mod:`.reductions`
    Dot products and norms in the fixed summation order every kernel shares.
:mod:`.golden_section`
    The golden-section search of the official heat script ``h2d.m``.
:mod:`.validation`
    Argument checks of the validated entry points.

Two layers
----------
* Kernels, ``@nb.njit`` functions for compiled code (fused loops, environments):
  ``sor_csr_kernel``, ``sor_stencil_kernel``, ``pcg_csr_kernel`` and ``pcg_stencil_kernel`` (SSOR-PCG
  or, with ``precondition=False``, vanilla CG), ``ssor_apply_*_kernel``, ``*_matvec_kernel``. They
  do **no** validation: the caller guarantees the preconditions listed in each docstring.
* Validated entry points: ``sor_csr``, ``sor_stencil``, ``ssor_pcg_csr``, ``ssor_pcg_stencil``,
  ``cg_csr``, ``cg_stencil``, ``ssor_apply_*``, ``*_matvec``. They check their arguments at the
  Python boundary (:class:`~bandits.core.validation.ParameterError`, a ``ValueError`` naming the
  parameter, the rule and the value, e.g. ``omega: must be in (0, 2), got 2.5``) and call a
  kernel.

Every solver returns ``(iterations, x)``.
"""

from environments.solver_tuning.linear_solvers.csr import (
    csr_matvec,
    csr_matvec_kernel,
    laplacian_5point_csr,
    sor_csr,
    sor_csr_kernel,
    ssor_apply_csr,
    ssor_apply_csr_kernel,
)
from environments.solver_tuning.linear_solvers.golden_section import HEAT_OMEGA_GRID, GoldenSection, golden_section_omega
from environments.solver_tuning.linear_solvers.pcg import (
    cg_csr,
    cg_stencil,
    pcg_csr_kernel,
    pcg_stencil_kernel,
    ssor_pcg_csr,
    ssor_pcg_stencil,
)
from environments.solver_tuning.linear_solvers.stencil import (
    sor_stencil,
    sor_stencil_kernel,
    ssor_apply_stencil,
    ssor_apply_stencil_kernel,
    stencil_matvec,
    stencil_matvec_kernel,
)

__all__ = [
    # validated solvers
    "sor_csr",
    "sor_stencil",
    "ssor_pcg_csr",
    "ssor_pcg_stencil",
    "cg_csr",
    "cg_stencil",
    # compiled kernels (no validation)
    "sor_csr_kernel",
    "sor_stencil_kernel",
    "pcg_csr_kernel",
    "pcg_stencil_kernel",
    "ssor_apply_csr_kernel",
    "ssor_apply_stencil_kernel",
    "stencil_matvec_kernel",
    "csr_matvec_kernel",
    # matrices and operators
    "laplacian_5point_csr",
    "stencil_matvec",
    "csr_matvec",
    "ssor_apply_csr",
    "ssor_apply_stencil",
    # golden section
    "GoldenSection",
    "golden_section_omega",
    "HEAT_OMEGA_GRID",
]
