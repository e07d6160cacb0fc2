"""Ctrl-C at safe points.

Raised at once, ``KeyboardInterrupt`` can land in numba's machinery: in a callback of the LLVM
binding while a function is compiled or loaded from the disk cache, where Python ignores it (the
run then goes on), or in the middle of building LLVM objects, whose finalisers later crash the
interpreter (a segmentation fault instead of exit code 130). :func:`defer_interrupt` turns
SIGINT into an event that the caller checks where stopping is safe: between the loops compile
ahead compiles, between the shards a run computes.
"""

from __future__ import annotations

import contextlib
import sys
import threading

__all__ = ["defer_interrupt"]


@contextlib.contextmanager
def defer_interrupt(message: str | None = None, second_at_once: bool = False):
    """Within the block, SIGINT sets the yielded :class:`threading.Event` instead of raising;
    the caller raises ``KeyboardInterrupt`` at its next safe point. ``message`` is printed to
    standard error at the first Ctrl-C; with ``second_at_once``, a second Ctrl-C raises at once
    (for a user who will not wait). Only in the main thread, and only when SIGINT has Python's
    default handler (an ignored or custom SIGINT is left alone: the event then stays unset)."""
    import signal

    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield interrupted
        return

    def handler(signum, frame):
        if interrupted.is_set() and second_at_once:
            raise KeyboardInterrupt
        interrupted.set()
        if message:
            print(message, file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)
