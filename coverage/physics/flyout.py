"""Interceptor fly-out from a point-mass integration: where and when an interceptor can be.

Model (the "better fidelity" step of fact sheet §5.4), in SI units throughout:

* **Frame.** A 2-D point mass in the vertical plane through the launch point and the target, on a
  spherical, non-rotating Earth of radius ``EARTH_RADIUS_M`` with inverse-square gravity
  (``MU_EARTH_M3PS2``). Launch is from sea level. Earth rotation (up to ~0.46 km/s of free
  eastward speed at the equator, less at European latitudes) is ignored; so is oblateness.
* **Boost.** A stack of stages fired back to back (no coast between stages). Stage *i* burns for
  ``stage_burn_times_s[i]`` with a constant thrust acceleration chosen so that, with no gravity and
  no drag, it would add ``stage_dv_fractions[i] · burnout_speed_mps``: the quoted burnout speed is
  used as the loss-free (ideal) velocity increment of the whole boost. Gravity and drag losses
  are *computed* by the integration, so the speed actually reached at burnout is lower and
  depends on the launch elevation (a vertical shot loses about g·t_b). Constant acceleration per
  stage stands in for the rising acceleration of a real motor as its mass drops. As a
  sensitivity case, ``speed_basis="achieved"`` reads the quoted speed as the one reached after
  losses on a reference shot (45° by default) and scales the thrust to match.
* **Steering.** The thrust keeps a fixed direction in the launch frame, at the launch elevation
  angle above the launch point's horizontal, for the whole boost; no gravity turn, no pitch
  program, no vertical-launch transient (the missile is assumed to leave the launcher already
  at its elevation, which flatters low angles slightly). In uniform gravity without drag a fixed
  thrust direction is the optimum for putting the most speed along a chosen direction, so a fan
  of fixed attitudes is a fair stand-in for the interceptor's steering choices. A fan of
  elevation angles (``min_elevation_deg`` to 90° in ``elevation_step_deg`` steps) spans the
  reachable region; shots below about 20° cannot out-climb gravity and drag within a 60 s burn,
  so far, low points are reached on the falling branches of steeper shots.
* **Atmosphere.** Drag on the whole flight from an exponential atmosphere, ρ = ρ0·exp(−h/H) with
  ρ0 = 1.225 kg/m³ and H = 7.2 km (a fit to the US Standard Atmosphere 1976 between about 30 and
  80 km; it under-states the density near 10 km by about a quarter), and a constant ballistic
  coefficient β = m/(C_D·A) for the stack (mass loss ignored). Drag deceleration is ρ·v²/(2β). It
  matters only in the first tens of kilometres; ``ballistic_coefficient_kgpm2=inf`` switches it
  off.
* **Coast.** After burnout the kill vehicle coasts ballistically (gravity and the same drag
  law); its divert capability is not modelled.

The integrator is a fixed-step classical Runge-Kutta (RK4) run on the whole fan at once (numpy
arrays over elevation angles), with step boundaries on every stage burnout; ``tests/test_flyout.py``
checks it against :func:`scipy.integrate.solve_ivp` (DOP853).

**Reachability table.** Every cell of the fan between neighbouring elevation angles and
consecutive samples (about every ``raster_step_s``) is split into two triangles in the
(ground range, altitude) plane; each grid point inside a triangle gets the time interpolated
linearly from its corners, and keeps the minimum over all triangles: the earliest time. Points
covered by no triangle are unreachable (``nan``), so gaps at the fan's edge count as unreachable
(conservative). :func:`earliest_time_s` interpolates the grid bilinearly and needs every
surrounding grid point reachable. Checked against independent ``solve_ivp`` trajectories
(``tests/test_flyout.py``): on climbing branches within 0.5 s; near the apex and near the fold of
the fan (its outer envelope, where two branches meet and the earliest time has a square-root
profile) the 10 km grid errs late by up to ~5 s (never early by more than 0.5 s in the checks).
The table gives the *earliest* time the interceptor can be at a point; like the fact-sheet reach
model, the engagement treats any later time as feasible too (the interceptor can waste energy by
lofting or dog-legging).

Ground range is the arc length on the sea-level sphere, R_E·φ, from the launch point; altitude is
above that sphere.
"""

from __future__ import annotations

import functools
import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coverage.physics.arraystore import ArrayStore
from coverage.physics.ballistics import MU_EARTH_M3PS2
from coverage.physics.checks import check_range
from coverage.physics.geodesy import EARTH_RADIUS_M

__all__ = [
    "AIR_DENSITY_SEA_LEVEL_KGPM3",
    "ATMOSPHERE_SCALE_HEIGHT_M",
    "FlyoutFan",
    "FlyoutSpec",
    "FlyoutTable",
    "QuotedFigures",
    "SPEED_BASES",
    "SpeedBasis",
    "TABLES_IN_MEMORY",
    "TableStore",
    "clear_table_cache",
    "earliest_time_s",
    "padded_time_s",
    "reach_within_m",
    "flyout_fan",
    "flyout_spec",
    "flyout_spec_from_parameters",
    "flyout_summary",
    "flyout_table",
    "floor_crossing",
    "impulsive_vertical_ceiling_m",
    "thrust_scale",
    "trajectory",
]

#: Sea-level air density of the exponential atmosphere, kg/m³ (US Standard Atmosphere 1976).
AIR_DENSITY_SEA_LEVEL_KGPM3 = 1.225
#: Scale height of the exponential atmosphere, m (fit to the 1976 standard, ~30-80 km).
ATMOSPHERE_SCALE_HEIGHT_M = 7_200.0
_MAX_STAGES = 4

