"""Files that are never seen half-written: write to a temporary file beside the target, flush it
to disk, then rename it over the target."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "write_text_atomically"]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()  # read once at import (os.umask can only be read by setting it)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over
    ``path``: readers see the old file or the new one, never a partial one. The file gets the
    permissions of an ordinary new file (0666 minus the umask; ``mkstemp`` alone gives 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomically(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename (readers never see
    a partial file); for scripts that write their own tables. Returns the path."""
    path = Path(path)
    atomic_write_bytes(path, text.encode("utf-8"))
    return path


