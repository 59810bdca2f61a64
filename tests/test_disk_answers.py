"""Answers kept on disk between processes: the engine's results over a grid, validated tables.

A later process that asks the same question reads the answer instead of recomputing it
(``metrics`` for one year, a restarted dashboard). What is read must be what a fresh run gives,
bit for bit; a changed input, a damaged file or a changed table must never be served.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coverage.catalogue import analysis as an
from coverage.catalogue import cachedir
from coverage.catalogue.tables import SCHEMAS, load_catalogue, read_table
from coverage.physics import engagement as eng
from coverage.products import defended
from coverage.scenario import DefenceQuery, FootprintOptions

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = FootprintOptions(year=2016, scenario="actual")
QUERY = DefenceQuery(launch_area="tabriz", grid_km=100.0)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """An empty cache folder, and the in-process caches emptied around the test."""
    monkeypatch.setenv(cachedir.CACHE_ENV, str(tmp_path))
    defended._engage_cached.cache_clear()
    yield tmp_path
    defended._engage_cached.cache_clear()


def _arrays_equal(a: eng.EngagementResult, b: eng.EngagementResult) -> None:
    assert a.site_keys == b.site_keys
    for name in eng._RESULT_ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        np.testing.assert_array_equal(x, y, err_msg=name)


def test_engine_result__round_trips_through_plain_arrays(catalogue, own_cache):
    result = defended.defended_grid(catalogue, OPTIONS, QUERY).result
    back = eng.EngagementResult.from_arrays(result.to_arrays())
    _arrays_equal(result, back)
    assert not back.defended.flags.writeable
    # Not vacuous: the case has defended and undefended targets and several sites.
    assert result.defended.any() and not result.defended.all() and len(result.site_keys) > 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.pop("first_intercept_s"),
        lambda a: a.update(defended=a["defended"][:-1]),
        lambda a: a.update(launch_time_s=a["launch_time_s"][:, :-1]),
        lambda a: a.update(defended=a["defended"].astype(float)),
        lambda a: a.update(site_keys=np.array(["only_one"])),
        lambda a: a.update(radar_detection_s=a["radar_detection_s"][0]),
    ],
    ids=["missing", "short", "sites_axis", "dtype", "site_keys", "radar_axes"],
)
def test_engine_result__refuses_arrays_that_are_not_one(catalogue, own_cache, damage):
    arrays = defended.defended_grid(catalogue, OPTIONS, QUERY).result.to_arrays()
    damage(arrays)
    with pytest.raises(ValueError, match="not an engagement result"):
        eng.EngagementResult.from_arrays(arrays)


def _count_engine_runs(monkeypatch) -> list[int]:
    """A list that gets an entry for every engine run from now on."""
    runs: list[int] = []
    engine = defended.engage
    monkeypatch.setattr(defended, "engage", lambda *a, **k: runs.append(1) or engine(*a, **k))
    return runs


def _forbid_engine(monkeypatch):
    def no(*a, **k):
        raise AssertionError("the engine ran")

    monkeypatch.setattr(defended, "engage", no)


def test_defended_grid__a_later_process_reads_the_answer_it_would_compute(
    catalogue, own_cache, monkeypatch
):
    fresh = defended.defended_grid(catalogue, OPTIONS, QUERY).result
    files = list((own_cache / "results").glob("*.npz"))
    assert len(files) == 1
    defended._engage_cached.cache_clear()  # as in a new process
    _forbid_engine(monkeypatch)
    read = defended.defended_grid(catalogue, OPTIONS, QUERY).result
    _arrays_equal(fresh, read)


@pytest.mark.parametrize(
    ("options", "query"),
    [
        (OPTIONS, DefenceQuery(launch_area="tabriz", grid_km=100.0, delay_s=200.0)),
        (FootprintOptions(year=2016, scenario="actual", estimate="low"), QUERY),
        (FootprintOptions(year=2024, scenario="actual"), QUERY),
        (OPTIONS, DefenceQuery(launch_area="tabriz", grid_km=100.0, satellite_cueing="off")),
    ],
    ids=["delay", "estimate", "year", "cueing"],
)
def test_defended_grid__another_question_is_computed_not_read(
    catalogue, own_cache, monkeypatch, options, query
):
    defended.defended_grid(catalogue, OPTIONS, QUERY)
    defended._engage_cached.cache_clear()
    runs = _count_engine_runs(monkeypatch)
    other = defended.defended_grid(catalogue, options, query).result
    assert runs == [1]
    assert len(list((own_cache / "results").glob("*.npz"))) == 2
    # The stored answer of the first question is not this one.
    defended._engage_cached.cache_clear()
    again = defended.defended_grid(catalogue, options, query).result
    assert runs == [1]
    _arrays_equal(other, again)


def test_defended_grid__a_damaged_file_is_computed_again_and_replaced(
    catalogue, own_cache, monkeypatch
):
    fresh = defended.defended_grid(catalogue, OPTIONS, QUERY).result
    (path,) = (own_cache / "results").glob("*.npz")
    path.write_bytes(b"not a numpy archive")
    defended._engage_cached.cache_clear()
    _arrays_equal(fresh, defended.defended_grid(catalogue, OPTIONS, QUERY).result)
    defended._engage_cached.cache_clear()
    _forbid_engine(monkeypatch)  # replaced by a whole file: read from now on
    _arrays_equal(fresh, defended.defended_grid(catalogue, OPTIONS, QUERY).result)


def test_defended_grid__the_switch_keeps_answers_in_memory_only(catalogue, own_cache, monkeypatch):
    monkeypatch.setenv(cachedir.TRACK_CACHE_ENV, "off")
    defended.defended_grid(catalogue, OPTIONS, QUERY)
    an.read_analysis_table("cities.csv")
    assert not (own_cache / "results").exists()
    assert not (own_cache / "tables").exists()
    monkeypatch.delenv(cachedir.TRACK_CACHE_ENV)
    an.read_analysis_table("cities.csv")  # and with it on, the same call writes (not vacuous)
    assert list((own_cache / "tables").glob("*.json"))


def _no_validation(*a, **k):
    raise AssertionError("validated again")


def test_validated_tables__read_back_equal_to_a_fresh_validation(monkeypatch, own_cache):
    """Every bundled table, from the disk cache, equals a fresh validation (values and types)."""
    names = [(read_table, n) for n in SCHEMAS] + [
        (an.read_analysis_table, n) for n in an.ANALYSIS_SCHEMAS
    ]
    from coverage.catalogue import schema

    real = schema.validate_frame
    for reader, name in names:
        first, p1 = reader(name)  # validated and stored
        monkeypatch.setattr(schema, "validate_frame", _no_validation)
        second, p2 = reader(name)  # read back, not validated
        monkeypatch.setattr(schema, "validate_frame", real)
        monkeypatch.setenv(cachedir.TRACK_CACHE_ENV, "off")
        fresh, p3 = reader(name)
        monkeypatch.delenv(cachedir.TRACK_CACHE_ENV)
        assert p1 == p2 == p3 == [], name
        pd.testing.assert_frame_equal(second, fresh, check_exact=True, obj=name)
        pd.testing.assert_frame_equal(first, fresh, check_exact=True, obj=name)
    stored = list((own_cache / "tables").glob("*.json"))
    assert len(stored) == len(names)


def test_validated_tables__an_edited_file_is_validated_again(tmp_path, own_cache):
    """A table's bytes are in its key: an edit is checked (and its problem named), not served."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    good, problems = an.read_analysis_table("cities.csv", data_dir=data)
    assert not problems
    text = (data / "cities.csv").read_text("utf-8").splitlines()
    text[1] = text[1].replace(",false", ",maybe", 1)
    (data / "cities.csv").write_text("\n".join(text) + "\n", "utf-8")
    edited, problems = an.read_analysis_table("cities.csv", data_dir=data)
    assert [(p.line, p.column) for p in problems] == [(2, "is_capital")]
    assert len(edited) == len(good) - 1


