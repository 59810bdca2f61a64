"""Keplerian ballistic trajectories from a launch point to a ground target on a spherical Earth.

Model (fact sheet §5.3): a point mass in the inverse-square field of a spherical, non-rotating
Earth of radius ``EARTH_RADIUS_M`` and gravitational parameter ``MU_EARTH_M3PS2``; no drag, no
Earth rotation, no oblateness. Launch and target positions are taken as spherical coordinates
(geodetic latitude used as spherical latitude), and the missile flies in the plane of the great
circle through them. The free-flight arc is a Kepler ellipse from burnout to impact at the
surface.

* **Burnout** is at the launch point on the surface by default (as in the fact-sheet table, which
  says to add 1-3 minutes for a real boost). An optional :class:`BoostPhase` instead puts burnout
  at ``burnout_alt_m`` and ``burnout_range_m`` downrange after ``burn_time_s``; during the boost
  altitude and downrange grow with the square of time (constant acceleration), an assumption
  made only to place the missile for radar detection.
* **Shape**: ``minimum_energy`` uses the burnout flight-path angle that needs the least burnout
  speed for the range, γ* = ½·atan2(sin Ψ, ρ − cos Ψ) with ρ = r_burnout / r_impact (γ* = (π − Ψ)/4
  for burnout at the surface). ``lofted`` and ``depressed`` add or subtract ``angle_offset_deg``
  (default 10°) to that angle and solve for the speed that still hits the target: a lofted arc
  climbs higher and flies longer, a depressed arc stays lower and arrives sooner.

Known answers (fact sheet §3.3 table, minimum energy, burnout at the surface): 2,000 km needs
4.11 km/s at 41°, climbs to 459 km and flies 11.7 minutes; ``tests/test_ballistics.py`` checks
every row of the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coverage.physics.geodesy import EARTH_RADIUS_M

__all__ = [
    "MU_EARTH_M3PS2",
    "SHAPES",
    "BoostPhase",
    "FlightProfile",
    "Profiles",
    "Shape",
    "Trajectory",
    "burnout_conditions",
    "central_angle_rad",
    "max_ground_range_m",
    "minimum_energy_speed_mps",
    "profiles",
    "trajectory",
    "unit_vectors",
    "lonlat_from_unit",
]

#: Gravitational parameter of the Earth (WGS84 / IERS), m³/s².
MU_EARTH_M3PS2 = 3.986004418e14

Shape = Literal["minimum_energy", "lofted", "depressed"]
SHAPES: tuple[Shape, ...] = ("minimum_energy", "lofted", "depressed")

_MIN_BURNOUT_ANGLE_RAD = math.radians(0.5)
_MAX_BURNOUT_ANGLE_RAD = math.radians(89.5)
#: Longest ground range accepted: short of the antipode, where the great circle is undefined.
MAX_GROUND_RANGE_M = 0.95 * math.pi * EARTH_RADIUS_M


def _check(name: str, value: float, lo: float, hi: float, unit: str = "") -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"{name}={value!r} is outside the allowed range {lo:g}..{hi:g}{unit}")


@dataclass(frozen=True)
class BoostPhase:
    """Powered flight before burnout (an assumption for detection timing, not a motor model).

    Attributes
    ----------
    burn_time_s
        Time from lift-off to burnout, s (1 to 600). Iranian MRBMs: roughly 60-120 s.
    burnout_alt_m
        Altitude at burnout, m (0 to 500 km).
    burnout_range_m
        Ground distance covered during the boost, m (0 to 1,000 km).
    """

    burn_time_s: float
    burnout_alt_m: float
    burnout_range_m: float

    def __post_init__(self) -> None:
        _check("BoostPhase.burn_time_s", self.burn_time_s, 1.0, 600.0, " s")
        _check("BoostPhase.burnout_alt_m", self.burnout_alt_m, 0.0, 500_000.0, " m")
        _check("BoostPhase.burnout_range_m", self.burnout_range_m, 0.0, 1_000_000.0, " m")


@dataclass(frozen=True)
class FlightProfile:
    """How a threat flies: trajectory shape and optional boost phase.

    Attributes
    ----------
    shape
        ``"minimum_energy"`` (default), ``"lofted"`` or ``"depressed"``.
    angle_offset_deg
        For lofted (+) and depressed (−) shapes, the change of burnout flight-path angle from the
        minimum-energy angle, degrees (0 to 45). Ignored for ``minimum_energy``.
    boost
        Powered phase; ``None`` (default) means burnout at the launch point on the surface.
    """

    shape: Shape = "minimum_energy"
    angle_offset_deg: float = 10.0
    boost: BoostPhase | None = None

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"shape={self.shape!r} is not one of {', '.join(SHAPES)}")
        _check("angle_offset_deg", self.angle_offset_deg, 0.0, 45.0, " degrees")

    @property
    def burnout_alt_m(self) -> float:
        """Burnout altitude, m (0 without a boost phase)."""
        return 0.0 if self.boost is None else self.boost.burnout_alt_m

    @property
    def burnout_range_m(self) -> float:
        """Ground distance flown before burnout, m."""
        return 0.0 if self.boost is None else self.boost.burnout_range_m

    @property
    def burn_time_s(self) -> float:
        """Boost duration, s (0 without a boost phase)."""
        return 0.0 if self.boost is None else self.boost.burn_time_s

    def describe(self) -> str:
        """One line for labels: shape and burnout assumption."""
        shape = self.shape.replace("_", "-")
        if self.shape != "minimum_energy":
            sign = "+" if self.shape == "lofted" else "−"
            shape += f" ({sign}{self.angle_offset_deg:g}° from minimum energy)"
        if self.boost is None:
            return f"{shape}, burnout at the surface (no boost phase)"
        b = self.boost
        return (
            f"{shape}, boost {b.burn_time_s:g} s to {b.burnout_alt_m / 1000:g} km altitude "
            f"and {b.burnout_range_m / 1000:g} km downrange"
        )


# --------------------------------------------------------------------------- spherical geometry


def unit_vectors(lon_deg: ArrayLike, lat_deg: ArrayLike) -> NDArray[np.float64]:
    """Earth-centred unit vectors ``(..., 3)`` of spherical lon/lat points."""
    lon = np.radians(np.asarray(lon_deg, float))
    lat = np.radians(np.asarray(lat_deg, float))
    cl = np.cos(lat)
    return np.stack([cl * np.cos(lon), cl * np.sin(lon), np.sin(lat)], axis=-1)


def lonlat_from_unit(v: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Longitude and latitude, degrees, of Earth-centred vectors ``(..., 3)``."""
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    return np.degrees(np.arctan2(y, x)), np.degrees(np.arctan2(z, np.hypot(x, y)))


