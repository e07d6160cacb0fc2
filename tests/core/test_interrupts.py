"""Ctrl-C at safe points (bandits.experiment.interrupts): SIGINT sets an event the caller
checks; a second Ctrl-C raises at once when asked; the previous handler comes back."""

from __future__ import annotations

import os
import signal
import time

import pytest

from bandits.experiment.interrupts import defer_interrupt


@pytest.fixture
def python_sigint_handler():
    """Python's own SIGINT handler for the test (the suite may run with SIGINT ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # the handler runs between bytecodes


def test_the_first_ctrl_c_is_deferred_with_a_message_and_the_second_raises(python_sigint_handler, capsys):
    with defer_interrupt("stopping after this shard", second_at_once=True) as interrupted:
        _ctrl_c()
        assert interrupted.is_set()
        assert "stopping after this shard" in capsys.readouterr().err
        with pytest.raises(KeyboardInterrupt):
            _ctrl_c()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_second_at_once_every_ctrl_c_is_deferred(python_sigint_handler, capsys):
    with defer_interrupt() as interrupted:
        _ctrl_c()
        _ctrl_c()
        assert interrupted.is_set()
    assert capsys.readouterr().err == ""
    with pytest.raises(KeyboardInterrupt):  # outside the block, at once again
        _ctrl_c()


def test_an_ignored_sigint_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with defer_interrupt("never shown") as interrupted:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            _ctrl_c()
            assert not interrupted.is_set()
    finally:
        signal.signal(signal.SIGINT, previous)
