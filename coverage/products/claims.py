"""The official coverage claims against the model, and what each claim needs to hold.

Each row of data/claims.csv quotes what was said of a phase ("parts of southern Europe",
"across southern NATO Europe", "all of NATO Europe"), names the state it is judged on (2012 as
built, 2016 as built, 2018 as planned, 2024 as built), the territory it speaks of (ISO3 codes
counted while their country is a NATO member, or all European members) and how its words are
read as a figure: a share of that territory that must be defended. The reading is an assumption
and is carried beside every verdict; the share itself is shown, so a reader can apply another.

:func:`claim_checks` measures each claim on the engine's defended grid under the caller's
assumptions (launch area, threat, estimate, delay, ...; only the year and the scenario are the
claim's), as a share of the claim's territory in the threat's reach (ground a threat cannot
reach needs no defence), naming the threat. :func:`claim_needs` then asks which single change would make the verdict flip:

* the **warhead's radar cross-section** at which the claim starts to hold, found by bisection on
  a logarithmic scale between :data:`RCS_SEARCH_M2` (each step a fresh engine run: new first
  detections). Every radar's range against the warhead goes as the fourth root of the RCS
  (:mod:`coverage.physics.radar`), so the same figure reads as a range factor for every radar
  against the warhead (the booster's detection is left as it is). The search assumes that a
  larger warhead never defends less, which holds in the engine (an earlier first detection
  only adds intercept opportunities; spot-checked in the tests);
* **engage on remote** (another sensor's track guides the interceptor): the share with it on.

Both are one-at-a-time changes from the caller's state, as in
:mod:`coverage.products.sensitivity`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

from coverage.catalogue.analysis import NATO_REGION_CODE, load_claims
from coverage.catalogue.tables import Catalogue
from coverage.products.mapdata import MapState, what_if_mark
from coverage.products.metrics import country_totals, coverage_metrics
from coverage.scenario import (
    SCENARIO_LABELS,
    DefenceQuery,
    FootprintOptions,
    Scenario,
    detection_assumptions,
    engage_on_remote_words,
    launch_area_label,
    threat_label,
)

__all__ = [
    "RCS_SEARCH_M2",
    "RCS_STEP",
    "ClaimCheck",
    "ClaimNeed",
    "claim_checks",
    "claim_needs",
    "NOT_JUDGED",
    "claim_note",
    "claim_notes",
    "claims_of_state",
    "claims_frame",
    "claims_json",
    "need_text",
    "percent_text",
    "verdict_text",
    "needs_frame",
    "reach_words",
]

#: The warhead RCS range searched for a claim's break-even, m² (detection.csv allows 1e-4..100;
#: 10 m² is ten times the nominal boosting missile's own 1 m²).
RCS_SEARCH_M2 = (0.001, 10.0)
#: The bisection stops when the bracket's ends differ by less than this factor (2.4 % in range).
RCS_STEP = 1.1


@dataclass(frozen=True)
class ClaimCheck:
    """One claim measured on the model: the share of its territory defended and the verdict."""

    claim_id: str
    phase: int
    said: str
    said_by: str
    words: str
    year: int
    scenario: Scenario
    territory: str
    countries: tuple[str, ...]
    reading: str
    area_share_needed: float
    area_share: float
    population_share: float
    in_reach_share: float
    threat: str
    capitals_defended: int
    capitals_total: int
    source: str
    confidence: str
    assumptions: str

    def met_by(self, share: float) -> bool:
        """Whether ``share`` of the territory in reach is at least what the words are read to need.

        The one test of every verdict: the claim's, and those of its changed states (another
        warhead RCS, engage on remote), which have the same threat and so the same reach.
        Ground the threat cannot reach needs no defence; a threat that reaches none of the
        territory leaves the claim unjudged (``False``).
        """
        return self.in_reach_share > 0 and share >= self.area_share_needed

    @property
    def holds(self) -> bool:
        """Whether the model defends at least the share the words are read to need."""
        return self.met_by(self.area_share)

    @property
    def judged_on(self) -> str:
        """``"2016 as built"``."""
        return f"{self.year} {SCENARIO_LABELS[self.scenario]}"


@dataclass(frozen=True)
class ClaimNeed:
    """What one claim needs: the warhead RCS where it starts to hold, and engage on remote.

    ``rcs_needed_m2`` is the smallest RCS found where the claim holds (within a factor
    :data:`RCS_STEP`), ``None`` if it does not hold even at the search's upper end;
    ``rcs_fails_m2`` is the largest RCS found where it does not (``None`` if it holds at the
    search's lower end). ``runs`` counts the engine runs the search made.
    """

    claim_id: str
    holds: bool
    rcs_m2: float
    rcs_needed_m2: float | None
    rcs_fails_m2: float | None
    engage_on_remote_share: float
    runs: int

    @property
    def range_factor(self) -> float | None:
        """The same change as a factor on every radar's range against the warhead (σ^¼)."""
        if self.rcs_needed_m2 is None:
            return None
        return float((self.rcs_needed_m2 / self.rcs_m2) ** 0.25)


def _counted(catalogue: Catalogue, codes: str, year: int) -> tuple[str, ...]:
    members = catalogue.nato_members_in(year)
    if codes == NATO_REGION_CODE:
        return tuple(sorted(members))
    return tuple(c for c in codes.split() if c in members)


def _share(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery, countries: tuple[str, ...]
) -> tuple[float, dict[str, Any]]:
    m = coverage_metrics(catalogue, options, query)
    totals = country_totals(m.countries[m.countries.iso3.isin(countries)])
    totals["assumptions"] = m.assumptions
    totals["threat"] = (
        f"{threat_label(m.threat, m.threat_range_km)} launched from "
        f"{launch_area_label(catalogue, m.launch_area)}"
    )
    # Shares of the territory (and people) in the threat's reach: out of reach is not
    # "undefended" (a 2,000 km MRBM cannot reach most of NATO Europe).
    reach = 1.0 - float(totals["area_out_of_reach_share"])
    totals["in_reach_share"] = reach
    totals["area_share"] = float(totals["area_share"]) / reach if reach > 0 else 0.0
    people = 1.0 - float(totals["population_out_of_reach_share"])
    totals["population_share"] = float(totals["population_share"]) / people if people > 0 else 0.0
    return float(totals["area_share"]), totals


def claim_checks(
    catalogue: Catalogue,
    options: FootprintOptions,
    query: DefenceQuery,
    *,
    claims: pd.DataFrame | None = None,
) -> list[ClaimCheck]:
    """Each claim of data/claims.csv measured under the caller's assumptions.

    Parameters
    ----------
    options, query
        The caller's state; each claim replaces its year and scenario.
    claims
        Rows as data/claims.csv's (default: the bundled file).
    """
    rows = load_claims() if claims is None else claims
    out = []
    for r in rows.itertuples(index=False):
        state = replace(options, year=int(r.year), scenario=r.scenario)
        countries = _counted(catalogue, str(r.iso3), int(r.year))
        area, totals = _share(catalogue, state, query, countries)
        caps = totals["capitals_defended"], totals["capitals_not_defended"]
        out.append(
            ClaimCheck(
                claim_id=r.claim_id,
                phase=int(r.phase),
                said=str(r.said),
                said_by=r.said_by,
                words=r.words,
                year=int(r.year),
                scenario=r.scenario,
                territory=f"{r.territory} ({len(countries)} members)",
                countries=countries,
                reading=r.reading,
                area_share_needed=float(r.area_share_needed),
                area_share=area,
                population_share=totals["population_share"],
                in_reach_share=totals["in_reach_share"],
                threat=totals["threat"],
                capitals_defended=int(caps[0]),
                capitals_total=int(caps[0] + caps[1] + totals["capitals_out_of_reach"]),
                source=r.source,
                confidence=r.confidence,
                assumptions=totals["assumptions"],
            )
        )
    return out


def claims_of_state(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> list[ClaimCheck]:
    """The claims of data/claims.csv judged on this state's year and scenario, measured in it.

    The map's own question (launch area, threat, estimate, delay, ...): what the page beside
    the map says of the claim made for the year it shows. Empty for a year no claim is judged
    on (data/claims.csv: 2012, 2016, 2020 and 2024 as built; 2018 as planned).
    """
    rows = load_claims()
    mine = rows[(rows.year == options.year) & (rows.scenario == options.scenario)]
    return claim_checks(catalogue, options, query, claims=mine) if len(mine) else []


#: How :func:`claim_note` ends for a claim whose territory the threat does not reach.
NOT_JUDGED = "the claim is not judged."

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _said_words(said: str) -> str:
    """``2016-07-09`` -> ``9 Jul 2016``, ``2013-04`` -> ``Apr 2013``; a year as it is."""
    parts = said.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return said


def claim_note(
    check: ClaimCheck,
    *,
    short: bool = False,
    what_if: bool = False,
    grid_km: float | None = None,
    without_eor: ClaimCheck | None = None,
    eor_words: str = "",
) -> str:
    """One claim against this map, in words, for beside the map (plain text).

    "“across southern NATO Europe” (NATO, Warsaw Summit Communiqué (…); 9 Jul 2016). This map
    (25 km grid) defends 29.5 % of southern NATO Europe (10 members); read as at least 50 %
    (an assumption, data/claims.csv), the claim does not hold." The date is left out where the
    speaker's words already give its year. Where the threat reaches only part of the
    territory: "Of southern NATO Europe (10 members), 11 % is in the threat's reach; this map
    defends 0.0 % of that; ...". ``what_if``: "this what-if map" (an edited catalogue).
    ``grid_km``: said after "this map" (the claims' table in the tab uses 50 km).
    ``without_eor``: the same claim measured with engage on remote off, where the state has it
    (``eor_words``: :func:`~coverage.scenario.engage_on_remote_words`): the verdict then says
    what it rests on, "...; the claim holds with engage on remote (assumed from 10 Jul 2024);
    without it, 21.9 %: it would not hold." (session 43's trial read 2024's "holds" with no word
    of the assumption behind most of it).

    ``short``: for a slide's side panel, the speaker without their title ("NATO", "US
    official") but with what the claim spoke of ("of the plan; judged on what was built by
    2024"), and the reading without its file: "“across southern NATO Europe” (NATO, 9 Jul
    2016): this map defends 29.5 % of southern NATO Europe (10 members); read as at least
    50 % (an assumption), the claim does not hold."
    """
    when = _said_words(check.said)
    if short:
        first, *rest = check.said_by.split(", ")
        spoke_of = [part for part in rest if part.startswith("of ")]
        who = ", ".join([first.split(" (")[0], when, *spoke_of])
        head = f"“{check.words}” ({who}): "
    else:
        who = check.said_by if when.split()[-1] in check.said_by else f"{check.said_by}; {when}"
        head = f"“{check.words}” ({who}). "
    if check.in_reach_share <= 0:
        return head + f"The threat reaches none of {check.territory}: {NOT_JUDGED}"
    this_map = "this what-if map" if what_if else "this map"
    if grid_km is not None:
        this_map += f" ({grid_km:g} km grid)"
    share = percent_text(check.area_share)
    if check.in_reach_share >= 0.9995:
        measured = f"{this_map} defends {share} of {check.territory}"
    else:
        measured = (
            f"of {check.territory}, {100 * check.in_reach_share:.0f} % is in the threat's reach; "
            f"{this_map} defends {share} of that"
        )
    reading = "an assumption" if short else "an assumption, data/claims.csv"
    measured += (
        f"; read as at least {100 * check.area_share_needed:.0f} % ({reading}), the claim "
        f"{verdict_text(check.holds)}"
    )
    if without_eor is not None and eor_words:
        still = "still " if without_eor.holds == check.holds else ""
        would = f"it would {still}hold" if without_eor.holds else f"it would {still}not hold"
        measured += f" {eor_words}; without it, {percent_text(without_eor.area_share)}: {would}"
    measured += "."
    return head + (measured if short else measured[0].upper() + measured[1:])


def claim_notes(catalogue: Catalogue, state: MapState, *, short: bool = False) -> tuple[str, ...]:
    """:func:`claim_note` of each claim judged on ``state``'s year; none for a comparison.

    What the dashboard's side column (``short=False``, with the map's grid) and every slide of
    the state (``short=True``: the dashboard's exports and the CLI's) say.
    """
    if state.compare is not None:
        return ()
    query = state.query()
    checks = claims_of_state(catalogue, state.options, query)
    eor = engage_on_remote_words(query, state.options)
    without: dict[str, ClaimCheck] = {}
    if checks and eor:
        # The same claims with engage on remote off: the headline's engine run without it.
        off = replace(query, engage_on_remote="off")
        without = {c.claim_id: c for c in claims_of_state(catalogue, state.options, off)}
    return tuple(
        claim_note(
            c,
            short=short,
            what_if=bool(what_if_mark(catalogue)),
            grid_km=None if short else query.grid_km,
            without_eor=without.get(c.claim_id),
            eor_words=eor,
        )
        for c in checks
    )


def _bisect(holds: Callable[[float], bool], fails: float, held: float) -> tuple[float, float]:
    """Narrow ``(fails, held)`` on a log scale until ``held / fails <= RCS_STEP``."""
    while held / fails > RCS_STEP:
        mid = math.sqrt(fails * held)
        if holds(mid):
            held = mid
        else:
            fails = mid
    return fails, held


def claim_needs(
    catalogue: Catalogue,
    options: FootprintOptions,
    query: DefenceQuery,
    checks: list[ClaimCheck],
) -> list[ClaimNeed]:
    """For each checked claim, the warhead RCS where its verdict flips, and engage on remote.

    Costs about 6-9 engine runs per claim (each a new RCS: new first detections).
    """
    lo, hi = RCS_SEARCH_M2
    out = []
    for c in checks:
        state = replace(options, year=c.year, scenario=c.scenario)
        rcs = detection_assumptions(query, state).radar.target_rcs_m2
        runs = 0

        def holds(sigma: float, state: FootprintOptions = state, c: ClaimCheck = c) -> bool:
            nonlocal runs
            runs += 1
            share, _ = _share(catalogue, state, replace(query, rv_rcs_m2=sigma), c.countries)
            return c.met_by(share)

        needed: float | None
        failed: float | None
        if c.holds:
            if holds(lo):
                needed, failed = lo, None
            else:
                failed, needed = _bisect(holds, lo, rcs)
        elif not holds(hi):
            needed, failed = None, hi
        else:
            failed, needed = _bisect(holds, rcs, hi)
        remote, _ = _share(catalogue, state, replace(query, engage_on_remote="on"), c.countries)
        out.append(
            ClaimNeed(
                claim_id=c.claim_id,
                holds=c.holds,
                rcs_m2=rcs,
                rcs_needed_m2=needed,
                rcs_fails_m2=failed,
                engage_on_remote_share=remote,
                runs=runs + 1,
            )
        )
    return out


def claims_json(checks: list[ClaimCheck], needs: list[ClaimNeed] | None) -> dict[str, Any]:
    """The checks (and needs, if computed) as a JSON-ready dictionary (the CLI's payload)."""
    by_id = {n.claim_id: n for n in needs or ()}
    rows = []
    for c in checks:
        row: dict[str, Any] = asdict(c)
        row["countries"] = list(c.countries)
        row["judged_on"] = c.judged_on
        row["holds"] = c.holds
        if c.claim_id in by_id:
            n = by_id[c.claim_id]
            row["needs"] = {
                "warhead_rcs_in_force_m2": n.rcs_m2,
                "warhead_rcs_needed_m2": n.rcs_needed_m2,
                "warhead_rcs_fails_m2": n.rcs_fails_m2,
                "radar_range_factor": n.range_factor,
                "warhead_rcs": need_text(n),
                "engage_on_remote_area_share": n.engage_on_remote_share,
                "engine_runs": n.runs,
            }
        rows.append(row)
    return {
        "claims": rows,
        "rcs_search_m2": list(RCS_SEARCH_M2),
        "rcs_step": RCS_STEP,
        "method": "Each claim's share of its territory defended in the year and scenario it is "
        "judged on, under the caller's other assumptions; the warhead RCS where the verdict "
        "flips, by bisection on a log scale (one change at a time); the share with engage on "
        "remote on.",
    }


def reach_words(check: ClaimCheck) -> str:
    """``" (the 23 % of it in the threat's reach)"``, or nothing when the threat reaches it all."""
    if check.in_reach_share >= 0.9995:
        return ""
    return f" (the {100 * check.in_reach_share:.0f} % of it in the threat's reach)"


def verdict_text(holds: bool) -> str:
    """``"holds"`` or ``"does not hold"`` (the tables' and, in capitals, the CLI's words)."""
    return "holds" if holds else "does not hold"


def percent_text(share: float) -> str:
    """A 0..1 share with one decimal, ``"89.8 %"`` (a verdict's margin can be a tenth)."""
    return f"{100 * share:.1f} %"


def claims_frame(checks: list[ClaimCheck]) -> pd.DataFrame:
    """The checks as a table in words (the dashboard's and the CLI's text)."""
    return pd.DataFrame(
        {
            "phase": [c.phase for c in checks],
            "said": [f"{c.said}, {c.said_by}" for c in checks],
            "words": [f"“{c.words}”" for c in checks],
            "judged_on": [c.judged_on for c in checks],
            "territory": [c.territory for c in checks],
            "in_reach_share": [c.in_reach_share for c in checks],
            "needed": [c.area_share_needed for c in checks],
            "area_share": [c.area_share for c in checks],
            "population_share": [c.population_share for c in checks],
            "capitals": [f"{c.capitals_defended} of {c.capitals_total}" for c in checks],
            "verdict": [verdict_text(c.holds) for c in checks],
            "reading": [c.reading for c in checks],
        }
    )


def need_text(need: ClaimNeed) -> str:
    """The break-even warhead RCS in words."""
    lo, hi = RCS_SEARCH_M2
    if need.rcs_needed_m2 is None:
        return f"does not hold even with a {hi:g} m² warhead"
    if need.rcs_fails_m2 is None:
        return f"holds down to a {lo:g} m² warhead (the search's end)"
    factor = need.range_factor or 1.0
    verb = "holds down to" if need.holds else "needs"
    digits = 2
    while f"{need.rcs_needed_m2:.{digits}g}" == f"{need.rcs_fails_m2:.{digits}g}" and digits < 4:
        digits += 1
    return (
        f"{verb} a warhead of {need.rcs_needed_m2:.{digits}g} m² "
        f"(not at {need.rcs_fails_m2:.{digits}g}): every radar's range against it ×{factor:.2f}"
    )


def needs_frame(checks: list[ClaimCheck], needs: list[ClaimNeed]) -> pd.DataFrame:
    """What each claim needs, as a table in words."""
    by_id = {n.claim_id: n for n in needs}
    rows = []
    for c in checks:
        n = by_id[c.claim_id]
        rows.append(
            {
                "phase": c.phase,
                "judged_on": c.judged_on,
                "verdict": verdict_text(c.holds),
                "rcs_in_force_m2": n.rcs_m2,
                "warhead_rcs": need_text(n),
                "rcs_needed_m2": n.rcs_needed_m2,
                "engage_on_remote_share": n.engage_on_remote_share,
                "engage_on_remote": (
                    f"{percent_text(n.engage_on_remote_share)}: "
                    + verdict_text(c.met_by(n.engage_on_remote_share))
                ),
                "runs": n.runs,
            }
        )
    return pd.DataFrame(rows)
