"""How compiled loops name the kernels they run, and how their machine code is cached.

Kernel references
-----------------
A setting's fused loop (run by ``bandits.runner``) runs an environment kernel and a policy's kernels together. It
does not receive the kernels as jitted-function arguments: numba types such an argument by the
identity of the live dispatcher object, so a signature containing one never matches the on-disk
cache of another process (every process would recompile, and the cache index grows without
bound). Instead a loop receives each kernel's *reference*, a string literal
``"package.module:function"`` (see :func:`kernel_reference`), and calls it through
:func:`kernel`, which numba resolves at compile time to that kernel, so the call is direct. The
literal is part of the signature, so a compiled (environment, policy) combination is found again
on disk by any later process.

Cache freshness
---------------
numba decides whether a cached function is fresh from a hash of the file that defines it, not of
the kernels it calls, so editing a policy module (``bandits/policies/classic/index_policies.py``)
would leave a stale fused loop in ``environments/classic/__pycache__``. ``ProjectSourceLocator``
stamps every cache entry of this project's modules with a hash of the ``.py`` files of the
``bandits`` and ``environments`` packages that compiled code can depend on
(:func:`kernel_source_stamp`: all of them but the reports, the result store and the command
line, :data:`NOT_COMPILED`), so any edit of those recompiles everything once and nothing stale
is ever run, while editing a report recompiles nothing. Kernels defined outside the project carry a hash
of their own file in their reference for the same reason.

numba unpickles a cache index before it compares stamps, and an index written by another version
of the source can name modules that no longer exist (after a module moved), which would fail to
load. So the first 12 hexadecimal digits of the stamp are also part of every cache file name: an
index of another version is never opened, and files of other versions are deleted once per
directory and process.

The locator uses numba's private caching API (``numba.core.caching``), tested on numba
:data:`TESTED_NUMBA`; setup.cfg pins that range. Should the API differ, a ``RuntimeWarning`` says
so and the cache moves to a directory of its own per source version (:func:`fallback_cache_dir`).

The cache directory follows numba's usual rules (``NUMBA_CACHE_DIR`` if set, else ``__pycache__``
beside the source, else the user-wide cache).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import os
import warnings
from pathlib import Path

import numba as nb
from numba.core import caching, types
from numba.core.extending import overload

__all__ = [
    "kernel_reference",
    "resolve_kernel",
    "kernel",
    "ProjectSourceLocator",
    "project_source_stamp",
    "kernel_source_stamp",
    "NOT_COMPILED",
    "compiled_entry_point",
    "is_cached",
    "signature_of",
]

_PROJECT_PACKAGES = ("bandits", "environments")
_PROJECT_ROOTS = tuple(Path(__file__).resolve().parents[2] / name for name in _PROJECT_PACKAGES)


#: Parts of the project that define no compiled function and that no compiled function can
#: reach: they sit above the drivers in the import layers (pyproject.toml, checked by
#: lint-imports), so editing them (a report's figure, the result store) leaves every cached loop
#: fresh. tests/core/test_kernels.py checks that none of them uses numba.
NOT_COMPILED = ("bandits/report", "bandits/experiment", "bandits/cli.py", "bandits/privacy_audit.py")


def _project_files(compiled_only: bool = False) -> list[Path]:
    files = sorted(p for root in _PROJECT_ROOTS for p in root.rglob("*.py"))
    if not compiled_only:
        return files
    top = _PROJECT_ROOTS[0].parent
    return [p for p in files
            if not any(p.relative_to(top).as_posix() == part or p.relative_to(top).as_posix().startswith(part + "/")
                       for part in NOT_COMPILED)]


@functools.lru_cache(maxsize=8)
def _stamp_of(signature: tuple) -> str:
    digest = hashlib.sha256()
    for path, _, _ in signature:
        digest.update(str(path.relative_to(_PROJECT_ROOTS[0].parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def project_source_stamp() -> str:
    """SHA-256 of every ``.py`` file of the ``bandits`` and ``environments`` packages (their
    relative paths and contents), recomputed only when a file's size or mtime changes: the
    source stamp of a result directory's provenance and of a Dask worker's check."""
    return _stamp_of(_signature(compiled_only=False))


def kernel_source_stamp() -> str:
    """The same hash over the files compiled code can depend on: every file of the project but
    those of :data:`NOT_COMPILED`. numba's cache entries of this project carry it, so that any
    edit of such a file recompiles everything once, and an edit of a report does not."""
    return _stamp_of(_signature(compiled_only=True))


def _signature(compiled_only: bool) -> tuple:
    signature = []
    for path in _project_files(compiled_only):
        st = path.stat()
        signature.append((path, st.st_mtime_ns, st.st_size))
    return tuple(signature)


def _in_project(py_file: str) -> bool:
    path = Path(py_file).resolve()
    return any(root in path.parents for root in _PROJECT_ROOTS)


#: numba releases whose private caching API (``numba.core.caching``) the locator was tested
#: against; setup.cfg pins numba to this range.
TESTED_NUMBA = ("0.61", "0.68")
#: numba's own locators, tried in this order for the cache directory; numba 0.61 names them with
#: a leading underscore (``_UserProvidedCacheLocator``), later releases without.
_NUMBA_LOCATORS = ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")


def _numba_locator(caching_module, name):
    return getattr(caching_module, name, None) or getattr(caching_module, "_" + name, None)


def caching_api_available(caching_module) -> bool:
    """True if ``caching_module`` (``numba.core.caching``) has the private API the locator uses."""
    if not all(hasattr(caching_module, name) for name in ("_CacheLocator", "CacheImpl")):
        return False
    if any(_numba_locator(caching_module, name) is None for name in _NUMBA_LOCATORS):
        return False
    locators = getattr(caching_module.CacheImpl, "_locator_classes", None)
    base = caching_module._CacheLocator
    return isinstance(locators, list) and all(
        hasattr(base, name) for name in ("from_function", "get_cache_path", "get_source_stamp", "get_disambiguator")
    )


def _make_locator_class(caching_module):
    class ProjectSourceLocator(caching_module._CacheLocator):
        """numba cache locator for this project's functions: the directory numba would use anyway,
        with the hash of the project's compiled-reachable source (:func:`kernel_source_stamp`) as
        freshness stamp."""

        _fallbacks = tuple(_numba_locator(caching_module, name) for name in _NUMBA_LOCATORS)

        def __init__(self, inner):
            self._inner = inner
            self._py_file = inner._py_file  # read by numba's cachability check

        @classmethod
        def from_function(cls, py_func, py_file):
            if not _in_project(py_file):
                return None
            for fallback in cls._fallbacks:
                inner = fallback.from_function(py_func, py_file)
                if inner is not None:
                    return cls(inner)
            return None

        def ensure_cache_path(self):
            self._inner.ensure_cache_path()

        def get_cache_path(self):
            return self._inner.get_cache_path()

        def get_source_stamp(self):
            return kernel_source_stamp()

        def get_disambiguator(self):
            # The source stamp is part of every cache file name. numba unpickles an index before it
            # compares stamps, and an index written by another version of the source can name
            # modules that no longer exist (a module moved): with the stamp in the name such an
            # index is never opened. Files of other stamps are removed once per directory.
            tag = kernel_source_stamp()[:_STAMP_TAG_LENGTH]
            _prune_other_stamps(self._inner.get_cache_path(), tag)
            return f"{self._inner.get_disambiguator()}-{tag}"

    return ProjectSourceLocator


_STAMP_TAG_LENGTH = 12
_PRUNED: set = set()


def _prune_other_stamps(directory: str, tag: str) -> None:
    """Delete this project's numba cache files in ``directory`` whose name carries a source stamp
    other than ``tag`` (left by earlier versions of the source); once per directory and process."""
    if (directory, tag) in _PRUNED:
        return
    _PRUNED.add((directory, tag))
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        stem = name.split(".py", 1)[0] if ".py" in name else ""
        if not name.endswith((".nbi", ".nbc", ".nbi.lock")) or not stem:
            continue
        last = stem.rsplit("-", 1)[-1]
        stale = last.isdigit() or (  # no tag: written before stamps were part of the name
            len(last) == _STAMP_TAG_LENGTH and last != tag and all(ch in "0123456789abcdef" for ch in last)
        )
        if stale:
            try:
                os.remove(os.path.join(directory, name))
            except OSError:
                pass


def fallback_cache_dir() -> str:
    """The cache directory used when numba's caching API is not the tested one: a directory of
    its own for every version of the project's source (``regretlab/numba-<12-hex-digit stamp
    tag>`` under ``$XDG_CACHE_HOME`` or ``~/.cache``), so a stale compiled loop is never loaded."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "regretlab", f"numba-{kernel_source_stamp()[:_STAMP_TAG_LENGTH]}")


