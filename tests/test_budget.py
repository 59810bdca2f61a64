"""The work one request may start is bounded before computing, with a message saying what to cut."""

from __future__ import annotations

import dataclasses

import pytest

from coverage.catalogue.tables import load_catalogue
from coverage.products.budget import (
    MAX_ENGAGEMENT_WORK,
    WorkBudgetError,
    check_engagement_work,
    engagement_work,
)
from coverage.products.grid import domain_iso3, target_grid
from coverage.scenario import DefenceQuery, FootprintOptions, resolve


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_heaviest_bundled_state_fits(catalogue):
    grid = target_grid(25.0, domain_iso3(catalogue))
    for year, scenario in ((2018, "planned"), (2024, "actual")):
        setup = resolve(
            catalogue,
            FootprintOptions(year=year, scenario=scenario),
            DefenceQuery(launch_area="all-iran"),
        )
        work = engagement_work(setup, int(grid.ix.size) + 3500)
        assert work < MAX_ENGAGEMENT_WORK / 4
        check_engagement_work(setup, int(grid.ix.size) + 3500)


def test_hundreds_of_sites_are_refused_with_what_to_reduce(catalogue):
    setup = resolve(catalogue, FootprintOptions(year=2024), DefenceQuery(launch_area="all-iran"))
    many = dataclasses.replace(setup, sites=setup.sites * 100)  # hundreds of interceptor sites
    with pytest.raises(WorkBudgetError) as exc:
        check_engagement_work(many, 15_000)
    text = str(exc.value)
    assert "the limit" in text and "grid_km" in text and "what-if sites" in text
    assert f"{len(many.sites)} interceptor sites" in text


def test_large_jobs_take_turns_small_ones_never_wait():
    import threading

    from coverage.products.budget import LARGE_WORK, large_job_slot

    inside = threading.Event()
    release = threading.Event()

    def hold():
        with large_job_slot(LARGE_WORK * 2):
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert inside.wait(10)
        with large_job_slot(LARGE_WORK / 2, wait_s=0.1):
            pass  # a small run passes while a large one runs
        with (
            pytest.raises(WorkBudgetError, match="another large computation"),
            large_job_slot(LARGE_WORK * 2, wait_s=0.1),
        ):
            pass
    finally:
        release.set()
        holder.join()
    with large_job_slot(LARGE_WORK * 2, wait_s=1.0):
        pass  # the slot is free again


@pytest.mark.parametrize(
    ("value", "want"),
    [(None, 1), ("", 1), ("1", 1), ("2", 2), ("0", 1), ("-3", 1), ("many", 1), ("999", None)],
)
def test_engine_threads__one_unless_asked_and_never_more_than_the_cores(monkeypatch, value, want):
    """A dashboard request keeps one core; the CLI asks for more, bounded by the usable cores."""
    from coverage.products.budget import ENGINE_THREADS_ENV, engine_threads, usable_cores

    if value is None:
        monkeypatch.delenv(ENGINE_THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(ENGINE_THREADS_ENV, value)
    expected = usable_cores() if want is None else min(want, usable_cores())
    assert engine_threads() == expected


def test_command_line__sets_the_engine_threads_to_the_cores_unless_the_user_did(tmp_path):
    """``python -m coverage`` (one user's own process) lets an engine run use the cores."""
    import os
    import subprocess
    import sys

    code = (
        "import os, runpy, sys\n"
        "sys.argv = ['coverage', '--help']\n"
        "try:\n"
        "    runpy.run_module('coverage', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(os.environ['EPAA_ENGINE_THREADS'], file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "EPAA_ENGINE_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    from coverage.products.budget import usable_cores

    assert out.stderr.strip().splitlines()[-1] == str(min(4, usable_cores()))
    env["EPAA_ENGINE_THREADS"] = "1"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stderr.strip().splitlines()[-1] == "1"