SpeedBasis = Literal["ideal", "achieved"]
SPEED_BASES: tuple[SpeedBasis, ...] = ("ideal", "achieved")


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class FlyoutSpec:
    """An interceptor's boost, atmosphere and fan/grid choices (hashable: used as a cache key).

    Attributes
    ----------
    burnout_speed_mps
        Quoted burnout speed, m/s (100 to 11,000), used as the ideal (loss-free) velocity
        increment of the whole boost; the speed reached is lower by the computed losses.
    stage_burn_times_s
        Burn time of each stage in firing order, s (1 to 4 stages; each 0.1 to 600 s).
    stage_dv_fractions
        Share of ``burnout_speed_mps`` each stage adds, same length as the burn times; each in
        (0, 1], summing to 1 (within 1e-6).
    ballistic_coefficient_kgpm2
        β = m/(C_D·A) of the stack, kg/m² (100 to 1e7), or ``math.inf`` for no drag.
    min_intercept_alt_m
        Lowest usable intercept altitude of the exo-atmospheric kill vehicle, m (0 to 1,000 km).
    min_elevation_deg, elevation_step_deg
        The fan of launch elevation angles: from ``min_elevation_deg`` (0.5 to 45) up to 90 in
        steps of ``elevation_step_deg`` (0.05 to 5).
    max_time_s
        Fly-out time covered by the table, s (10 to 7,200; default 1,800).
    boost_step_s, coast_step_s
        Integration steps during the boost (0.01 to 2 s; shortened to end on each burnout) and
        the coast (0.01 to 5 s).
    range_step_m, altitude_step_m
        Grid spacing of the reachability table, m (1 to 100 km).
    raster_step_s
        Spacing of the trajectory samples used to fill the table, s (0.01 to 30; default 4):
        time is interpolated linearly between them (the arc between samples is nearly straight).
    speed_basis
        How ``burnout_speed_mps`` is read. ``"ideal"`` (default): it is the loss-free velocity
        increment of the boost, and the speed reached is lower by the computed losses.
        ``"achieved"``: it is the speed actually reached at burnout on the shot at
        ``reference_elevation_deg``; every stage's thrust is scaled by one factor (solved by
        the secant method) so that it is. A sensitivity case for sources that quote a burnout
        speed after losses.
    reference_elevation_deg
        Elevation of the reference shot for ``speed_basis="achieved"``, degrees (1 to 90;
        default 45).
    """

    burnout_speed_mps: float
    stage_burn_times_s: tuple[float, ...]
    stage_dv_fractions: tuple[float, ...]
    ballistic_coefficient_kgpm2: float = math.inf
    min_intercept_alt_m: float = 80_000.0
    min_elevation_deg: float = 2.0
    elevation_step_deg: float = 0.5
    max_time_s: float = 1_800.0
    boost_step_s: float = 0.5
    coast_step_s: float = 2.0
    range_step_m: float = 10_000.0
    altitude_step_m: float = 10_000.0
    raster_step_s: float = 4.0
    speed_basis: SpeedBasis = "ideal"
    reference_elevation_deg: float = 45.0

    def __post_init__(self) -> None:
        check_range("FlyoutSpec.burnout_speed_mps", self.burnout_speed_mps, 100.0, 11_000.0, " m/s")
        times, fracs = self.stage_burn_times_s, self.stage_dv_fractions
        if not isinstance(times, tuple) or not 1 <= len(times) <= _MAX_STAGES:
            raise ValueError(
                f"FlyoutSpec.stage_burn_times_s={times!r} must be a tuple of 1..{_MAX_STAGES} "
                "burn times"
            )
        if not isinstance(fracs, tuple) or len(fracs) != len(times):
            raise ValueError(
                f"FlyoutSpec.stage_dv_fractions={fracs!r} must be a tuple with one share per "
                f"stage ({len(times)})"
            )
        for i, (t, f) in enumerate(zip(times, fracs, strict=True)):
            check_range(f"FlyoutSpec.stage_burn_times_s[{i}]", t, 0.1, 600.0, " s")
            check_range(f"FlyoutSpec.stage_dv_fractions[{i}]", f, 1e-6, 1.0)
        if abs(sum(fracs) - 1.0) > 1e-6:
            raise ValueError(
                f"FlyoutSpec.stage_dv_fractions={fracs!r} sum to {sum(fracs):.9g}; allowed: 1"
            )
        beta = self.ballistic_coefficient_kgpm2
        if beta != math.inf:
            check_range(
                "FlyoutSpec.ballistic_coefficient_kgpm2", beta, 100.0, 1e7, " kg/m² (or inf)"
            )
        check_range(
            "FlyoutSpec.min_intercept_alt_m", self.min_intercept_alt_m, 0.0, 1_000_000.0, " m"
        )
        check_range("FlyoutSpec.min_elevation_deg", self.min_elevation_deg, 0.5, 45.0, " degrees")
        check_range("FlyoutSpec.elevation_step_deg", self.elevation_step_deg, 0.05, 5.0, " degrees")
        check_range("FlyoutSpec.max_time_s", self.max_time_s, 10.0, 7_200.0, " s")
        check_range("FlyoutSpec.boost_step_s", self.boost_step_s, 0.01, 2.0, " s")
        check_range("FlyoutSpec.coast_step_s", self.coast_step_s, 0.01, 5.0, " s")
        check_range("FlyoutSpec.range_step_m", self.range_step_m, 1_000.0, 100_000.0, " m")
        check_range("FlyoutSpec.altitude_step_m", self.altitude_step_m, 1_000.0, 100_000.0, " m")
        check_range("FlyoutSpec.raster_step_s", self.raster_step_s, 0.01, 30.0, " s")
        if self.speed_basis not in SPEED_BASES:
            raise ValueError(
                f"FlyoutSpec.speed_basis={self.speed_basis!r} is not one of {SPEED_BASES}"
            )
        check_range(
            "FlyoutSpec.reference_elevation_deg",
            self.reference_elevation_deg,
            1.0,
            90.0,
            " degrees",
        )

    @property
    def burn_time_s(self) -> float:
        """Total burn time of all stages, s."""
        return float(sum(self.stage_burn_times_s))

    @property
    def stage_accelerations_mps2(self) -> tuple[float, ...]:
        """Constant thrust acceleration of each stage, m/s² (ideal Δv share over burn time)."""
        return tuple(
            f * self.burnout_speed_mps / t
            for t, f in zip(self.stage_burn_times_s, self.stage_dv_fractions, strict=True)
        )

    def elevations_deg(self) -> NDArray[np.float64]:
        """The fan's launch elevation angles, degrees, ascending, always ending at 90."""
        n = math.ceil((90.0 - self.min_elevation_deg) / self.elevation_step_deg - 1e-9)
        return np.linspace(self.min_elevation_deg, 90.0, n + 1)


