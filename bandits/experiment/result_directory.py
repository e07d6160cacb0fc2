"""The files of a result directory, safely: the manifest, the shard journal and the lock.

- ``manifest.json`` is written atomically (temporary file, fsync, rename) at the start of a run
  and once more at its end; it is read only through :func:`read_manifest`, which refuses
  anything that is not a regretlab manifest of the current format, with one clear message.
- ``journal.jsonl`` holds one line ``{"shard": name, "sha256": digest}`` per finished shard,
  appended and fsynced after the shard itself was written atomically: recording a shard costs
  the same whatever the number of shards (rewriting the manifest after each shard made a run
  quadratic in its shards). At the end of a run the journal is folded into the manifest and
  removed; a run killed at any moment leaves a manifest and a journal that together name exactly
  the finished shards (a torn last line, from a kill in mid-append, is ignored: its shard is
  recomputed).
- ``.lock`` is locked (``fcntl.flock``) for the whole run: a second run into the same directory
  is refused at once instead of redoing the same work. The operating system releases the lock
  when the process ends, however it ends.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
from pathlib import Path

from bandits.core.atomic_files import atomic_write_bytes

__all__ = [
    "FORMAT",
    "JOURNAL",
    "LOCK",
    "MANIFEST",
    "DirectoryLock",
    "ResultDirectoryError",
    "append_journal",
    "fold_journal",
    "layout_digest",
    "os_error_message",
    "read_manifest",
    "recorded_shards",
    "write_manifest",
]

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
LOCK = ".lock"
#: The manifest format: 2 adds the result layout (record points, labels, units) and the journal.
FORMAT = 2


class ResultDirectoryError(ValueError):
    """A result directory that cannot be used as asked: the message names the path and what to
    do (the command line exits with status 2)."""


def os_error_message(path, error: OSError, doing: str) -> str:
    """One line for an operating-system error while ``doing`` something with ``path``."""
    reasons = {
        errno.EACCES: "permission denied: choose a directory you can write to",
        errno.EPERM: "permission denied: choose a directory you can write to",
        errno.EROFS: "the file system is read-only: choose a directory on a writable one",
        errno.ENOSPC: "the disk is full: free some space and run the same command again to resume "
                      "(finished shards are kept)",
        errno.EDQUOT: "the disk quota is exceeded: free some space and run the same command again to resume",
        errno.ENOTDIR: "a part of the path is a file, not a directory: choose another path",
        errno.EEXIST: "a file of that name exists: choose another path",
        errno.EISDIR: "it is a directory",
        errno.ENAMETOOLONG: "the path is too long",
    }
    reason = reasons.get(error.errno, error.strerror or str(error))
    return f"out: cannot {doing} {path}: {reason}"


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def layout_digest(layout: dict) -> str:
    """SHA-256 of the layout's canonical JSON: a manifest whose layout was edited by hand no
    longer matches the digest stored beside it."""
    return _sha256_bytes(json.dumps(layout, sort_keys=True, separators=(",", ":")).encode())


def write_manifest(out: Path, manifest: dict) -> None:
    """Write ``manifest.json`` atomically."""
    atomic_write_bytes(out / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())


def read_manifest(out: Path) -> dict:
    """The manifest of result directory ``out``, checked: a JSON object of the current format
    with ``config``, ``layout`` (matching its digest) and ``shards``.

    Raises
    ------
    ResultDirectoryError
        Naming the file and what is wrong with it.
    """
    path = out / MANIFEST
    if not path.exists():
        raise ResultDirectoryError(f"out: {out} holds no {MANIFEST}; is it a regretlab result directory?")
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ResultDirectoryError(f"out: {path} is not valid JSON; move the directory away and run again") from None
    except OSError as error:
        raise ResultDirectoryError(os_error_message(path, error, "read")) from None
    if not isinstance(manifest, dict):
        raise ResultDirectoryError(f"out: {path} is not a regretlab manifest (a JSON object), got a {type(manifest).__name__}")
    if manifest.get("format") != FORMAT:
        raise ResultDirectoryError(
            f"out: {path} was written by an older regretlab (manifest format {manifest.get('format', 1)}, this "
            f"version reads {FORMAT}); its record points cannot be recovered safely: run the experiment again into "
            "a new directory")
    for key, kind in (("config", dict), ("layout", dict), ("shards", dict)):
        if not isinstance(manifest.get(key), kind):
            raise ResultDirectoryError(f"out: {path}: '{key}' must be a JSON object, got {manifest.get(key)!r:.60}")
    if manifest.get("layout_sha256") != layout_digest(manifest["layout"]):
        raise ResultDirectoryError(f"out: {path}: the result layout (record points, labels) was modified after the run; "
                                   "restore the file or run the experiment again into a new directory")
    return manifest


def recorded_shards(out: Path, manifest: dict) -> dict:
    """Shard name -> SHA-256: the manifest's shards and the journal's lines (a torn or foreign
    last line is ignored)."""
    shards = dict(manifest.get("shards", {}))
    path = out / JOURNAL
    if path.exists():
        for line in path.read_bytes().split(b"\n"):
            try:
                record = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            if isinstance(record, dict) and isinstance(record.get("shard"), str) and isinstance(record.get("sha256"), str):
                shards[record["shard"]] = record["sha256"]
    return shards


def append_journal(out: Path, name: str, digest: str) -> None:
    """Record one finished shard: append its line to the journal and fsync it."""
    line = (json.dumps({"shard": name, "sha256": digest}) + "\n").encode()
    descriptor = os.open(out / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(descriptor, line)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fold_journal(out: Path, manifest: dict) -> None:
    """Move the journal's shards into the manifest (written atomically), then drop the journal.
    Safe to repeat: a kill between the two steps leaves lines already in the manifest."""
    manifest["shards"] = recorded_shards(out, manifest)
    write_manifest(out, manifest)
    (out / JOURNAL).unlink(missing_ok=True)


class DirectoryLock:
    """An exclusive lock on result directory ``out`` (``out/.lock``) for a ``with`` block.

    Raises
    ------
    ResultDirectoryError
        If another process holds it (the message gives its pid when known).
    """

    def __init__(self, out: Path):
        self.path = out / LOCK
        self._descriptor = None

    def __enter__(self):
        try:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            raise ResultDirectoryError(os_error_message(self.path.parent, error, "write to")) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(descriptor, 32).decode(errors="replace").strip()
            os.close(descriptor)
            raise ResultDirectoryError(
                f"out: {self.path.parent} is being written by another regretlab run"
                f"{f' (pid {holder})' if holder else ''}; wait for it to finish or choose another directory") from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, str(os.getpid()).encode())
        self._descriptor = descriptor
        return self

    def __exit__(self, *exc):
        if self._descriptor is not None:
            os.ftruncate(self._descriptor, 0)
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
            os.close(self._descriptor)
            self._descriptor = None
        return False
