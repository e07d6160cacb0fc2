"""Seeding rules and random-stream handles (bandits.core.rng)."""

import pickle

import numba as nb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandits.core.rng import (
    as_generator,
    generator_of,
    make_random_stream,
    replication_generator_states,
    replication_seeds,
)


def test_replication_seeds_follow_seedsequence_spawn():
    """Seeds equal those of SeedSequence(root).spawn(r+1)[r].spawn(2), as documented."""
    root = 20261122
    for r in (0, 1, 7):
        child = np.random.SeedSequence(root).spawn(r + 1)[r]
        expected = []
        for grandchild in child.spawn(2):
            high, low = grandchild.generate_state(2, np.uint64)
            expected.append((int(high) << 64) | int(low))
        assert replication_seeds(root, r) == tuple(expected)


def test_replication_seeds_are_distinct_and_independent_of_other_replications():
    seeds = [replication_seeds(3, r) for r in range(50)]
    flat = [s for pair in seeds for s in pair]
    assert len(set(flat)) == len(flat)
    assert replication_seeds(3, 10) == seeds[10]


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True, None])
def test_replication_seeds_reject_bad_root(bad):
    with pytest.raises(ValueError, match="root_seed"):
        replication_seeds(bad, 0)


def test_replication_seeds_reject_bad_replication():
    with pytest.raises(ValueError, match="replication"):
        replication_seeds(0, -2)


def test_gymnasium_builds_the_same_generator_as_default_rng():
    """env.reset(seed=s) must give the generator default_rng(s) gives (the replay guarantee)."""
    from gymnasium.utils.seeding import np_random

    seed = replication_seeds(5, 2)[0]
    gym_rng, _ = np_random(seed)
    assert np.array_equal(gym_rng.random(20), np.random.default_rng(seed).random(20))


@nb.njit(cache=True)
def _draw_mix(rng, n):
    generator = generator_of(rng)
    out = np.empty(3 * n)
    for i in range(n):
        out[3 * i] = generator.random()
        out[3 * i + 1] = generator.standard_normal()
        out[3 * i + 2] = generator.beta(2.0 + i % 3, 0.5 + i % 2)
    return out


def _draw_mix_numpy(generator, n):
    out = np.empty(3 * n)
    for i in range(n):
        out[3 * i] = generator.random()
        out[3 * i + 1] = generator.standard_normal()
        out[3 * i + 2] = generator.beta(2.0 + i % 3, 0.5 + i % 2)
    return out


def test_numba_draws_equal_numpy_draws_for_generators_and_streams():
    """The design relies on numba's Generator methods reproducing NumPy's streams exactly."""
    expected = _draw_mix_numpy(np.random.default_rng(11), 200)
    assert np.array_equal(_draw_mix(np.random.default_rng(11), 200), expected)
    assert np.array_equal(_draw_mix(make_random_stream(np.random.default_rng(11)), 200), expected)


def test_stream_shares_state_with_its_generator():
    generator = np.random.default_rng(4)
    stream = make_random_stream(generator)
    first = _draw_mix(stream, 5)
    # The Python generator continues where the jitted draws stopped.
    reference = np.random.default_rng(4)
    _draw_mix_numpy(reference, 5)
    assert generator.random() == reference.random()
    assert np.array_equal(first, _draw_mix_numpy(np.random.default_rng(4), 5))


def test_stream_keeps_its_generator_alive():
    stream = make_random_stream(np.random.default_rng(9))
    import gc

    gc.collect()
    assert np.array_equal(_draw_mix(stream, 3), _draw_mix_numpy(np.random.default_rng(9), 3))


def test_make_random_stream_rejects_non_generators():
    with pytest.raises(TypeError, match="generator"):
        make_random_stream(np.random.RandomState(0))


def test_as_generator_accepts_the_documented_kinds():
    assert as_generator(3).random() == np.random.default_rng(3).random()
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    ss = np.random.SeedSequence(8)
    assert as_generator(ss).random() == np.random.Generator(np.random.PCG64(np.random.SeedSequence(8))).random()
    with pytest.raises(ValueError, match="seed"):
        as_generator(-3)
    pickle.dumps(as_generator(None))


@settings(max_examples=60, deadline=None)
@given(
    root=st.one_of(st.integers(0, 2**32), st.integers(0, 2**200)),
    replications=st.lists(st.integers(0, 2**40), min_size=1, max_size=4),
)
def test_bulk_generator_states_equal_numpy_seeding(root, replications):
    """The runner's compiled re-implementation of SeedSequence + PCG64 seeding gives exactly
    the states of default_rng(replication_seeds(root, r)[j])."""
    states = replication_generator_states(root, replications)
    for r, pair in zip(replications, states):
        for seed, state in zip(replication_seeds(root, r), pair):
            assert np.random.default_rng(seed).bit_generator.state == state


def test_bulk_generator_states_validate_input():
    with pytest.raises(ValueError, match="root_seed: must be an integer >= 0, got -3"):
        replication_generator_states(-3, [0])
    with pytest.raises(ValueError, match="replications: must be integers >= 0"):
        replication_generator_states(0, [1, -1])


def test_no_seed_draws_fresh_entropy_that_is_kept_and_repeats_the_stream():
    first, second = as_generator(None), as_generator(None)
    assert first.bit_generator.seed_seq.entropy != second.bit_generator.seed_seq.entropy
    replay = np.random.default_rng(first.bit_generator.seed_seq.entropy)
    np.testing.assert_array_equal(first.random(5), replay.random(5))
