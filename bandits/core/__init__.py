"""The core of regretlab: what every setting builds on, naming no setting.

- :mod:`bandits.core.kernels`: kernel references and the numba disk-cache locator (imported
  first, so that the locator is in place before any project function is compiled);
- :mod:`bandits.core.rng`: random streams and the per-replication seeding rule;
- :mod:`bandits.core.validation`: argument checks raising :class:`ParameterError`;
- :mod:`bandits.core.protocols`: what the runner and the Gymnasium driver need from a
  setting (problem, fused loop, learner view, Gymnasium shell);
- :mod:`bandits.core.policy`: the policy face shared by every setting;
- :mod:`bandits.core.selection`, :mod:`bandits.core.indices`: kernels several settings share;
- :mod:`bandits.core.registry`: the setting registry;
- :mod:`bandits.core.conformance`: :func:`check_policy`.

Nothing here imports ``environments`` or any other part of ``bandits``.
"""

import bandits.core.kernels  # noqa: F401  (installs the cache locator)
