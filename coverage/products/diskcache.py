"""Disk caches of products: where they live, how they are keyed and written.

One folder, ``$EPAA_CACHE_DIR``, else ``$XDG_CACHE_HOME/epaa-coverage``, else
``~/.cache/epaa-coverage`` (never inside data/), with a subfolder per cache: ``sweeps``
(:mod:`coverage.products.sweep`), ``tracks`` (the engine's threat tracks,
:class:`TrackDiskStore`), ``grids`` (target grids and cell-country areas), ``flyout`` (the
interceptors' reachability tables, :func:`table_store`), ``results`` and ``results-points``
(the engine's answers, :func:`result_store`, :func:`point_result_store`), ``tracks-points``
(the threat's tracks to a few points, :func:`point_track_store`); the folder itself
and the switch are in :mod:`coverage.catalogue.cachedir`. Keys include a hash of every file in
data/ (not the reachability tables', which depend on data/ only through their specs); files
are written atomically (a temporary file in the folder, then renamed), so concurrent processes
see an old file or a whole new one, and a full disk only loses the cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from coverage.catalogue.cachedir import (
    CACHE_ENV,
    DATA_DIR,
    TRACK_CACHE_ENV,
    derived_caches_on,
    prune,
    source_version,
    write_atomic,
)
from coverage.catalogue.cachedir import cache_folder as _cache_folder

__all__ = [
    "CACHE_ENV",
    "GRID_CACHE_FILES",
    "TRACK_CACHE_ENV",
    "TRACK_CACHE_BYTES",
    "TRACK_CACHE_FILES",
    "POINT_TRACK_FILES",
    "RESULT_CACHE_FILES",
    "TABLE_CACHE_FILES",
    "TrackDiskStore",
    "grid_store",
    "load_columns",
    "mapped_npz",
    "point_result_store",
    "point_track_store",
    "result_store",
    "source_version",
    "table_store",
    "track_store",
]


@functools.lru_cache(maxsize=2)
def _data_version(data_dir: Path) -> str:
    """Hash of every file in ``data_dir`` (names and bytes): any data change is a new key."""
    h = hashlib.sha256()
    for path in sorted(data_dir.iterdir()):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _write_npz(
    folder: Path, key: str, arrays: Mapping[str, Any], *, compressed: bool = True
) -> None:
    """Write ``folder/key.npz`` atomically (:func:`~coverage.catalogue.cachedir.write_atomic`)."""
    save = np.savez_compressed if compressed else np.savez
    write_atomic(folder / f"{key}.npz", lambda handle: save(handle, **arrays))


#: Track sets kept on disk (each 48 bytes a sample: 196 MB for Tabriz on the 25 km grid); the
#: oldest beyond this count, or beyond :data:`TRACK_CACHE_BYTES` in all, are removed when a new
#: one is written.
TRACK_CACHE_FILES = 12
TRACK_CACHE_BYTES = 1_500_000_000


def mapped_npz(path: Path) -> dict[str, NDArray[np.generic]]:
    """The arrays of an uncompressed ``.npz``, memory-mapped read-only instead of read.

    ``np.load`` maps a ``.npy`` (``mmap_mode``) but reads every member of an ``.npz``. Members
    of an archive written by ``np.savez`` are stored uncompressed, each a ``.npy`` at an offset
    of the file, so each is mapped where it lies: opening a 196 MB track set takes ~7 ms
    instead of ~0.1 s of reading, and a process pages in only the samples it touches (the
    engine's loops stop at the first and last feasible sample). The pages are the file's, so
    they are shared by the processes that map it and dropped under memory pressure. Raises
    ``ValueError`` for a compressed member or an array of Python objects.
    """
    out: dict[str, NDArray[np.generic]] = {}
    with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
                raise ValueError(f"{path.name}: {info.filename} is not a stored .npy member")
            fh.seek(info.header_offset)
            local = fh.read(30)  # the member's local header: its name and extra field follow
            if local[:4] != b"PK\x03\x04":
                raise ValueError(f"{path.name}: no local header for {info.filename}")
            start = info.header_offset + 30
            start += int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
            fh.seek(start)
            version = np.lib.format.read_magic(fh)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(fh)
            if dtype.hasobject:
                raise ValueError(f"{path.name}: {info.filename} holds Python objects")
            name = info.filename[: -len(".npy")]
            if int(np.prod(shape)) == 0:
                out[name] = np.empty(shape, dtype)
                continue
            mapped = np.memmap(
                path, dtype=dtype, mode="r", offset=fh.tell(), shape=shape,
                order="F" if fortran else "C",
            )  # fmt: skip
            out[name] = mapped.view(np.ndarray)
    return out


class TrackDiskStore:
    """The engine's threat tracks on disk, next to the sweep cache (``…/epaa-coverage/tracks``).

    The engine makes the key from the tracks' inputs and its own source; the store adds the
    data version (every file in data/), as the sweep cache does (``data_versioned=False``: not,
    for what depends on data/ only through its key). Files are written atomically and
    uncompressed (loading is then a read); a damaged file is ignored and rebuilt.
    """

    def __init__(
        self,
        folder: Path | None = None,
        *,
        name: str = "tracks",
        max_files: int | None = None,
        data_versioned: bool = True,
        mapped: bool = False,
        max_bytes: int | None = None,
    ) -> None:
        self.name = name
        self.folder = _cache_folder(name) if folder is None else folder
        self.max_files = TRACK_CACHE_FILES if max_files is None else max_files
        self.data_versioned = data_versioned
        #: Load by mapping the file (:func:`mapped_npz`; read-only arrays), not by reading it.
        self.mapped = mapped
        self.max_bytes = max_bytes

    def _key(self, key: str) -> str:
        h = hashlib.sha256(f"{self.name}\n{key}\n".encode())
        if self.data_versioned:  # what is stored depends on data/ (not for reachability tables)
            h.update(_data_version(DATA_DIR).encode())
        return h.hexdigest()[:32]

    def load(self, key: str) -> dict[str, NDArray[np.generic]] | None:
        """The arrays stored under ``key``, or ``None`` (missing or unreadable)."""
        path = self.folder / f"{self._key(key)}.npz"
        try:
            if self.mapped:
                found = mapped_npz(path)
            else:
                with np.load(path, allow_pickle=False) as z:
                    found = {k: z[k] for k in z.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the oldest unused files are the ones removed
        return found

    def save(self, key: str, arrays: dict[str, NDArray[np.generic]]) -> None:
        """Store ``arrays`` under ``key`` and keep the ``max_files`` most recently used files."""
        _write_npz(self.folder, self._key(key), arrays, compressed=False)
        prune(self.folder, "*.npz", self.max_files, max_bytes=self.max_bytes)


def track_store() -> TrackDiskStore | None:
    """The disk store of threat tracks, or ``None`` when ``EPAA_TRACK_CACHE`` is ``off``."""
    if not derived_caches_on():
        return None
    return TrackDiskStore(mapped=True, max_bytes=TRACK_CACHE_BYTES)


#: Target grids and cell areas kept on disk (a 25 km grid: about 0.5 MB with its cell areas).
GRID_CACHE_FILES = 16


def grid_store() -> TrackDiskStore | None:
    """The disk store of target grids and cell-country areas (``…/epaa-coverage/grids``).

    Off with the threat tracks' switch (``EPAA_TRACK_CACHE=off``): both are the engine's
    inputs, rebuilt the same way when missing.
    """
    if not derived_caches_on():
        return None
    return TrackDiskStore(name="grids", max_files=GRID_CACHE_FILES)


#: Interceptor reachability tables kept on disk (0.1-0.5 MB each at the 10 km grid; one per
#: variant, estimate and speed reading asked, so a few dozen at most in normal use).
TABLE_CACHE_FILES = 64


def table_store() -> TrackDiskStore | None:
    """The disk store of fly-out reachability tables (``…/epaa-coverage/flyout``).

    Off with the threat tracks' switch (``EPAA_TRACK_CACHE=off``). A table takes 0.1-0.3 s to
    build (the fan's integration); read from here it is the same arrays
    (:func:`coverage.physics.flyout.flyout_table`). Keyed on the spec and the code alone, not on
    data/: a table is a function of its spec (whose values come from data/), so an edit to
    data/ that leaves a spec as it was keeps its table.
    """
    if not derived_caches_on():
        return None
    return TrackDiskStore(name="flyout", max_files=TABLE_CACHE_FILES, data_versioned=False)


#: Engine results over a grid kept on disk (the 25 km grid from Tabriz: about 2.5 MB each, more
#: for a launch area of several points);
#: a dashboard's 2011-2024 series with its comparisons is a few dozen.
RESULT_CACHE_FILES = 48


def result_store() -> TrackDiskStore | None:
    """The disk store of the engine's answers over a grid (``…/epaa-coverage/results``).

    A result is a function of the engine's inputs (radars, sites, threat, assumptions, launch
    points, targets), the engine's source and data/; its key holds all of them, so a later
    process asking the same question reads the answer instead of recomputing it. Off with the
    threat tracks' switch (``EPAA_TRACK_CACHE=off``).
    """
    if not derived_caches_on():
        return None
    return TrackDiskStore(name="results", max_files=RESULT_CACHE_FILES)


#: Engine answers over a few points kept on disk (the headline's year before: a few kB each).
POINT_RESULT_FILES = 200


#: Threat tracks to a few points kept on disk (the headline's capitals: about 1 MB each).
POINT_TRACK_FILES = 64


def point_track_store() -> TrackDiskStore | None:
    """The disk store of threat tracks to a few points (``…/tracks-points``).

    Apart from :func:`track_store`, whose places are for the grids' tracks (each several
    seconds to fly): a set to the capitals flies in 20-150 ms (the boost programmes of a new
    threat estimate are solved from scratch for fewer than 64 targets), once per machine with
    this store instead of once per process. Off with the threat tracks' switch.
    """
    if not derived_caches_on():
        return None
    return TrackDiskStore(name="tracks-points", max_files=POINT_TRACK_FILES)


def point_result_store() -> TrackDiskStore | None:
    """The disk store of the engine's answers over a few points (``…/results-points``).

    Apart from :func:`result_store`, whose 48 places are for answers over a grid: an answer
    over the capitals comes with nearly every grid answer and would otherwise halve them.
    """
    if not derived_caches_on():
        return None
    return TrackDiskStore(name="results-points", max_files=POINT_RESULT_FILES)


def load_columns(
    store: TrackDiskStore | None, key: str, dtypes: Mapping[str, type]
) -> dict[str, NDArray[Any]] | None:
    """Equal-length 1-D arrays named as ``dtypes`` stored under ``key``, in those types.

    ``None`` when there is no store, no entry, or an entry that does not have that form (then
    the caller rebuilds and saves it).
    """
    saved = store.load(key) if store is not None else None
    if saved is None or not set(dtypes) <= saved.keys():
        return None
    out: dict[str, NDArray[Any]] = {n: np.asarray(saved[n], dt) for n, dt in dtypes.items()}
    shapes = {a.shape for a in out.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        return None
    return out
