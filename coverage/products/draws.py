"""Parameter draws for the Monte-Carlo sweep: which variables, how they are sampled, how applied.

A *draw* is one set of values for the sampled variables of data/distributions.csv, applied to
a state's resolved physics inputs (:class:`coverage.scenario.Setup`): the nominal setup with
the drawn radar ranges, burnout speeds, kill-vehicle floors, drag, detection and timeline values
put in. Applying the nominal values gives back the nominal setup exactly.

Sampling is a seeded Latin hypercube (``scipy.stats.qmc.LatinHypercube``; or a scrambled
Sobol' sequence) on the unit cube, mapped through each variable's inverse distribution function
(Beta-PERT with λ = 4, triangular or uniform, from ``scipy.stats``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from coverage.catalogue.analysis import detection_value
from coverage.catalogue.distributions import Target, load_distributions, parse_targets
from coverage.catalogue.tables import Catalogue
from coverage.physics import radar as radar_mod
from coverage.physics.engagement import InterceptorSite
from coverage.scenario import SCENARIO_LABELS, Setup, cooperation_labels, deployed_for

__all__ = [
    "SAMPLERS",
    "Sampler",
    "Variable",
    "apply_draw",
    "sample_values",
    "sweep_variables",
    "undrawn_variables",
    "unit_sample",
]

Sampler = Literal["lhs", "sobol"]
SAMPLERS: tuple[Sampler, ...] = ("lhs", "sobol")
_PERT_LAMBDA = 4.0


@dataclass(frozen=True)
class Variable:
    """One sampled variable: its distribution, the parameters it sets, and where it comes from.

    Attributes
    ----------
    name
        The ``variable`` of data/distributions.csv.
    kind
        ``"pert"``, ``"triangular"`` or ``"uniform"``.
    low, nominal, high
        Capability cases in the parameter's unit (``low`` may be the larger number: it is the
        case less favourable to the defence).
    targets
        Parameters set by this variable (one draw for all: rank correlation 1).
    unit, source, confidence, note
        As in the file.
    """

    name: str
    kind: str
    low: float
    nominal: float
    high: float
    targets: tuple[Target, ...]
    unit: str = ""
    source: str = ""
    confidence: str = ""
    note: str = ""

    @property
    def lower(self) -> float:
        """The smaller end of the band."""
        return min(self.low, self.high)

    @property
    def upper(self) -> float:
        """The larger end of the band."""
        return max(self.low, self.high)

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """Values at cumulative probabilities ``u`` (0..1) of this variable's distribution."""
        from scipy import stats  # loaded with the first draw, not with the dashboard

        a, c, m = self.lower, self.upper, self.nominal
        width = c - a
        if self.kind == "uniform":
            return a + width * u
        if self.kind == "triangular":
            return np.asarray(stats.triang.ppf(u, (m - a) / width, loc=a, scale=width), float)
        alpha = 1.0 + _PERT_LAMBDA * (m - a) / width
        beta = 1.0 + _PERT_LAMBDA * (c - m) / width
        return np.asarray(stats.beta.ppf(u, alpha, beta, loc=a, scale=width), float)

    def describe(self) -> str:
        """Words for the distribution, e.g. ``PERT 2.7-3.5 km/s (mode 3)``."""
        unit = f" {self.unit}" if self.unit else ""
        band = f"{self.lower:g}-{self.upper:g}{unit}"
        if self.kind == "uniform":
            return f"uniform {band}"
        return f"{'PERT' if self.kind == 'pert' else 'triangular'} {band} (mode {self.nominal:g})"


def _reference(catalogue: Catalogue, target: Target) -> tuple[float, float, float]:
    if target.table == "parameters.csv":
        row = catalogue.parameter_row(target.system_id, target.parameter)
        return float(row["low"]), float(row["nominal"]), float(row["high"])
    if target.table == "detection.csv":
        return tuple(detection_value(target.parameter, e) for e in ("low", "nominal", "high"))  # type: ignore[return-value]
    raise ValueError(f"{target} has no catalogue row")


