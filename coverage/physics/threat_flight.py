"""Threat flight with a powered boost on a rotating spherical Earth, many shots at once.

Model
-----
* **Frames.** Inertial axes coincide with Earth-fixed axes at lift-off (t = 0), z along the
  Earth's axis. The Earth turns at ``OMEGA_EARTH_RADPS`` about z, so an Earth-fixed point of
  longitude λ sits at inertial longitude λ + ω·t. Launch point, target and sensors are
  Earth-fixed; the flight is computed in the inertial frame and handed back in both.
* **Lift-off.** The missile starts at rest on the rotating surface: its inertial velocity is the
  surface speed ω × r: ω·R·cos φ eastward, 464.6 m/s on the equator of this sphere of mean
  radius (465.1 m/s with the WGS84 equatorial radius).
* **Boost** (:class:`BoostProgramme`). A point mass under inverse-square gravity and thrust, no
  drag, integrated with fixed-step RK4. Thrust acceleration is ``a0 / (1 − f·t/t_b)``: constant
  thrust with a constant mass flow that burns the fraction f of the lift-off mass by the burnout
  time t_b (all stages lumped into one equivalent stage). The thrust points straight up for
  ``vertical_rise_s``, then pitches from the local vertical by φ(t) = φ_b·s^p with
  s = (t − t_v)/(t_b − t_v), toward the horizontal direction n̂ × r̂ of a fixed inertial plane
  (normal n̂, set by the launch azimuth ψ); the exponent p is part of the programme. Three
  numbers per shot, (a0, φ_b, ψ), are solved by Newton's method so that at t_b the missile has
  exactly the velocity the coast from its burnout point needs to hit the target. The burnout
  altitude and downrange are outcomes of the programme, not inputs. A programme whose solved
  thrust is below the missile's weight (a long burn for a short shot) would sink into the
  ground; it is refused with a ``ValueError``, not clamped.
* **Coast.** A Kepler arc from the burnout point to the target's inertial position at the impact
  time, which depends on the flight time: the aim point is iterated until it is where the
  Earth-fixed target will be when the warhead arrives. The arc's shape follows
  :func:`coverage.physics.ballistics.burnout_conditions`: minimum energy (least inertial
  burnout speed for the inertial central angle), or lofted/depressed by an angle offset.
* **Without a boost** burnout is at the launch point on the surface at t = 0, as in
  :mod:`coverage.physics.ballistics`; with ``rotation=False`` as well the result equals
  :func:`coverage.physics.ballistics.trajectory`.

The speed the missile itself must supply is the burnout speed relative to the rotating Earth,
|v − ω × r|; the inertial burnout speed is what the Kepler arc needs. An eastward shot gets the
Earth's surface speed for free, a westward shot must cancel it; but the minimum-energy arc is
taken in the inertial frame, where an eastward target runs away during the flight and a westward
one comes to meet the missile, so on the equator at 2,000 km the eastward shot needs only about
132 m/s less Earth-relative speed than the westward one (``tests/test_threat_flight.py`` checks
this against a hand computation).

Accuracy: RK4 steps of at most 2 s (at most the sample spacing; split at the end of the vertical
rise). Against an independent ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-9) of the same
programme on the rotating Earth, every Earth-fixed sample agrees within 0.25 m and the flight
time within 0.05 ms for the design-case 240-s boost (p = 1) from Tabriz, within 1 m and 0.02 ms
for a 100-s MRBM boost with p = 1.5 (1-s steps: 0.05 m and 0.12 m); the tests hold 10 m and 1 ms.
A pitch exponent below 1 (the low case, p = 0.75) turns the thrust infinitely fast at the start
of the pitch-over, which fixed steps resolve less well: 46 m and 5 ms at 2 s (14 m, 1.6 ms at
1 s), still far below the kilometre scales of detection and intercept.

Speed: a large batch from one launch point (the defended-area grid) starts each shot's Newton
solve from a coarse lattice of solved shots over ground range × azimuth, interpolated
(:func:`_lattice_start`), and needs three integrations per shot instead of about eighteen;
:func:`solve_programmes` solves a whole target set in one batch for :func:`fly` to sample in
blocks. The result is the same solution to the same tolerance (burnout velocity within 1e-6
m/s of the coast's): samples agree with the per-shot start within 1 mm (tests hold 5 cm).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coverage.physics.ballistics import (
    MAX_GROUND_RANGE_M,
    MU_EARTH_M3PS2,
    SHAPES,
    Shape,
    _ecc_anomaly,
    _Ellipse,
    _ellipse,
    _true_anomaly,
    burnout_conditions,
    lonlat_from_unit,
    unit_vectors,
)
from coverage.physics.geodesy import EARTH_RADIUS_M

__all__ = [
    "OMEGA_EARTH_RADPS",
    "BoostProgramme",
    "Flights",
    "concat_flights",
    "earth_fixed_m",
    "earth_fixed_positions",
    "fly",
    "solve_programmes",
]

#: Earth's rotation rate relative to the stars (IERS nominal mean angular velocity), rad/s.
OMEGA_EARTH_RADPS = 7.292115e-5

#: Longest RK4 step in the boost, s (shorter when the samples are asked closer); the boost is
#: also split at the end of the vertical rise.
_BOOST_STEP_S = 2.0
#: Newton on the boost programme: iteration cap and tolerances on the burnout state.
_NEWTON_MAX_ITER = 40
_NEWTON_TOL_MPS = 1e-6
#: Forward-difference steps of the Newton Jacobian in (u, φ_b, ψ).
_FD_STEPS = np.array([1e-6, 1e-6, 1e-7])
#: Lattice start (:func:`_lattice_start`): smallest batch from one launch point that uses it,
#: node spacing in ground range and azimuth, most nodes per axis.
_LATTICE_MIN_SHOTS = 64
_LATTICE_RANGE_M = 250e3
_LATTICE_AZIMUTH_RAD = math.radians(4.0)
_LATTICE_MOST = 24
#: Iteration on the impact time (aim point of the rotating target).
_AIM_MAX_ITER = 60
_AIM_TOL_S = 1e-9


def _check(name: str, value: float, lo: float, hi: float, unit: str = "") -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"{name}={value!r} is outside the allowed range {lo:g}..{hi:g}{unit}")


@dataclass(frozen=True)
class BoostProgramme:
    """Powered flight of a threat: burn time and the thrust/pitch programme.

    The burnout altitude is not an input: it follows from the programme and the velocity the
    shot needs (:attr:`Flights.burnout_alt_m`).

    Attributes
    ----------
    burn_time_s
        Lift-off to burnout, s (10 to 600).
    vertical_rise_s
        Time flown straight up before the pitch-over starts, s (0 to half the burn time).
    burned_fraction
        Fraction of the lift-off mass burned by burnout (0 to 0.95); thrust acceleration grows
        as 1/(1 − f·t/t_b). 0 means constant acceleration.
    pitch_exponent
        Exponent p of the pitch programme φ(t) = φ_b·s^p (0.25 to 4): 1 pitches over at a
        constant rate, larger values stay steep longer and burn out higher.
    min_thrust_to_weight
        Thrust-termination rule (1.05 to 5), or ``None``: no rule. A shot whose full-length
        burn would need a lift-off thrust-to-weight ratio below this value (a short shot on a
        long-burning motor) flies a motor of exactly this lift-off thrust-to-weight, burning at
        the class's mass flow, and cuts the thrust off early, at the time t_c at which it has
        the velocity the coast needs (liquid engines shut down; solid motors vent or open
        thrust-termination ports). The pitch programme is then spread over [t_v, t_c]. Without
        the rule such a shot is refused (it would need thrust below weight).
    """

    burn_time_s: float
    vertical_rise_s: float = 10.0
    burned_fraction: float = 0.85
    pitch_exponent: float = 1.0
    min_thrust_to_weight: float | None = None

    def __post_init__(self) -> None:
        _check("BoostProgramme.burn_time_s", self.burn_time_s, 10.0, 600.0, " s")
        _check(
            "BoostProgramme.vertical_rise_s",
            self.vertical_rise_s,
            0.0,
            0.5 * self.burn_time_s,
            " s",
        )
        _check("BoostProgramme.burned_fraction", self.burned_fraction, 0.0, 0.95)
        _check("BoostProgramme.pitch_exponent", self.pitch_exponent, 0.25, 4.0)
        if self.min_thrust_to_weight is not None:
            _check("BoostProgramme.min_thrust_to_weight", self.min_thrust_to_weight, 1.05, 5.0)


@dataclass(frozen=True, eq=False)
class Flights:
    """A batch of threat flights, sampled in time from lift-off to impact.

    Sample arrays are ``(n_flights, n_samples)``; a row holds ``n_valid`` distinct samples and
    repeats its impact sample after them, so rows can be processed together without masks.

    Attributes
    ----------
    time_s
        Time since lift-off, s.
    inertial_m
        Positions ``(n_flights, n_samples, 3)`` in the inertial frame (aligned with Earth-fixed
        axes at lift-off), m. :func:`earth_fixed_positions` turns them into lon/lat/alt.
    alt_m
        Altitude above the spherical Earth, m.
    n_valid
        Distinct samples per row.
    flight_time_s
        Lift-off to impact, s.
    apogee_m
        Highest altitude, m.
    burnout_time_s
        Lift-off to burnout (0 without a boost), s.
    burnout_alt_m
        Altitude at burnout, m.
    burnout_speed_mps
        Speed at burnout relative to the rotating Earth (what the missile itself supplies), m/s.
    inertial_burnout_speed_mps
        Speed at burnout in the inertial frame (what the Kepler arc needs), m/s.
    burnout_angle_deg
        Inertial flight-path angle above the local horizontal at burnout, degrees.
    boost_delta_v_mps
        Velocity change the thrust supplies during the boost, ∫a_T dt, m/s (0 without a boost).
        It exceeds the Earth-relative burnout speed by the gravity and steering losses.
    impact_lon_deg, impact_lat_deg
        Earth-fixed impact point of the computed arc (the target, to within the solver
        tolerance), degrees.
    omega_radps
        Earth rotation rate used (0 for a non-rotating Earth), rad/s.
    programme
        Solved boost programme per flight, ``(n_flights, 4)``: a0 (m/s²), φ_b (rad), p, ψ (rad
        from north toward east, the launch azimuth of the thrust plane); NaN without a boost.
    """

    time_s: NDArray[np.float64]
    inertial_m: NDArray[np.float64]
    alt_m: NDArray[np.float64]
    n_valid: NDArray[np.int64]
    flight_time_s: NDArray[np.float64]
    apogee_m: NDArray[np.float64]
    burnout_time_s: NDArray[np.float64]
    burnout_alt_m: NDArray[np.float64]
    burnout_speed_mps: NDArray[np.float64]
    inertial_burnout_speed_mps: NDArray[np.float64]
    burnout_angle_deg: NDArray[np.float64]
    boost_delta_v_mps: NDArray[np.float64]
    impact_lon_deg: NDArray[np.float64]
    impact_lat_deg: NDArray[np.float64]
    omega_radps: float
    programme: NDArray[np.float64]


def concat_flights(parts: Sequence[Flights], order: ArrayLike | None = None) -> Flights:
    """Batches flown apart (with different boosts, say) as one batch.

    Rows keep their samples; the shorter rows are padded by repeating their last (impact)
    sample, as every row already does after its ``n_valid`` samples. ``order`` (optional)
    then picks the rows of the joined batch, e.g. to put them back in the order of the shots
    before they were split. The batches must share the Earth's rotation rate.
    """
    if not parts:
        raise ValueError("concat_flights needs at least one batch")
    omega = {p.omega_radps for p in parts}
    if len(omega) != 1:
        raise ValueError(f"batches flown with different rotation rates: {sorted(omega)}")
    width = max(p.time_s.shape[1] for p in parts)

    def pad(a: NDArray[Any]) -> NDArray[Any]:
        extra = width - a.shape[1]
        return a if extra == 0 else np.concatenate([a, np.repeat(a[:, -1:], extra, axis=1)], 1)

    joined: dict[str, Any] = {"omega_radps": parts[0].omega_radps}
    for f in fields(Flights):
        if f.name == "omega_radps":
            continue
        arrays = [getattr(p, f.name) for p in parts]
        if f.name in ("time_s", "inertial_m", "alt_m"):
            arrays = [pad(a) for a in arrays]
        value = np.concatenate(arrays, axis=0)
        joined[f.name] = value if order is None else value[np.asarray(order)]
    return Flights(**joined)


def earth_fixed_m(flights: Flights) -> NDArray[np.float64]:
    """Earth-centred, Earth-fixed positions ``(n_flights, n_samples, 3)`` of every sample, m.

    The spherical model's ECEF axes: x toward (0°, 0°), z toward the north pole. Each inertial
    sample is turned back about z by the Earth's rotation angle ω·t at its time.
    """
    return _rotate_z(flights.inertial_m, -flights.omega_radps * flights.time_s)


def earth_fixed_positions(
    flights: Flights,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Longitude, latitude (degrees) and altitude (m) of every sample in Earth-fixed coordinates.

    Each inertial sample is turned back by the Earth's rotation angle ω·t at its time, so the
    result can be compared directly with Earth-fixed radars, sites and targets.
    """
    lon_in, lat = lonlat_from_unit(flights.inertial_m)
    lon = (lon_in - np.degrees(flights.omega_radps * flights.time_s) + 180.0) % 360.0 - 180.0
    return lon, lat, flights.alt_m