def flyout_spec(
    *,
    burnout_velocity_kmps: float,
    stage_burn_times_s: tuple[float, ...],
    stage_dv_fractions: tuple[float, ...],
    ballistic_coefficient_kgpm2: float,
    min_intercept_alt_km: float,
    total_burn_time_s: float | None = None,
    **options: Any,
) -> FlyoutSpec:
    """Build a :class:`FlyoutSpec` from parameter values in the catalogue's units.

    Parameters
    ----------
    burnout_velocity_kmps
        Quoted burnout speed, km/s (``burnout_velocity_kmps`` row).
    stage_burn_times_s, stage_dv_fractions
        Per-stage burn times (s) and ideal-Δv shares, in firing order.
    ballistic_coefficient_kgpm2
        β of the stack, kg/m².
    min_intercept_alt_km
        Kill vehicle's lowest intercept altitude, km.
    total_burn_time_s
        If given (the ``burn_time_s`` row), the stage burn times must add up to it (within 1 ms);
        otherwise ``ValueError``.
    **options
        Further keyword fields of :class:`FlyoutSpec` (fan, grid, steps).
    """
    times = tuple(float(t) for t in stage_burn_times_s)
    if total_burn_time_s is not None and abs(sum(times) - total_burn_time_s) > 1e-3:
        raise ValueError(
            f"stage_burn_times_s={times!r} add up to {sum(times):g} s but "
            f"total_burn_time_s={total_burn_time_s!r}; they must agree"
        )
    return FlyoutSpec(
        burnout_speed_mps=float(burnout_velocity_kmps) * 1000.0,
        stage_burn_times_s=times,
        stage_dv_fractions=tuple(float(f) for f in stage_dv_fractions),
        ballistic_coefficient_kgpm2=float(ballistic_coefficient_kgpm2),
        min_intercept_alt_m=float(min_intercept_alt_km) * 1000.0,
        **options,
    )


def flyout_spec_from_parameters(values: Mapping[str, float], **options: Any) -> FlyoutSpec:
    """Build a :class:`FlyoutSpec` from one system's parameter values, keyed by parameter name.

    ``values`` maps the parameters.csv names of one interceptor in one estimate to plain
    floats: ``burnout_velocity_kmps``, ``burn_time_s``, ``stage_count``,
    ``stage<i>_burn_time_s`` and ``stage<i>_dv_fraction`` for i = 1..stage_count,
    ``ballistic_coefficient_kgpm2`` and ``min_intercept_alt_km``. Other keys are ignored.
    A missing name raises ``KeyError`` naming it; ``options`` go to :class:`FlyoutSpec`.
    """

    def get(name: str) -> float:
        try:
            return float(values[name])
        except KeyError:
            raise KeyError(f"fly-out parameter {name!r} is missing") from None

    count = get("stage_count")
    if count != int(count) or not 1 <= count <= _MAX_STAGES:
        raise ValueError(f"stage_count={count!r} is outside the allowed range 1..{_MAX_STAGES}")
    stages = range(1, int(count) + 1)
    return flyout_spec(
        burnout_velocity_kmps=get("burnout_velocity_kmps"),
        stage_burn_times_s=tuple(get(f"stage{i}_burn_time_s") for i in stages),
        stage_dv_fractions=tuple(get(f"stage{i}_dv_fraction") for i in stages),
        ballistic_coefficient_kgpm2=get("ballistic_coefficient_kgpm2"),
        min_intercept_alt_km=get("min_intercept_alt_km"),
        total_burn_time_s=get("burn_time_s"),
        **options,
    )


# --------------------------------------------------------------------------- integration


