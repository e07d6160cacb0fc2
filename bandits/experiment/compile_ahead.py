"""Compile ahead: the fused loops a run needs that numba's disk cache lacks, compiled in parallel
worker processes before the run starts.

Every (environment, policy) pair of an experiment runs one of its setting's fused loops,
specialised to the policy's and the environment's kernels; numba compiles each specialisation
once and keeps its machine code in its disk cache (:mod:`bandits.core.kernels`). Compiling is
single-threaded and takes seconds per loop, so a first run of an experiment with six policies
would spend most of its time compiling one loop after the other. When two or more loops are
missing and more than one core is available, :func:`compile_ahead` compiles them in this
process and in worker processes (one process per core in all), which fill the shared disk
cache; the run then loads the workers' loops from disk. Cache writes from several processes are safe (:func:`bandits.core.kernels` locks numba's
cache index while it saves).

The workers are fresh interpreters (``python -m bandits.experiment.compile_ahead``) that read
the configuration from a pickle on standard input: no user script is re-executed in them (as
``multiprocessing``'s spawn would do with an unguarded script). A worker that cannot start or
fails changes nothing but speed: the run compiles whatever is still missing itself, and reports
any genuine compilation error there.
"""

from __future__ import annotations

import collections
import os
import pickle
import selectors
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from bandits.experiment.interrupts import defer_interrupt

__all__ = ["SEEDING", "available_cores", "compile_ahead", "compile_item", "missing_loops"]


def _loop_and_arguments(config, policies, environment: int, policy: int):
    """The fused loop of one (environment, policy) pair and arguments of the types a run calls
    it with (one replication)."""
    from bandits.core.rng import make_random_stream

    probe = make_random_stream(np.random.default_rng(0))
    problem = config.environments[environment][2]
    fused = problem.fused_loop([policies[policy]], config.horizon_of(environment), config.record_points_of(environment))
    return fused.loop, fused.arguments(0, 0, fused.allocate(1, 1), probe, probe)


def missing_loops(config, pairs) -> tuple[list[tuple[int, int]], int]:
    """The distinct fused loops that ``pairs`` (``(environment, policy)`` indices of ``config``)
    run: one representative pair for each loop not yet in numba's disk cache (nor compiled in this
    process), and the number of distinct loops."""
    from bandits.core.kernels import is_cached, signature_of

    policies = config.make_policies()
    seen, missing = set(), []
    for environment, policy in sorted(set(pairs)):
        loop, arguments = _loop_and_arguments(config, policies, environment, policy)
        key = (id(loop), signature_of(arguments))
        if key in seen:
            continue
        seen.add(key)
        if not is_cached(loop, arguments):
            missing.append((environment, policy))
    return missing, len(seen)


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def compile_ahead(config, loops, *, processes: int | None = None, timeout: float = 1800.0) -> int:
    """Compile ``loops`` (representative ``(environment, policy)`` pairs of ``config``, from
    :func:`missing_loops`) in this process and in up to ``processes - 1`` worker processes
    (default: one process per available core), which fill numba's disk cache. The runner's
    replication seeding (:func:`bandits.core.rng.replication_generator_states`, compiled on a
    first run too) is compiled with them when it is missing.

    All processes take work from one queue, one item at a time, so a slow loop does not hold up
    the others. With one item or one core, this process compiles alone (as the run would).
    Returns the number of worker processes started. Worker failures are not errors (see the
    module docstring); ``timeout`` (seconds) bounds the wait for the workers.
    """
    from bandits.core.rng import replication_seeding_compiled

    queue = collections.deque(loops)
    if not replication_seeding_compiled():
        queue.appendleft(SEEDING)
    lock = threading.Lock()

    def take():
        with lock:
            return queue.popleft() if queue else None

    n_workers = min(len(queue), available_cores() if processes is None else processes) - 1
    pool = _WorkerPool(config, n_workers, take, timeout) if n_workers >= 1 else None
    finished = False
    with defer_interrupt() as interrupted:  # Ctrl-C takes effect between items
        try:
            if pool is not None:
                pool.start()
            policies = config.make_policies()
            while not interrupted.is_set() and (item := take()) is not None:
                compile_item(config, policies, item)
            if interrupted.is_set():
                raise KeyboardInterrupt
            finished = True
        finally:
            if pool is not None:
                pool.finish(wait=finished, interrupted=interrupted)
    if interrupted.is_set():  # Ctrl-C while waiting for the workers, after this process's last item
        raise KeyboardInterrupt
    return 0 if pool is None else pool.started