# --------------------------------------------------------------------------- vector helpers


def _unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _rotate_z(v: NDArray[np.float64], angle_rad: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rotate vectors ``(..., 3)`` about z by ``angle_rad`` (broadcast over the leading axes)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    x, y = v[..., 0], v[..., 1]
    return np.stack([c * x - s * y, s * x + c * y, np.broadcast_to(v[..., 2], x.shape)], axis=-1)


def _surface_velocity(r: NDArray[np.float64], omega: float) -> NDArray[np.float64]:
    """ω × r for ω along z."""
    return np.stack([-omega * r[..., 1], omega * r[..., 0], np.zeros_like(r[..., 0])], axis=-1)


def _east_north(up: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Local east and north unit vectors at unit position vectors (east = +y at the poles)."""
    east = np.stack([-up[..., 1], up[..., 0], np.zeros_like(up[..., 0])], axis=-1)
    norm = np.linalg.norm(east, axis=-1, keepdims=True)
    east = np.where(norm > 1e-12, east / np.maximum(norm, 1e-300), np.array([0.0, 1.0, 0.0]))
    return east, np.cross(up, east)


# --------------------------------------------------------------------------- coast (Kepler)


@dataclass(frozen=True, eq=False)
class _Coast:
    """Coast arcs from burnout states to the rotating target (arrays over flights)."""

    velocity: NDArray[np.float64]  # required inertial burnout velocity (n, 3)
    psi: NDArray[np.float64]
    nu: NDArray[np.float64]
    gamma: NDArray[np.float64]
    ell: _Ellipse
    plane_w: NDArray[np.float64]  # in-plane unit vector ⟂ burnout position, toward the impact
    coast_time_s: NDArray[np.float64]


def _coast(
    r_b: NDArray[np.float64],
    t_b: NDArray[np.float64],
    target_unit: NDArray[np.float64],
    *,
    omega: float,
    shape: Shape,
    angle_offset_deg: float,
) -> _Coast:
    """Kepler arcs from burnout positions ``r_b`` at times ``t_b`` to Earth-fixed targets.

    The aim point is the target's inertial position at the impact time t_b + T(Ψ), found by
    fixed-point iteration (the target moves by ω·R·cos φ·T, a small fraction of the range).
    """
    rb = np.linalg.norm(r_b, axis=-1)
    lu = r_b / rb[:, None]
    t_coast = np.zeros_like(rb)
    for _ in range(_AIM_MAX_ITER):
        aim = _rotate_z(target_unit, omega * (t_b + t_coast))
        dot = np.sum(aim * lu, axis=-1)
        perp = aim - dot[:, None] * lu
        psi = np.arctan2(np.linalg.norm(perp, axis=-1), dot)
        nu, gamma = burnout_conditions(
            psi,
            burnout_radius_m=rb,
            shape=shape,
            angle_offset_deg=angle_offset_deg,
        )
        ell = _ellipse(psi, nu, gamma, rb)
        change = np.max(np.abs(ell.flight_time_s - t_coast), initial=0.0)
        t_coast = ell.flight_time_s
        if change < _AIM_TOL_S * max(1.0, float(np.max(t_coast, initial=1.0))) or omega == 0.0:
            break
    else:
        raise ValueError(
            f"the aim point at the rotating target did not settle within {_AIM_MAX_ITER} "
            f"iterations (last change {change:.3g} s; allowed: {_AIM_TOL_S:g} of the flight time)"
        )
    aim = _rotate_z(target_unit, omega * (t_b + t_coast))
    dot = np.sum(aim * lu, axis=-1)
    w = _unit(aim - dot[:, None] * lu)
    speed = np.sqrt(nu * MU_EARTH_M3PS2 / rb)
    v = speed[:, None] * (np.sin(gamma)[:, None] * lu + np.cos(gamma)[:, None] * w)
    return _Coast(v, psi, nu, gamma, ell, w, t_coast)


# --------------------------------------------------------------------------- boost (RK4)


def _boost_steps(boost: BoostProgramme, step_s: float) -> tuple[int, int]:
    """RK4 step counts of the vertical rise and of the pitch-over (the programme's, not a shot's).

    Steps are at most ``step_s`` long over the full burn; a shot that cuts its thrust
    early takes the same number of shorter steps, so the sampling of a shot never depends on
    the other shots of a batch.
    """
    tv, tb = boost.vertical_rise_s, boost.burn_time_s
    n1 = math.ceil(tv / step_s) if tv > 0 else 0
    return n1, math.ceil((tb - tv) / step_s)


def _node_times(
    boost: BoostProgramme, t_cut: NDArray[np.float64], step_s: float
) -> NDArray[np.float64]:
    """RK4 node times ``(n, n_nodes)`` of each shot (thrust cut off at ``t_cut``)."""
    n1, n2 = _boost_steps(boost, step_s)
    tv = boost.vertical_rise_s
    first = np.linspace(0.0, tv, n1 + 1) if n1 else np.zeros(1)
    frac = np.arange(1, n2 + 1) / n2
    pitch = tv + (t_cut[:, None] - tv) * frac[None, :]
    return np.concatenate([np.broadcast_to(first, (t_cut.size, first.size)), pitch], axis=1)


def _integrate_boost(
    r0: NDArray[np.float64],
    v0: NDArray[np.float64],
    boost: BoostProgramme,
    a0: NDArray[np.float64],
    phi_b: NDArray[np.float64],
    normal: NDArray[np.float64],
    t_cut: NDArray[np.float64],
    *,
    step_s: float,
    keep: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]:
    """RK4 to thrust cut-off; returns burnout position, velocity and (optionally) all nodes.

    Components are kept as separate 1-D arrays: the batch is long and the vectors short, so
    this avoids the overhead of ``(n, 3)`` reductions in the inner loop. ``t_cut`` is each
    shot's cut-off time (the burn time, or earlier under the thrust-termination rule); the
    pitch-over takes the same number of steps for every shot, each of its own length. The
    thrust's magnitude and direction angle depend only on time, so they are evaluated once per
    distinct stage time (start, middle, end of a step; a step's end is the next one's start).
    """
    nx, ny, nz = normal[:, 0], normal[:, 1], normal[:, 2]
    tv, tb, f = boost.vertical_rise_s, boost.burn_time_s, boost.burned_fraction
    p = boost.pitch_exponent
    n1, n2 = _boost_steps(boost, step_s)

    def thrust(
        t: float | NDArray[np.float64], s: float | None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        """Thrust acceleration along the local vertical and across it (None in the rise)."""
        # Constant mass flow of the class's motor: the full burn uses the fraction f.
        mag = a0 / (1.0 - f * t / tb)
        if s is None:
            return mag, None
        phi = phi_b * (s**p)
        return mag * np.cos(phi), mag * np.sin(phi)

    def accel(
        th: tuple[NDArray[np.float64], NDArray[np.float64] | None],
        x: NDArray[np.float64],
        y: NDArray[np.float64],
        z: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        inv_r = 1.0 / np.sqrt(x * x + y * y + z * z)
        ux, uy, uz = x * inv_r, y * inv_r, z * inv_r
        up = th[0] - MU_EARTH_M3PS2 * inv_r * inv_r
        if th[1] is None:
            return up * ux, up * uy, up * uz
        # Horizontal direction of the thrust plane: n × up, normalised.
        hx, hy, hz = ny * uz - nz * uy, nz * ux - nx * uz, nx * uy - ny * ux
        across = th[1] / np.sqrt(hx * hx + hy * hy + hz * hz)
        return up * ux + across * hx, up * uy + across * hy, up * uz + across * hz

    x, y, z = (np.array(r0[:, k]) for k in range(3))
    vx, vy, vz = (np.array(v0[:, k]) for k in range(3))
    nodes = [np.stack([x, y, z], axis=-1)] if keep else None
    # (start time, step, start and end of the pitch fraction s, or None in the vertical rise)
    h1 = tv / n1 if n1 else 0.0
    h2 = (t_cut - tv) / n2
    plan: list[tuple[float | NDArray[np.float64], float | NDArray[np.float64], float | None]] = [
        (k * h1, h1, None) for k in range(n1)
    ]
    plan += [(tv + k * h2, h2, k / n2) for k in range(n2)]
    th_end: tuple[NDArray[np.float64], NDArray[np.float64] | None] | None = None
    for i, (t0, h, s0) in enumerate(plan):
        sh = None if s0 is None else s0 + 0.5 / n2
        s1 = None if s0 is None else s0 + 1.0 / n2
        # The vertical rise's last step ends where the pitch-over starts: s = None there.
        th0 = th_end if th_end is not None and (s0 is None or i > n1) else thrust(t0, s0)
        thh = thrust(t0 + 0.5 * h, sh)
        th_end = thrust(t0 + h, s1)
        a1 = accel(th0, x, y, z)
        a2 = accel(thh, x + 0.5 * h * vx, y + 0.5 * h * vy, z + 0.5 * h * vz)
        v2x, v2y, v2z = vx + 0.5 * h * a1[0], vy + 0.5 * h * a1[1], vz + 0.5 * h * a1[2]
        a3 = accel(thh, x + 0.5 * h * v2x, y + 0.5 * h * v2y, z + 0.5 * h * v2z)
        v3x, v3y, v3z = vx + 0.5 * h * a2[0], vy + 0.5 * h * a2[1], vz + 0.5 * h * a2[2]
        a4 = accel(th_end, x + h * v3x, y + h * v3y, z + h * v3z)
        v4x, v4y, v4z = vx + h * a3[0], vy + h * a3[1], vz + h * a3[2]
        h6 = h / 6.0
        x = x + h6 * (vx + 2.0 * v2x + 2.0 * v3x + v4x)
        y = y + h6 * (vy + 2.0 * v2y + 2.0 * v3y + v4y)
        z = z + h6 * (vz + 2.0 * v2z + 2.0 * v3z + v4z)
        vx = vx + h6 * (a1[0] + 2.0 * a2[0] + 2.0 * a3[0] + a4[0])
        vy = vy + h6 * (a1[1] + 2.0 * a2[1] + 2.0 * a3[1] + a4[1])
        vz = vz + h6 * (a1[2] + 2.0 * a2[2] + 2.0 * a3[2] + a4[2])
        if nodes is not None:
            nodes.append(np.stack([x, y, z], axis=-1))
    r = np.stack([x, y, z], axis=-1)
    v = np.stack([vx, vy, vz], axis=-1)
    return r, v, (np.stack(nodes, axis=1) if nodes is not None else None)


def _plane_normal(up0: NDArray[np.float64], psi: NDArray[np.float64]) -> NDArray[np.float64]:
    east, north = _east_north(up0)
    aim = np.sin(psi)[:, None] * east + np.cos(psi)[:, None] * north
    return np.cross(up0, aim)


def _growth(boost: BoostProgramme, t_cut: NDArray[np.float64]) -> NDArray[np.float64]:
    """∫₀^t_c dt/(1 − f·t/t_b) divided by t_c: mean thrust acceleration over a0."""
    f, tb = boost.burned_fraction, boost.burn_time_s
    if f == 0.0:
        return np.ones_like(t_cut)
    return -np.log1p(-f * t_cut / tb) * tb / (f * t_cut)


@dataclass(frozen=True, eq=False)
class _Start:
    """Newton start per shot from the lattice: mode, unknowns and Jacobian (NaN: none)."""

    cut: NDArray[np.bool_]
    a0: NDArray[np.float64]
    t_cut: NDArray[np.float64]
    phi_b: NDArray[np.float64]
    psi: NDArray[np.float64]
    jac: NDArray[np.float64]

    def x(self, cut: NDArray[np.bool_], boost: BoostProgramme) -> NDArray[np.float64]:
        """Newton unknowns (u, φ_b, ψ) in the given modes (u = ln a0 or ln(t_c − t_v))."""
        tv, tb = boost.vertical_rise_s, boost.burn_time_s
        t_c = np.clip(self.t_cut, tv + 1.0, tb)
        u = np.where(cut, np.log(t_c - tv), np.log(self.a0))
        return np.stack([u, self.phi_b, self.psi], axis=-1)


def _solve_boost(
    r0: NDArray[np.float64],
    target_unit: NDArray[np.float64],
    boost: BoostProgramme,
    *,
    omega: float,
    shape: Shape,
    angle_offset_deg: float,
    step_s: float,
    lattice: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64], _Coast]:
    """Solve each shot's boost programme so its burnout velocity is what the coast needs.

    Returns the programme ``(n, 4)`` as a0 (m/s²), φ_b (rad), p, ψ (rad), the thrust cut-off
    times ``(n,)`` and the coast arcs. A shot flies the full burn with a0 solved, or, under
    the thrust-termination rule (:attr:`BoostProgramme.min_thrust_to_weight`) when the full
    burn would need less lift-off thrust than that, a0 at the rule's value and the cut-off
    time solved. The rule is applied by outcome: a full-burn solution below the minimum is
    solved again with a cut-off, a cut-off past the burn time again with the full burn.

    With ``lattice`` (default), a batch of at least ``_LATTICE_MIN_SHOTS`` shots from one launch
    point starts Newton from the programmes and Jacobians solved on a coarse lattice of ground
    range × azimuth (:func:`_lattice_start`), interpolated to each target; the answer is the
    same solution to the same tolerance, reached in a few steps instead of some twenty.
    """
    n = r0.shape[0]
    tb = boost.burn_time_s
    g0 = MU_EARTH_M3PS2 / EARTH_RADIUS_M**2
    a_min = None if boost.min_thrust_to_weight is None else boost.min_thrust_to_weight * g0
    start: _Start | None = None
    if lattice and n >= _LATTICE_MIN_SHOTS and np.all(r0 == r0[:1]):
        start = _lattice_start(
            r0[0],
            target_unit,
            boost,
            omega=omega,
            shape=shape,
            angle_offset_deg=angle_offset_deg,
            step_s=step_s,
        )
    if start is not None:
        cut = start.cut.copy() if a_min is not None else np.zeros(n, bool)
    else:
        guess = _coast(
            r0,
            np.zeros(n),
            target_unit,
            omega=omega,
            shape=shape,
            angle_offset_deg=angle_offset_deg,
        )
        v_rel = np.linalg.norm(guess.velocity - _surface_velocity(r0, omega), axis=-1)
        a0_guess = (v_rel + 0.5 * 9.8 * tb) / (tb * _growth(boost, np.full(n, tb)))
        cut = np.zeros(n, bool) if a_min is None else a0_guess < a_min
    programme = np.full((n, 4), np.nan)
    t_cut = np.full(n, tb)
    coast: _Coast | None = None
    todo = np.arange(n)
    for _attempt in range(4):
        x0 = jac0 = None
        if start is not None:
            x0 = start.x(cut, boost)[todo]
            # The lattice's Jacobian holds for the lattice's mode only.
            same = start.cut[todo] == cut[todo]
            jac0 = np.where(same[:, None, None], start.jac[todo], np.nan)
        prog, tc, part = _solve_boost_rows(
            r0[todo],
            target_unit[todo],
            boost,
            cut[todo],
            a_min,
            omega=omega,
            shape=shape,
            angle_offset_deg=angle_offset_deg,
            step_s=step_s,
            x0=x0,
            jac0=jac0,
        )
        programme[todo], t_cut[todo] = prog, tc
        coast = part if coast is None or todo.size == n else _merge_coast(coast, part, todo)
        if a_min is None:
            break
        flip = np.zeros(n, bool)
        flip[todo] = np.where(cut[todo], tc > tb, prog[:, 0] < a_min * (1.0 - 1e-9))
        if not flip.any():
            break
        cut ^= flip
        todo = np.flatnonzero(flip)
    else:
        raise ValueError(
            f"the thrust-termination rule (lift-off thrust-to-weight ≥ "
            f"{boost.min_thrust_to_weight:g}) found no consistent programme for "
            f"{todo.size} of {n} shots"
        )
    assert coast is not None
    return programme, np.where(cut, t_cut, tb), coast


def _azimuth_range(
    up0: NDArray[np.float64], target_unit: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Central angle (rad) and azimuth (rad from north toward east) of targets from ``up0``."""
    east, north = _east_north(up0)
    dot = target_unit @ up0
    rho = np.arctan2(np.linalg.norm(np.cross(up0, target_unit), axis=-1), dot)
    return rho, np.arctan2(target_unit @ east, target_unit @ north)


def _lattice_axis(lo: float, hi: float, spacing: float, most: int) -> NDArray[np.float64]:
    count = int(min(most, max(2, math.ceil((hi - lo) / spacing) + 1)))
    pad = 1e-9 if hi - lo < 1e-9 else 0.0
    return np.linspace(lo - pad, hi + pad, count)


def _lattice_start(
    launch_r: NDArray[np.float64],
    target_unit: NDArray[np.float64],
    boost: BoostProgramme,
    *,
    omega: float,
    shape: Shape,
    angle_offset_deg: float,
    step_s: float,
) -> _Start:
    """Newton starts for many shots from one launch point, from a solved coarse lattice.

    The lattice spans the batch's ground ranges and azimuths (nodes about
    ``_LATTICE_RANGE_M`` and ``_LATTICE_AZIMUTH_RAD`` apart, at most ``_LATTICE_MOST`` per
    axis); its shots are solved from the generic start and their Jacobians taken at the
    solution; each target gets the bilinear interpolation of a0, t_c, φ_b and ψ − azimuth, and
    of the Jacobian where its four nodes fly the same mode (full burn or cut-off).
    """
    up0 = launch_r / np.linalg.norm(launch_r)
    rho, az = _azimuth_range(up0, target_unit)
    # Azimuths relative to the batch's mean direction, so the span never wraps at ±π.
    mean = math.atan2(float(np.sum(np.sin(az))), float(np.sum(np.cos(az))))
    d_az = (az - mean + math.pi) % (2.0 * math.pi) - math.pi
    rho_ax = _lattice_axis(
        float(rho.min()), float(rho.max()), _LATTICE_RANGE_M / EARTH_RADIUS_M, _LATTICE_MOST
    )
    az_ax = _lattice_axis(float(d_az.min()), float(d_az.max()), _LATTICE_AZIMUTH_RAD, _LATTICE_MOST)
    rr, aa = np.meshgrid(rho_ax, az_ax + mean, indexing="ij")
    east, north = _east_north(up0)
    heading = np.sin(aa.ravel())[:, None] * east + np.cos(aa.ravel())[:, None] * north
    nodes_u = np.cos(rr.ravel())[:, None] * up0 + np.sin(rr.ravel())[:, None] * heading
    m = nodes_u.shape[0]
    r0m = np.broadcast_to(launch_r, (m, 3)).copy()
    prog, tc, _ = _solve_boost(
        r0m,
        nodes_u,
        boost,
        omega=omega,
        shape=shape,
        angle_offset_deg=angle_offset_deg,
        step_s=step_s,
        lattice=False,
    )
    node_cut = tc < boost.burn_time_s
    g0 = MU_EARTH_M3PS2 / EARTH_RADIUS_M**2
    a_min = None if boost.min_thrust_to_weight is None else boost.min_thrust_to_weight * g0
    res = _Residual(r0m, nodes_u, boost, node_cut, a_min, omega, shape, angle_offset_deg, step_s)
    x_nodes = _Start(node_cut, prog[:, 0], tc, prog[:, 1], prog[:, 3], np.empty(0)).x(
        node_cut, boost
    )
    node_jac = res.jacobian(np.arange(m), x_nodes)

    # Bilinear weights of each target in its lattice cell.
    def locate(v: NDArray[np.float64], ax: NDArray[np.float64]) -> tuple[Any, Any]:
        i = np.clip(np.searchsorted(ax, v) - 1, 0, ax.size - 2)
        w = np.clip((v - ax[i]) / (ax[i + 1] - ax[i]), 0.0, 1.0)
        return i, w

    i, wi = locate(rho, rho_ax)
    j, wj = locate(d_az, az_ax)
    na = az_ax.size
    corners = [
        ((i + di) * na + (j + dj), (wi if di else 1.0 - wi) * (wj if dj else 1.0 - wj))
        for di in (0, 1)
        for dj in (0, 1)
    ]

    def interp(values: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.zeros((rho.size, *values.shape[1:]))
        for k, w in corners:
            out += w.reshape(-1, *([1] * (values.ndim - 1))) * values[k]
        return out

    psi_off = (prog[:, 3] - aa.ravel() + math.pi) % (2.0 * math.pi) - math.pi
    cut_votes = interp(node_cut.astype(float))
    mixed = np.zeros(rho.size, bool)
    for k, _ in corners[1:]:
        mixed |= node_cut[k] != node_cut[corners[0][0]]
    jac = interp(node_jac)
    jac[mixed] = np.nan
    return _Start(
        cut=cut_votes >= 0.5,
        a0=interp(prog[:, 0]),
        t_cut=interp(tc),
        phi_b=interp(prog[:, 1]),
        psi=interp(psi_off) + az,
        jac=jac,
    )


class _Residual:
    """Burnout velocity minus the velocity the coast needs, for rows of a batch of shots."""

    def __init__(
        self,
        r0: NDArray[np.float64],
        target_unit: NDArray[np.float64],
        boost: BoostProgramme,
        cut: NDArray[np.bool_],
        a_min: float | None,
        omega: float,
        shape: Shape,
        angle_offset_deg: float,
        step_s: float,
    ) -> None:
        self.r0, self.target_unit, self.boost, self.cut = r0, target_unit, boost, cut
        self.v0 = _surface_velocity(r0, omega)
        self.up0 = _unit(r0)
        self.a_min = a_min
        self.omega, self.shape, self.angle_offset_deg = omega, shape, angle_offset_deg
        self.step_s = step_s

    def unpack(
        self, rows: NDArray[np.int64], xx: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """a0 and the thrust cut-off time of the unknowns ``xx`` of ``rows``."""
        cc = self.cut[rows]
        tv, tb = self.boost.vertical_rise_s, self.boost.burn_time_s
        a_min = self.a_min if self.a_min is not None else 0.0
        a = np.where(cc, a_min, np.exp(np.where(cc, 0.0, xx[:, 0])))
        t_c = np.where(cc, tv + np.exp(np.where(cc, xx[:, 0], 0.0)), tb)
        return a, t_c

    def __call__(
        self, rows: NDArray[np.int64], xx: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], _Coast]:
        tb = self.boost.burn_time_s
        try:
            normal = _plane_normal(self.up0[rows], xx[:, 2])
            a, t_c = self.unpack(rows, xx)
            rb, vb, _ = _integrate_boost(
                self.r0[rows],
                self.v0[rows],
                self.boost,
                a,
                xx[:, 1],
                normal,
                t_c,
                step_s=self.step_s,
            )
            coast = _coast(
                rb,
                t_c,
                self.target_unit[rows],
                omega=self.omega,
                shape=self.shape,
                angle_offset_deg=self.angle_offset_deg,
            )
        except ValueError as exc:
            raise ValueError(
                f"no boost programme with burn_time_s={tb:g} s reaches these targets: an "
                f"iterate burned out where the coast is impossible ({exc})"
            ) from exc
        return vb - coast.velocity, coast

    def jacobian(self, rows: NDArray[np.int64], x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Forward-difference Jacobian ``(len(rows), 3, 3)`` at ``x`` (one batch)."""
        m = rows.size
        stacked = np.concatenate([x] + [x + np.eye(3)[k] * _FD_STEPS[k] for k in range(3)])
        res, _ = self(np.tile(rows, 4), stacked)
        f0 = res[:m]
        return np.stack(
            [(res[(k + 1) * m : (k + 2) * m] - f0) / _FD_STEPS[k] for k in range(3)], -1
        )


def _merge_coast(base: _Coast, part: _Coast, rows: NDArray[np.int64]) -> _Coast:
    """``base`` with the arcs of ``rows`` replaced by ``part``."""

    def put(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.array(a, copy=True)
        out[rows] = b
        return out

    ell = _Ellipse(**{k: put(getattr(base.ell, k), getattr(part.ell, k)) for k in _ELL_FIELDS})
    return _Coast(
        velocity=put(base.velocity, part.velocity),
        psi=put(base.psi, part.psi),
        nu=put(base.nu, part.nu),
        gamma=put(base.gamma, part.gamma),
        ell=ell,
        plane_w=put(base.plane_w, part.plane_w),
        coast_time_s=put(base.coast_time_s, part.coast_time_s),
    )


_ELL_FIELDS = (
    "e",
    "a_m",
    "n_radps",
    "f0",
    "f1",
    "e_anom0",
    "m0",
    "flight_time_s",
    "apogee_radius_m",
)


def _take_coast(c: _Coast, rows: NDArray[np.int64]) -> _Coast:
    """The arcs of ``rows``."""
    ell = _Ellipse(**{k: getattr(c.ell, k)[rows] for k in _ELL_FIELDS})
    return _Coast(
        velocity=c.velocity[rows],
        psi=c.psi[rows],
        nu=c.nu[rows],
        gamma=c.gamma[rows],
        ell=ell,
        plane_w=c.plane_w[rows],
        coast_time_s=c.coast_time_s[rows],
    )


def _solve_boost_rows(
    r0: NDArray[np.float64],
    target_unit: NDArray[np.float64],
    boost: BoostProgramme,
    cut: NDArray[np.bool_],
    a_min: float | None,
    *,
    omega: float,
    shape: Shape,
    angle_offset_deg: float,
    step_s: float,
    x0: NDArray[np.float64] | None = None,
    jac0: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], _Coast]:
    """Newton on (u, φ_b, ψ) per shot: u = ln a0 for a full burn, ln(t_c − t_v) for a cut-off.

    The Jacobian is taken by forward differences, all perturbed programmes integrated as one
    batch, and refreshed for a shot only while its residual falls slowly (a chord step costs
    one integration, a Jacobian four). Converged shots leave the batch. ``x0`` and ``jac0``
    give a start (a Jacobian with NaN: none for that shot); by default the no-boost shot's.
    """
    n = r0.shape[0]
    tb, tv = boost.burn_time_s, boost.vertical_rise_s
    residual = _Residual(r0, target_unit, boost, cut, a_min, omega, shape, angle_offset_deg, step_s)
    if x0 is None:
        # Start: the no-boost shot gives the azimuth of the aim point, the speed to supply and
        # the flight-path angle; a0 adds a gravity loss of half of g·t_b to that speed; a
        # cut-off time is what a0 at the rule's minimum needs for the same.
        guess = _coast(
            r0,
            np.zeros(n),
            target_unit,
            omega=omega,
            shape=shape,
            angle_offset_deg=angle_offset_deg,
        )
        east, north = _east_north(residual.up0)
        v_rel = guess.velocity - residual.v0
        psi = np.arctan2(np.sum(v_rel * east, -1), np.sum(v_rel * north, -1))
        speed = np.linalg.norm(v_rel, axis=-1)
        a0 = (speed + 0.5 * 9.8 * tb) / (tb * _growth(boost, np.full(n, tb)))
        u = np.log(a0)
        if a_min is not None and cut.any():
            t_c = np.clip(speed / max(a_min - 0.5 * 9.8, 1.0), tv + 1.0, tb)
            u = np.where(cut, np.log(np.maximum(t_c - tv, 1.0)), u)
        x = np.stack([u, 0.5 * math.pi - guess.gamma, psi], axis=-1)
    else:
        x = np.array(x0, float, copy=True)
    max_step = np.array([0.3, 0.3, 0.2])
    jac = np.full((n, 3, 3), np.nan) if jac0 is None else np.array(jac0, float, copy=True)
    need = ~np.all(np.isfinite(jac), axis=(1, 2))
    worst_before = np.full(n, np.inf)
    active = np.arange(n)
    parts: list[tuple[NDArray[np.int64], _Coast]] = []
    for _ in range(_NEWTON_MAX_ITER):
        # One batch: the residual of every active shot, and the perturbed programmes of
        # those whose Jacobian is due.
        jrows = active[need[active]]
        m, mj = active.size, jrows.size
        xj = x[jrows]
        stacked = np.concatenate([x[active]] + [xj + np.eye(3)[k] * _FD_STEPS[k] for k in range(3)])
        res, coast = residual(np.concatenate([active] + [jrows] * 3), stacked)
        f0 = res[:m]
        if mj:
            f0j = f0[need[active]]
            jac[jrows] = np.stack(
                [(res[m + k * mj : m + (k + 1) * mj] - f0j) / _FD_STEPS[k] for k in range(3)], -1
            )
            need[jrows] = False
        worst = np.max(np.abs(f0), axis=1)
        ok = worst < _NEWTON_TOL_MPS
        if ok.any():
            parts.append((active[ok], _take_coast(coast, np.flatnonzero(ok))))
        f0, worst, active = f0[~ok], worst[~ok], active[~ok]
        if active.size == 0:
            break
        # A shot whose residual fell less than tenfold gets a fresh Jacobian next time.
        need[active] = worst > 0.1 * worst_before[active]
        worst_before[active] = worst
        dx = -np.linalg.solve(jac[active], f0[..., None])[..., 0]
        scale = np.max(np.abs(dx) / max_step, axis=1, initial=1.0)
        x[active] += dx / scale[:, None]
    if active.size:
        raise ValueError(
            f"no boost programme with burn_time_s={tb:g} s and pitch_exponent="
            f"{boost.pitch_exponent:g} gives the burnout velocity the {shape} coast needs, for "
            f"{active.size} of {n} shots (the programme must converge within "
            f"{_NEWTON_MAX_ITER} Newton steps)"
        )
    order = np.concatenate([rows for rows, _ in parts])
    coast_all = _concat_coasts([c for _, c in parts])
    coast_all = _take_coast(coast_all, np.argsort(order))
    a, t_c = residual.unpack(np.arange(n), x)
    p = np.full(n, boost.pitch_exponent)
    return np.stack([a, x[:, 1], p, x[:, 2]], axis=-1), t_c, coast_all


def _concat_coasts(parts: list[_Coast]) -> _Coast:
    if len(parts) == 1:
        return parts[0]
    ell = _Ellipse(**{k: np.concatenate([getattr(c.ell, k) for c in parts]) for k in _ELL_FIELDS})
    return _Coast(
        velocity=np.concatenate([c.velocity for c in parts]),
        psi=np.concatenate([c.psi for c in parts]),
        nu=np.concatenate([c.nu for c in parts]),
        gamma=np.concatenate([c.gamma for c in parts]),
        ell=ell,
        plane_w=np.concatenate([c.plane_w for c in parts]),
        coast_time_s=np.concatenate([c.coast_time_s for c in parts]),
    )


# --------------------------------------------------------------------------- batch flights


def _solve_kepler(
    m: NDArray[np.float64], e: NDArray[np.float64], start: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Eccentric anomaly for mean anomalies ``m`` (Newton from ``start``, broadcast over arrays).

    Along one arc E is monotonic in time between its burnout and impact values, so the straight
    line between them in time is a close start and Newton needs only a few steps.
    """
    e_anom = start
    for _ in range(50):
        step = (e_anom - e * np.sin(e_anom) - m) / (1.0 - e * np.cos(e_anom))
        e_anom -= step
        if np.max(np.abs(step), initial=0.0) < 1e-12:
            break
    return e_anom


def _endpoints(
    launch_lon_deg: ArrayLike,
    launch_lat_deg: ArrayLike,
    target_lon_deg: ArrayLike,
    target_lat_deg: ArrayLike,
    shape: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Launch and target unit vectors and ground ranges (m) of a batch, checked."""
    if shape not in SHAPES:
        raise ValueError(f"shape={shape!r} is not one of {', '.join(SHAPES)}")
    arrays = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(a, float))
            for a in (launch_lon_deg, launch_lat_deg, target_lon_deg, target_lat_deg)
        )
    )
    names = ("launch_lon_deg", "launch_lat_deg", "target_lon_deg", "target_lat_deg")
    for name, arr, lim in zip(names, arrays, (180.0, 90.0, 180.0, 90.0), strict=True):
        if arr.ndim != 1 or np.any(~np.isfinite(arr)) or np.any(np.abs(arr) > lim):
            raise ValueError(f"{name} must be a 1-D array of values in -{lim:g}..{lim:g} degrees")
    lu = unit_vectors(arrays[0], arrays[1])
    tu = unit_vectors(arrays[2], arrays[3])
    ground = np.arctan2(np.linalg.norm(np.cross(lu, tu), axis=-1), np.sum(lu * tu, -1))
    ground_m = ground * EARTH_RADIUS_M
    if np.any(ground_m < 1.0) or np.any(ground_m > MAX_GROUND_RANGE_M):
        worst = float(ground_m.min() if np.any(ground_m < 1.0) else ground_m.max())
        # The bounds as checked: at least 1 m ("0.0 km is outside 0..19,014 km" read as a
        # contradiction when the two ends were one place).
        raise ValueError(
            f"ground range {worst / 1000:,.3f} km is outside the allowed range "
            f"0.001..{MAX_GROUND_RANGE_M / 1000:,.0f} km (the launch point and the target must "
            "be at least 1 m apart)"
        )
    return lu, tu, ground_m


def solve_programmes(
    launch_lon_deg: ArrayLike,
    launch_lat_deg: ArrayLike,
    target_lon_deg: ArrayLike,
    target_lat_deg: ArrayLike,
    *,
    boost: BoostProgramme,
    rotation: bool = True,
    shape: Shape = "minimum_energy",
    angle_offset_deg: float = 10.0,
    time_step_s: float = 2.0,
    lattice_start: bool = True,
) -> NDArray[np.float64]:
    """Solve the boost programme of every shot (what :func:`fly` does first), in one batch.

    Returns ``(n, 5)``: a0 (m/s²), φ_b (rad), p, ψ (rad) and the thrust cut-off time (s), to
    hand to :func:`fly` as ``programmes`` for the same shots (or any contiguous part of them)
    with the same ``time_step_s`` (it sets the RK4 step, at most ``_BOOST_STEP_S``).
    Solving a large set in one batch costs less than in parts: the lattice start is solved once
    and each integration step's fixed overhead is shared by more shots.
    """
    lu, tu, _ = _endpoints(launch_lon_deg, launch_lat_deg, target_lon_deg, target_lat_deg, shape)
    omega = OMEGA_EARTH_RADPS if rotation else 0.0
    programme, tb, _ = _solve_boost(
        lu * EARTH_RADIUS_M,
        tu,
        boost,
        omega=omega,
        shape=shape,
        angle_offset_deg=angle_offset_deg,
        step_s=min(_BOOST_STEP_S, time_step_s),
        lattice=lattice_start,
    )
    return np.concatenate([programme, tb[:, None]], axis=1)


def fly(
    launch_lon_deg: ArrayLike,
    launch_lat_deg: ArrayLike,
    target_lon_deg: ArrayLike,
    target_lat_deg: ArrayLike,
    *,
    boost: BoostProgramme | None = None,
    rotation: bool = True,
    shape: Shape = "minimum_energy",
    angle_offset_deg: float = 10.0,
    time_step_s: float = 2.0,
    lattice_start: bool = True,
    programmes: NDArray[np.float64] | None = None,
) -> Flights:
    """Fly threats from Earth-fixed launch points to Earth-fixed targets (vectorised).

    Parameters
    ----------
    launch_lon_deg, launch_lat_deg, target_lon_deg, target_lat_deg
        End points, degrees (spherical Earth; broadcast to one 1-D batch).
    boost
        Boost programme; ``None`` means burnout at the launch point on the surface at lift-off.
    rotation
        Whether the Earth turns under the flight (default ``True``).
    shape, angle_offset_deg
        Coast shape, as in :func:`coverage.physics.ballistics.trajectory`.
    time_step_s
        Sample spacing in the coast, s (0.1 to 60). Boost samples are RK4 nodes (at most 2 s
        apart, and at most ``time_step_s``) thinned to about the same spacing.
    lattice_start
        Whether a large batch from one launch point starts its Newton solves from a solved
        coarse lattice of ground range × azimuth (default); ``False`` starts every shot from
        its no-boost shot. Both solve each shot to the same tolerance.
    programmes
        The shots' solved programmes from :func:`solve_programmes` (same shots, same boost,
        rotation and shape); ``None`` solves them here.

    Returns
    -------
    Flights

    Raises
    ------
    ValueError
        For coordinates out of range, coincident or near-antipodal end points, impossible shapes,
        boost programmes that find no burnout velocity hitting the target, and programmes whose
        thrust is below the missile's weight (they would sink into the ground).
    """
    _check("time_step_s", time_step_s, 0.1, 60.0, " s")
    lu, tu, ground_m = _endpoints(
        launch_lon_deg, launch_lat_deg, target_lon_deg, target_lat_deg, shape
    )
    omega = OMEGA_EARTH_RADPS if rotation else 0.0
    n = lu.shape[0]
    r0 = lu * EARTH_RADIUS_M
    v_surface = _surface_velocity(r0, omega)
    step_s = min(_BOOST_STEP_S, time_step_s)

    if boost is None:
        coast = _coast(
            r0, np.zeros(n), tu, omega=omega, shape=shape, angle_offset_deg=angle_offset_deg
        )
        tb, rb = np.zeros(n), r0
        v_surface_b = v_surface
        programme = np.full((n, 4), np.nan)
        delta_v = np.zeros(n)
        boost_t = np.zeros((n, 0))
        boost_r = np.zeros((n, 0, 3))
    else:
        if programmes is None:
            programme, tb, _ = _solve_boost(
                r0,
                tu,
                boost,
                omega=omega,
                shape=shape,
                angle_offset_deg=angle_offset_deg,
                step_s=step_s,
                lattice=lattice_start,
            )
        else:
            given = np.asarray(programmes, float)
            if given.shape != (n, 5) or not np.all(np.isfinite(given)):
                raise ValueError(
                    f"programmes must be a finite ({n}, 5) array from solve_programmes for "
                    f"these {n} shots, not shape {given.shape}"
                )
            programme, tb = given[:, :4], given[:, 4]
        normal = _plane_normal(lu, programme[:, 3])
        rb, _, nodes = _integrate_boost(
            r0,
            v_surface,
            boost,
            programme[:, 0],
            programme[:, 1],
            normal,
            tb,
            step_s=step_s,
            keep=True,
        )
        assert nodes is not None
        lowest_m = np.min(np.linalg.norm(nodes[:, 1:], axis=-1), axis=1) - EARTH_RADIUS_M
        if np.any(lowest_m < 0.0):
            bad = lowest_m < 0.0
            raise ValueError(
                f"a boost of burn_time_s={boost.burn_time_s:g} s would sink below the surface "
                f"(thrust below weight) for {int(np.count_nonzero(bad))} of {n} shots, the "
                f"shortest {float(ground_m[bad].min()) / 1000:,.0f} km long; such short ranges "
                "need a shorter burn time or the thrust-termination rule (allowed: programmes "
                "that stay above the ground)"
            )
        # Node spacing of the full burn (at most step_s): thinned to about time_step_s.
        grid = _node_times(boost, np.array([boost.burn_time_s]), step_s)[0]
        stride = max(1, round(time_step_s / float(np.max(np.diff(grid)))))
        keep_idx = np.arange(0, grid.size - 1, stride)
        boost_t, boost_r = _node_times(boost, tb, step_s)[:, keep_idx], nodes[:, keep_idx]
        v_surface_b = _surface_velocity(rb, omega)
        delta_v = programme[:, 0] * tb * _growth(boost, tb)
        # The arc from the burnout point (the solver's own, recomputed from the same state).
        coast = _coast(rb, tb, tu, omega=omega, shape=shape, angle_offset_deg=angle_offset_deg)

    ell = coast.ell
    rb_norm = np.linalg.norm(rb, axis=-1)
    lu_b = rb / rb_norm[:, None]
    t_ff = ell.flight_time_s
    n_ff = np.ceil(t_ff / time_step_s).astype(np.int64) + 1
    k = np.arange(int(n_ff.max()), dtype=float)[None, :]
    tau = np.minimum(k * time_step_s, t_ff[:, None])
    e_col = ell.e[:, None]
    e_anom1 = _ecc_anomaly(ell.f1, ell.e)
    start = ell.e_anom0[:, None] + (e_anom1 - ell.e_anom0)[:, None] * (tau / t_ff[:, None])
    e_anom = _solve_kepler(ell.m0[:, None] + ell.n_radps[:, None] * tau, e_col, start)
    e_anom[:, -1] = e_anom1  # the padded last sample is exactly the impact
    theta = _true_anomaly(e_anom, e_col) - ell.f0[:, None]
    theta = np.where(tau >= t_ff[:, None], coast.psi[:, None], theta)
    radius = ell.a_m[:, None] * (1.0 - e_col * np.cos(e_anom))
    radius = np.where(tau >= t_ff[:, None], EARTH_RADIUS_M, radius)
    coast_r = radius[..., None] * (
        np.cos(theta)[..., None] * lu_b[:, None, :]
        + np.sin(theta)[..., None] * coast.plane_w[:, None]
    )
    time = np.concatenate([boost_t, tb[:, None] + tau], axis=1)
    pos = np.concatenate([boost_r, coast_r], axis=1)
    # Altitudes: the boost nodes' radii, and the coast's from its ellipse (|pos| = radius).
    boost_radius = np.sqrt(np.sum(boost_r * boost_r, axis=-1))
    alt = np.maximum(np.concatenate([boost_radius, radius], axis=1) - EARTH_RADIUS_M, 0.0)
    impact = pos[:, -1]
    flight_time = tb + t_ff
    imp_lon, imp_lat = lonlat_from_unit(_rotate_z(impact, -omega * flight_time))
    v_b = coast.velocity
    return Flights(
        time_s=np.ascontiguousarray(time),
        inertial_m=np.ascontiguousarray(pos),
        alt_m=alt,
        n_valid=n_ff + boost_t.shape[1],
        flight_time_s=flight_time,
        apogee_m=np.maximum(ell.apogee_radius_m, rb_norm) - EARTH_RADIUS_M,
        burnout_time_s=np.asarray(tb, float),
        burnout_alt_m=rb_norm - EARTH_RADIUS_M,
        burnout_speed_mps=np.linalg.norm(v_b - v_surface_b, axis=-1),
        inertial_burnout_speed_mps=np.linalg.norm(v_b, axis=-1),
        burnout_angle_deg=np.degrees(coast.gamma),
        boost_delta_v_mps=delta_v,
        impact_lon_deg=imp_lon,
        impact_lat_deg=imp_lat,
        omega_radps=omega,
        programme=programme,
    )
