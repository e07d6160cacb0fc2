"""Input validation shared by environments, policies and the runner.

Every check raises :class:`ParameterError` (a :class:`ValueError`) that carries the parameter's
name, the offending value and the rule, and whose message reads
``means[3]: must be in [0, 1], got 1.5``. Checks run in Python, before any kernel is called and
before anything is written; experiment validation reads ``error.parameter`` to say where in a
configuration file the problem is.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "ParameterError",
    "check_real", "check_integer", "check_real_vector", "check_real_array", "check_choice"]


class ParameterError(ValueError):
    """A parameter's value breaks a rule.

    Parameters
    ----------
    parameter : str
        The parameter's name as the caller knows it, with an index where one entry is at fault
        (``"means[3]"``, ``"policies[0].alpha"``).
    value : object
        The offending value.
    rule : str
        The rule, phrased to follow the name: ``"must be in [0, 1]"``.

    got : str, optional
        How to show the value when ``repr(value)`` would not help (``"an array of shape (2, 2)"``).

    The message is ``f"{parameter}: {rule}, got {value!r}"`` (or ``got`` in place of the repr).
    """

    def __init__(self, parameter: str, value, rule: str, *, got: str | None = None):
        self.parameter = parameter
        self.value = value
        self.rule = rule
        self.got = got
        super().__init__(f"{parameter}: {rule}, got {repr(value) if got is None else got}")

    def __reduce__(self):
        return (_rebuild_parameter_error, (type(self), self.parameter, self.value, self.rule, self.got))

    @property
    def root_parameter(self) -> str:
        """The parameter's name without index or attribute path: ``"means"`` for ``"means[3]"``."""
        name = self.parameter
        for separator in ("[", "."):
            name = name.split(separator, 1)[0]
        return name


def _rebuild_parameter_error(cls, parameter, value, rule, got):
    return cls(parameter, value, rule, got=got)


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
    """Return ``value`` as a finite float inside the given interval, or raise ParameterError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(name, value, "must be a real number")
    x = float(value)
    if not math.isfinite(x):
        raise ParameterError(name, value, "must be finite")
    if not _in_interval(x, low, high, low_open, high_open):
        raise ParameterError(name, value, f"must be {_rule_text(low, high, low_open, high_open)}")
    return x


def check_integer(name, value, *, low=None, high=None) -> int:
    """Return ``value`` as an int with ``low <= value <= high``, or raise ParameterError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(name, value, "must be an integer")
    x = int(value)
    if low is not None and x < low:
        raise ParameterError(name, value, f"must be >= {low}")
    if high is not None and x > high:
        raise ParameterError(name, value, f"must be <= {high}")
    return x


def check_real_vector(
    name, values, *, low=None, high=None, low_open=False, high_open=False, min_length=1
) -> np.ndarray:
    """Return ``values`` as a read-only 1-D float64 array of finite entries inside an interval."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, values, "must be a 1-D sequence of real numbers") from None
    if array.ndim != 1:
        raise ParameterError(name, values, "must be 1-D", got=f"an array of shape {array.shape}")
    if array.size < min_length:
        raise ParameterError(name, values, f"must have at least {min_length} entries", got=str(array.size))
    for i, x in enumerate(array.tolist()):
        if not math.isfinite(x):
            raise ParameterError(f"{name}[{i}]", x, "must be finite")
        if not _in_interval(x, low, high, low_open, high_open):
            raise ParameterError(f"{name}[{i}]", x, f"must be {_rule_text(low, high, low_open, high_open)}")
    array.setflags(write=False)
    return array


def check_real_array(name, values, *, ndim, low=None, high=None, low_open=False, high_open=False) -> np.ndarray:
    """Return ``values`` as a read-only float64 array with ``ndim`` dimensions, no empty axis, and
    finite entries inside an interval; the error names the first offending index."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, values, f"must be a {ndim}-D array of real numbers") from None
    if array.ndim != ndim:
        raise ParameterError(name, values, f"must be {ndim}-D", got=f"an array of shape {array.shape}")
    if array.size == 0:
        raise ParameterError(name, values, "must not be empty", got=f"an array of shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ParameterError(f"{name}[{', '.join(map(str, index))}]", array[index], "must be finite")
    inside = np.ones(array.shape, bool)
    if low is not None:
        inside &= array > low if low_open else array >= low
    if high is not None:
        inside &= array < high if high_open else array <= high
    if not inside.all():
        index = tuple(int(i) for i in np.argwhere(~inside)[0])
        raise ParameterError(
            f"{name}[{', '.join(map(str, index))}]", float(array[index]),
            f"must be {_rule_text(low, high, low_open, high_open)}",
        )
    array.setflags(write=False)
    return array


def check_choice(name, value, choices) -> str:
    """Return ``value`` if it is one of ``choices``, or raise ParameterError listing them."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ParameterError(name, value, f"must be one of {listed}")
    return value