def _time_steps(spec: FlyoutSpec, scale: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Step sizes and the thrust acceleration during each step (0 in the coast)."""
    steps: list[NDArray[np.float64]] = []
    accel: list[NDArray[np.float64]] = []
    for t_burn, a in zip(spec.stage_burn_times_s, spec.stage_accelerations_mps2, strict=True):
        n = max(1, math.ceil(t_burn / spec.boost_step_s - 1e-9))
        steps.append(np.full(n, t_burn / n))
        accel.append(np.full(n, a * scale))
    coast = max(0.0, spec.max_time_s - spec.burn_time_s)
    n = math.ceil(coast / spec.coast_step_s - 1e-9)
    if n > 0:
        steps.append(np.full(n, coast / n))
        accel.append(np.zeros(n))
    return np.concatenate(steps), np.concatenate(accel)


#: Above this altitude the drag of the exponential atmosphere is below 1e-5 m/s² for any speed
#: and ballistic coefficient the spec allows; the integrator skips it.
_DRAG_CEILING_M = 200_000.0


def _rhs(
    state: NDArray[np.float64],
    thrust_mps2: float,
    cos_el: NDArray[np.float64],
    sin_el: NDArray[np.float64],
    inv_two_beta: float,
) -> NDArray[np.float64]:
    """Time derivative of the (4, n) state [x, y, vx, vy] in the Earth-centred launch plane."""
    x, y, vx, vy = state
    r2 = x * x + y * y
    r = np.sqrt(r2)
    g = -MU_EARTH_M3PS2 / (r2 * r)
    out = np.empty_like(state)
    out[0], out[1] = vx, vy
    out[2] = g * x + thrust_mps2 * cos_el
    out[3] = g * y + thrust_mps2 * sin_el
    if inv_two_beta > 0.0 and r.size and r.min() < EARTH_RADIUS_M + _DRAG_CEILING_M:
        rho = AIR_DENSITY_SEA_LEVEL_KGPM3 * np.exp(
            np.minimum(-(r - EARTH_RADIUS_M) / ATMOSPHERE_SCALE_HEIGHT_M, 50.0)
        )
        k = rho * np.sqrt(vx * vx + vy * vy) * inv_two_beta
        out[2] -= k * vx
        out[3] -= k * vy
    return out


@dataclass(frozen=True, eq=False)
class FlyoutFan:
    """The fan of fly-out trajectories (arrays are read-only).

    Shapes: N elevation angles, K time samples (shared by all angles). Samples after a
    trajectory's first point below the ground are ``nan``.

    Attributes
    ----------
    elevation_deg
        ``(N,)`` launch elevation angles, degrees.
    time_s
        ``(K,)`` time since launch, s.
    ground_range_m, altitude_m, speed_mps
        ``(N, K)`` position and speed along each trajectory.
    burnout_index
        Index into ``time_s`` of the end of the boost.
    """

    elevation_deg: NDArray[np.float64]
    time_s: NDArray[np.float64]
    ground_range_m: NDArray[np.float64]
    altitude_m: NDArray[np.float64]
    speed_mps: NDArray[np.float64]
    burnout_index: int

    def __post_init__(self) -> None:
        for name in ("elevation_deg", "time_s", "ground_range_m", "altitude_m", "speed_mps"):
            getattr(self, name).flags.writeable = False


def _integrate(
    spec: FlyoutSpec, elevation_deg: NDArray[np.float64], scale: float | None = None
) -> FlyoutFan:
    """Fixed-step RK4 of every elevation angle at once (thrust times ``scale``)."""
    if scale is None:
        scale = thrust_scale(spec)
    el = np.radians(np.asarray(elevation_deg, float))
    cos_el, sin_el = np.cos(el), np.sin(el)
    beta = spec.ballistic_coefficient_kgpm2
    inv_two_beta = 0.0 if beta == math.inf else 0.5 / beta
    dts, accs = _time_steps(spec, scale)
    n, k_max = el.size, dts.size + 1
    xs = np.full((k_max, n), np.nan)
    ys = np.full((k_max, n), np.nan)
    vs = np.full((k_max, n), np.nan)
    state = np.zeros((4, n))
    state[1] = EARTH_RADIUS_M
    xs[0], ys[0], vs[0] = 0.0, EARTH_RADIUS_M, 0.0
    alive = np.arange(n)  # integrate only trajectories still above the ground
    k = 0
    for k in range(1, k_max):
        dt, a = dts[k - 1], accs[k - 1]
        c, s_ = cos_el[alive], sin_el[alive]
        k1 = _rhs(state, a, c, s_, inv_two_beta)
        k2 = _rhs(state + 0.5 * dt * k1, a, c, s_, inv_two_beta)
        k3 = _rhs(state + 0.5 * dt * k2, a, c, s_, inv_two_beta)
        k4 = _rhs(state + dt * k3, a, c, s_, inv_two_beta)
        state = state + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        xs[k, alive] = state[0]
        ys[k, alive] = state[1]
        vs[k, alive] = np.hypot(state[2], state[3])
        # A trajectory ends at its first sample below the ground (kept, for the crossing there).
        up = np.hypot(state[0], state[1]) >= EARTH_RADIUS_M
        if not up.all():
            alive, state = alive[up], state[:, up]
        if alive.size == 0:
            break
    k_end = k + 1
    time_s = np.concatenate(([0.0], np.cumsum(dts)))[:k_end]
    x, y = xs[:k_end].T, ys[:k_end].T
    ground = EARTH_RADIUS_M * np.arctan2(x, y)
    alt = np.hypot(x, y) - EARTH_RADIUS_M
    return FlyoutFan(
        elevation_deg=np.degrees(el),
        time_s=time_s,
        ground_range_m=ground,
        altitude_m=alt,
        speed_mps=vs[:k_end].T.copy(),
        burnout_index=int(
            sum(max(1, math.ceil(t / spec.boost_step_s - 1e-9)) for t in spec.stage_burn_times_s)
        ),
    )


@functools.lru_cache(maxsize=64)
def thrust_scale(spec: FlyoutSpec) -> float:
    """Factor on every stage's thrust acceleration: 1 for ``speed_basis="ideal"``.

    For ``"achieved"``, the factor that makes the speed at burnout of the shot at
    ``spec.reference_elevation_deg`` equal ``spec.burnout_speed_mps`` (secant method, to 0.01
    m/s). ``ValueError`` if that needs a loss-free increment above 15 km/s or does not converge.
    """
    if spec.speed_basis == "ideal":
        return 1.0
    boost = replace(spec, max_time_s=max(spec.burn_time_s, 10.0))
    el = np.array([spec.reference_elevation_deg])

    def miss(scale: float) -> float:
        fan = _integrate(boost, el, scale)
        return float(fan.speed_mps[0, fan.burnout_index]) - spec.burnout_speed_mps

    s0, s1 = 1.0, 1.1
    f0, f1 = miss(s0), miss(s1)
    for _ in range(30):
        if abs(f1) < 0.01:
            return s1
        if f1 == f0 or s1 * spec.burnout_speed_mps > 15_000.0:
            break
        s0, s1, f0 = s1, s1 - f1 * (s1 - s0) / (f1 - f0), f1
        f1 = miss(s1)
    raise ValueError(
        f"FlyoutSpec.burnout_speed_mps={spec.burnout_speed_mps!r} cannot be reached at burnout "
        f"at {spec.reference_elevation_deg:g} degrees with these stages and drag"
    )


@functools.lru_cache(maxsize=64)
def flyout_fan(spec: FlyoutSpec) -> FlyoutFan:
    """The fan of trajectories of ``spec`` (cached per spec).

    Each trajectory runs to its first sample below the ground or to ``spec.max_time_s``.
    """
    return _integrate(spec, spec.elevations_deg())


def trajectory(spec: FlyoutSpec, elevation_deg: float) -> FlyoutFan:
    """One fly-out trajectory at ``elevation_deg`` (0.5 to 90 degrees), as a fan of one."""
    check_range("elevation_deg", elevation_deg, 0.5, 90.0, " degrees")
    return _integrate(spec, np.array([float(elevation_deg)]))


def impulsive_vertical_ceiling_m(burnout_speed_mps: float) -> float:
    """Apogee altitude of a vertical shot given ``burnout_speed_mps`` at the surface, m.

    Energy conservation in the inverse-square field: h = r0·v²/(2μ/r0 − v²). Infinite at or above
    escape speed.
    """
    r0, v2 = EARTH_RADIUS_M, float(burnout_speed_mps) ** 2
    denom = 2.0 * MU_EARTH_M3PS2 / r0 - v2
    return math.inf if denom <= 0.0 else r0 * v2 / denom


# --------------------------------------------------------------------------- reachability table


@dataclass(frozen=True, eq=False)
class FlyoutTable:
    """Earliest time an interceptor can be at each (ground range, altitude) grid point.

    Arrays are read-only. ``time_s`` is ``nan`` where the fan does not reach.

    Attributes
    ----------
    spec
        The spec the table was built from.
    ground_range_m
        ``(R,)`` grid ground ranges from the launch point, m, from 0 in ``spec.range_step_m``.
    altitude_m
        ``(A,)`` grid altitudes, m, from 0 in ``spec.altitude_step_m``.
    time_s
        ``(A, R)`` earliest time after launch, s.
    envelope_range_m
        ``(A,)`` farthest ground range the fan reaches at each grid altitude, m (``nan`` above
        the ceiling): the outline of the fly-out fan, before gridding.
    max_altitude_m
        Highest altitude the fan reaches within ``spec.max_time_s`` (the vertical shot), m.
    """

    spec: FlyoutSpec
    ground_range_m: NDArray[np.float64]
    altitude_m: NDArray[np.float64]
    time_s: NDArray[np.float64]
    envelope_range_m: NDArray[np.float64]
    max_altitude_m: float

    def __post_init__(self) -> None:
        for name in ("ground_range_m", "altitude_m", "time_s", "envelope_range_m"):
            getattr(self, name).flags.writeable = False

    @property
    def min_intercept_alt_m(self) -> float:
        """Lowest usable intercept altitude (the spec's kill-vehicle floor), m."""
        return self.spec.min_intercept_alt_m

    @property
    def max_intercept_alt_m(self) -> float:
        """Highest usable intercept altitude: the fan's ceiling (the vertical shot's apex), m."""
        return self.max_altitude_m

    def max_ground_range_m(self, altitude_m: float) -> float:
        """Farthest reachable ground range at ``altitude_m`` (linear between grid rows), m."""
        env = np.where(np.isfinite(self.envelope_range_m), self.envelope_range_m, -1.0)
        r = float(np.interp(altitude_m, self.altitude_m, env, left=math.nan, right=math.nan))
        return math.nan if not r >= 0.0 else r


def _branch_crossings(
    fan: FlyoutFan, levels_m: NDArray[np.float64]
) -> tuple[NDArray[np.float64], ...]:
    """Time and range where each trajectory crosses each level, climbing and falling.

    Returns ``(t_up, x_up, t_down, x_down)``, each ``(N, L)``, ``nan`` where there is no crossing.
    Crossings are linear between samples.
    """
    n, m = fan.elevation_deg.size, levels_m.size
    out = [np.full((n, m), np.nan) for _ in range(4)]
    for i in range(n):
        h = fan.altitude_m[i]
        last = int(np.flatnonzero(np.isfinite(h))[-1])
        h, x, t = h[: last + 1], fan.ground_range_m[i, : last + 1], fan.time_s[: last + 1]
        apex = int(np.argmax(h))
        for j, (hh, xx, tt) in enumerate(
            (
                (h[: apex + 1], x[: apex + 1], t[: apex + 1]),
                (h[apex:][::-1], x[apex:][::-1], t[apex:][::-1]),
            )
        ):
            # Keep the part that rises strictly (a trajectory that first dips below the launch
            # level has crashed; an empty branch crosses nothing).
            bad = np.flatnonzero(np.diff(hh) <= 0.0)
            end = int(bad[0]) + 1 if bad.size else hh.size
            hh, xx, tt = hh[:end], xx[:end], tt[:end]
            if hh.size < 2:
                continue
            inside = (levels_m >= hh[0]) & (levels_m <= hh[-1])
            out[2 * j][i, inside] = np.interp(levels_m[inside], hh, tt)
            out[2 * j + 1][i, inside] = np.interp(levels_m[inside], hh, xx)
    return tuple(out)


def _raster_samples(
    time_s: NDArray[np.float64], burnout_index: int, raster_step_s: float
) -> NDArray[np.int64]:
    """Sample indices used for the table: about every ``raster_step_s`` (burnout and ends kept)."""
    picked, last = [0], 0.0
    for k in range(1, time_s.size):
        if time_s[k] - last >= raster_step_s - 1e-9 or k in (burnout_index, time_s.size - 1):
            picked.append(k)
            last = time_s[k]
    return np.asarray(picked, np.int64)


def _rasterise(
    fan: FlyoutFan,
    range_step_m: float,
    altitude_step_m: float,
    shape: tuple[int, int],
    raster_step_s: float,
) -> NDArray[np.float64]:
    """Earliest time on the grid from the fan's (angle, time) cells, ``shape`` = (A, R).

    Each cell between neighbouring angles and consecutive samples is split into two triangles in
    the (ground range, altitude) plane; grid points inside a triangle get the time interpolated
    linearly (barycentric) from its corners, and each grid point keeps the minimum.
    """
    n_alt, n_range = shape
    keep = _raster_samples(fan.time_s, fan.burnout_index, raster_step_s)
    u = fan.ground_range_m[:, keep] / range_step_m
    w = fan.altitude_m[:, keep] / altitude_step_m
    t = np.broadcast_to(fan.time_s[keep], u.shape)
    tris = []
    for a, b, c in (
        ((0, 0), (1, 0), (1, 1)),
        ((0, 0), (1, 1), (0, 1)),
    ):
        corners = []
        for di, dk in (a, b, c):
            sl = (slice(di, u.shape[0] - 1 + di), slice(dk, u.shape[1] - 1 + dk))
            corners.append((u[sl].ravel(), w[sl].ravel(), t[sl].ravel()))
        tris.append(corners)
    (ua, wa, ta), (ub, wb, tb), (uc, wc, tc) = (
        tuple(np.concatenate((p[q], r[q])) for q in range(3)) for p, r in zip(*tris, strict=True)
    )
    area = (ub - ua) * (wc - wa) - (uc - ua) * (wb - wa)
    ok = np.isfinite(area) & (np.abs(area) > 1e-12)
    ua, wa, ta, ub, wb, tb, uc, wc, tc, area = (
        v[ok] for v in (ua, wa, ta, ub, wb, tb, uc, wc, tc, area)
    )
    i0 = np.maximum(np.ceil(np.minimum(np.minimum(ua, ub), uc) - 1e-9), 0).astype(np.int64)
    i1 = np.minimum(np.floor(np.maximum(np.maximum(ua, ub), uc) + 1e-9), n_range - 1)
    j0 = np.maximum(np.ceil(np.minimum(np.minimum(wa, wb), wc) - 1e-9), 0).astype(np.int64)
    j1 = np.minimum(np.floor(np.maximum(np.maximum(wa, wb), wc) + 1e-9), n_alt - 1)
    ni = np.maximum(i1.astype(np.int64) - i0 + 1, 0)
    nj = np.maximum(j1.astype(np.int64) - j0 + 1, 0)
    count = ni * nj
    tri = np.repeat(np.arange(count.size), count)
    local = np.arange(tri.size) - (np.cumsum(count) - count)[tri]
    col = i0[tri] + local % ni[tri]
    row = j0[tri] + local // ni[tri]
    # Barycentric weights of the grid point (col, row) in its triangle.
    du, dw = col - ua[tri], row - wa[tri]
    lb = (du * (wc[tri] - wa[tri]) - (uc[tri] - ua[tri]) * dw) / area[tri]
    lc = ((ub[tri] - ua[tri]) * dw - du * (wb[tri] - wa[tri])) / area[tri]
    la = 1.0 - lb - lc
    eps = -1e-9
    inside = (la >= eps) & (lb >= eps) & (lc >= eps)
    time = la * ta[tri] + lb * tb[tri] + lc * tc[tri]
    table = np.full(n_alt * n_range, np.inf)
    np.minimum.at(table, (row * n_range + col)[inside], time[inside])
    table[0] = 0.0  # the launch point itself
    return table.reshape(n_alt, n_range)


def _build_table(spec: FlyoutSpec) -> FlyoutTable:
    fan = flyout_fan(spec)
    max_alt = float(np.nanmax(fan.altitude_m))
    max_range = float(np.nanmax(np.where(fan.altitude_m >= 0.0, fan.ground_range_m, 0.0)))
    n_alt = math.floor(max_alt / spec.altitude_step_m) + 1
    n_range = math.floor(max_range / spec.range_step_m) + 1
    altitude = np.arange(n_alt, dtype=np.float64) * spec.altitude_step_m
    ground = np.arange(n_range, dtype=np.float64) * spec.range_step_m
    _, x_up, _, x_down = _branch_crossings(fan, altitude)
    time = _rasterise(
        fan, spec.range_step_m, spec.altitude_step_m, (n_alt, n_range), spec.raster_step_s
    )
    time[~np.isfinite(time)] = np.nan
    with np.errstate(all="ignore"):
        envelope = np.fmax(
            np.nanmax(x_up, axis=0, initial=-np.inf), np.nanmax(x_down, axis=0, initial=-np.inf)
        )
    envelope[~np.isfinite(envelope)] = np.nan
    return FlyoutTable(
        spec=spec,
        ground_range_m=ground,
        altitude_m=altitude,
        time_s=time,
        envelope_range_m=envelope,
        max_altitude_m=max_alt,
    )


#: Where reachability tables are kept between processes (a disk cache, in products).
TableStore = ArrayStore


#: Tables kept in this process's memory (a 10 km table is ~0.1-0.5 MB; they are few: one per
#: interceptor variant, estimate and speed reading asked). The engine's per-site records
#: (``engagement._window_site``) and :func:`_latest_start` hold references of their own.
TABLES_IN_MEMORY = 64
_TABLES: OrderedDict[FlyoutSpec, FlyoutTable] = OrderedDict()
#: Specs whose table is known to be in the store (loaded from it or saved to it): a process
#: uses one store (the disk cache), so a table kept in memory is saved there once.
_STORED: set[FlyoutSpec] = set()
#: One lock per spec being built, so that threads asking at once build it once.
_BUILDING: dict[FlyoutSpec, threading.Lock] = {}
_TABLES_LOCK = threading.Lock()


def flyout_table(spec: FlyoutSpec, *, store: TableStore | None = None) -> FlyoutTable:
    """The reachability table of ``spec``: built once per spec, then kept.

    In this process's memory (the :data:`TABLES_IN_MEMORY` most recently used), and with
    ``store`` also between processes: looked up there before it is built, saved there after
    (also when it was in memory but not yet in the store). A stored table holds exactly the
    arrays a fresh build gives (float64, keyed by the spec's every field, this module's source
    and the constants it uses), so the answer does not depend on where it came from. Threads
    asking for the same new spec at once wait for one build.
    """
    with _TABLES_LOCK:
        table = _TABLES.get(spec)
        if table is not None:
            _TABLES.move_to_end(spec)
        building = _BUILDING.setdefault(spec, threading.Lock()) if table is None else None
    if building is not None:
        with building:
            with _TABLES_LOCK:
                table = _TABLES.get(spec)  # built by another thread meanwhile?
            if table is None:
                table = _load_or_build(spec, store)
            with _TABLES_LOCK:
                _TABLES[spec] = table
                _TABLES.move_to_end(spec)
                while len(_TABLES) > TABLES_IN_MEMORY:
                    _TABLES.popitem(last=False)
                _BUILDING.pop(spec, None)
    assert table is not None
    if store is not None and spec not in _STORED:
        store.save(_table_key(spec), _table_arrays(table))  # kept in memory, not yet stored
        _STORED.add(spec)
    return table


def _load_or_build(spec: FlyoutSpec, store: TableStore | None) -> FlyoutTable:
    """The table from ``store``, else built (and saved there)."""
    if store is None:
        return _build_table(spec)
    key = _table_key(spec)
    table = _table_from_arrays(spec, store.load(key))
    if table is None:
        table = _build_table(spec)
        store.save(key, _table_arrays(table))
    _STORED.add(spec)
    return table


def clear_table_cache() -> None:
    """Forget the tables this module keeps in memory (a store is not touched).

    The fan (:func:`flyout_fan`), the thrust scale and the reach lookup are forgotten too; the
    engine's per-site records keep theirs (``engagement._window_site``).
    """
    with _TABLES_LOCK:
        _TABLES.clear()
        _STORED.clear()
    _latest_start.cache_clear()
    flyout_fan.cache_clear()
    thrust_scale.cache_clear()


@functools.cache
def _source_version() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _table_key(spec: FlyoutSpec) -> str:
    """A store key: every field of ``spec`` (exact float reprs), this module's source.

    And the constants it takes from other modules (gravity, the Earth's radius).
    """
    text = f"flyout-table\n{spec!r}\n{_source_version()}\n{MU_EARTH_M3PS2!r} {EARTH_RADIUS_M!r}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_TABLE_ARRAYS = ("ground_range_m", "altitude_m", "time_s", "envelope_range_m")


def _table_arrays(table: FlyoutTable) -> dict[str, NDArray[np.generic]]:
    arrays: dict[str, NDArray[np.generic]] = {name: getattr(table, name) for name in _TABLE_ARRAYS}
    arrays["max_altitude_m"] = np.array(table.max_altitude_m)
    return arrays


def _table_from_arrays(
    spec: FlyoutSpec, arrays: Mapping[str, NDArray[np.generic]] | None
) -> FlyoutTable | None:
    """A stored table, or ``None`` when missing or not of the shapes a table has (rebuilt)."""
    if arrays is None or any(k not in arrays for k in (*_TABLE_ARRAYS, "max_altitude_m")):
        return None
    ground, alt, time, env, top = (
        np.asarray(arrays[k], np.float64) for k in (*_TABLE_ARRAYS, "max_altitude_m")
    )
    if not (
        ground.ndim == alt.ndim == env.ndim == 1
        and time.shape == (alt.size, ground.size)
        and env.size == alt.size
        and top.shape == ()
    ):
        return None
    return FlyoutTable(
        spec=spec,
        ground_range_m=ground,
        altitude_m=alt,
        time_s=time,
        envelope_range_m=env,
        max_altitude_m=float(top),
    )


def earliest_time_s(
    table: FlyoutTable,
    ground_range_m: ArrayLike,
    altitude_m: ArrayLike,
    *,
    usable_only: bool = True,
) -> NDArray[np.float64]:
    """Earliest fly-out time to points, s, by bilinear interpolation of ``table``.

    Parameters
    ----------
    table
        From :func:`flyout_table`.
    ground_range_m, altitude_m
        Points (broadcast together), m, in the table's frame (from the launch point).
    usable_only
        If true (default), points below the kill vehicle's lowest intercept altitude are ``nan``.

    Returns
    -------
    ndarray
        Time after launch, s; ``nan`` where unreachable, outside the grid, or where any of the
        four surrounding grid points is unreachable (conservative at the fan's edge).
    """
    r, h = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(altitude_m, float))
    shape = r.shape
    fr = r.ravel() / table.spec.range_step_m
    fh = h.ravel() / table.spec.altitude_step_m
    na, nr = table.time_s.shape
    inside = (fr >= 0.0) & (fr <= nr - 1) & (fh >= 0.0) & (fh <= na - 1)
    if usable_only:
        inside &= h.ravel() >= table.min_intercept_alt_m
    fr = np.where(inside, fr, 0.0)
    fh = np.where(inside, fh, 0.0)
    i = fr.astype(np.intp)
    j = fh.astype(np.intp)
    u = fr - i
    w = fh - j
    flat = padded_time_s(table).ravel()
    k = j * (nr + 1) + i
    t00, t01, t10, t11 = flat[k], flat[k + 1], flat[k + nr + 1], flat[k + nr + 2]
    out = (t00 + u * (t01 - t00)) * (1.0 - w) + (t10 + u * (t11 - t10)) * w
    # On a grid line a zero-weight corner need not be reachable: redo those points (rare).
    redo = np.flatnonzero(inside & np.isnan(out) & ((u == 0.0) | (w == 0.0)))
    if redo.size:
        a, b, c, d = (x[redo] for x in (t00, t01, t10, t11))
        uu, ww = u[redo], w[redo]
        acc = np.zeros(redo.size)
        ok = np.ones(redo.size, bool)
        for weight, tt in (
            ((1 - uu) * (1 - ww), a),
            (uu * (1 - ww), b),
            ((1 - uu) * ww, c),
            (uu * ww, d),
        ):
            needed = weight > 0.0
            ok &= ~(needed & np.isnan(tt))
            acc += np.where(needed, weight * np.nan_to_num(tt), 0.0)
        out[redo] = np.where(ok, acc, np.nan)
    out[~inside] = np.nan
    return out.reshape(shape)


def padded_time_s(table: FlyoutTable) -> NDArray[np.float64]:
    """``table.time_s`` with one row and column of ``nan`` past its far edges (read-only).

    So the four corners of a bilinear lookup always exist. Built once per table.
    """
    cached = table.__dict__.get("_padded")
    if cached is None:
        na, nr = table.time_s.shape
        cached = np.full((na + 1, nr + 1), np.nan)
        cached[:na, :nr] = table.time_s
        cached.flags.writeable = False
        object.__setattr__(table, "_padded", cached)
    return cached


@functools.lru_cache(maxsize=64)
def _latest_start(spec: FlyoutSpec) -> NDArray[np.float64]:
    """``(A, R)``: the earliest time to any grid point at or beyond each range on its row.

    Non-decreasing along each row, so the farthest point reachable by a time is a binary search.
    """
    table = flyout_table(spec)
    times = np.where(np.isfinite(table.time_s), table.time_s, np.inf)
    out = np.minimum.accumulate(times[:, ::-1], axis=1)[:, ::-1]
    out.flags.writeable = False
    return out


def reach_within_m(
    table: FlyoutTable, altitude_m: ArrayLike, time_s: ArrayLike
) -> NDArray[np.float64]:
    """Farthest ground range the interceptor can be at, at ``altitude_m``, by ``time_s``, m.

    Read off the table's grid (range resolution ``spec.range_step_m``) and conservative in
    altitude: the smaller reach of the two grid rows around each altitude. ``-inf`` where no
    point at that altitude is reachable in time (or the altitude is outside the table).
    """
    h, tau = np.broadcast_arrays(np.asarray(altitude_m, float), np.asarray(time_s, float))
    shape = h.shape
    h, tau = h.ravel(), tau.ravel()
    latest = _latest_start(table.spec)
    n_alt = latest.shape[0]
    f = h / table.spec.altitude_step_m
    out = np.full(h.size, -np.inf)
    inside = np.isfinite(f) & (f >= 0.0) & (f <= n_alt - 1) & np.isfinite(tau)
    idx = np.flatnonzero(inside)
    lo = np.floor(f[idx]).astype(np.intp)
    hi = np.ceil(f[idx]).astype(np.intp)
    reach = np.full(idx.size, np.inf)
    for rows in (lo, hi):
        got = np.full(idx.size, -np.inf)
        for row in np.unique(rows):
            sel = np.flatnonzero(rows == row)
            count = np.searchsorted(latest[row], tau[idx[sel]], side="right")
            got[sel] = np.where(count > 0, (count - 1) * table.spec.range_step_m, -np.inf)
        reach = np.minimum(reach, got)
    out[idx] = reach
    return out.reshape(shape)


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class QuotedFigures:
    """Figures quoted by sources, shown next to the model's as checks (never used as inputs).

    Attributes
    ----------
    ground_range_km
        ``(low, high)`` quoted maximum range, km, or ``None``.
    max_altitude_km
        ``(low, high)`` quoted maximum intercept altitude, km, or ``None``.
    """

    ground_range_km: tuple[float, float] | None = None
    max_altitude_km: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for name in ("ground_range_km", "max_altitude_km"):
            pair = getattr(self, name)
            if pair is None:
                continue
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise ValueError(f"QuotedFigures.{name}={pair!r} must be a (low, high) pair")
            check_range(f"QuotedFigures.{name}[0]", pair[0], 0.0, 40_000.0, " km")
            check_range(f"QuotedFigures.{name}[1]", pair[1], pair[0], 40_000.0, " km")


def _check_entry(model: float, quoted: tuple[float, float] | None) -> dict[str, Any] | None:
    if quoted is None:
        return None
    lo, hi = quoted
    return {
        "model": _round(model),
        "quoted_low": lo,
        "quoted_high": hi,
        "within_quoted": bool(lo <= model <= hi),
    }


def _round(value: float, digits: int = 1) -> float | None:
    return None if not math.isfinite(value) else round(float(value), digits)


def floor_crossing(spec: FlyoutSpec, altitude_m: float) -> tuple[float, float, float]:
    """Farthest crossing of ``altitude_m`` by the fan: (ground range m, time s, elevation deg).

    ``nan`` values if no trajectory reaches that altitude.
    """
    fan = flyout_fan(spec)
    t_up, x_up, t_down, x_down = _branch_crossings(fan, np.array([float(altitude_m)]))
    x = np.concatenate((x_up[:, 0], x_down[:, 0]))
    t = np.concatenate((t_up[:, 0], t_down[:, 0]))
    if not np.isfinite(x).any():
        return math.nan, math.nan, math.nan
    k = int(np.nanargmax(x))
    return float(x[k]), float(t[k]), float(fan.elevation_deg[k % fan.elevation_deg.size])


def flyout_summary(spec: FlyoutSpec, *, quoted: QuotedFigures | None = None) -> dict[str, Any]:
    """Model figures of one interceptor (JSON-ready; km, km/s and s), with quoted checks.

    Parameters
    ----------
    spec
        The interceptor.
    quoted
        Figures from the sources to compare with (not inputs to the model).

    Returns
    -------
    dict
        ``burnout_speed_kmps`` (the input, read as ``burnout_speed_basis`` says),
        ``ideal_delta_v_kmps`` (the loss-free increment flown), ``achieved_burnout_speed_kmps``
        (vertical and 45° shots, after computed gravity and drag losses), ``burn_time_s``, stages, drag,
        ``max_altitude_km`` and ``time_to_max_altitude_s`` (vertical shot, within
        ``max_time_s``), ``impulsive_ceiling_km`` (the same speed given at the surface, no
        losses), ``min_intercept_altitude_km``, ``max_intercept_altitude_km`` (the fan's
        ceiling), ``max_ground_range_km`` with its time and elevation (at the lowest intercept
        altitude), ``checks`` against ``quoted``, ``envelope`` (the fan's outline: farthest
        ground range at each grid altitude), the grid steps and ``table``: every reachable
        grid point at or above the lowest intercept altitude as
        ``{ground_range_km, altitude_km, time_s}``.
    """
    fan, table = flyout_fan(spec), flyout_table(spec)
    b = fan.burnout_index
    i45 = int(np.argmin(np.abs(fan.elevation_deg - 45.0)))
    vertical = fan.altitude_m[-1]
    k_top = int(np.nanargmax(vertical))
    floor = spec.min_intercept_alt_m
    range_m, range_t, range_el = floor_crossing(spec, floor)
    rows, cols = np.nonzero(np.isfinite(table.time_s) & (table.altitude_m[:, None] >= floor))
    beta = spec.ballistic_coefficient_kgpm2
    quoted = quoted or QuotedFigures()
    return {
        "burnout_speed_kmps": spec.burnout_speed_mps / 1000.0,
        "burnout_speed_basis": spec.speed_basis,
        "ideal_delta_v_kmps": _round(thrust_scale(spec) * spec.burnout_speed_mps / 1000.0, 3),
        "achieved_burnout_speed_kmps": {
            "vertical": _round(fan.speed_mps[-1, b] / 1000.0, 3),
            "elevation_45deg": _round(fan.speed_mps[i45, b] / 1000.0, 3),
        },
        "burnout_altitude_km_vertical": _round(vertical[b] / 1000.0),
        "burn_time_s": spec.burn_time_s,
        "stage_burn_times_s": list(spec.stage_burn_times_s),
        "stage_dv_fractions": list(spec.stage_dv_fractions),
        "ballistic_coefficient_kgpm2": None if beta == math.inf else beta,
        "max_altitude_km": _round(table.max_altitude_m / 1000.0),
        "time_to_max_altitude_s": _round(float(fan.time_s[k_top])),
        "impulsive_ceiling_km": _round(impulsive_vertical_ceiling_m(spec.burnout_speed_mps) / 1e3),
        "min_intercept_altitude_km": floor / 1000.0,
        "max_intercept_altitude_km": _round(table.max_intercept_alt_m / 1000.0),
        "max_ground_range_km": _round(range_m / 1000.0),
        "time_to_max_ground_range_s": _round(range_t),
        "elevation_for_max_ground_range_deg": _round(range_el),
        "max_time_s": spec.max_time_s,
        "checks": {
            "max_ground_range_km": _check_entry(range_m / 1000.0, quoted.ground_range_km),
            "max_altitude_km": _check_entry(table.max_altitude_m / 1000.0, quoted.max_altitude_km),
        },
        "envelope": [
            {"altitude_km": float(a / 1000.0), "max_ground_range_km": _round(x / 1000.0)}
            for a, x in zip(table.altitude_m, table.envelope_range_m, strict=True)
            if math.isfinite(x)
        ],
        "range_step_km": spec.range_step_m / 1000.0,
        "altitude_step_km": spec.altitude_step_m / 1000.0,
        "table": [
            {
                "ground_range_km": float(table.ground_range_m[c] / 1000.0),
                "altitude_km": float(table.altitude_m[r] / 1000.0),
                "time_s": round(float(table.time_s[r, c]), 1),
            }
            for r, c in zip(rows, cols, strict=True)
        ],
    }