def _unused_reason(
    catalogue: Catalogue, target: Target, setup: Setup, systems: set[str]
) -> str | None:
    """Why ``target`` does not change the engine's result for this state (``None``: it does)."""
    query, options, a = setup.query, setup.options, setup.assumptions
    if target.table == "parameters.csv":
        if target.system_id not in systems:
            name = str(catalogue.system(target.system_id)["name"])
            return (
                f"{name} is not deployed in {options.year} "
                f"({SCENARIO_LABELS.get(options.scenario, options.scenario)})"
            )
        if target.parameter == "nominal_range_km" and not query.cap_at_nominal_range:
            return "used only with the nominal-range cap, which is off"
        if target.parameter == "ballistic_coefficient_kgpm2" and query.flyout_model != "point_mass":
            return "used only by the point-mass fly-out; the reach formula is in force"
        if target.parameter == "max_intercept_alt_km" and query.flyout_model == "point_mass":
            return "used only by the reach formula; with the point-mass fly-out the fan decides"
        if target.parameter == "min_elevation_deg" and options.min_elevation_deg is not None:
            return (
                f"an explicit elevation mask ({options.min_elevation_deg:g}°) overrides every "
                "radar's own"
            )
        if target.parameter not in _PARAMETER_FIELDS:
            return "not read by the engagement engine"
        return None
    if target.table == "detection.csv":
        if target.parameter == "rv_rcs_m2":
            if query.rv_rcs_m2 is not None:
                return f"the query fixes the warhead RCS at {query.rv_rcs_m2:g} m²"
            return None
        if target.parameter == "booster_rcs_m2":
            if query.booster_rcs_m2 is not None:
                return f"the query fixes the booster RCS at {query.booster_rcs_m2:g} m²"
            if a.radar.booster_rcs_m2 is None:
                return "no boost phase in force (the warhead's RCS from lift-off)"
            return None
        if target.parameter == "satellite_cue_s":
            return None if a.cue_time_s is not None else "no satellite launch warning in force"
        if target.parameter == "cued_range_factor":
            if setup.cue_sources:
                return None
            return (
                "no cue in force (no satellite launch warning, no early-warning radar, no "
                "shared track of another radar)"
            )
        if target.parameter == "ew_reference_rcs_m2":
            if setup.warning_radars:
                return None
            if query.cooperation == "nato_alone":
                return (
                    "no early-warning radar acts as a sensor: the cooperation scenario is "
                    "NATO alone (the Russian radars enter only under a cooperation scenario)"
                )
            return (
                f"none of the early-warning radars of "
                f"'{cooperation_labels()[query.cooperation]}' is active in {options.year}"
            )
        if target.parameter == "ew_min_elevation_deg":
            if not setup.warning_radars:
                return "no early-warning radar acts as a sensor in this state"
            if options.min_elevation_deg is not None:
                return (
                    f"an explicit elevation mask ({options.min_elevation_deg:g}°) overrides "
                    "every radar's own"
                )
            return None
        return "not read by the engagement engine"
    if target.parameter == "delay_s":
        return None
    if target.parameter == "sls_interval_s":
        return None if query.shoot_look_shoot else "used only with shoot-look-shoot, which is off"
    return "not read by the engagement engine"


_PARAMETER_FIELDS = (
    "burnout_velocity_kmps",
    "burn_time_s",
    "min_intercept_alt_km",
    "max_intercept_alt_km",
    "ballistic_coefficient_kgpm2",
    "nominal_range_km",
    "range_km",
    "azimuth_fov_deg",
    "min_elevation_deg",
)


def _classify(
    catalogue: Catalogue, setup: Setup
) -> tuple[tuple[Variable, ...], tuple[tuple[str, str], ...]]:
    deps = deployed_for(catalogue, setup.options)
    systems = set(deps.system_id)
    drawn: list[Variable] = []
    skipped: list[tuple[str, str]] = []
    for row in load_distributions().to_dict(orient="records"):
        name = str(row["variable"])
        targets = parse_targets(row["applies_to"])
        reasons = [_unused_reason(catalogue, t, setup, systems) for t in targets]
        used = [t for t, why in zip(targets, reasons, strict=True) if why is None]
        if not used:
            skipped.append((name, "; ".join(dict.fromkeys(r for r in reasons if r))))
            continue
        if used[0].table == "query":
            lo, nom, hi = float(row["low"]), float(row["nominal"]), float(row["high"])
            chosen = getattr(setup.query, used[0].parameter)
            if chosen != nom:
                skipped.append(
                    (name, f"the query sets {used[0].parameter} = {chosen:g} (the user's choice)")
                )
                continue
        else:
            lo, nom, hi = _reference(catalogue, used[0])
        if lo == hi:
            skipped.append((name, "its band is one value (low = high) in the catalogue in use"))
            continue
        drawn.append(
            Variable(
                name=name,
                kind=str(row["distribution"]),
                low=lo,
                nominal=nom,
                high=hi,
                targets=tuple(used),
                unit=_text(row["unit"]),
                source=str(row["source"]),
                confidence=str(row["confidence"]),
                note=_text(row["note"]),
            )
        )
    return tuple(drawn), tuple(skipped)


