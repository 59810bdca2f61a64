"""What NATO–Russia cooperation on early warning would have added: the gain, mapped and counted.

Each cooperation scenario of data/cooperation.csv (shared early warning through a Joint Data
Fusion Centre, Putin's 2007 offer of Gabala and Armavir data) is state B of a comparison with
"NATO alone" (state A, the same year, scenario and assumptions): the cells defended with it and
not without are the gain. Cooperation only adds sensors, and a warning can only make a launch
earlier (:mod:`coverage.physics.engagement`), so nothing is ever lost; :func:`cooperation_answers`
checks it rather than assumes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from coverage.catalogue.tables import Catalogue
from coverage.products.compare import Comparison, Variation, compare_states
from coverage.products.metrics import coverage_metrics
from coverage.scenario import (
    DefenceQuery,
    FootprintOptions,
    cooperation_labels,
    describe_cooperation,
    resolve,
)
from coverage.style import KINEMATIC_CAVEAT

__all__ = ["cooperation_answers", "cooperation_comparison"]

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
) -> dict[str, Any]:
    """NATO alone and each cooperation scenario: shares of NATO Europe, gains, capitals gained.

    Returns a JSON-ready dictionary: ``nato_alone_share`` (territory, 0..1),
    ``nato_alone_population_share``, ``nato_alone_capitals_defended`` and, under
    ``scenarios``, for each scenario id its ``label``, ``radars`` (the early-warning radars
    active in the year), ``share``, ``population_share``, ``gain_share`` (territory defended
    with it and not without, share of NATO Europe), ``capitals_defended`` and
    ``capitals_gained``; plus the assumptions in words.
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
            "radars": list(setup.warning_ids),
            "sensors": describe_cooperation(setup.warning_ids, setup.query),
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
    out["assumptions"] = alone_m.assumptions
    out["caveat"] = KINEMATIC_CAVEAT
    return out
