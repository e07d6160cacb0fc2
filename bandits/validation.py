"""Input validation shared by environments, policies and the runner.

Every check raises :class:`ValueError` whose message names the parameter, states the rule and
shows the offending value, e.g. ``means[3]: must be in [0, 1], got 1.5``. Checks run in Python,
before any kernel is called and before anything is written.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["check_real", "check_integer", "check_real_vector", "check_real_array", "check_choice"]


def _interval_text(low, high, low_open, high_open) -> str:
    """The rule as text: ``> 0``, ``<= 1`` or ``in [0, 1]``."""
    if high is None and low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if low is None and high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{left}{lo}, {hi}{right}"


def _rule_text(low, high, low_open, high_open) -> str:
    text = _interval_text(low, high, low_open, high_open)
    return text if text[0] in "<>" else f"in {text}"


def _in_interval(x, low, high, low_open, high_open) -> bool:
    if low is not None and (x < low or (low_open and x == low)):
        return False
    if high is not None and (x > high or (high_open and x == high)):
        return False
    return True


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """Return ``value`` as a finite float inside the given interval, or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: must be a real number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    if not _in_interval(x, low, high, low_open, high_open):
        raise ValueError(
            f"{name}: must be {_rule_text(low, high, low_open, high_open)}, got {value!r}"
        )
    return x


def check_integer(name, value, *, low=None, high=None) -> int:
    """Return ``value`` as an int with ``low <= value <= high``, or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: must be an integer, got {value!r}")
    x = int(value)
    if low is not None and x < low:
        raise ValueError(f"{name}: must be >= {low}, got {value!r}")
    if high is not None and x > high:
        raise ValueError(f"{name}: must be <= {high}, got {value!r}")
    return x


def check_real_vector(
    name, values, *, low=None, high=None, low_open=False, high_open=False, min_length=1
) -> np.ndarray:
    """Return ``values`` as a read-only 1-D float64 array of finite entries inside an interval."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: must be a 1-D sequence of real numbers, got {values!r}") from None
    if array.ndim != 1:
        raise ValueError(f"{name}: must be 1-D, got an array of shape {array.shape}")
    if array.size < min_length:
        raise ValueError(f"{name}: must have at least {min_length} entries, got {array.size}")
    for i, x in enumerate(array.tolist()):
        if not math.isfinite(x):
            raise ValueError(f"{name}[{i}]: must be finite, got {x!r}")
        if not _in_interval(x, low, high, low_open, high_open):
            raise ValueError(
                f"{name}[{i}]: must be {_rule_text(low, high, low_open, high_open)}, "
                f"got {x!r}"
            )
    array.setflags(write=False)
    return array


def check_real_array(name, values, *, ndim, low=None, high=None, low_open=False, high_open=False) -> np.ndarray:
    """Return ``values`` as a read-only float64 array with ``ndim`` dimensions, no empty axis, and
    finite entries inside an interval; the error names the first offending index."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: must be a {ndim}-D array of real numbers, got {values!r}") from None
    if array.ndim != ndim:
        raise ValueError(f"{name}: must be {ndim}-D, got an array of shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name}: must not be empty, got an array of shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name}[{', '.join(map(str, index))}]: must be finite, got {array[index]!r}")
    inside = np.ones(array.shape, bool)
    if low is not None:
        inside &= array > low if low_open else array >= low
    if high is not None:
        inside &= array < high if high_open else array <= high
    if not inside.all():
        index = tuple(int(i) for i in np.argwhere(~inside)[0])
        raise ValueError(
            f"{name}[{', '.join(map(str, index))}]: must be {_rule_text(low, high, low_open, high_open)}, "
            f"got {float(array[index])!r}"
        )
    array.setflags(write=False)
    return array


def check_choice(name, value, choices) -> str:
    """Return ``value`` if it is one of ``choices``, or raise ValueError listing them."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name}: must be one of {listed}, got {value!r}")
    return value