def _text(value: object) -> str:
    """A table cell as text; an empty cell (NaN) is ``""``."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def sweep_variables(catalogue: Catalogue, setup: Setup) -> tuple[Variable, ...]:
    """The variables drawn for one state: those that touch something deployed and in force.

    The low / nominal / high of a parameter come from the catalogue in use (so a what-if edit
    of parameters.csv moves its distribution too); a ``query:`` variable whose field the query
    sets to another value than its nominal is not drawn (the user's choice wins). The Russian
    early-warning radars' reference RCS is drawn only when such radars act as sensors (a
    cooperation scenario, or a scenario that uses them, with a radar active in the year).
    """
    return _classify(catalogue, setup)[0]


def undrawn_variables(catalogue: Catalogue, setup: Setup) -> tuple[tuple[str, str], ...]:
    """``(variable, why it is not drawn)`` for every row of data/distributions.csv left out."""
    return _classify(catalogue, setup)[1]


def unit_sample(n: int, d: int, *, seed: int, sampler: Sampler = "lhs") -> NDArray[np.float64]:
    """``n`` points in the unit cube ``[0, 1)^d``, seeded and reproducible.

    ``"lhs"``: a Latin hypercube (every variable's range cut into ``n`` equal-probability strata,
    one point in each); ``"sobol"``: a scrambled Sobol' sequence (best with ``n`` a power of 2).
    """
    if d == 0:
        return np.zeros((n, 0))
    from scipy.stats import qmc

    engine: qmc.QMCEngine
    if sampler == "lhs":
        engine = qmc.LatinHypercube(d, rng=np.random.default_rng(seed))
    elif sampler == "sobol":
        engine = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed))
    else:
        raise ValueError(f"sampler={sampler!r} is not one of {', '.join(SAMPLERS)}")
    return np.asarray(engine.random(n), float)


def sample_values(
    variables: Sequence[Variable],
    n: int,
    *,
    seed: int,
    sampler: Sampler = "lhs",
    fixed: Mapping[str, float] | None = None,
) -> NDArray[np.float64]:
    """An ``n × len(variables)`` matrix of drawn values (columns in ``variables`` order).

    ``fixed`` pins variables by name to one value (within the variable's band) in every draw;
    the other columns are unchanged by pinning, so two sweeps that differ only in a pinned
    value compare draw by draw.
    """
    u = unit_sample(n, len(variables), seed=seed, sampler=sampler)
    values = np.column_stack([v.ppf(u[:, i]) for i, v in enumerate(variables)] or [np.zeros(n)])
    values = values[:, : len(variables)]
    names = [v.name for v in variables]
    for name, value in (fixed or {}).items():
        if name not in names:
            raise ValueError(f"fixed={name!r} is not a drawn variable; drawn: {', '.join(names)}")
        var = variables[names.index(name)]
        if not (math.isfinite(value) and var.lower <= value <= var.upper):
            raise ValueError(
                f"fixed {name}={value!r} is outside its band {var.lower:g}..{var.upper:g}"
            )
        values[:, names.index(name)] = value
    return values


def apply_draw(
    setup: Setup,
    variables: Sequence[Variable],
    values: Sequence[float] | NDArray[np.float64],
    system_of: Mapping[str, str],
) -> Setup:
    """The setup of one draw: ``setup`` (nominal) with each variable's value put in its targets.

    Parameters
    ----------
    setup
        The nominal setup of the state (``options.estimate == "nominal"``).
    variables, values
        The drawn variables and one value each.
    system_of
        Deployment id → system id for every deployed radar and interceptor.
    """
    by_param: dict[tuple[str, str], float] = {}
    other: dict[str, float] = {}
    for var, value in zip(variables, values, strict=True):
        for t in var.targets:
            if t.table == "parameters.csv":
                by_param[(t.system_id, t.parameter)] = float(value)
            else:
                other[t.parameter] = float(value)

    def radar(spec: radar_mod.RadarSpec, system_id: str) -> radar_mod.RadarSpec:
        changes: dict[str, float] = {}
        if (system_id, "range_km") in by_param:
            changes["range_m"] = by_param[(system_id, "range_km")] * 1000.0
        if (system_id, "azimuth_fov_deg") in by_param:
            changes["fov_deg"] = by_param[(system_id, "azimuth_fov_deg")]
        if (system_id, "min_elevation_deg") in by_param:
            changes["min_elevation_deg"] = by_param[(system_id, "min_elevation_deg")]
        return replace(spec, **changes) if changes else spec

    radars = tuple(
        radar(spec, system_of[rid]) for rid, spec in zip(setup.radar_ids, setup.radars, strict=True)
    )
    # A site's own radar is one of the deployed radars (same site, same year): map it by value.
    new_radar = dict(zip(setup.radars, radars, strict=True))

    def site(s: InterceptorSite) -> InterceptorSite:
        sid = system_of[s.key]
        v = by_param.get((sid, "burnout_velocity_kmps"))
        floor = by_param.get((sid, "min_intercept_alt_km"))
        ceiling = by_param.get((sid, "max_intercept_alt_km"))
        beta = by_param.get((sid, "ballistic_coefficient_kgpm2"))
        reach = by_param.get((sid, "nominal_range_km"))
        burn = by_param.get((sid, "burn_time_s"))
        flyout = s.flyout
        if flyout is not None:
            fchanges: dict[str, object] = {}
            if burn is not None:
                # Each stage keeps its share of the drawn total (data/distributions.csv).
                scale = burn / flyout.burn_time_s
                fchanges["stage_burn_times_s"] = tuple(t * scale for t in flyout.stage_burn_times_s)
            if v is not None:
                fchanges["burnout_speed_mps"] = v * 1000.0
            if floor is not None:
                fchanges["min_intercept_alt_m"] = floor * 1000.0
            if beta is not None:
                fchanges["ballistic_coefficient_kgpm2"] = beta
            flyout = replace(flyout, **fchanges) if fchanges else flyout  # type: ignore[arg-type]
        return replace(
            s,
            burnout_speed_mps=s.burnout_speed_mps if v is None else v * 1000.0,
            burn_time_s=s.burn_time_s if burn is None else burn,
            min_alt_m=s.min_alt_m if floor is None else floor * 1000.0,
            max_alt_m=s.max_alt_m if ceiling is None else ceiling * 1000.0,
            max_reach_m=s.max_reach_m if reach is None or s.max_reach_m is None else reach * 1000.0,
            own_radar=None if s.own_radar is None else new_radar.get(s.own_radar, s.own_radar),
            flyout=flyout,
        )

    a = setup.assumptions
    a_changes: dict[str, object] = {}
    if "delay_s" in other:
        a_changes["delay_s"] = other["delay_s"]
    if "sls_interval_s" in other:
        a_changes["sls_interval_s"] = other["sls_interval_s"]
    ra = a.radar
    if "rv_rcs_m2" in other:
        ra = replace(ra, target_rcs_m2=other["rv_rcs_m2"])
    if "booster_rcs_m2" in other and ra.booster_rcs_m2 is not None:
        ra = replace(ra, booster_rcs_m2=other["booster_rcs_m2"])
    if ra != a.radar:
        a_changes["radar"] = ra
    if a.cue_time_s is not None and "satellite_cue_s" in other:
        a_changes["cue_time_s"] = other["satellite_cue_s"]
    # Any cue in force makes the factor matter (scenario.resolve sets it).
    if setup.cue_sources and "cued_range_factor" in other:
        a_changes["cued_range_factor"] = other["cued_range_factor"]
    warning = setup.warning_radars
    if "ew_reference_rcs_m2" in other:
        warning = tuple(replace(w, reference_rcs_m2=other["ew_reference_rcs_m2"]) for w in warning)
    if "ew_min_elevation_deg" in other:
        mask = other["ew_min_elevation_deg"]
        warning = tuple(replace(w, min_elevation_deg=mask) for w in warning)
    return replace(
        setup,
        radars=radars,
        sites=tuple(site(s) for s in setup.sites),
        warning_radars=warning,
        assumptions=replace(a, **a_changes) if a_changes else a,  # type: ignore[arg-type]
    )


def system_map(catalogue: Catalogue, setup: Setup) -> dict[str, str]:
    """Deployment id → system id of the state's deployments (for :func:`apply_draw`)."""
    deps = deployed_for(catalogue, setup.options)
    return {str(d): str(s) for d, s in zip(deps.deployment_id, deps.system_id, strict=True)}
