"""What NATO–Russia cooperation on early warning would have added: the gain, mapped and counted.

Each cooperation scenario of data/cooperation.csv (shared early warning through a Joint Data
Fusion Centre, Putin's 2007 offer of Gabala and Armavir data) is state B of a comparison with
"NATO alone" (state A, the same year, scenario and assumptions): the cells defended with it and
not without are the gain. Cooperation only adds sensors, and a warning can only make a launch
earlier (:mod:`coverage.physics.engagement`), so nothing is ever lost; :func:`cooperation_answers`
checks it rather than assumes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from coverage.catalogue.tables import Catalogue
from coverage.products.compare import Comparison, Variation, compare_states
from coverage.products.defended import DefendedGrid, defended_grid
from coverage.products.metrics import (
    NATO_REGION,
    coverage_metrics,
    member_cell_area_m2,
    region_metrics,
    region_name,
)
from coverage.scenario import (
    FIRST_YEAR,
    LAST_YEAR,
    DefenceQuery,
    FootprintOptions,
    cooperation_idle_radars,
    cooperation_labels,
    describe_cooperation,
    resolve,
)
from coverage.style import KINEMATIC_CAVEAT

__all__ = [
    "SHARED_TRACKS_WORDS",
    "WarningTiming",
    "cooperation_answers",
    "cooperation_comparison",
    "cooperation_series",
    "region_shares",
    "warning_timing",
]

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
    ``capitals_gained``, ``timing`` (:class:`WarningTiming` as a dictionary: who saw the threat
    first on the tracks to undefended ground), ``why`` (that, in words) and ``brief`` (in one
    clause); plus the
    assumptions in words. For each of ``regions`` (ids of
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
        timing = warning_timing(
            catalogue,
            defended_grid(catalogue, options, alone_q),
            defended_grid(catalogue, options, replace(query, cooperation=cid)),
            catalogue.nato_members_in(options.year),
        )
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
            "timing": timing.to_dict(),
            "why": timing.text(),
            "brief": timing.brief(),
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
    out = []
    for row in cooperation_idle_radars(catalogue, cooperation_id, active).itertuples():
        until = row.active_until_year
        years = (
            f"{row.active_from_year}-{until}" if pd.notna(until) else f"from {row.active_from_year}"
        )
        out.append(f"{row.name} (in service {years})")
    return out


@dataclass(frozen=True)
class WarningTiming:
    """Why a cooperation scenario gains what it gains: who saw the threat first, and what it bought.

    Counted over the threat tracks (launch point × cell) to member ground that NATO alone leaves
    undefended, each weighted by its cell's member area (a cell's tracks share it). Shares are
    of those tracks, 0..1; times in seconds. A warning helps in two ways
    (:mod:`coverage.physics.engagement`): it cues NATO's radars (a cued search reaches
    ``cued_range_factor`` times farther) unless the satellites' launch warning or, where NATO's
    radars share their tracks, NATO's own first track already has, and it starts the
    track-and-C2 clock when it comes before NATO's own first detection.

    Attributes
    ----------
    tracks
        Number of such tracks (0: NATO alone defends every cell within the threat's reach).
    unseen_share
        The scenario's early-warning radars never detect the threat.
    nato_first_share
        NATO's own radars (without the warning) detect it no later than the warning radars.
    nato_first_radar
        The NATO radar that most often sees first on those tracks (its site's name), or ``""``.
    warning_first_share
        The warning comes before NATO's own first detection.
    warning_first_radar
        The early-warning radar that most often gives that warning (its name), or ``""``.
    lead_s_median
        Median lead of the warning over NATO's own first detection, on the warning-first tracks
        that NATO's radars see at all (``nan``: none).
    satellite_cue_s
        When the satellites' launch warning cues NATO's radars, s after launch (``nan``: no
        satellite cue in this state).
    before_satellites_share
        The warning comes before the satellites' cue (or there is none): only then is it the
        cue of NATO's radars.
    sooner_share, sooner_s_median, track_only_share
        NATO's radars, cued by the warning, hold the track sooner than without it: share of
        tracks, median gain in time (over those they hold without it too; ``nan``: none), and
        the share they hold only with it.
    advance_share, advance_s_median, launch_only_share
        The interceptor launch comes earlier with the warning: share, median advance (over
        those launched without it too), and the share launched only with it.
    gain_share
        Ground defended with the scenario and not without, share of the undefended ground.
    warning_commits
        Whether the early-warning track alone commits interceptors.
    delay_s
        The track-and-C2 delay: without ``warning_commits``, the most a warning can advance a
        launch beyond what its cue does (``min(t_fc + delay, max(t_warn + delay, t_fc))``).
    cue_only_share
        The warning is the first cue of NATO's radars (before the satellites', or without one;
        with ``shared_tracks``, also before NATO's own first track) and neither their track nor
        the launch comes sooner: the cue can still let a site's own radar see the intercept
        point farther out (without engage on remote), a third way to gain ground.
    shared_tracks
        NATO's radars share their tracks (launch on remote, more than one radar): the first
        NATO track cues the others (:func:`coverage.physics.engagement.engage`), so on a track
        NATO saw first a warning is no cue.
    """

    tracks: int
    unseen_share: float
    nato_first_share: float
    nato_first_radar: str
    warning_first_share: float
    warning_first_radar: str
    lead_s_median: float
    satellite_cue_s: float
    before_satellites_share: float
    sooner_share: float
    sooner_s_median: float
    track_only_share: float
    advance_share: float
    advance_s_median: float
    launch_only_share: float
    gain_share: float
    warning_commits: bool
    delay_s: float
    cue_only_share: float = 0.0
    shared_tracks: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``inf``/``nan`` as ``None``)."""
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }

    def brief(self) -> str:
        """The reason in one clause, for a line by the map (:meth:`text` has it in full)."""
        return _brief(self)

    def text(self) -> str:
        """The reason for the gain (zero or not), in words."""
        if self.tracks == 0:
            return "NATO alone already defends all the ground within the threat's reach."
        parts = []
        if self.nato_first_share > 0:
            by = f" (mostly {self.nato_first_radar})" if self.nato_first_radar else ""
            parts.append(f"NATO's own radars saw {_pct(self.nato_first_share)} first{by}")
        if self.warning_first_share > 0:
            notes = [f"mostly {self.warning_first_radar}"] if self.warning_first_radar else []
            if math.isfinite(self.lead_s_median):
                notes.append(f"a median {self.lead_s_median:.0f} s sooner")
            extra = f" ({'; '.join(notes)})" if notes else ""
            parts.append(f"Russia's radars saw {_pct(self.warning_first_share)} first{extra}")
        if self.unseen_share > 0:
            # The three shares split the tracks: the last is the rest ("NATO saw 99 % first;
            # 1 % never seen by Russia" read as a contradiction to a reviewer).
            rest = "the other " if parts else ""
            parts.append(f"Russia's radars never saw {rest}{_pct(self.unseen_share)}")
        out = [
            "Of the threat tracks to ground NATO alone leaves undefended, " + "; ".join(parts) + "."
        ]
        if math.isfinite(self.satellite_cue_s):
            if self.before_satellites_share <= 0:
                out.append(
                    "The satellites' launch warning (a cue, not a track) had already cued NATO's "
                    f"radars at {self.satellite_cue_s:g} s, before Russia's radars saw any of "
                    "them: the Russian warning adds no cue"
                    + (
                        "; it can only start the launch clock early, where it came first."
                        if self.warning_first_share > 0
                        else "."
                    )
                )
            else:
                out.append(
                    f"Russia's radars saw {_pct(self.before_satellites_share)} before the "
                    f"satellites' cue ({self.satellite_cue_s:g} s): on those, their warning is "
                    "the cue"
                    + (
                        " where it also came before NATO's own first track."
                        if self.shared_tracks
                        else "."
                    )
                )
        # NATO's own cue, said where it is the one that pre-empts the warning (where the
        # satellites' cue came first, the sentence above already says so).
        satellites_first = math.isfinite(self.satellite_cue_s) and self.before_satellites_share <= 0
        if self.shared_tracks and self.nato_first_share > 0 and not satellites_first:
            out.append(SHARED_TRACKS_WORDS)
        if self.cue_only_share > 0:
            out.append(
                f"On {_pct(self.cue_only_share)}, neither NATO's track nor the launch came sooner, "
                "but Russia's warning was the cue of NATO's radars"
                + ("" if math.isfinite(self.satellite_cue_s) else " (no satellite cue in force)")
                + ": from it on they search a small window and reach farther, also where a "
                "site's own radar must see the intercept point."
            )
        if self.sooner_share > 0:
            out.append(
                f"Cued by the Russian warning, NATO's radars held a track sooner on "
                f"{_pct(self.sooner_share)}"
                + _median_words(self.sooner_s_median, self.track_only_share, "a track")
                + "."
            )
        if self.advance_share > 0:
            out.append(
                f"Interceptor launches came earlier on {_pct(self.advance_share)}"
                + _median_words(self.advance_s_median, self.launch_only_share, "a launch")
                + "."
            )
            if not self.warning_commits:
                out.append(
                    f"(The warning itself moves a launch at most the {self.delay_s:g} s "
                    "track-and-C2 delay forward: the launch waits for a NATO fire-control track.)"
                )
        if self.gain_share > 0:
            # Of that ground, not of NATO Europe's: beside "+9.9 points" a reader took "11 %"
            # for a second answer to the same question (session 37's trial).
            out.append(
                f"Result: {_pct(self.gain_share)} of that ground (NATO alone leaves it "
                "undefended within the threat's reach) defended."
            )
        elif self.advance_share > 0 or self.sooner_share > 0 or self.cue_only_share > 0:
            out.append("Not enough to bring any of that ground within the interceptors' reach.")
        else:
            out.append("A warning only helps when it comes first: here it adds nothing.")
        return " ".join(out)


#: Why a warning is no cue where NATO saw the threat first (the engine's cue model; session 38's
#: journalist read "NATO saw 99 % first, yet Russia's warning cued NATO's radars" as a
#: contradiction, and it was one: the engine then let no NATO track cue another radar).
SHARED_TRACKS_WORDS = (
    "NATO's radars share their tracks (the link that lets any radar's track launch every "
    "site): where NATO saw the threat first, its own first track had already cued its other "
    "radars, and the Russian warning adds no cue there."
)


def _brief(t: WarningTiming) -> str:
    """:meth:`WarningTiming.brief`."""
    if t.tracks == 0:
        return "NATO alone already defends all the ground within the threat's reach"
    if t.warning_first_share <= 0:  # which of NATO's radars: the tab says (two lines here)
        if t.gain_share > 0 and not t.shared_tracks:  # the warning is the only cue
            return (
                "NATO's own radars saw the threats to the undefended ground first, but no NATO "
                "track cues another radar here (each site on its own radar's track, or a single "
                f"radar) and Russia's warning cues them: {_pct(t.gain_share)} of that "
                "undefended ground gained"
            )
        if t.gain_share > 0:  # not expected (NATO's first track cues its radars): said plainly
            return (
                "NATO's own radars saw the threats to the undefended ground first; with "
                f"Russia's warning {_pct(t.gain_share)} of that undefended ground gained"
            )
        shared = (
            ", and their shared tracks cue one another"
            if t.shared_tracks and not math.isfinite(t.satellite_cue_s)
            else ""
        )
        return (
            "NATO's own radars saw the threats to the undefended ground no later than Russia's"
            f"{shared}: a warning adds nothing"
        )
    by = f", mostly {t.warning_first_radar}" if t.warning_first_radar else ""
    first = (
        f"Russia's radars saw {_pct(t.warning_first_share)} of the threats to the undefended "
        f"ground first{by}"
    )
    if math.isfinite(t.satellite_cue_s) and t.before_satellites_share <= 0:
        first += (
            f", but after the satellites had cued NATO's radars ({t.satellite_cue_s:g} s)"
            if t.gain_share <= 0
            else f", after the satellites' cue ({t.satellite_cue_s:g} s)"
        )
    if t.gain_share > 0:
        return f"{first}: {_pct(t.gain_share)} of that undefended ground gained"
    return f"{first}: not enough to reach more ground"


def _pct(share: float) -> str:
    """A share of tracks in words: ``"all"``, ``"none"``, ``"under 1 %"``, ``"37 %"``."""
    if share >= 1.0 - 5e-4:
        return "all"
    if share <= 0:
        return "none"
    if share < 0.005:
        return "under 1 %"
    if share > 0.995:
        return "over 99 %"
    return f"{share:.0%}".replace("%", " %")


def _median_words(median_s: float, only_share: float, what: str) -> str:
    """``" (a median 15 s; 3 % have a launch only with it)"`` or ``""``."""
    parts = []
    if math.isfinite(median_s):
        parts.append(f"a median {median_s:.0f} s")
    if only_share > 0:
        parts.append(f"{_pct(only_share)} had {what} only with it")
    return f" ({'; '.join(parts)})" if parts else ""


def warning_timing(
    catalogue: Catalogue, alone: DefendedGrid, with_warning: DefendedGrid, members: Iterable[str]
) -> WarningTiming:
    """Who saw the threat first on the tracks to ground ``alone`` leaves undefended, and the gain.

    ``alone`` and ``with_warning`` are the same state without and with a cooperation scenario
    (:func:`cooperation_comparison`); ``members`` the countries whose ground counts. NATO's own
    first detection is read from ``alone`` (no warning, no cue from it); the radars of both are
    the same NATO radars, followed in ``with_warning`` by the warning radars.
    """
    n = alone.n_cells
    area = member_cell_area_m2(alone, members)
    ra, rb = alone.result, with_warning.result
    open_ = ra.in_reach[:n] & ~ra.defended[:n] & (area > 0)
    tracks = rb.reachable[:, :n] & open_[None, :]
    # A cell's area is shared by its tracks (several launch points: several tracks).
    weight = np.where(tracks, area[None, :] / np.maximum(tracks.sum(axis=0), 1)[None, :], 0.0)
    total = float(weight.sum())
    a = with_warning.setup.assumptions
    sat = (
        float("nan")
        if alone.setup.assumptions.cue_time_s is None
        else float(alone.setup.assumptions.cue_time_s)
    )
    nan = float("nan")
    if total <= 0.0:
        return WarningTiming(
            0, 0.0, 0.0, "", 0.0, "", nan, sat, 0.0, 0.0, nan, 0.0, 0.0, nan, 0.0, 0.0,
            a.warning_commits, a.delay_s,
        )  # fmt: skip
    n_nato = len(alone.radar_ids)
    own_a = ra.radar_detection_s[:, :n_nato, :n]
    det_a = own_a.min(axis=1) if n_nato else np.full(tracks.shape, np.inf)
    det_b = rb.radar_detection_s[:, :n_nato, :n].min(axis=1) if n_nato else det_a
    warn = rb.warning_time_s[:, :n]
    unseen = tracks & ~np.isfinite(warn)
    first = tracks & (warn < det_a)
    nato_first = tracks & ~unseen & ~first
    before_sat = tracks & np.isfinite(warn) & ~(warn >= sat)
    sooner = tracks & (det_b < det_a)
    with np.errstate(invalid="ignore"):
        launch_a = np.nanmin(np.where(np.isnan(ra.launch_time_s), np.inf, ra.launch_time_s), 1)
        launch_b = np.nanmin(np.where(np.isnan(rb.launch_time_s), np.inf, rb.launch_time_s), 1)
        launch_a, launch_b = launch_a[:, :n], launch_b[:, :n]
        earlier = tracks & (launch_b < launch_a)
        lead = np.where(first & np.isfinite(det_a), det_a - warn, nan)
    # Before the satellites' cue (or without one) the warning is the cue of NATO's radars;
    # where they share their tracks, only if it also came before NATO's own first track.
    shared_tracks = alone.setup.shares_tracks
    cue_only = before_sat & (first if shared_tracks else True) & ~sooner & ~earlier

    def share(mask: NDArray[np.bool_]) -> float:
        return float(weight[mask].sum() / total)

    def median(values: NDArray[np.float64], mask: NDArray[np.bool_]) -> float:
        return float(np.median(values[mask])) if mask.any() else nan

    radar = ""
    if n_nato and nato_first.any():
        counts = np.bincount(np.argmin(own_a, axis=1)[nato_first], minlength=n_nato)
        radar = _radar_site_name(catalogue, alone.radar_ids[int(np.argmax(counts))])
    warner = ""
    names = with_warning.setup.warning_names
    if names and first.any():
        seen = np.argmin(rb.radar_detection_s[:, n_nato:, :n], axis=1)[first]
        warner = str(names[int(np.argmax(np.bincount(seen, minlength=len(names))))])
    open_area = float(area[open_].sum())
    gained = rb.defended[:n] & open_
    with np.errstate(invalid="ignore"):
        return WarningTiming(
            tracks=int(tracks.sum()),
            unseen_share=share(unseen),
            nato_first_share=share(nato_first),
            nato_first_radar=radar,
            warning_first_share=share(first),
            warning_first_radar=warner,
            lead_s_median=median(lead, first & np.isfinite(det_a)),
            satellite_cue_s=sat,
            before_satellites_share=share(before_sat),
            sooner_share=share(sooner),
            sooner_s_median=median(det_a - det_b, sooner & np.isfinite(det_a)),
            track_only_share=share(sooner & ~np.isfinite(det_a)),
            advance_share=share(earlier),
            advance_s_median=median(launch_a - launch_b, earlier & np.isfinite(launch_a)),
            launch_only_share=share(earlier & ~np.isfinite(launch_a)),
            gain_share=float(area[gained].sum() / open_area) if open_area > 0 else 0.0,
            warning_commits=bool(a.warning_commits),
            delay_s=float(a.delay_s),
            cue_only_share=share(cue_only),
            shared_tracks=shared_tracks,
        )


def _radar_site_name(catalogue: Catalogue, deployment_id: str) -> str:
    """The short name of a radar deployment's site ("Kürecik Radar Station")."""
    deps = catalogue.deployments.set_index("deployment_id")
    if deployment_id not in deps.index:
        return deployment_id
    site = str(deps.at[deployment_id, "site_id"])
    sites = catalogue.sites.set_index("site_id")
    name = str(sites.at[site, "name"]) if site in sites.index else site
    return name.split(" (")[0]