def central_angle_rad(
    lon1_deg: ArrayLike, lat1_deg: ArrayLike, lon2_deg: ArrayLike, lat2_deg: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle angle between points on the sphere, radians (robust for small angles)."""
    a, b = unit_vectors(lon1_deg, lat1_deg), unit_vectors(lon2_deg, lat2_deg)
    cross = np.linalg.norm(np.cross(a, b), axis=-1)
    return np.arctan2(cross, np.sum(a * b, axis=-1))


def _plane_basis(
    launch_unit: NDArray[np.float64], target_unit: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Central angle to each target and the in-plane unit vector W ⟂ L pointing toward it."""
    dot = target_unit @ launch_unit
    perp = target_unit - dot[..., None] * launch_unit
    norm = np.linalg.norm(perp, axis=-1)
    psi = np.arctan2(norm, dot)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = perp / norm[..., None]
    return psi, np.where(norm[..., None] > 0, w, 0.0)


# --------------------------------------------------------------------------- Kepler arcs


def max_ground_range_m(burnout_speed_mps: ArrayLike) -> NDArray[np.float64]:
    """Longest ground range reachable with a burnout speed at the surface (minimum energy).

    sin(Ψ/2) = ν/(2 − ν) with ν = v²R/μ (fact sheet §5.3); ``inf`` at or above ν = 1 (orbital).
    """
    nu = np.asarray(burnout_speed_mps, float) ** 2 * EARTH_RADIUS_M / MU_EARTH_M3PS2
    s = np.clip(nu / np.maximum(2.0 - nu, 1e-12), 0.0, None)
    return np.where(s >= 1.0, np.inf, 2.0 * np.arcsin(np.minimum(s, 1.0)) * EARTH_RADIUS_M)


def minimum_energy_speed_mps(ground_range_m: ArrayLike) -> NDArray[np.float64]:
    """Burnout speed at the surface for a minimum-energy arc of this ground range, m/s."""
    psi = np.asarray(ground_range_m, float) / EARTH_RADIUS_M
    s = np.sin(psi / 2.0)
    nu = 2.0 * s / (1.0 + s)
    return np.sqrt(nu * MU_EARTH_M3PS2 / EARTH_RADIUS_M)


def burnout_conditions(
    free_flight_angle_rad: ArrayLike,
    *,
    burnout_radius_m: float = EARTH_RADIUS_M,
    impact_radius_m: float = EARTH_RADIUS_M,
    shape: Shape = "minimum_energy",
    angle_offset_deg: float = 10.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Energy parameter ν = v²r/μ and flight-path angle γ at burnout for a free-flight arc.

    Solves the trajectory equation r₀/r = (1 − cos θ)/(ν cos²γ) + cos(θ + γ)/cos γ at θ = Ψ for
    ν, with γ the minimum-energy angle (plus or minus the offset).

    Parameters
    ----------
    free_flight_angle_rad
        Central angle Ψ from burnout to impact, radians (0, 0.95π].
    burnout_radius_m, impact_radius_m
        Distances from the Earth's centre at burnout and impact, m.

    Raises
    ------
    ValueError
        When the offset pushes γ outside (0.5°, 89.5°) or the arc would need escape speed.
    """
    psi = np.asarray(free_flight_angle_rad, float)
    if np.any(~np.isfinite(psi)) or np.any(psi <= 0.0) or np.any(psi > 0.95 * math.pi):
        raise ValueError(
            "free-flight angle must be in (0, 0.95π] radians (ground range up to ~19,000 km)"
        )
    rho = burnout_radius_m / impact_radius_m
    gamma = 0.5 * np.arctan2(np.sin(psi), rho - np.cos(psi))
    if shape == "lofted":
        gamma = gamma + math.radians(angle_offset_deg)
    elif shape == "depressed":
        gamma = gamma - math.radians(angle_offset_deg)
    elif shape != "minimum_energy":
        raise ValueError(f"shape={shape!r} is not one of {', '.join(SHAPES)}")
    if np.any(gamma < _MIN_BURNOUT_ANGLE_RAD) or np.any(gamma > _MAX_BURNOUT_ANGLE_RAD):
        worst = float(
            np.degrees(gamma.min() if np.any(gamma < _MIN_BURNOUT_ANGLE_RAD) else gamma.max())
        )
        raise ValueError(
            f"angle_offset_deg={angle_offset_deg:g} gives a {shape} burnout angle of {worst:.1f}° "
            "for this range; the burnout angle must stay within 0.5..89.5 degrees "
            "(use a smaller offset)"
        )
    cg = np.cos(gamma)
    denom = cg * (rho * cg - np.cos(psi + gamma))
    nu = (1.0 - np.cos(psi)) / denom
    if np.any(denom <= 0.0) or np.any(nu >= 2.0):
        raise ValueError(
            f"a {shape} arc for this range would need escape speed; use a smaller angle_offset_deg"
        )
    return nu, gamma


@dataclass(frozen=True)
class _Ellipse:
    """Kepler ellipse of a free-flight arc (arrays broadcast over targets)."""

    e: NDArray[np.float64]
    a_m: NDArray[np.float64]
    n_radps: NDArray[np.float64]
    f0: NDArray[np.float64]
    f1: NDArray[np.float64]
    e_anom0: NDArray[np.float64]
    m0: NDArray[np.float64]
    flight_time_s: NDArray[np.float64]
    apogee_radius_m: NDArray[np.float64]


def _ellipse(
    psi: NDArray[np.float64], nu: NDArray[np.float64], gamma: NDArray[np.float64], r0: float
) -> _Ellipse:
    cg, sg = np.cos(gamma), np.sin(gamma)
    e = np.sqrt((nu - 1.0) ** 2 * cg**2 + sg**2)
    a = r0 / (2.0 - nu)
    n = np.sqrt(MU_EARTH_M3PS2 / a**3)
    # True anomaly at burnout: ascending (γ > 0) so it lies in (0, π); apogee is at π.
    f0 = np.arctan2(nu * sg * cg, nu * cg**2 - 1.0)
    f1 = f0 + psi
    e_anom0 = _ecc_anomaly(f0, e)
    m0 = e_anom0 - e * np.sin(e_anom0)
    e_anom1 = _ecc_anomaly(f1, e)
    m1 = e_anom1 - e * np.sin(e_anom1)
    return _Ellipse(e, a, n, f0, f1, e_anom0, m0, (m1 - m0) / n, a * (1.0 + e))


def _ecc_anomaly(f: NDArray[np.float64], e: NDArray[np.float64]) -> NDArray[np.float64]:
    """Eccentric anomaly, continuous for true anomaly in (0, 2π)."""
    return 2.0 * np.arctan2(np.sqrt(1.0 - e) * np.sin(f / 2.0), np.sqrt(1.0 + e) * np.cos(f / 2.0))


def _true_anomaly(e_anom: NDArray[np.float64], e: NDArray[np.float64]) -> NDArray[np.float64]:
    return 2.0 * np.arctan2(
        np.sqrt(1.0 + e) * np.sin(e_anom / 2.0), np.sqrt(1.0 - e) * np.cos(e_anom / 2.0)
    )


@dataclass(frozen=True, eq=False)
class Profiles:
    """Position against time for a batch of trajectories, in each trajectory's plane.

    Arrays are ``(n_targets, n_samples)``. Each row holds its own number of samples
    (``n_valid``); the rest of the row repeats the impact sample, so every row can be processed
    together without masks. The position of a sample is ``x_m·L + y_m·W`` where L is the unit
    vector of the launch point and W the unit vector perpendicular to it, in the plane of the
    great circle, toward the target.

    Attributes
    ----------
    time_s
        Time since lift-off (or since burnout at the surface without a boost phase), s.
    x_m, y_m
        In-plane coordinates from the Earth's centre, m.
    alt_m
        Altitude above the spherical Earth, m.
    n_valid
        Number of distinct samples in each row.
    flight_time_s, apogee_m, burnout_speed_mps, burnout_angle_deg
        Per trajectory.
    """

    time_s: NDArray[np.float64]
    x_m: NDArray[np.float64]
    y_m: NDArray[np.float64]
    alt_m: NDArray[np.float64]
    n_valid: NDArray[np.int64]
    flight_time_s: NDArray[np.float64]
    apogee_m: NDArray[np.float64]
    burnout_speed_mps: NDArray[np.float64]
    burnout_angle_deg: NDArray[np.float64]

    @property
    def angle_rad(self) -> NDArray[np.float64]:
        """Central angle travelled from the launch point, radians."""
        return np.arctan2(self.y_m, self.x_m)


def profiles(
    ground_range_m: ArrayLike, profile: FlightProfile = FlightProfile(), *, time_step_s: float = 4.0
) -> Profiles:
    """Sample trajectories for many ground ranges at once (vectorised).

    The free-flight arc of each trajectory is sampled uniformly in eccentric anomaly with
    ``ceil(T / time_step_s) + 1`` samples (T its free-flight time); for these arcs that spacing
    is within ~7 % of uniform in time. The boost phase, if any, is sampled uniformly in time
    with the same step. The sampling of one trajectory does not depend on the others in the
    batch, so a batch gives the same numbers as one trajectory at a time.

    Parameters
    ----------
    ground_range_m
        Great-circle ground ranges, m; each larger than the boost's ``burnout_range_m``.
    profile
        Shape and boost assumptions.
    time_step_s
        Target spacing of samples, s (0.1 to 60).
    """
    _check("time_step_s", time_step_s, 0.1, 60.0, " s")
    rng = np.atleast_1d(np.asarray(ground_range_m, float))
    if rng.ndim != 1:
        raise ValueError("ground_range_m must be a 1-D array")
    psi_ff = (rng - profile.burnout_range_m) / EARTH_RADIUS_M
    if np.any(psi_ff <= 0.0):
        raise ValueError(
            f"ground range must exceed the boost's burnout_range_m={profile.burnout_range_m:g} m"
        )
    r0 = EARTH_RADIUS_M + profile.burnout_alt_m
    nu, gamma = burnout_conditions(
        psi_ff, burnout_radius_m=r0, shape=profile.shape, angle_offset_deg=profile.angle_offset_deg
    )
    ell = _ellipse(psi_ff, nu, gamma, r0)
    n_ff = np.ceil(ell.flight_time_s / time_step_s).astype(np.int64) + 1
    k_max = int(n_ff.max()) if n_ff.size else 2
    k = np.arange(k_max, dtype=float)[None, :]
    frac = np.minimum(k / (n_ff[:, None] - 1.0), 1.0)
    e_anom1 = _ecc_anomaly(ell.f1, ell.e)
    e_anom = ell.e_anom0[:, None] + frac * (e_anom1 - ell.e_anom0)[:, None]
    e_col = ell.e[:, None]
    cos_e, sin_e = np.cos(e_anom), np.sin(e_anom)
    t = (e_anom - e_col * sin_e - ell.m0[:, None]) / ell.n_radps[:, None]
    # Perifocal coordinates, rotated so that the launch point lies on the x axis.
    xp = ell.a_m[:, None] * (cos_e - e_col)
    yp = (ell.a_m * np.sqrt(1.0 - ell.e**2))[:, None] * sin_e
    delta = profile.burnout_range_m / EARTH_RADIUS_M - ell.f0
    cd, sd = np.cos(delta)[:, None], np.sin(delta)[:, None]
    x = xp * cd - yp * sd
    y = xp * sd + yp * cd
    # Padding samples repeat the impact (E = E₁), where the altitude is zero up to rounding.
    alt = np.maximum(ell.a_m[:, None] * (1.0 - e_col * cos_e) - EARTH_RADIUS_M, 0.0)
    n_valid = n_ff
    if profile.boost is not None:
        b = profile.boost
        n_b = max(1, math.ceil(b.burn_time_s / time_step_s))
        tb = np.arange(n_b, dtype=float) * (b.burn_time_s / n_b)
        frac_b = (tb / b.burn_time_s) ** 2
        ang_b = frac_b * b.burnout_range_m / EARTH_RADIUS_M
        r_b = EARTH_RADIUS_M + frac_b * b.burnout_alt_m
        shape = (rng.size, n_b)
        t = np.concatenate([np.broadcast_to(tb, shape), t + b.burn_time_s], axis=1)
        x = np.concatenate([np.broadcast_to(r_b * np.cos(ang_b), shape), x], axis=1)
        y = np.concatenate([np.broadcast_to(r_b * np.sin(ang_b), shape), y], axis=1)
        alt = np.concatenate([np.broadcast_to(frac_b * b.burnout_alt_m, shape), alt], axis=1)
        n_valid = n_ff + n_b
    return Profiles(
        time_s=np.ascontiguousarray(t),
        x_m=np.ascontiguousarray(x),
        y_m=np.ascontiguousarray(y),
        alt_m=np.ascontiguousarray(alt),
        n_valid=n_valid,
        flight_time_s=ell.flight_time_s + profile.burn_time_s,
        apogee_m=ell.apogee_radius_m - EARTH_RADIUS_M,
        burnout_speed_mps=np.sqrt(nu * MU_EARTH_M3PS2 / r0),
        burnout_angle_deg=np.degrees(gamma),
    )


# --------------------------------------------------------------------------- single trajectory


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One threat trajectory sampled uniformly in time (arrays are read-only).

    Attributes
    ----------
    time_s, lon_deg, lat_deg, alt_m
        Samples from lift-off to impact (impact is the last sample, at the target, altitude 0).
    downrange_m
        Ground distance from the launch point along the great circle, m.
    ground_range_m
        Launch-to-target great-circle distance on the sphere, m.
    apogee_m
        Highest altitude, m.
    flight_time_s
        Lift-off to impact, s (boost included when there is one).
    burnout_speed_mps, burnout_angle_deg
        Speed and flight-path angle above the local horizontal at burnout.
    profile
        The shape and boost assumptions used.
    """

    time_s: NDArray[np.float64]
    lon_deg: NDArray[np.float64]
    lat_deg: NDArray[np.float64]
    alt_m: NDArray[np.float64]
    downrange_m: NDArray[np.float64]
    ground_range_m: float
    apogee_m: float
    flight_time_s: float
    burnout_speed_mps: float
    burnout_angle_deg: float
    launch_lon_deg: float
    launch_lat_deg: float
    target_lon_deg: float
    target_lat_deg: float
    profile: FlightProfile = field(default_factory=FlightProfile)

    def __post_init__(self) -> None:
        for name in ("time_s", "lon_deg", "lat_deg", "alt_m", "downrange_m"):
            getattr(self, name).setflags(write=False)


def _solve_kepler(m: NDArray[np.float64], e: float) -> NDArray[np.float64]:
    """Eccentric anomaly for mean anomaly ``m`` (Newton, to 1e-13 rad)."""
    e_anom = m + e * np.sin(m)
    for _ in range(50):
        step = (e_anom - e * np.sin(e_anom) - m) / (1.0 - e * np.cos(e_anom))
        e_anom = e_anom - step
        if np.max(np.abs(step), initial=0.0) < 1e-13:
            break
    return e_anom


def trajectory(
    launch_lon_deg: float,
    launch_lat_deg: float,
    target_lon_deg: float,
    target_lat_deg: float,
    *,
    shape: Shape = "minimum_energy",
    angle_offset_deg: float = 10.0,
    boost: BoostPhase | None = None,
    time_step_s: float = 2.0,
) -> Trajectory:
    """Ballistic trajectory from a launch point to a ground target along the great circle.

    Parameters
    ----------
    launch_lon_deg, launch_lat_deg, target_lon_deg, target_lat_deg
        End points, degrees (spherical Earth; WGS84 latitudes used as spherical latitudes).
    shape
        ``"minimum_energy"`` (default), ``"lofted"`` or ``"depressed"``.
    angle_offset_deg
        Flight-path-angle change from minimum energy for lofted/depressed arcs, degrees (0-45).
    boost
        Boost-phase assumption; ``None`` means burnout at the surface at the launch point.
    time_step_s
        Sample spacing, s (0.1 to 60); the impact is always the last sample.

    Returns
    -------
    Trajectory

    Raises
    ------
    ValueError
        For coordinates out of range, a ground range that is zero, not longer than the boost's
        burnout range, or beyond 0.95 of the half circumference, and for impossible shapes.

    Examples
    --------
    >>> t = trajectory(0.0, 0.0, 2_000_000 / EARTH_RADIUS_M * 180 / math.pi, 0.0)
    >>> round(t.apogee_m / 1000), round(t.flight_time_s / 60, 1)
    (459, 11.7)
    """
    for name, v, lo, hi in (
        ("launch_lon_deg", launch_lon_deg, -180.0, 180.0),
        ("launch_lat_deg", launch_lat_deg, -90.0, 90.0),
        ("target_lon_deg", target_lon_deg, -180.0, 180.0),
        ("target_lat_deg", target_lat_deg, -90.0, 90.0),
    ):
        _check(name, v, lo, hi, " degrees")
    _check("time_step_s", time_step_s, 0.1, 60.0, " s")
    profile = FlightProfile(shape=shape, angle_offset_deg=angle_offset_deg, boost=boost)
    lu = unit_vectors(launch_lon_deg, launch_lat_deg)
    tu = unit_vectors(target_lon_deg, target_lat_deg)
    psi, w = _plane_basis(lu, tu[None, :])
    psi_total = float(psi[0])
    ground_range_m = psi_total * EARTH_RADIUS_M
    if ground_range_m <= profile.burnout_range_m or ground_range_m < 1.0:
        raise ValueError(
            f"ground range {ground_range_m / 1000:.1f} km must exceed 0 and the boost's "
            "burnout range "
            f"({profile.burnout_range_m / 1000:g} km)"
        )
    if ground_range_m > MAX_GROUND_RANGE_M:
        raise ValueError(
            f"ground range {ground_range_m / 1000:,.0f} km is beyond the allowed "
            f"{MAX_GROUND_RANGE_M / 1000:,.0f} km (near-antipodal great circles are undefined)"
        )
    r0 = EARTH_RADIUS_M + profile.burnout_alt_m
    psi_ff = np.array([psi_total - profile.burnout_range_m / EARTH_RADIUS_M])
    nu, gamma = burnout_conditions(
        psi_ff, burnout_radius_m=r0, shape=shape, angle_offset_deg=angle_offset_deg
    )
    ell = _ellipse(psi_ff, nu, gamma, r0)
    e = float(ell.e[0])
    t_ff = float(ell.flight_time_s[0])
    tb = profile.burn_time_s
    total = tb + t_ff
    n = max(2, math.ceil(total / time_step_s) + 1)
    t = np.minimum(np.arange(n, dtype=float) * time_step_s, total)
    t[-1] = total
    in_boost = t < tb
    tau = np.clip(t - tb, 0.0, t_ff)
    e_anom = _solve_kepler(ell.m0[0] + ell.n_radps[0] * tau, e)
    f = _true_anomaly(e_anom, np.float64(e))  # type: ignore[arg-type]  # a scalar broadcasts
    r = ell.a_m[0] * (1.0 - e * np.cos(e_anom))
    angle = f - ell.f0[0] + profile.burnout_range_m / EARTH_RADIUS_M
    alt = r - EARTH_RADIUS_M
    if profile.boost is not None:
        x = (t[in_boost] / tb) ** 2
        angle[in_boost] = x * profile.burnout_range_m / EARTH_RADIUS_M
        alt[in_boost] = x * profile.burnout_alt_m
    angle[-1], alt[-1] = psi_total, 0.0
    pos = np.cos(angle)[:, None] * lu[None, :] + np.sin(angle)[:, None] * w[0][None, :]
    lon, lat = lonlat_from_unit(pos)
    return Trajectory(
        time_s=t,
        lon_deg=lon,
        lat_deg=lat,
        alt_m=np.maximum(alt, 0.0),
        downrange_m=angle * EARTH_RADIUS_M,
        ground_range_m=ground_range_m,
        apogee_m=float(ell.apogee_radius_m[0]) - EARTH_RADIUS_M,
        flight_time_s=total,
        burnout_speed_mps=float(np.sqrt(nu[0] * MU_EARTH_M3PS2 / r0)),
        burnout_angle_deg=float(np.degrees(gamma[0])),
        launch_lon_deg=float(launch_lon_deg),
        launch_lat_deg=float(launch_lat_deg),
        target_lon_deg=float(target_lon_deg),
        target_lat_deg=float(target_lat_deg),
        profile=profile,
    )