def _install_locator(caching_module=caching) -> bool:
    """Put :class:`ProjectSourceLocator` first in numba's locator list; return True. If numba's
    private caching API is not the tested one, warn, leave numba's locators alone, point numba's
    cache at :func:`fallback_cache_dir` (unless ``NUMBA_CACHE_DIR`` is set) and return False."""
    global ProjectSourceLocator
    if not caching_api_available(caching_module):
        warnings.warn(
            f"regretlab: numba {nb.__version__}'s caching API is not the one tested (numba {TESTED_NUMBA[0]} to "
            f"{TESTED_NUMBA[1]}); compiled loops are cached in a directory per source version instead",
            RuntimeWarning,
            stacklevel=2,
        )
        if not os.environ.get("NUMBA_CACHE_DIR"):
            nb.config.CACHE_DIR = fallback_cache_dir()
        return False
    if ProjectSourceLocator is None:
        ProjectSourceLocator = _make_locator_class(caching_module)
    locators = caching_module.CacheImpl._locator_classes
    if ProjectSourceLocator not in locators:
        locators.insert(0, ProjectSourceLocator)
    _install_locked_save(caching_module)
    return True


def _install_locked_save(caching_module) -> None:
    """Make numba's cache writes of this project's functions safe between processes.

    numba saves a compiled overload by reading the function's cache index, choosing the first data
    file number the index does not use, and rewriting the index. Two processes compiling two
    signatures of one function at the same time (the fused loop of two policies, compiled ahead
    in parallel, or two runs started together on an empty cache) can both choose number 1: one
    index entry is lost, and the surviving entry can point at the other signature's machine code.
    This wraps ``IndexDataCacheFile.save`` in an exclusive ``fcntl`` lock on ``<index>.lock`` for
    the index files of this project's functions (their names carry the source stamp tag), so the
    read-choose-write sequence is atomic. Without ``fcntl`` (Windows) saves are left as they are.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return
    cache_file_class = getattr(caching_module, "IndexDataCacheFile", None)
    original = getattr(cache_file_class, "save", None)
    if original is None or getattr(original, "_regretlab_locked", False):
        return

    @functools.wraps(original)
    def save(self, key, data):
        index_path = getattr(self, "_index_path", "")
        if f"-{kernel_source_stamp()[:_STAMP_TAG_LENGTH]}.py" not in os.path.basename(index_path):
            return original(self, key, data)
        with open(index_path + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                return original(self, key, data)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    save._regretlab_locked = True
    cache_file_class.save = save


ProjectSourceLocator = None
#: True when the project's cache locator is in place (False: the per-version fallback).
LOCATOR_INSTALLED = _install_locator()


# ---------------------------------------------------------------------------------------------
# Kernel references
# ---------------------------------------------------------------------------------------------
def kernel_reference(kernel) -> str:
    """The string by which compiled loops name a jitted, module-level ``kernel``.

    ``"module:qualname"`` for the project's own kernels; kernels from other files get
    ``"@<hash of their file>"`` appended so that editing them invalidates cached loops.

    Raises
    ------
    ValueError
        If ``kernel`` is not a numba-jitted function reachable as ``module.qualname``
        (closures and lambdas cannot be named across processes).
    """
    py_func = getattr(kernel, "py_func", None)
    if py_func is None:
        raise ValueError(f"kernel: must be a numba @njit function, got {kernel!r}")
    reference = f"{py_func.__module__}:{py_func.__qualname__}"
    try:
        found = resolve_kernel(reference)
    except (ImportError, AttributeError):
        found = None
    if found is not kernel:
        raise ValueError(
            f"kernel: must be a module-level @njit function importable as {reference!r}, got {kernel!r}"
        )
    source = inspect.getsourcefile(py_func)
    if source is not None and not _in_project(source):
        digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()[:16]
        reference = f"{reference}@{digest}"
    return reference


def resolve_kernel(reference: str):
    """The jitted function named by ``reference`` (inverse of :func:`kernel_reference`)."""
    path = reference.split("@", 1)[0]
    module_name, _, qualname = path.partition(":")
    target = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def kernel(reference):
    """The kernel named by the string literal ``reference``, as a compile-time constant
    (compiled code only): ``kernel(pull_reference)(params, arm, rng)`` is a direct call."""
    raise TypeError("kernel() can only be called from numba-compiled code")


@overload(kernel, inline="always")
def _kernel_overload(reference):
    if not isinstance(reference, types.StringLiteral):
        return None
    function = resolve_kernel(reference.literal_value)

    def constant(reference):
        return function

    return constant


def signature_of(args) -> tuple:
    """The numba types of ``args``, string arguments typed as literals (kernel references)."""
    return tuple(types.literal(a) if isinstance(a, str) else nb.typeof(a) for a in args)


def compiled_entry_point(dispatcher, args):
    """Compile (or load from the disk cache) ``dispatcher`` for the types of ``args``
    (:func:`signature_of`); return the native entry point, which accepts arguments of exactly
    those types without numba's per-call type dispatch (~60 us)."""
    return dispatcher.compile(signature_of(args))


def is_cached(dispatcher, args) -> bool:
    """True if the disk cache holds ``dispatcher`` compiled for the types of ``args`` (as
    :func:`compiled_entry_point` would type them), or it is compiled in this process already: then
    the first call does not compile. False when numba's cache cannot be queried."""
    signature = signature_of(args)
    if signature in dispatcher.overloads:
        return True
    cache = getattr(dispatcher, "_cache", None)
    try:
        return cache is not None and cache.load_overload(signature, dispatcher.targetctx) is not None
    except Exception:  # noqa: BLE001 - a cache we cannot read is a cache miss
        return False
