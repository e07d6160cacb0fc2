"""The setting registry: one :class:`Setting` record per research setting.

A record names, as lazily resolved ``"module:attribute"`` strings (the way Gymnasium's registry
names entry points), everything the generic parts of regretlab need from a setting: its problem
classes, Gymnasium ids, policies, conformance check, report section and benchmark presets.
Experiment validation, ``regretlab list``, :func:`bandits.check_policy`, the reports,
``regretlab bench`` and Gymnasium registration all read the registry; no generic module names a
setting or a policy, and reading a record imports nothing.

The built-in settings are recorded in :mod:`bandits.core.builtin_settings`. A setting outside
the toolkit registers through the entry-point group ``regretlab.settings``: the entry point names
a :class:`Setting` (or a function returning one), e.g. in the plug-in's ``setup.cfg``::

    [options.entry_points]
    regretlab.settings =
        toy = toy_setting.registration:SETTING

or calls :func:`register_setting` itself. ``docs/architecture.md`` walks through adding one.
"""

from __future__ import annotations

import importlib
import threading
from importlib import metadata
from types import MappingProxyType
from typing import Mapping

from bandits.core.builtin_settings import BUILTIN_SETTINGS
from bandits.core.setting import BenchPreset, Setting, problem_name_of_id

__all__ = [
    "Setting",
    "BenchPreset",
    "ENTRY_POINT_GROUP",
    "register_setting",
    "settings",
    "get_setting",
    "resolve",
    "problem_names",
    "problem_class",
    "policy_names",
    "policy_class",
    "environment_ids",
    "setting_of",
    "register_gymnasium_environments",
    "unregister_setting",
    "load_plugins",
    "find_exported",
    "exported_names",
]

#: The entry-point group through which installed packages add settings.
ENTRY_POINT_GROUP = "regretlab.settings"


_LOCK = threading.RLock()
_SETTINGS: dict = {}
_LOADED = False


def _check_no_clash(setting: Setting) -> None:
    for other in _SETTINGS.values():
        for kind in ("problems", "policies", "environments"):
            clash = sorted(set(getattr(setting, kind)) & set(getattr(other, kind)))
            if clash:
                raise ValueError(f"setting {setting.name!r}: {kind} {clash} are already registered by {other.name!r}")


def register_setting(setting: Setting, *, replace: bool = False) -> Setting:
    """Add ``setting`` to the registry (and its environments to Gymnasium's registry if
    :mod:`environments` has registered the others already). ``ValueError`` if its name, or one of
    its problem, policy or environment names, is taken, unless ``replace`` (same name only)."""
    if not isinstance(setting, Setting):
        raise ValueError(f"setting: must be a bandits.core.registry.Setting, got {setting!r}")
    with _LOCK:
        _load()
        if setting.name in _SETTINGS and not replace:
            raise ValueError(f"setting: {setting.name!r} is already registered")
        previous = _SETTINGS.pop(setting.name, None)
        try:
            _check_no_clash(setting)
        except ValueError:
            if previous is not None:
                _SETTINGS[previous.name] = previous
            raise
        _SETTINGS[setting.name] = setting
    if _GYM_REGISTERED:
        _register_gym(setting)
    return setting


def unregister_setting(name: str) -> None:
    """Remove a setting (for tests that register a temporary one)."""
    with _LOCK:
        _SETTINGS.pop(name, None)


def _load() -> None:
    """Read the built-in records and the ``regretlab.settings`` entry points, once. If a plug-in
    is broken, the error is raised now and again on every later use (never a registry that
    silently lacks the plug-in)."""
    global _LOADED
    if _LOADED:
        return
    try:
        for setting in BUILTIN_SETTINGS:
            _check_no_clash(setting)
            _SETTINGS[setting.name] = setting
        load_plugins()
    except BaseException:
        _SETTINGS.clear()
        raise
    _LOADED = True


def load_plugins() -> list:
    """Register the settings of the ``regretlab.settings`` entry points not registered yet (run
    once automatically; call it again after installing a plug-in into a running process).
    Returns the names of the settings added.

    Raises
    ------
    ValueError
        If an entry point names something other than a :class:`Setting` (or a function returning
        one), or a setting whose names clash with registered ones.
    """
    added = []
    with _LOCK:
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = entry_point.load()
            except Exception as error:
                raise ValueError(
                    f"entry point {entry_point.name!r} of group {ENTRY_POINT_GROUP!r} ({entry_point.value}): cannot be "
                    f"loaded: {type(error).__name__}: {error}"
                ) from error
            setting = loaded() if callable(loaded) and not isinstance(loaded, Setting) else loaded
            if not isinstance(setting, Setting):
                raise ValueError(
                    f"entry point {entry_point.name!r} of group {ENTRY_POINT_GROUP!r}: must name a Setting, got {setting!r}"
                )
            if _SETTINGS.get(setting.name) is setting:
                continue
            if setting.name in _SETTINGS:
                raise ValueError(f"entry point {entry_point.name!r}: setting {setting.name!r} is already registered")
            _check_no_clash(setting)
            _SETTINGS[setting.name] = setting
            added.append(setting.name)
    if _GYM_REGISTERED:
        for name in added:
            _register_gym(_SETTINGS[name])
    return added


