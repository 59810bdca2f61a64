"""Where the disk caches live, and the one switch that turns the derived-data caches off.

The lowest layer of the caches (the catalogue's validated tables use it; the products' caches
in :mod:`coverage.products.diskcache` build on it): one folder, ``$EPAA_CACHE_DIR``, else
``$XDG_CACHE_HOME/epaa-coverage``, else ``~/.cache/epaa-coverage``, never inside data/.
Files are written atomically (a temporary file in the folder, then renamed), so concurrent
processes see an old file or a whole new one, and a full disk or a read-only folder only loses
the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "CACHE_ENV",
    "DATA_DIR",
    "TRACK_CACHE_ENV",
    "cache_folder",
    "checked_clean",
    "derived_caches_on",
    "mark_clean",
    "prune",
    "source_version",
    "write_atomic",
]

#: The bundled data folder (nothing is ever written into it).
DATA_DIR = Path(__file__).resolve().parents[2] / "data"

CACHE_ENV = "EPAA_CACHE_DIR"

#: Set to ``off`` (or ``0``) to keep threat tracks, grids, engine results and validated tables
#: in memory only (each is rebuilt the same way when missing).
TRACK_CACHE_ENV = "EPAA_TRACK_CACHE"


def cache_folder(name: str) -> Path:
    """``name`` under ``$EPAA_CACHE_DIR``, else under the user cache (never inside data/)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "epaa-coverage"
    folder = base / name
    if folder.resolve().is_relative_to(DATA_DIR.resolve()):
        raise ValueError(f"{CACHE_ENV}={env!r} points inside data/; choose another folder")
    return folder


def source_version(*paths: Path) -> str:
    """Hash of source files' bytes: a disk cache key changes when the code that fills it does."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def derived_caches_on() -> bool:
    """``False`` when ``EPAA_TRACK_CACHE`` is ``off`` (or ``0``, ``no``, ``false``)."""
    return os.environ.get(TRACK_CACHE_ENV, "").strip().lower() not in {"off", "0", "no", "false"}


def write_atomic(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` (bytes, or a function writing to a binary file) to ``path`` atomically.

    Through a temporary file in its folder, then renamed: a concurrent reader sees the old file
    or the whole new one. Errors (full disk, read-only folder) are swallowed: only the cache is
    lost.
    """
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the user's alone
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                if isinstance(data, bytes):
                    handle.write(data)
                else:
                    data(handle)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def checked_clean(key: str) -> bool:
    """Whether a check with this key (the checked bytes and the checking code) found nothing."""
    if not derived_caches_on():
        return False
    try:
        return (cache_folder("checked") / key).is_file()
    except (OSError, ValueError, RuntimeError):
        return False


def mark_clean(key: str) -> None:
    """Remember that the check with this key found no problem (an empty file named by it)."""
    if derived_caches_on():
        with contextlib.suppress(ValueError, RuntimeError):
            write_atomic(cache_folder("checked") / key, b"")


#: A temporary file older than this is one whose writer was killed (a write takes seconds).
STALE_PART_S = 3600.0


def prune(folder: Path, pattern: str, keep: int, *, max_bytes: int | None = None) -> None:
    """Keep the ``keep`` most recently used files of ``folder`` matching ``pattern``.

    With ``max_bytes``, also only as many of the newest as fit in that many bytes (the newest
    always stays). Also removes the temporary files of writes that never finished (a process
    killed while writing, older than :data:`STALE_PART_S`). Errors only leave files in place.
    """
    with contextlib.suppress(OSError):
        files = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        kept, total = 0, 0
        for path in files:
            with contextlib.suppress(OSError):
                size = path.stat().st_size
                over = max_bytes is not None and kept > 0 and total + size > max_bytes
                if kept >= max(keep, 1) or over:
                    path.unlink()
                    continue
                kept, total = kept + 1, total + size
        now = time.time()
        for part in folder.glob(".*.part"):
            with contextlib.suppress(OSError):
                if now - part.stat().st_mtime > STALE_PART_S:
                    part.unlink()
