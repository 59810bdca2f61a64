"""What NATO–Russia cooperation on early warning would have added: the gain, mapped and counted.

Each cooperation scenario of data/cooperation.csv (shared early warning through a Joint Data
Fusion Centre, Putin's 2007 offer of Gabala and Armavir data) is state B of a comparison with
"NATO alone" (state A, the same year, scenario and assumptions): the cells defended with it and
not without are the gain. Cooperation only adds sensors, and a warning can only make a launch
earlier (:mod:`coverage.physics.engagement`), so nothing is ever lost; :func:`cooperation_answers`
checks it rather than assumes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from coverage.catalogue.tables import Catalogue
from coverage.products.compare import Comparison, Variation, compare_states
from coverage.products.metrics import (
    NATO_REGION,
    coverage_metrics,
    region_metrics,
    region_name,
)
from coverage.scenario import (
    FIRST_YEAR,
    LAST_YEAR,
    DefenceQuery,
    FootprintOptions,
    cooperation_labels,
    cooperation_radar_ids,
    describe_cooperation,
    resolve,
)
from coverage.style import KINEMATIC_CAVEAT

__all__ = ["cooperation_answers", "cooperation_comparison", "cooperation_series", "region_shares"]

ALONE = "nato_alone"


def cooperation_comparison(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery, cooperation: str
) -> Comparison:
    """NATO alone (A) against ``cooperation`` (B), everything else as in ``query``."""
    alone = replace(query, cooperation=ALONE)
    cmp = compare_states(catalogue, options, alone, Variation.with_query(cooperation=cooperation))
    if cmp.change.lost.any():  # the engine's guarantee, checked on every answer
        raise AssertionError(
            f"cooperation={cooperation!r} lost {int(cmp.change.lost.sum())} cells: a warning "
            "must never delay a launch"
        )
    return cmp


def cooperation_answers(
    catalogue: Catalogue,
    options: FootprintOptions,
    query: DefenceQuery,
    scenarios: Sequence[str] | None = None,
    regions: Sequence[str] = (),
) -> dict[str, Any]:
    """NATO alone and each cooperation scenario: shares of NATO Europe, gains, capitals gained.

    Returns a JSON-ready dictionary: ``nato_alone_share`` (territory, 0..1),
    ``nato_alone_population_share``, ``nato_alone_capitals_defended`` and, under
    ``scenarios``, for each scenario id its ``label``, ``radars`` (the early-warning radars
    active in the year), ``radars_inactive`` (the scenario's radars not in service that year,
    with their years), ``share``, ``population_share``, ``gain_share`` (territory defended
    with it and not without, share of NATO Europe), ``capitals_defended`` and
    ``capitals_gained``; plus the assumptions in words. For each of ``regions`` (ids of
    data/regions.csv other than NATO Europe, e.g. ``russia``), ``regions[id]`` holds the
    region's name, ``nato_alone`` and, per scenario, ``area_share`` and ``population_share``
    (computed on the wide grid).
    """
    labels = cooperation_labels()
    ids = [s for s in (scenarios or labels) if s != ALONE]
    alone_q = replace(query, cooperation=ALONE)
    out: dict[str, Any] = {
        "year": options.year,
        "scenario": options.scenario,
        "estimate": options.estimate,
        "launch_area": query.launch_area,
        "warning_commits": query.warning_commits,
        "satellite_cueing": query.satellite_cueing,
    }
    per: dict[str, Any] = {}
    alone_m = None
    for cid in ids:
        cmp = cooperation_comparison(catalogue, options, query, cid)
        alone_m = cmp.a
        setup = resolve(catalogue, options, replace(query, cooperation=cid))
        per[cid] = {
            "label": labels[cid],
            "radars": list(setup.warning_names),
            "radars_inactive": _inactive_radars(catalogue, cid, setup.warning_ids),
            "radar_ids": list(setup.warning_ids),
            "sensors": describe_cooperation(setup.warning_names, setup.query),
            "share": cmp.b.nato_europe_area_share,
            "population_share": cmp.b.nato_europe_population_share,
            "gain_share": cmp.gained_share,
            "capitals_defended": cmp.b.capitals_defended,
            "capitals_gained": list(cmp.capitals_gained),
        }
    if alone_m is None:
        alone_m = coverage_metrics(catalogue, options, alone_q)
    out["nato_alone_share"] = alone_m.nato_europe_area_share
    out["nato_alone_population_share"] = alone_m.nato_europe_population_share
    out["nato_alone_capitals_defended"] = alone_m.capitals_defended
    out["scenarios"] = per
    extra_regions = {
        region: region_shares(catalogue, options, query, region, ids)
        for region in regions
        if region != NATO_REGION
    }
    if extra_regions:
        out["regions"] = extra_regions
    out["assumptions"] = alone_m.assumptions
    out["caveat"] = KINEMATIC_CAVEAT
    return out


def region_shares(
    catalogue: Catalogue,
    options: FootprintOptions,
    query: DefenceQuery,
    region: str,
    scenarios: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A region's defended shares under NATO alone and each cooperation scenario.

    Returns ``{"name": ..., "nato_alone": {...}, <scenario id>: {...}}`` with ``area_share`` and
    ``population_share`` (0..1) each; regions beyond NATO Europe are computed on the wide grid.
    """
    ids = [s for s in (scenarios or cooperation_labels()) if s != ALONE]
    entry: dict[str, Any] = {"name": region_name(region)}
    for cid in [ALONE, *ids]:
        r = region_metrics(catalogue, options, replace(query, cooperation=cid), region)
        entry[cid] = {"area_share": r.area_share, "population_share": r.population_share}
    return entry


def cooperation_series(
    catalogue: Catalogue,
    options: FootprintOptions,
    query: DefenceQuery,
    *,
    years: Iterable[int] = range(FIRST_YEAR, LAST_YEAR + 1),
    region: str = NATO_REGION,
) -> pd.DataFrame:
    """Defended shares per year under NATO alone and each cooperation scenario (for the chart).

    ``options`` gives the scenario (planned, as built, an alternative) and estimate; ``year``
    is replaced. Years whose radars and sites do not change share one cached engine run.

    Returns
    -------
    DataFrame
        Columns ``year, cooperation, label, area_share, population_share``: one row per year
        and cooperation scenario (``nato_alone`` included), shares of ``region``.
    """
    labels = cooperation_labels()
    rows = []
    for year in years:
        opts = replace(options, year=int(year))
        for cid, label in labels.items():
            r = region_metrics(catalogue, opts, replace(query, cooperation=cid), region)
            rows.append(
                {
                    "year": int(year),
                    "cooperation": cid,
                    "label": label,
                    "area_share": r.area_share,
                    "population_share": r.population_share,
                }
            )
    return pd.DataFrame(
        rows, columns=["year", "cooperation", "label", "area_share", "population_share"]
    )


def _inactive_radars(catalogue: Catalogue, cooperation_id: str, active: Sequence[str]) -> list[str]:
    """The scenario's radars (data/cooperation.csv) not in service in the year, with their years.

    E.g. ``["Gabala (Qabala) (in service 1985-2012)"]`` for Putin's 2007 offer after 2012.
    """
    ew = catalogue.early_warning_radars.set_index("radar_id")
    out = []
    for rid in cooperation_radar_ids(cooperation_id):
        if rid in active or rid not in ew.index:
            continue
        row = ew.loc[rid]
        until = row.active_until_year
        years = (
            f"{row.active_from_year}-{until}" if pd.notna(until) else f"from {row.active_from_year}"
        )
        out.append(f"{row['name']} (in service {years})")
    return out
