"""Shared fixtures and a zoo of edge-case inputs for the engine tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from coverage.catalogue.tables import Catalogue, load_catalogue

#: (lon_deg, lat_deg) places that stress geodesy: the sites, the poles, the antimeridian, the equator.
ZOO_POINTS = {
    "deveselu": (24.4134, 44.0787),
    "redzikowo": (17.108, 54.479),
    "kurecik": (37.7936, 38.3494),
    "rota": (-6.3316, 36.6208),
    "north_pole": (0.0, 90.0),
    "near_north_pole": (45.0, 89.5),
    "south_pole": (0.0, -90.0),
    "antimeridian_east": (179.9, 65.0),
    "antimeridian_west": (-179.9, -10.0),
    "equator": (0.0, 0.0),
}


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The sourced catalogue, loaded once (read-only)."""
    return load_catalogue()


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Disk caches (sweeps, threat tracks) go to a folder of this session, never the user's."""
    mp = pytest.MonkeyPatch()
    mp.setenv("EPAA_CACHE_DIR", str(tmp_path_factory.mktemp("epaa-cache")))
    # No background prefetching of neighbouring states (dashboard/prefetch.py): a test's timings
    # and cache counts must not depend on a thread that outlives the run that started it. The
    # prefetch tests turn it on for themselves.
    mp.setenv("EPAA_PREFETCH", "0")
    yield
    mp.undo()


@pytest.fixture(scope="session", autouse=True)
def bundled_files_untouched() -> Iterator[None]:
    """Nothing the suite does (CLI runs, exports, what-if edits, the app) writes into data/ or static/."""
    root = Path(__file__).resolve().parent.parent
    folders = [root / "data", root / "static"]
    before = [_tree_digest(f) for f in folders]
    yield
    after = [_tree_digest(f) for f in folders]
    for folder, b, a in zip(folders, before, after, strict=True):
        changed = sorted(k for k in set(b) | set(a) if b.get(k) != a.get(k))
        assert not changed, f"the test suite changed {folder.name}/: {changed}"


@pytest.fixture(autouse=True)
def main_module_restored() -> Iterator[None]:
    """``__main__`` after each test is the one before it.

    Streamlit's script runner (AppTest) installs the script it ran as ``__main__`` and leaves
    it there. A Dask worker process started later re-runs ``__main__``'s file (multiprocessing's
    spawn), and an ``AppTest.from_function`` script dies in it ("name '__args' is not
    defined"): the sweep's process-worker test failed after the what-if tests (session 37).
    """
    import sys

    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
