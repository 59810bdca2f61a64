"""Which single assumption moves the defended share most: a one-at-a-time sensitivity table.

For one state (year, scenario, launch area, threat), every assumption in :data:`LEVERS` is set
to its low and its high alternative while all others stay nominal, and the defended share of
NATO-Europe territory and population is recomputed. "Low" is the alternative expected to be less
favourable to the defence, "high" the more favourable one (as for the parameter cases of
data/parameters.csv); the physics may say otherwise (a depressed trajectory can pass through the
intercept band where a minimum-energy one flies over it), and the table shows what it says. An
assumption with only one alternative leaves the other side at nominal. The table is sorted by
the swing: the largest minus the smallest of the three shares. One-at-a-time analysis shows each assumption's reach,
not interactions between them.

Below the assumptions, one row per sampled parameter of data/distributions.csv that the state
uses (each interceptor's burnout speed, lowest intercept altitude and drag, each radar's range
and field of view, the cue's timing and range factor: :func:`coverage.products.draws.sweep_variables`),
set alone to its low and its high value, everything else as in the state: which single number
moves the answer most, where the "every parameter case together" row moves them all at once.
The variables the assumptions above already move (the track + C2 delay, the warhead's and the
booster's RCS, the shoot-look-shoot interval) are not repeated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from coverage.catalogue.tables import Catalogue, Estimate
from coverage.products.defended import band_delays, band_query
from coverage.products.metrics import coverage_metrics
from coverage.scenario import DefenceQuery, FootprintOptions, detection_assumptions, resolve

if TYPE_CHECKING:
    from coverage.products.draws import Variable

__all__ = ["LEVERS", "Lever", "sensitivity_table", "variable_rows"]

State = tuple[FootprintOptions, DefenceQuery]
Change = Callable[[FootprintOptions, DefenceQuery], State]


@dataclass(frozen=True)
class Lever:
    """One assumption and its low / high alternatives (``None``: that side stays nominal).

    A text may be a function, called when the table is made (texts read from data/).
    """

    name: str
    low_text: str | Callable[[], str] | None
    low: Change | None
    high_text: str | Callable[[], str] | None
    high: Change | None


def _opt(**kw: object) -> Change:
    return lambda o, q: (replace(o, **kw), q)  # type: ignore[arg-type]


def _query(**kw: object) -> Change:
    return lambda o, q: (o, replace(q, **kw))  # type: ignore[arg-type]


def _one_rcs(o: FootprintOptions, q: DefenceQuery) -> State:
    """The booster seen as its warhead: one RCS for the whole flight (the earlier model)."""
    return o, replace(q, booster_rcs_m2=detection_assumptions(q, o).radar.target_rcs_m2)


def _case(estimate: Estimate) -> Change:
    """Every parameter case, the track + C2 delay with it (as the band moves them)."""
    return lambda o, q: (replace(o, estimate=estimate), band_query(q, estimate))


def _delay(estimate: str) -> Change:
    """The track + C2 delay of a case (data/distributions.csv), the rest nominal."""
    return lambda o, q: (o, replace(q, delay_s=band_delays()[estimate]))


def _delay_text(estimate: str) -> Callable[[], str]:
    return lambda: f"{band_delays()[estimate]:g} s"


def _text(text: str | Callable[[], str] | None) -> str:
    if text is None:
        return "(nominal)"
    return text() if callable(text) else text


LEVERS: tuple[Lever, ...] = (
    Lever(
        "Every parameter case together (interceptors, radars, detection, delay)",
        "low case",
        _case("low"),
        "high case",
        _case("high"),
    ),
    Lever(
        "Re-entry vehicle radar cross-section",
        "0.01 m²",
        _query(rv_rcs_m2=0.01),
        "0.1 m²",
        _query(rv_rcs_m2=0.1),
    ),
    Lever(
        "Booster radar cross-section (before burnout)",
        "the warhead's (one RCS for the whole flight)",
        _one_rcs,
        "10 m²",
        _query(booster_rcs_m2=10.0),
    ),
    Lever(
        "A NATO radar's track begun on the booster",
        "counts only where the same radar sees the warhead at burnout",
        _query(boost_track_needs_warhead=True),
        None,
        None,
    ),
    Lever(
        "Radar elevation masks",
        "5° for every radar",
        _opt(min_elevation_deg=5.0),
        "1° for every radar",
        _opt(min_elevation_deg=1.0),
    ),
    Lever(
        "Refraction at the radars' elevation masks",
        None,
        None,
        "credited (the mask an apparent elevation; ITU-R P.619 reference atmosphere)",
        _query(refraction=True),
    ),
    Lever(
        "Threat's boost (data/threat_boost.csv)",
        "low case (shorter burn; ICBM class: 180 s, solid fuel)",
        _query(boost_case="low"),
        "high case",
        _query(boost_case="high"),
    ),
    Lever(
        "Satellite cueing of the radars",
        "none (blind search)",
        _query(satellite_cueing="off"),
        None,
        None,
    ),
    Lever(
        "Engage on remote",
        "off (own radar must see the intercept)",
        _query(engage_on_remote="off"),
        "on (any sensor's track)",
        _query(engage_on_remote="on"),
    ),
    Lever(
        "Track + C2 delay",
        _delay_text("low"),
        _delay("low"),
        _delay_text("high"),
        _delay("high"),
    ),
    Lever(
        "How the quoted burnout speed is read",
        "loss-free increment (ideal)",
        _query(speed_basis="ideal"),
        None,
        None,
    ),
    Lever(
        "Interceptor fly-out model",
        None,
        None,
        "gravity-free reach formula (upper bound)",
        _query(flyout_model="reach_formula"),
    ),
    Lever(
        "Nominal-range cap",
        "capped at the quoted nominal range",
        _query(cap_at_nominal_range=True),
        None,
        None,
    ),
    Lever(
        "Sensor cueing",
        "each site fires on its own radar only",
        _query(launch_on_remote=False),
        None,
        None,
    ),
    Lever(
        "Destroyers in port at Rota counted as a BMD site",
        "not counted (ships count only on station)",
        _opt(exclude_sites=frozenset({"rota"})),
        None,
        None,
    ),
    Lever(
        "North Sea station (2009 plan)",
        "left out",
        _opt(exclude_sites=frozenset({"north_sea"})),
        None,
        None,
    ),
    Lever(
        "Threat trajectory",
        "depressed (10° below minimum energy)",
        _query(shape="depressed"),
        "lofted (10° above minimum energy)",
        _query(shape="lofted"),
    ),
)


#: Words for the parameters a sampled variable sets (data/distributions.csv ``applies_to``).
_PARAMETER_WORDS = {
    "burnout_velocity_kmps": "burnout speed",
    "burn_time_s": "burn time (each stage keeps its share)",
    "min_intercept_alt_km": "lowest intercept altitude",
    "max_intercept_alt_km": "highest intercept altitude",
    "ballistic_coefficient_kgpm2": "ballistic coefficient (drag)",
    "nominal_range_km": "quoted range (used only with the cap)",
    "range_km": "range",
    "azimuth_fov_deg": "field of view",
    "min_elevation_deg": "elevation mask",
    "cued_range_factor": "Cued search's range factor",
    "satellite_cue_s": "Satellite launch warning's time",
    "ew_reference_rcs_m2": "Early-warning radars' reference RCS",
    "ew_min_elevation_deg": "Early-warning radars' elevation mask",
}
#: Sampled variables an assumption of :data:`LEVERS` already moves (not repeated).
_MOVED_BY_LEVERS = frozenset(
    {"delay_s", "rv_rcs_m2", "booster_rcs_m2", "sls_interval_s", "min_elevation_deg"}
)


def _variable_name(catalogue: Catalogue, var: Variable) -> str:
    """``"SM-3 Block IA, SM-3 Block IB burnout speed"`` for a variable of distributions.csv."""
    names = dict(zip(catalogue.systems.system_id, catalogue.systems.name, strict=True))
    systems = [t.system_id for t in var.targets if t.table == "parameters.csv"]
    words = _PARAMETER_WORDS.get(var.targets[0].parameter, var.targets[0].parameter)
    if not systems:
        return words
    return f"{', '.join(dict.fromkeys(str(names.get(sid, sid)) for sid in systems))} {words}"


def _value_text(var: Variable, value: float) -> str:
    return f"{value:g} {var.unit}".strip()


def variable_rows(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> list[dict[str, object]]:
    """One row per sampled parameter the state uses, alone at its low and high value.

    The columns of :func:`sensitivity_table` less the swing; shares from one engine run over
    the state's grid and the capitals per side, with the metrics' own weights
    (:func:`~coverage.products.metrics.metric_weights`), as the Monte-Carlo sweep computes a
    draw's.
    """
    from coverage.products.draws import apply_draw, sweep_variables, system_map
    from coverage.products.sweep import draw_targets

    setup = resolve(catalogue, options, query)
    variables = [
        v
        for v in sweep_variables(catalogue, setup)
        if not any(t.parameter in _MOVED_BY_LEVERS for t in v.targets)
    ]
    if not variables:
        return []
    targets = draw_targets(catalogue, setup, options.year, query)  # the work budget checked
    system_of = system_map(catalogue, setup)
    rows = []
    for var in variables:
        shares = {
            side: targets.shares(apply_draw(setup, [var], [getattr(var, side)], system_of))
            for side in ("low", "high")
        }
        rows.append(
            {
                "assumption": _variable_name(catalogue, var),
                "low": _value_text(var, var.low),
                "high": _value_text(var, var.high),
                "area_share_low": shares["low"][0],
                "area_share_high": shares["high"][0],
                "population_share_low": shares["low"][1],
                "population_share_high": shares["high"][1],
            }
        )
    return rows


def sensitivity_table(
    catalogue: Catalogue,
    options: FootprintOptions,
    query: DefenceQuery,
    *,
    levers: tuple[Lever, ...] = LEVERS,
    parameters: bool = True,
) -> pd.DataFrame:
    """One row per assumption: the defended shares with it low and high, the rest nominal.

    Returns
    -------
    DataFrame
        ``assumption, low, high, area_share_low, area_share_nominal, area_share_high,
        population_share_low, population_share_high, swing`` (shares 0..1; ``swing`` is the
        largest minus the smallest of the low, nominal and high area shares), sorted by
        ``swing``, largest first.
        ``attrs["nominal"]`` holds the nominal metrics' assumptions line.
    """
    nominal = coverage_metrics(catalogue, options, query)
    nominal_area = (nominal.nato_europe_area_share, nominal.nato_europe_population_share)
    rows = []
    for lever in levers:
        shares: dict[str, tuple[float, float]] = {}
        for side, change in (("low", lever.low), ("high", lever.high)):
            m = nominal if change is None else coverage_metrics(catalogue, *change(options, query))
            shares[side] = (m.nato_europe_area_share, m.nato_europe_population_share)
        rows.append(
            {
                "assumption": lever.name,
                "low": _text(lever.low_text),
                "high": _text(lever.high_text),
                "area_share_low": shares["low"][0],
                "area_share_nominal": nominal.nato_europe_area_share,
                "area_share_high": shares["high"][0],
                "population_share_low": shares["low"][1],
                "population_share_high": shares["high"][1],
                "swing": max(s[0] for s in (*shares.values(), nominal_area))
                - min(s[0] for s in (*shares.values(), nominal_area)),
            }
        )
    if parameters:
        for row in variable_rows(catalogue, options, query):
            low, high = float(row["area_share_low"]), float(row["area_share_high"])  # type: ignore[arg-type]
            area = (low, high, nominal.nato_europe_area_share)
            rows.append(
                {
                    **row,
                    "area_share_nominal": nominal.nato_europe_area_share,
                    "swing": max(area) - min(area),
                }
            )
    table = pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    table.attrs["nominal"] = nominal.assumptions
    return table
