"""Random streams: seeding rules and a cheap handle that lets jitted code draw from a Generator.

Seeding
-------
Every replication ``r`` of an experiment with root seed ``root`` gets two integer seeds,
derived with :class:`numpy.random.SeedSequence`::

    child = SeedSequence(root).spawn(r + 1)[r]          # spawn key (r,)
    environment_ss, policy_ss = child.spawn(2)         # spawn keys (r, 0) and (r, 1)
    seed = int from ss.generate_state(2, uint64)       # a 128-bit integer

An integer is what :meth:`gymnasium.Env.reset` accepts, and ``numpy.random.default_rng(seed)``
builds exactly the generator Gymnasium builds for ``reset(seed=seed)``, so a replication of the
fused runner can be replayed step by step through the Gymnasium shell. The environment seed is
the same for every policy of a replication (common random numbers); results depend only on
``(root, r)``, never on thread count, order, or which other policies or replications exist.

Cheap generator handles
-----------------------
Passing a :class:`numpy.random.Generator` into a jitted function costs about 11 µs per call
(numba unboxes its bit generator through ctypes every time). The Python faces of environments
and policies call kernels once per step, so instead they wrap their Generator once in a
:class:`RandomStream` (a numba structref holding the already-unboxed generator) and pass that:
about 1 µs per call. The stream shares the bit generator's state with the Python Generator, so
draws made through either advance the same stream, and numba's Generator methods produce the
same values as NumPy's. The fused runner passes plain Generators, once per replication.
"""

from __future__ import annotations

import numbers

import numba as nb
import numpy as np
from numba.core import types
from numba.core.extending import overload
from numba.experimental import structref

__all__ = [
    "RandomStream",
    "generator_of",
    "make_random_stream",
    "replication_seeds",
    "as_generator",
]


@structref.register
class RandomStreamType(types.StructRef):
    """Numba type of :class:`RandomStream`: a structref with one field ``rng``."""

    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class RandomStream(structref.StructRefProxy):
    """A numba-side handle on a :class:`numpy.random.Generator` (field ``rng``).

    Build it with :func:`make_random_stream`; jitted code reads ``stream.rng``.
    """

    @property
    def rng(self):  # pragma: no cover - only used from jitted code
        return _stream_rng(self)


structref.define_proxy(RandomStream, RandomStreamType, ["rng"])


@nb.njit(cache=True)
def _new_stream(rng):
    return RandomStream(rng)


@nb.njit(cache=True)
def _stream_rng(stream):
    return stream.rng


def generator_of(rng):
    """The :class:`numpy.random.Generator` behind ``rng`` (a Generator or a RandomStream).

    Kernels take either: the fused runner passes Generators (no per-step indirection), the
    Python faces pass :class:`RandomStream` handles (cheap per-call unboxing). Kernels call
    ``rng = generator_of(rng)`` once, then draw from it.
    """
    if isinstance(rng, RandomStream):
        return _stream_rng(rng)
    return rng


@overload(generator_of)
def _generator_of_overload(rng):
    if isinstance(rng, RandomStreamType):
        return lambda rng: rng.rng
    if isinstance(rng, types.NumPyRandomGeneratorType):
        return lambda rng: rng
    return None


def make_random_stream(generator: np.random.Generator) -> RandomStream:
    """Wrap ``generator`` for cheap repeated use from jitted code.

    The handle keeps a reference to the generator and shares its state.
    """
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"generator: expected a numpy.random.Generator, got {type(generator).__name__}"
        )
    return _new_stream(generator)


def _seed_int(seed_sequence: np.random.SeedSequence) -> int:
    high, low = seed_sequence.generate_state(2, np.uint64)
    return (int(high) << 64) | int(low)


def replication_seeds(root_seed: int, replication: int) -> tuple[int, int]:
    """Return ``(environment_seed, policy_seed)`` for one replication.

    Parameters
    ----------
    root_seed : int
        The experiment's root seed (non-negative).
    replication : int
        Replication index, ``0 <= replication``.

    Returns
    -------
    (int, int)
        Integer seeds for ``env.reset(seed=...)`` and ``policy.reset(..., seed=...)``.
        ``numpy.random.default_rng(seed)`` rebuilds the same generators the runner uses.
    """
    _check_seed("root_seed", root_seed)
    if not isinstance(replication, numbers.Integral) or isinstance(replication, bool) or replication < 0:
        raise ValueError(f"replication: must be an integer >= 0, got {replication!r}")
    # SeedSequence(root).spawn(r + 1)[r].spawn(2) has children with spawn keys (r, 0) and (r, 1).
    root, r = int(root_seed), int(replication)
    environment_ss = np.random.SeedSequence(root, spawn_key=(r, 0))
    policy_ss = np.random.SeedSequence(root, spawn_key=(r, 1))
    return _seed_int(environment_ss), _seed_int(policy_ss)


def _check_seed(name: str, seed) -> None:
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"{name}: must be an integer >= 0, got {seed!r}")


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (None, a non-negative int, a SeedSequence or a Generator) into a Generator.

    ``None`` draws fresh OS entropy, as NumPy and Gymnasium do; pass an integer for reproducible
    results. A Generator is used as is (shared, not copied).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.Generator(np.random.PCG64(seed))
    if seed is None:
        return np.random.default_rng()
    _check_seed(name, seed)
    return np.random.default_rng(int(seed))
