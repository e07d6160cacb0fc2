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
same values as NumPy's. The fused runner also passes streams: one pair per thread, re-seeded
for each replication by assigning the PCG64 states of :func:`replication_generator_states`
(computed in bulk by a compiled re-implementation of NumPy's seeding, checked bit for bit).
"""

from __future__ import annotations

import numbers

import numba as nb
import numpy as np
from numba.core import types
from numba.core.extending import overload
from numba.experimental import structref

from bandits.core.validation import ParameterError

__all__ = [
    "RandomStream",
    "generator_of",
    "make_random_stream",
    "replication_seeds",
    "replication_generator_states",
    "pcg64_state",
    "as_generator",
]


@structref.register
class RandomStreamType(types.StructRef):
    """Numba type of :class:`RandomStream`: a structref with one field ``rng``."""

    def preprocess_fields(self, fields):
        """The fields' types with any literal type widened (``types.unliteral``), so that every
        stream has the same numba type."""
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

    Kernels accept either. The fused runner and the Python faces pass :class:`RandomStream`
    handles (cheap to unbox); a plain Generator works too but costs about 11 µs per call to
    unbox. Kernels call ``generator_of(rng)`` and draw from the result.
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
        raise ParameterError("replication", replication, "must be an integer >= 0")
    # SeedSequence(root).spawn(r + 1)[r].spawn(2) has children with spawn keys (r, 0) and (r, 1).
    root, r = int(root_seed), int(replication)
    environment_ss = np.random.SeedSequence(root, spawn_key=(r, 0))
    policy_ss = np.random.SeedSequence(root, spawn_key=(r, 1))
    return _seed_int(environment_ss), _seed_int(policy_ss)


def _check_seed(name: str, seed) -> None:
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ParameterError(name, seed, "must be an integer >= 0")


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (None, a non-negative int, a SeedSequence or a Generator) into a Generator.

    ``None`` draws fresh OS entropy through a new :class:`numpy.random.SeedSequence`, as NumPy
    and Gymnasium do, and keeps it: ``generator.bit_generator.seed_seq.entropy`` is the integer
    seed that repeats the run. Pass an integer for reproducible results. A Generator is used as
    is (shared, not copied).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.Generator(np.random.PCG64(seed))
    if seed is None:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence()))
    _check_seed(name, seed)
    return np.random.default_rng(int(seed))


# ---------------------------------------------------------------------------------------------
# Bulk seeding: the PCG64 states of many replications in one compiled call
# ---------------------------------------------------------------------------------------------
# numpy.random.SeedSequence and PCG64 seeding re-implemented with the same constants, so that
# the runner can compute every replication's generator states at once (about 0.5 us each instead
# of about 150 us through NumPy objects). tests/core/test_rng.py checks equality with NumPy's
# default_rng(replication_seeds(root, r)[j]) on random roots and replication indices.
_MASK32 = np.uint64(0xFFFFFFFF)
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_MULT_L = np.uint64(0xCA01F9DD)
_MIX_MULT_R = np.uint64(0x4973F715)
_XSHIFT = np.uint64(16)
_POOL_SIZE = 4
_PCG64_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
_MASK128 = (1 << 128) - 1


@nb.njit(cache=True)
def _hashmix(value, hash_const):
    value = (value ^ hash_const[0]) & _MASK32
    hash_const[0] = (hash_const[0] * _MULT_A) & _MASK32
    value = (value * hash_const[0]) & _MASK32
    return value ^ (value >> _XSHIFT)


@nb.njit(cache=True)
def _mix(x, y):
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ (result >> _XSHIFT)


@nb.njit(cache=True)
def _seed_sequence_pool(entropy, length):
    """SeedSequence's entropy pool (4 words < 2^32) from ``entropy[:length]`` (uint32 words)."""
    pool = np.zeros(_POOL_SIZE, np.uint64)
    hash_const = np.array([_INIT_A], np.uint64)
    for i in range(_POOL_SIZE):
        pool[i] = _hashmix(entropy[i] if i < length else np.uint64(0), hash_const)
    for i_src in range(_POOL_SIZE):
        for i_dst in range(_POOL_SIZE):
            if i_src != i_dst:
                pool[i_dst] = _mix(pool[i_dst], _hashmix(pool[i_src], hash_const))
    for i_src in range(_POOL_SIZE, length):
        for i_dst in range(_POOL_SIZE):
            pool[i_dst] = _mix(pool[i_dst], _hashmix(entropy[i_src], hash_const))
    return pool


@nb.njit(cache=True)
def _generate_state_u64(pool, n_words64, out):
    """SeedSequence.generate_state(n_words64, uint64) into ``out``."""
    hash_const = _INIT_B
    for k in range(n_words64):
        halves = np.zeros(2, np.uint64)
        for h in range(2):
            value = (pool[(2 * k + h) % _POOL_SIZE] ^ hash_const) & _MASK32
            hash_const = (hash_const * _MULT_B) & _MASK32
            value = (value * hash_const) & _MASK32
            halves[h] = value ^ (value >> _XSHIFT)
        out[k] = halves[0] | (halves[1] << np.uint64(32))


@nb.njit(cache=True)
def _words_of(value_high, value_low, out, start):
    """Little-endian 32-bit words of the 128-bit integer (high, low), without leading zero
    words (at least one word), written from ``out[start]``; returns the new length."""
    words = np.zeros(4, np.uint64)
    words[0] = value_low & _MASK32
    words[1] = value_low >> np.uint64(32)
    words[2] = value_high & _MASK32
    words[3] = value_high >> np.uint64(32)
    n = 4
    while n > 1 and words[n - 1] == 0:
        n -= 1
    for i in range(n):
        out[start + i] = words[i]
    return start + n


@nb.njit(cache=True)
def _pcg64_seed_words(root_words, replications):
    """For each replication r and role j (0: environment, 1: policy): the four uint64 words that
    PCG64 draws from ``SeedSequence(seed_int)``, where ``seed_int`` is the 128-bit integer of
    ``SeedSequence(root, spawn_key=(r, j)).generate_state(2, uint64)``."""
    n = replications.size
    out = np.zeros((n, 2, 4), np.uint64)
    entropy = np.zeros(root_words.size + 8, np.uint64)
    n_root = root_words.size
    for i in range(n_root):
        entropy[i] = root_words[i]
    padded = max(n_root, _POOL_SIZE)  # spawn keys pad the run entropy to the pool size
    seed_words = np.zeros(2, np.uint64)
    pcg_words = np.zeros(4, np.uint64)
    seed_entropy = np.zeros(4, np.uint64)
    for i in range(n):
        for j in range(2):
            for z in range(n_root, padded):
                entropy[z] = 0
            length = _words_of(np.uint64(0), np.uint64(replications[i]), entropy, padded)
            length = _words_of(np.uint64(0), np.uint64(j), entropy, length)
            pool = _seed_sequence_pool(entropy, length)
            _generate_state_u64(pool, 2, seed_words)
            seed_length = _words_of(seed_words[0], seed_words[1], seed_entropy, 0)
            pool = _seed_sequence_pool(seed_entropy, seed_length)
            _generate_state_u64(pool, 4, pcg_words)
            for k in range(4):
                out[i, j, k] = pcg_words[k]
    return out


def _int_words(value: int) -> np.ndarray:
    words = []
    while True:
        words.append(value & 0xFFFFFFFF)
        value >>= 32
        if value == 0:
            return np.array(words, np.uint64)


def pcg64_state(seed_words) -> dict:
    """``bit_generator.state`` of ``PCG64`` seeded with the four uint64 ``seed_words`` drawn
    from its SeedSequence (NumPy's pcg64_set_seed: initstate = words 0-1, initseq = words 2-3)."""
    w = [int(x) for x in seed_words]
    initstate = (w[0] << 64) | w[1]
    increment = ((((w[2] << 64) | w[3]) << 1) | 1) & _MASK128
    state = (increment) & _MASK128  # state 0, one step: 0 * multiplier + increment
    state = (state + initstate) & _MASK128
    state = (state * _PCG64_MULTIPLIER + increment) & _MASK128
    return {"bit_generator": "PCG64", "state": {"state": state, "inc": increment}, "has_uint32": 0, "uinteger": 0}


def replication_generator_states(root_seed: int, replications) -> list:
    """``[(environment_state, policy_state), ...]``: the ``bit_generator.state`` dicts of
    ``default_rng(s)`` for ``s`` in :func:`replication_seeds` ``(root_seed, r)``, for each r,
    computed in one compiled call."""
    _check_seed("root_seed", root_seed)
    indices = np.asarray(list(replications), dtype=np.int64).reshape(-1)
    if indices.size and indices.min() < 0:
        raise ValueError(f"replications: must be integers >= 0, got {indices.min()}")
    words = _pcg64_seed_words(_int_words(int(root_seed)), indices.astype(np.uint64))
    return [(pcg64_state(words[i, 0]), pcg64_state(words[i, 1])) for i in range(indices.size)]


def replication_seeding_compiled() -> bool:
    """True when the compiled kernel of :func:`replication_generator_states` is in this process
    or in numba's disk cache (a first run compiles it; see ``bandits.experiment.compile_ahead``)."""
    from bandits.core.kernels import is_cached

    words = np.zeros(1, np.uint64)
    return is_cached(_pcg64_seed_words, (words, words))
