"""The ICBM guarantee question for one map state: which Russian ICBM tracks the year's sites can reach.

:mod:`coverage.products.icbm` asks the question for every site and SM-3 variant the catalogue
ever names. This module asks it for what is deployed in one year under one scenario (the EPAA
as planned or as built, or an alternative architecture such as the 2007 third site): every
interceptor deployed that year, at its site, against every Russian ICBM base → US target track,
with the same physics and assumptions (:class:`~coverage.products.icbm.IcbmAssumptions`).

It returns, computed and never written by hand:

* one answer line per deployed interceptor site ("Redzikowo (SM-3 Block IIA): can reach 14 of
  88 tracks in the nominal case (low 3, high 27) ..."), in the low, nominal and high cases;
* each track with whether any site of the year reaches it, and which;
* the tracks as lines (great circles from base to target, EPSG:4326) for a wide, north-polar
  map, coloured by that answer, and a :class:`~coverage.products.mapdata.MapData` holding them
  so the image exporter can draw the Arctic view.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd
from pyproj import Geod
from shapely.geometry import LineString, Point

from coverage.catalogue import basemap
from coverage.catalogue.analysis import load_icbm_bases, load_us_targets
from coverage.catalogue.tables import ESTIMATES, Catalogue
from coverage.products.footprints import footprints, sites_layer
from coverage.products.icbm import (
    CUEING_SHORT,
    CUEINGS,
    Cueing,
    IcbmAssumptions,
    icbm_engagements,
    icbm_summary,
    margin_words,
    own_radar_deployments,
)
from coverage.products.mapdata import MapData, MapState
from coverage.scenario import SCENARIO_LABELS, FootprintOptions, deployed_for, phase_status
from coverage.style import ICBM_REACHABLE, ICBM_UNREACHABLE

__all__ = [
    "REACHABLE",
    "UNREACHABLE",
    "IcbmYear",
    "cueing_line",
    "icbm_map_data",
    "icbm_year",
    "icbm_year_by_cueing",
    "other_cueings_words",
]

#: Track statuses (also the legend words and colours of the wide map, coverage.style).
REACHABLE = ICBM_REACHABLE
UNREACHABLE = ICBM_UNREACHABLE
_GEOD = Geod(ellps="WGS84")
_TRACK_POINTS = 120


@dataclass(frozen=True, eq=False)
class IcbmYear:
    """The ICBM question answered for one year and scenario.

    Attributes
    ----------
    options
        Year, scenario and estimate asked (the answer sentence uses that estimate's count).
    answers
        One row per deployed interceptor site and type: ``site_id, site, variant,
        variant_name, tracks, feasible_low, feasible_nominal, feasible_high,
        best_margin_km`` (the options' estimate), ``best_margin_km_<est>``,
        ``best_margin_s_<est>`` and ``launched_<est>`` (tracks on which it launches at all)
        for each estimate (as in :func:`coverage.products.icbm.margin_words`), and ``answer``
        (the sentence shown above the table).
    tracks
        One row per base → target track: ``base_id, base, target_id, target, reachable,
        reached_by, status, name, geometry`` (great circle, EPSG:4326).
    assumptions
        The description of the ICBM assumptions in force.
    cueing
        Whose track the interceptors launch on (:data:`coverage.products.icbm.CUEINGS`).
    """

    options: FootprintOptions
    answers: pd.DataFrame
    tracks: gpd.GeoDataFrame
    assumptions: str
    cueing: Cueing = "perfect"

    @property
    def reachable_tracks(self) -> int:
        """How many tracks at least one site of the year can reach."""
        return int(self.tracks.reachable.sum())


def _sites(catalogue: Catalogue, options: FootprintOptions) -> pd.DataFrame:
    deps = deployed_for(catalogue, options)
    return deps[deps.kind == "interceptor"][
        ["site_id", "site_name", "system_id", "lon_deg", "lat_deg", "elevation_m"]
    ].drop_duplicates(["site_id", "system_id"])


@functools.lru_cache(maxsize=16)
def _runs(
    catalogue: Catalogue, options: FootprintOptions, assumptions: IcbmAssumptions
) -> dict[str, pd.DataFrame]:
    """Engagement rows of the year's (site, interceptor) pairs in each estimate."""
    pairs = _sites(catalogue, options)
    own = own_radar_deployments(catalogue, deployed_for(catalogue, options))
    out: dict[str, pd.DataFrame] = {}
    for est in ESTIMATES:
        frames = []
        for system, group in pairs.groupby("system_id", sort=True):
            sites = group.rename(columns={"site_name": "name"})[
                ["site_id", "name", "lon_deg", "lat_deg", "elevation_m"]
            ]
            frames.append(
                icbm_engagements(
                    catalogue,
                    replace(assumptions, estimate=est),
                    variants=(str(system),),
                    sites=sites,
                    own_radars=own,
                    shared_radars_of=options,
                )
            )
        out[est] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return out


def _answer(row: pd.Series, estimate: str) -> str:
    name = f"{row.site} ({row.variant_name})"
    n, total = int(row[f"feasible_{estimate}"]), int(row.tracks)

    def words(est: str) -> str:
        return margin_words(
            int(row[f"feasible_{est}"]),
            float(row[f"best_margin_km_{est}"]),
            float(row[f"best_margin_s_{est}"]),
            int(row[f"launched_{est}"]),
        )

    cases = ", ".join(
        f"{est} case {int(row[f'feasible_{est}'])} ({words(est)})"
        for est in ESTIMATES
        if est != estimate
    )
    reach = f"{n} of" if n else "none of"
    return (
        f"{name}: can reach {reach} {total} tracks under {estimate} assumptions, "
        f"{words(estimate)}; {cases}."
    )


def icbm_year(
    catalogue: Catalogue,
    options: FootprintOptions,
    assumptions: IcbmAssumptions | None = None,
) -> IcbmYear:
    """Answer the ICBM question for the interceptors deployed under ``options``.

    ``assumptions`` default to :class:`IcbmAssumptions`; their ``estimate`` is replaced by ``options.estimate`` for the main answer; the low
    and high cases are computed too. Tracks are reachable when at least one site of the year
    has a feasible intercept in that case.
    """
    a = replace(assumptions or IcbmAssumptions(), estimate=options.estimate)
    # Runs do not depend on the options' estimate: key them on the estimate-free options.
    runs = _runs(catalogue, replace(options, estimate="nominal"), replace(a, estimate="nominal"))
    main = runs[options.estimate]
    bases = load_icbm_bases()
    keys = ["site_id", "site", "variant", "variant_name"]
    # Per case, each (site, interceptor)'s count and best margins: icbm_summary's, renamed.
    per_case = {
        f"{column}_{est}": (est, summary)
        for est in ESTIMATES
        for column, summary in (
            ("feasible", "feasible_tracks"),
            ("best_margin_km", "best_margin_km"),
            ("best_margin_s", "best_margin_s"),
            ("launched", "launched_tracks"),
        )
    }
    if main.empty:
        answers = pd.DataFrame(columns=[*keys, "tracks", "best_margin_km", *per_case, "answer"])
        tracks = _track_frame(_all_tracks(bases), pd.Series(dtype=bool), {})
        return IcbmYear(options, answers, tracks, a.describe(), a.cueing)
    summaries = {est: icbm_summary(runs[est]).set_index(keys) for est in ESTIMATES}
    answers = summaries[options.estimate][["tracks", "best_margin_km"]].assign(
        **{name: summaries[est][summary] for name, (est, summary) in per_case.items()}
    )
    answers = answers.reset_index()
    answers["answer"] = [_answer(r, options.estimate) for _, r in answers.iterrows()]
    track_keys = ["base_id", "base", "target_id", "target"]
    reachable = main.groupby(track_keys, sort=False).feasible.any()
    by = (
        main[main.feasible]
        .groupby(track_keys, sort=False)
        .site.agg(lambda s: ", ".join(dict.fromkeys(s)))
    )
    tracks = _track_frame(main.drop_duplicates(track_keys), reachable, by.to_dict())
    return IcbmYear(options, answers.reset_index(drop=True), tracks, a.describe(), a.cueing)


def icbm_year_by_cueing(
    catalogue: Catalogue,
    options: FootprintOptions,
    assumptions: IcbmAssumptions | None = None,
) -> dict[Cueing, IcbmYear]:
    """:func:`icbm_year` under each cueing, the asked one (``assumptions.cueing``) first."""
    a = assumptions or IcbmAssumptions()
    order = [a.cueing, *(c for c in CUEINGS if c != a.cueing)]
    return {c: icbm_year(catalogue, options, replace(a, cueing=c)) for c in order}


def cueing_line(
    results: dict[Cueing, IcbmYear],
    *,
    subject: Callable[[int], str] | None = None,
    perfect: str | None = None,
) -> str:
    """How many tracks the year's sites reach under each cueing.

    The asked cueing (the first of ``results``) first, "15 of 88 tracks reachable on NATO's
    shared radar tracks; 78 with perfect cueing, none with each site's own radar": a map or a
    line that gave the first count alone read as the answer, where the cueing it rests on is
    one no EPAA sensor provides (session 41's trial). With perfect cueing asked (the default),
    the cueings NATO's sensors give come first and perfect cueing last: "none of 88 tracks
    reachable on NATO's shared radar tracks, none with each site's own radar; 7 only with
    perfect cueing" (two trials in a row quoted the favourable count that led the line,
    sessions 42 and 43). ``subject``: the words between the first count and its cueing, given
    the count (default "tracks reachable"); ``perfect``: perfect cueing in words (default
    :data:`CUEING_SHORT`'s).
    """
    words = subject or (lambda n: "tracks reachable")
    first = next(iter(results.values()))
    total = len(first.tracks)

    if first.cueing == "perfect" and len(results) > 1:
        head, *rest = (r for r in results.values() if r.cueing != "perfect")
        n = head.reachable_tracks
        given = [f"{n or 'none'} of {total} {words(n)} {CUEING_SHORT[head.cueing]}"]
        given += [_counted(r) for r in rest]
        most_else = max(r.reachable_tracks for r in (head, *rest))
        only = "only " if first.reachable_tracks > most_else else ""
        said = perfect or CUEING_SHORT["perfect"]
        return f"{', '.join(given)}; {first.reachable_tracks or 'none'} {only}{said}"
    n = first.reachable_tracks
    head_words = f"{n or 'none'} of {total} {words(n)} {CUEING_SHORT[first.cueing]}"
    others = other_cueings_words(results)
    return f"{head_words}; {others}" if others else head_words


def other_cueings_words(results: dict[Cueing, IcbmYear]) -> str:
    """The counts under every cueing but the first of ``results``, in words ("none on ...")."""
    _, *others = results.values()
    return ", ".join(_counted(r) for r in others)


def _counted(result: IcbmYear) -> str:
    """``"none on NATO's shared radar tracks"``: a cueing's count in a line of every cueing."""
    return f"{result.reachable_tracks or 'none'} {CUEING_SHORT[result.cueing]}"


def _all_tracks(bases: pd.DataFrame) -> pd.DataFrame:
    targets = load_us_targets()
    return pd.DataFrame(
        [
            {"base_id": b.base_id, "base": b.name, "target_id": t.target_id, "target": t.name}
            for b in bases.itertuples(index=False)
            for t in targets.itertuples(index=False)
        ]
    )


def _track_frame(
    rows: pd.DataFrame, reachable: pd.Series, reached_by: dict[tuple[str, ...], str]
) -> gpd.GeoDataFrame:
    bases = load_icbm_bases().set_index("base_id")
    targets = load_us_targets().set_index("target_id")
    records, geoms = [], []
    for r in rows.itertuples(index=False):
        key = (r.base_id, r.base, r.target_id, r.target)
        ok = bool(reachable.get(key, False))
        b, t = bases.loc[r.base_id], targets.loc[r.target_id]
        pts = _GEOD.npts(b.lon_deg, b.lat_deg, t.lon_deg, t.lat_deg, _TRACK_POINTS)
        geoms.append(LineString([(b.lon_deg, b.lat_deg), *pts, (t.lon_deg, t.lat_deg)]))
        status = REACHABLE if ok else UNREACHABLE
        who = reached_by.get(key, "")
        records.append(
            {
                "base_id": r.base_id,
                "base": r.base,
                "target_id": r.target_id,
                "target": r.target,
                "reachable": ok,
                "reached_by": who,
                "status": status,
                "name": f"{r.base} → {r.target}: {status}" + (f" ({who})" if who else ""),
                "source": "Computed here: boosted ICBM flight and point-mass fly-out "
                "(coverage/products/icbm.py); drawn as a great circle",
            }
        )
    return gpd.GeoDataFrame(records, geometry=geoms, crs="EPSG:4326")


def icbm_map_data(
    catalogue: Catalogue, result: IcbmYear, by_cueing: dict[Cueing, IcbmYear] | None = None
) -> MapData:
    """The wide, north-polar map of ``result``: tracks coloured by reach, sites, ICBM bases.

    The map state's view is ``"wide"`` (EPSG:3575 in the image exporter); the "launch" layer
    holds the ICBM bases and the "tracks" layer the base → target tracks. The subtitle gives
    the count under ``result``'s cueing and, with ``by_cueing`` (:func:`icbm_year_by_cueing`),
    under the others (:func:`cueing_line`).
    """
    o = result.options
    state = MapState(
        options=o, layers=frozenset({"nato", "sites", "tracks", "launch"}), view="wide"
    )
    bases = load_icbm_bases()
    launch = gpd.GeoDataFrame(
        {
            "point_id": bases.base_id,
            "name": bases.name,
            "area": "Russia",
            "label": [
                f"{n}: Russian ICBM base; {m}, {p} propellant ({c} confidence)"
                for n, m, p, c in zip(
                    bases.name, bases.missile, bases.propellant, bases.confidence, strict=True
                )
            ],
            "source": [
                f"{s}; missile: {ms}"
                for s, ms in zip(bases.source, bases.missile_source, strict=True)
            ],
        },
        geometry=[Point(x, y) for x, y in zip(bases.lon_deg, bases.lat_deg, strict=True)],
        crs="EPSG:4326",
    )
    phase = phase_status(catalogue, o.year, o.scenario)
    others = {c: r for c, r in (by_cueing or {}).items() if c != result.cueing}
    counts = cueing_line({result.cueing: result, **others})
    return MapData(
        state=state,
        countries=basemap.countries("world"),
        nato=basemap.nato_countries(catalogue, o.year, view="world"),
        footprints=footprints(catalogue, o),
        early_warning=gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
        sites=sites_layer(catalogue, o.year, o.scenario, include_occasional=o.include_occasional),
        launch_points=launch,
        defended=None,
        tracks=result.tracks,
        phase=phase,
        title=f"Russian ICBM tracks to the US — {o.year}, {SCENARIO_LABELS[o.scenario]}",
        subtitle=f"{counts} · {phase.banner}",
        assumptions=result.assumptions,
        legend_titles={"launch": "Russian ICBM bases", "tracks": "ICBM tracks"},
    )