def test_metrics_cli__the_second_process_reads_the_answers(tmp_path):
    """Two ``metrics`` runs print the same figures; the second computes no engine run."""
    env = {**os.environ, cachedir.CACHE_ENV: str(tmp_path), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "coverage", "metrics", "--year", "2016", "--grid-km", "100"]
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    stored = {p: p.read_bytes() for p in (tmp_path / "results").glob("*.npz")}
    assert stored
    probe = (
        "import runpy, sys\n"
        "from coverage.products import defended\n"
        "def no(*a, **k):\n"
        "    raise SystemExit('the engine ran')\n"
        "defended.engage = no\n"
        "sys.argv = ['coverage', *sys.argv[1:]]\n"
        "runpy.run_module('coverage', run_name='__main__')\n"
    )
    second = subprocess.run(
        [sys.executable, "-c", probe, *cmd[3:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(first.stdout) == json.loads(second.stdout)
    assert {p: p.read_bytes() for p in (tmp_path / "results").glob("*.npz")} == stored


def test_table_checks__a_clean_table_is_not_checked_again_but_an_edit_is(
    tmp_path, own_cache, monkeypatch
):
    """regions.csv's codes against the basemap: stamped clean once, checked again when edited."""
    from coverage.catalogue import analysis

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    calls = []
    real = analysis._check_regions
    monkeypatch.setattr(analysis, "_check_regions", lambda *a: calls.append(1) or real(*a))
    assert analysis.read_analysis_table("regions.csv", data_dir=data)[1] == []
    assert calls == [1]
    assert analysis.read_analysis_table("regions.csv", data_dir=data)[1] == []
    assert calls == [1]  # stamped clean: not checked again
    text = (data / "regions.csv").read_text("utf-8")
    (data / "regions.csv").write_text(text.replace(",BLR,", ",XXX,", 1), "utf-8")
    problems = analysis.read_analysis_table("regions.csv", data_dir=data)[1]
    assert calls == [1, 1] and any(p.value == "XXX" for p in problems)
    # What-if text is always checked (never stamped).
    analysis.read_analysis_table("regions.csv", data_dir=data, text=text)
    analysis.read_analysis_table("regions.csv", data_dir=data, text=text)
    assert len(calls) == 4


def test_country_check__a_clean_file_is_not_checked_again_but_an_edit_is(
    tmp_path, own_cache, monkeypatch
):
    from coverage.catalogue import validate as val

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    name = "countries_europe.geojson"
    assert val.check_countries(name, data) == []
    val._check_countries_bytes.cache_clear()  # as in a new process
    calls = []
    real = val._check_feature_collection
    monkeypatch.setattr(val, "_check_feature_collection", lambda *a: calls.append(1) or real(*a))
    assert val.check_countries(name, data) == []
    assert not calls  # stamped clean: not checked again
    doc = json.loads((data / name).read_text("utf-8"))
    doc["features"][0]["properties"]["iso3"] = "not an iso3"
    (data / name).write_text(json.dumps(doc), "utf-8")
    problems = val.check_countries(name, data)
    assert calls and problems and problems[0].column == "iso3"


def test_disk_store__keeps_the_most_recently_used_files(tmp_path):
    """A file read is used: when the store is full, the one neither written nor read goes."""
    from coverage.products.diskcache import TrackDiskStore

    store = TrackDiskStore(tmp_path, name="t", max_files=2)
    a = {"x": np.arange(3)}
    store.save("old", a)
    store.save("newer", a)
    for i, name in enumerate(("old", "newer")):  # a clock that steps, whatever the filesystem's
        path = tmp_path / f"{store._key(name)}.npz"
        os.utime(path, ns=(10**18 + i * 10**9, 10**18 + i * 10**9))
    assert store.load("old") is not None  # "old" is now the most recently used
    store.save("third", a)
    assert store.load("old") is not None and store.load("third") is not None
    assert store.load("newer") is None


def test_disk_store__a_byte_budget_keeps_the_newest_that_fit(tmp_path):
    """Track sets are large (196 MB at 25 km): the store keeps the newest within its bytes."""
    from coverage.products.diskcache import TrackDiskStore

    store = TrackDiskStore(tmp_path, name="t", max_files=10, max_bytes=2_500)
    for i, name in enumerate(("a", "b", "c")):
        store.save(name, {"x": np.arange(100, dtype=np.float64)})  # ~1 KB a file
        path = tmp_path / f"{store._key(name)}.npz"
        os.utime(path, ns=(10**18 + i * 10**9, 10**18 + i * 10**9))
    store.save("d", {"x": np.arange(100, dtype=np.float64)})
    assert [store.load(n) is not None for n in "abcd"] == [False, False, True, True]
    alone = TrackDiskStore(tmp_path / "one", name="t", max_files=10, max_bytes=10)
    alone.save("big", {"x": np.arange(100)})
    assert alone.load("big") is not None  # the newest always stays, even over the budget


def test_mapped_npz__gives_np_load_arrays_mapped_read_only(tmp_path):
    from coverage.products.diskcache import mapped_npz

    arrays = {
        "f8": np.linspace(0.0, 1.0, 12).reshape(3, 4),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.int64).reshape(3, 4)),
        "u1": np.arange(7, dtype=np.uint8),
        "empty": np.zeros((0, 5)),
        "scalar": np.array(2.5),
        "flag": np.array([True, False]),
    }
    path = tmp_path / "a.npz"
    np.savez(path, **arrays)
    got = mapped_npz(path)
    assert sorted(got) == sorted(arrays)
    for name, want in arrays.items():
        assert got[name].dtype == want.dtype and got[name].shape == want.shape, name
        np.testing.assert_array_equal(got[name], want, err_msg=name)
    assert not got["f8"].flags.writeable
    np.savez_compressed(tmp_path / "c.npz", **arrays)
    with pytest.raises(ValueError, match="not a stored .npy member"):
        mapped_npz(tmp_path / "c.npz")
    np.savez(tmp_path / "o.npz", o=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="Python objects"):
        mapped_npz(tmp_path / "o.npz")


@pytest.mark.parametrize(
    "rows",
    [
        ["", ""],  # an optional number column and an optional flag column, all empty
        ["3", "true", "", "false", "7", ""],  # numbers and flags mixed with nulls
        [],  # no rows
    ],
    ids=["all_empty", "mixed_nulls", "no_rows"],
)
def test_validated_tables__unusual_columns_read_back_with_their_types(own_cache, tmp_path, rows):
    """Optional numbers and flags with nulls, and an empty table, keep their types from disk."""
    from coverage.catalogue import schema

    cols = [
        schema.Column("name", "id"),
        schema.Column("count", "int", required=False, minimum=0, maximum=100),
        schema.Column("flag", "bool", required=False),
        schema.Column("size_km", "float", required=False, minimum=0, maximum=1e4),
    ]
    pairs = list(zip(rows[0::2], rows[1::2], strict=True))
    lines = ["name,count,flag,size_km"] + [
        f"row_{i},{c},{f},{'' if i % 2 else 1.5}" for i, (c, f) in enumerate(pairs)
    ]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    first, p1 = schema.read_validated("t.csv", cols, path=path)
    second, p2 = schema.read_validated("t.csv", cols, path=path)
    assert p1 == p2 == []
    assert list((own_cache / "tables").glob("*.json"))
    pd.testing.assert_frame_equal(first, second, check_exact=True)


def test_defended_grid__a_stored_answer_for_other_targets_is_not_served(
    catalogue, own_cache, monkeypatch
):
    """The grid is rebuilt apart: a stored answer whose targets differ from it is recomputed."""
    defended.defended_grid(catalogue, OPTIONS, QUERY)
    defended._engage_cached.cache_clear()
    real = defended._targets

    def moved(*a):
        lon, lat = real(*a)
        return lon + 0.01, lat  # as if the grid's cells had changed since the answer was stored

    monkeypatch.setattr(defended, "_targets", moved)
    runs = _count_engine_runs(monkeypatch)
    result = defended.defended_grid(catalogue, OPTIONS, QUERY).result
    assert runs == [1]
    grid_km, iso3, extra = defended._engine_args(catalogue, OPTIONS, QUERY)[1][1:4]
    np.testing.assert_array_equal(result.target_lon_deg, real(grid_km, iso3, extra)[0] + 0.01)


def test_disk_store__removes_what_a_killed_writer_left_not_a_write_in_progress(tmp_path):
    from coverage.products.diskcache import TrackDiskStore

    stale, fresh = tmp_path / ".abc.1.part", tmp_path / ".abc.2.part"
    stale.write_bytes(b"half a file")
    fresh.write_bytes(b"being written")
    old = 10**18  # 2001: far older than any write takes
    os.utime(stale, ns=(old, old))
    TrackDiskStore(tmp_path, name="t", max_files=2).save("k", {"x": np.arange(3)})
    assert not stale.exists() and fresh.exists()
    assert len(list(tmp_path.glob("*.npz"))) == 1


def test_engage_points__stores_of_their_own_for_answers_and_tracks(
    catalogue, own_cache, monkeypatch
):
    # The headline's year before asks for the capitals: its answer and its tracks are kept
    # apart from the grids' answers and tracks (whose places they would otherwise take).
    from coverage.products.metrics import defended_capitals

    defended._engage_points_cached.cache_clear()
    eng.clear_track_caches()  # flown here, not found in this process's memory
    first = defended_capitals(catalogue, OPTIONS, QUERY)
    assert first  # Deveselu's first year: capitals defended
    assert len(list((own_cache / "results-points").glob("*.npz"))) == 1
    assert len(list((own_cache / "tracks-points").glob("*.npz"))) == 1
    assert not list((own_cache / "results").glob("*.npz"))
    assert not list((own_cache / "tracks").glob("*.npz"))
    # Another question to the same points (here: the same, its answer gone) reads the tracks:
    # no flight is flown and no boost programme solved (20-150 ms for a new threat estimate).
    for stale in (own_cache / "results-points").glob("*.npz"):
        stale.unlink()
    defended._engage_points_cached.cache_clear()
    eng.clear_track_caches()

    def no_flight(*a, **k):
        raise AssertionError("tracks flown again")

    with monkeypatch.context() as m:
        m.setattr(eng, "_fly_tracks", no_flight)
        m.setattr(eng, "solve_programmes", no_flight)
        assert defended_capitals(catalogue, OPTIONS, QUERY) == first
    # A later process reads the answer instead of running the engine.
    defended._engage_points_cached.cache_clear()
    _forbid_engine(monkeypatch)
    assert defended_capitals(catalogue, OPTIONS, QUERY) == first
    defended._engage_points_cached.cache_clear()


def test_reachability_tables__the_engine_run_stores_them_keyed_without_data(
    catalogue, own_cache, monkeypatch
):
    """An engine run leaves its sites' tables in the ``flyout`` store; a later process reads
    them instead of building; their keys do not change with data/ (a table is a function of
    its spec), while the tracks' do."""
    from coverage.physics import flyout
    from coverage.products import diskcache
    from coverage.scenario import resolve

    flyout.clear_table_cache()
    defended.defended_grid(catalogue, OPTIONS, QUERY)
    specs = {s.flyout for s in resolve(catalogue, OPTIONS, QUERY).sites if s.flyout is not None}
    assert specs
    stored = list((own_cache / "flyout").glob("*.npz"))
    assert len(stored) == len(specs)
    flyout.clear_table_cache()  # as in a new process

    def no_build(spec):
        raise AssertionError("built although the store holds it")

    monkeypatch.setattr(flyout, "_build_table", no_build)
    defended._load_tables(resolve(catalogue, OPTIONS, QUERY).sites)
    monkeypatch.undo()
    tables = diskcache.table_store()
    tracks = diskcache.TrackDiskStore(own_cache / "x", name="tracks")
    before = (tables._key("k"), tracks._key("k"))
    diskcache._data_version.cache_clear()
    monkeypatch.setattr(diskcache, "_data_version", lambda _dir: "another data/")
    assert tables._key("k") == before[0]
    assert tracks._key("k") != before[1]