def settings() -> Mapping[str, Setting]:
    """Every registered setting, by name (built-in first, then plug-ins in load order)."""
    with _LOCK:
        _load()
        return MappingProxyType(dict(_SETTINGS))


def get_setting(name: str) -> Setting:
    """The setting called ``name``; ``ValueError`` listing the known ones otherwise."""
    known = settings()
    if name not in known:
        raise ValueError(f"setting: unknown name {name!r}; known: {', '.join(known)}")
    return known[name]


def resolve(reference: str):
    """The object named by ``"package.module:attribute"`` (imported on first use)."""
    module_name, _, attribute = reference.partition(":")
    target = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


def problem_names() -> dict:
    """Problem name -> setting name, over every setting."""
    return {problem: s.name for s in settings().values() for problem in s.problems}


def problem_class(name: str):
    """The problem class for a problem name (``"BernoulliBandit"``) or Gymnasium id
    (``"regretlab/BernoulliBandit-v0"``: the problem of that name, or, when the id's name is not a
    problem's, the one its environment class names in ``problem_name``); ``ValueError`` listing
    the known names otherwise."""
    key = problem_name_of_id(name) or name
    for setting in settings().values():
        if key in setting.problems:
            return resolve(setting.problems[key])
    for setting in settings().values():  # an id whose <Name> is not a problem name: its class names one
        if name in setting.environments:
            problem_name = getattr(resolve(setting.environments[name]), "problem_name", None)
            if problem_name in setting.problems:
                return resolve(setting.problems[problem_name])
    known = sorted(problem_names()) + sorted(environment_ids())
    raise ValueError(f"environment: unknown name {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}")


def policy_names() -> dict:
    """Policy name -> setting name, over every setting."""
    return {policy: s.name for s in settings().values() for policy in s.policies}


def policy_class(name: str):
    """The policy class registered as ``name``; ``ValueError`` listing the known names otherwise."""
    for setting in settings().values():
        if name in setting.policies:
            return resolve(setting.policies[name])
    known = sorted(policy_names())
    raise ValueError(f"policy: unknown name {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}")


def did_you_mean(name, known) -> str:
    """``" (did you mean 'ucb1'?)"`` for the closest of ``known`` names, or ``""``."""
    import difflib

    if not isinstance(name, str):
        return ""
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


def environment_ids() -> dict:
    """Gymnasium id -> ``"module:Class"`` entry point, over every setting."""
    return {env_id: entry for s in settings().values() for env_id, entry in s.environments.items()}


def setting_of(obj) -> Setting:
    """The setting of a policy or problem (instance or class): the record that registers its
    class, else the one named by its ``setting`` attribute; ``ValueError`` if there is none."""
    cls = obj if isinstance(obj, type) else type(obj)
    reference = f"{cls.__module__}:{cls.__qualname__}"
    for setting in settings().values():
        if reference in setting.policies.values() or reference in setting.problems.values():
            return setting
    name = getattr(obj, "setting", None)
    if isinstance(name, str) and name in settings():
        return settings()[name]
    for setting in settings().values():  # classes re-exported by a setting's package
        for ref in [*setting.policies.values(), *setting.problems.values()]:
            module_name = ref.partition(":")[0]
            if cls.__module__ == module_name or cls.__module__.startswith(module_name + "."):
                return setting
    raise ValueError(f"{cls.__name__}: belongs to no registered setting")


_GYM_REGISTERED = False


def _register_gym(setting: Setting) -> None:
    from gymnasium.envs.registration import register, registry

    for env_id, entry_point in setting.environments.items():
        if env_id not in registry:
            register(id=env_id, entry_point=entry_point)


def register_gymnasium_environments() -> None:
    """Register every setting's environments with Gymnasium (idempotent); settings registered
    later are added as they arrive."""
    global _GYM_REGISTERED
    for setting in settings().values():
        _register_gym(setting)
    _GYM_REGISTERED = True


def find_exported(name: str, kinds=("problems", "environments", "policies")):
    """The registered class whose attribute name is ``name`` (``"UCB1"``, ``"CascadingMDPEnv"``),
    searching the given kinds of every setting; ``AttributeError`` if none. Lets a package
    re-export every setting's classes lazily (``from environments import StreamingBandit``)."""
    for setting in settings().values():
        for kind in kinds:
            for reference in getattr(setting, kind).values():
                if reference.rpartition(":")[2].rpartition(".")[2] == name:
                    return resolve(reference)
    raise AttributeError(name)


def exported_names(kinds=("problems", "environments", "policies")) -> list:
    """The attribute names :func:`find_exported` finds, sorted."""
    return sorted(
        {ref.rpartition(":")[2].rpartition(".")[2] for s in settings().values() for kind in kinds
         for ref in getattr(s, kind).values()}
    )