#: The queue item that stands for the runner's replication seeding.
SEEDING = ("seeding",)


def compile_item(config, policies, item) -> None:
    """Compile (or load from the disk cache) one queue item: the replication seeding or the fused
    loop of an ``(environment, policy)`` pair."""
    from bandits.core.kernels import compiled_entry_point
    from bandits.core.rng import replication_generator_states

    if item == SEEDING:
        replication_generator_states(0, [0])
    else:
        compiled_entry_point(*_loop_and_arguments(config, policies, *item))


class _WorkerPool:
    """Worker processes (``python -m bandits.experiment.compile_ahead``) fed from ``take`` by a
    thread of this process: each worker receives the pickled configuration, then one queue item
    at a time, and reports each with a line when it is compiled."""

    def __init__(self, config, n_workers, take, timeout):
        self._payload = pickle.dumps(config, protocol=pickle.HIGHEST_PROTOCOL)
        self._n_workers = n_workers
        self._take = take
        self._deadline = time.monotonic() + timeout
        self._stop = threading.Event()
        self._processes = []
        self._thread = threading.Thread(target=self._feed, name="compile-ahead feeder", daemon=True)
        self.started = 0

    def start(self):
        self._thread.start()

    def _feed(self):
        environment = dict(os.environ)
        paths = [str(Path(p).resolve()) for p in sys.path if p and Path(p).exists()]
        environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        try:
            with selectors.DefaultSelector() as selector:
                for _ in range(self._n_workers):
                    item = self._take()
                    if item is None or self._stop.is_set():
                        break
                    process = subprocess.Popen(
                        [sys.executable, "-m", "bandits.experiment.compile_ahead"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environment,
                    )
                    self._processes.append(process)
                    self.started += 1
                    _send(process, self._payload)
                    _send(process, pickle.dumps(item))
                    selector.register(process.stdout, selectors.EVENT_READ, process)
                while selector.get_map() and not self._stop.is_set() and time.monotonic() < self._deadline:
                    for key, _ in selector.select(timeout=0.2):
                        process = key.data
                        item = self._take() if process.stdout.readline() else None  # "": the worker died
                        if item is not None:
                            _send(process, pickle.dumps(item))
                        else:  # nothing left, or the worker is gone: let it end
                            selector.unregister(process.stdout)
                            _close_quietly(process.stdin)
        except OSError:  # a worker could not start or its pipe broke: the run compiles what is missing
            pass

    def finish(self, wait: bool, interrupted=None):
        """Wait for the workers (``wait``) until the deadline or until ``interrupted`` (an event,
        set by a deferred Ctrl-C) is set, or stop them at once."""

        def stopped() -> bool:
            return interrupted is not None and interrupted.is_set()

        if wait:  # in short steps: a Ctrl-C while waiting stops the workers at once
            while self._thread.is_alive() and time.monotonic() < self._deadline and not stopped():
                self._thread.join(timeout=0.1)
            wait = not stopped()
        if not wait:
            self._stop.set()
            self._thread.join(timeout=5.0)
        self._stop.set()
        limit = max(time.monotonic() + 1.0, self._deadline)
        for process in self._processes:
            while wait and process.poll() is None and time.monotonic() < limit and not stopped():
                time.sleep(0.05)
            if process.poll() is None:
                process.kill()
                process.wait()
            _close_quietly(process.stdin)
            _close_quietly(process.stdout)


def _close_quietly(stream) -> None:
    try:
        stream.close()
    except OSError:  # a broken pipe to a worker that is gone
        pass


def _send(process, data: bytes) -> None:
    """Write one length-prefixed message to a worker's standard input."""
    process.stdin.write(len(data).to_bytes(8, "little") + data)
    process.stdin.flush()


def _receive(stream) -> bytes | None:
    """Read one length-prefixed message; None at the end of the stream."""
    header = stream.read(8)
    if len(header) < 8:
        return None
    return stream.read(int.from_bytes(header, "little"))


def _worker_main() -> int:
    """Worker: read the pickled configuration, then queue items one at a time from standard input;
    compile (or load) each, which saves it in numba's disk cache, and report each with a line on
    standard output. Ends at the end of its input."""
    source = sys.stdin.buffer
    config = pickle.loads(_receive(source))
    policies = config.make_policies()
    while (message := _receive(source)) is not None:
        compile_item(config, policies, pickle.loads(message))
        sys.stdout.write("compiled\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_worker_main())
