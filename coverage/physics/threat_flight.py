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

Accuracy: RK4 steps of at most 1 s (split at the end of the vertical rise). Against an
independent ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-9) of the same programme on the
rotating Earth, impact points agree within 1 m and flight times within 0.1 ms (tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    "earth_fixed_m",
    "earth_fixed_positions",
    "fly",
]

#: Earth's rotation rate relative to the stars (IERS nominal mean angular velocity), rad/s.
OMEGA_EARTH_RADPS = 7.292115e-5

#: Longest RK4 step in the boost, s; the boost is also split at the end of the vertical rise.
_BOOST_STEP_S = 1.0
#: Newton on the boost programme: iteration cap and tolerances on the burnout state.
_NEWTON_MAX_ITER = 40
_NEWTON_TOL_MPS = 1e-6
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


def _boost_steps(boost: BoostProgramme) -> tuple[int, int]:
    """RK4 step counts of the vertical rise and of the pitch-over (the programme's, not a shot's).

    Steps are at most ``_BOOST_STEP_S`` long over the full burn; a shot that cuts its thrust
    early takes the same number of shorter steps, so the sampling of a shot never depends on
    the other shots of a batch.
    """
    tv, tb = boost.vertical_rise_s, boost.burn_time_s
    n1 = math.ceil(tv / _BOOST_STEP_S) if tv > 0 else 0
    return n1, math.ceil((tb - tv) / _BOOST_STEP_S)


def _node_times(boost: BoostProgramme, t_cut: NDArray[np.float64]) -> NDArray[np.float64]:
    """RK4 node times ``(n, n_nodes)`` of each shot (thrust cut off at ``t_cut``)."""
    n1, n2 = _boost_steps(boost)
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
    p: NDArray[np.float64],
    normal: NDArray[np.float64],
    t_cut: NDArray[np.float64],
    *,
    keep: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]:
    """RK4 to thrust cut-off; returns burnout position, velocity and (optionally) all nodes.

    Components are kept as separate 1-D arrays: the batch is long and the vectors short, so
    this avoids the overhead of ``(n, 3)`` reductions in the inner loop. ``t_cut`` is each
    shot's cut-off time (the burn time, or earlier under the thrust-termination rule); the
    pitch-over takes the same number of steps for every shot, each of its own length.
    """
    nx, ny, nz = normal[:, 0], normal[:, 1], normal[:, 2]
    tv, tb, f = boost.vertical_rise_s, boost.burn_time_s, boost.burned_fraction
    n1, n2 = _boost_steps(boost)

    def accel(
        t: float | NDArray[np.float64],
        s: float | None,
        x: NDArray[np.float64],
        y: NDArray[np.float64],
        z: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        inv_r = 1.0 / np.sqrt(x * x + y * y + z * z)
        ux, uy, uz = x * inv_r, y * inv_r, z * inv_r
        g = -MU_EARTH_M3PS2 * inv_r * inv_r
        # Constant mass flow of the class's motor: the full burn uses the fraction f.
        mag = a0 * (1.0 / (1.0 - f * t / tb))
        if s is None:
            up = mag + g
            return up * ux, up * uy, up * uz
        phi = phi_b * s**p
        # Horizontal direction of the thrust plane: n × up, normalised.
        hx, hy, hz = ny * uz - nz * uy, nz * ux - nx * uz, nx * uy - ny * ux
        inv_h = 1.0 / np.sqrt(hx * hx + hy * hy + hz * hz)
        up, across = mag * np.cos(phi) + g, mag * np.sin(phi) * inv_h
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
    for t0, h, s0 in plan:
        th = t0 + 0.5 * h
        t1 = t0 + h
        sh = None if s0 is None else s0 + 0.5 / n2
        s1 = None if s0 is None else s0 + 1.0 / n2
        a1 = accel(t0, s0, x, y, z)
        a2 = accel(th, sh, x + 0.5 * h * vx, y + 0.5 * h * vy, z + 0.5 * h * vz)
        v2x, v2y, v2z = vx + 0.5 * h * a1[0], vy + 0.5 * h * a1[1], vz + 0.5 * h * a1[2]
        a3 = accel(th, sh, x + 0.5 * h * v2x, y + 0.5 * h * v2y, z + 0.5 * h * v2z)
        v3x, v3y, v3z = vx + 0.5 * h * a2[0], vy + 0.5 * h * a2[1], vz + 0.5 * h * a2[2]
        a4 = accel(t1, s1, x + h * v3x, y + h * v3y, z + h * v3z)
        v4x, v4y, v4z = vx + h * a3[0], vy + h * a3[1], vz + h * a3[2]
        x = x + h / 6.0 * (vx + 2.0 * v2x + 2.0 * v3x + v4x)
        y = y + h / 6.0 * (vy + 2.0 * v2y + 2.0 * v3y + v4y)
        z = z + h / 6.0 * (vz + 2.0 * v2z + 2.0 * v3z + v4z)
        vx = vx + h / 6.0 * (a1[0] + 2.0 * a2[0] + 2.0 * a3[0] + a4[0])
        vy = vy + h / 6.0 * (a1[1] + 2.0 * a2[1] + 2.0 * a3[1] + a4[1])
        vz = vz + h / 6.0 * (a1[2] + 2.0 * a2[2] + 2.0 * a3[2] + a4[2])
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


def _solve_boost(
    r0: NDArray[np.float64],
    target_unit: NDArray[np.float64],
    boost: BoostProgramme,
    *,
    omega: float,
    shape: Shape,
    angle_offset_deg: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], _Coast]:
    """Solve each shot's boost programme so its burnout velocity is what the coast needs.

    Returns the programme ``(n, 4)`` as a0 (m/s²), φ_b (rad), p, ψ (rad), the thrust cut-off
    times ``(n,)`` and the coast arcs. A shot flies the full burn with a0 solved, or, under
    the thrust-termination rule (:attr:`BoostProgramme.min_thrust_to_weight`) when the full
    burn would need less lift-off thrust than that, a0 at the rule's value and the cut-off
    time solved. The rule is applied by outcome: a full-burn solution below the minimum is
    solved again with a cut-off, a cut-off past the burn time again with the full burn.
    """
    n = r0.shape[0]
    tb = boost.burn_time_s
    g0 = MU_EARTH_M3PS2 / EARTH_RADIUS_M**2
    a_min = None if boost.min_thrust_to_weight is None else boost.min_thrust_to_weight * g0
    guess = _coast(
        r0, np.zeros(n), target_unit, omega=omega, shape=shape, angle_offset_deg=angle_offset_deg
    )
    v_rel = np.linalg.norm(guess.velocity - _surface_velocity(r0, omega), axis=-1)
    a0_guess = (v_rel + 0.5 * 9.8 * tb) / (tb * _growth(boost, np.full(n, tb)))
    cut = np.zeros(n, bool) if a_min is None else a0_guess < a_min
    programme = np.full((n, 4), np.nan)
    t_cut = np.full(n, tb)
    coast: _Coast | None = None
    todo = np.arange(n)
    for _ in range(4):
        prog, tc, part = _solve_boost_rows(
            r0[todo],
            target_unit[todo],
            boost,
            cut[todo],
            a_min,
            omega=omega,
            shape=shape,
            angle_offset_deg=angle_offset_deg,
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
) -> tuple[NDArray[np.float64], NDArray[np.float64], _Coast]:
    """Newton on (u, φ_b, ψ) per shot: u = ln a0 for a full burn, ln(t_c − t_v) for a cut-off.

    The Jacobian is taken by forward differences, all perturbed programmes integrated as one
    batch.
    """
    n = r0.shape[0]
    up0 = _unit(r0)
    v0 = _surface_velocity(r0, omega)
    tb, tv = boost.burn_time_s, boost.vertical_rise_s
    p = np.full(n, boost.pitch_exponent)

    # Start: the no-boost shot gives the azimuth of the aim point, the speed to supply and the
    # flight-path angle; a0 adds a gravity loss of half of g·t_b to that speed; a cut-off time
    # is what a0 at the rule's minimum needs for the same.
    guess = _coast(
        r0, np.zeros(n), target_unit, omega=omega, shape=shape, angle_offset_deg=angle_offset_deg
    )
    east, north = _east_north(up0)
    v_rel = guess.velocity - v0
    psi = np.arctan2(np.sum(v_rel * east, -1), np.sum(v_rel * north, -1))
    speed = np.linalg.norm(v_rel, axis=-1)
    a0 = (speed + 0.5 * 9.8 * tb) / (tb * _growth(boost, np.full(n, tb)))
    u = np.log(a0)
    if a_min is not None and cut.any():
        t_c = np.clip(speed / max(a_min - 0.5 * 9.8, 1.0), tv + 1.0, tb)
        u = np.where(cut, np.log(np.maximum(t_c - tv, 1.0)), u)
    x = np.stack([u, 0.5 * math.pi - guess.gamma, psi], axis=-1)
    steps = np.array([1e-6, 1e-6, 1e-7])
    max_step = np.array([0.3, 0.3, 0.2])

    def unpack(xx: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        m = xx.shape[0] // n
        cc = np.tile(cut, m)
        a = np.where(cc, a_min if a_min is not None else 0.0, np.exp(np.where(cc, 0.0, xx[:, 0])))
        t_c = np.where(cc, tv + np.exp(np.where(cc, xx[:, 0], 0.0)), tb)
        return a, t_c

    def residual(xx: NDArray[np.float64]) -> tuple[NDArray[np.float64], _Coast]:
        try:
            return _residual(xx)
        except ValueError as exc:
            raise ValueError(
                f"no boost programme with burn_time_s={tb:g} s reaches these targets: an "
                f"iterate burned out where the coast is impossible ({exc})"
            ) from exc

    def _residual(xx: NDArray[np.float64]) -> tuple[NDArray[np.float64], _Coast]:
        m = xx.shape[0] // n
        r0m, v0m, tgt = np.tile(r0, (m, 1)), np.tile(v0, (m, 1)), np.tile(target_unit, (m, 1))
        normal = _plane_normal(_unit(r0m), xx[:, 2])
        a, t_c = unpack(xx)
        rb, vb, _ = _integrate_boost(r0m, v0m, boost, a, xx[:, 1], np.tile(p, m), normal, t_c)
        coast = _coast(rb, t_c, tgt, omega=omega, shape=shape, angle_offset_deg=angle_offset_deg)
        return vb - coast.velocity, coast

    # Newton with a forward-difference Jacobian, refreshed only while the residual falls slowly
    # (a chord step costs one batch integration, a Jacobian four).
    done = np.zeros(n, dtype=bool)
    jac: NDArray[np.float64] | None = None
    worst_before = np.inf
    for _ in range(_NEWTON_MAX_ITER):
        if jac is None:
            stacked = np.concatenate([x] + [x + np.eye(3)[k] * steps[k] for k in range(3)])
            res, _ = residual(stacked)
            f0 = res[:n]
            jac = np.stack([(res[(k + 1) * n : (k + 2) * n] - f0) / steps[k] for k in range(3)], -1)
        else:
            f0, _ = residual(x)
        worst = np.max(np.abs(f0), axis=1)
        done = worst < _NEWTON_TOL_MPS
        if np.all(done):
            break
        jac_stale = bool(np.max(worst) > 0.1 * worst_before)
        worst_before = float(np.max(worst))
        dx = -np.linalg.solve(jac, f0[..., None])[..., 0]
        scale = np.max(np.abs(dx) / max_step, axis=1, initial=1.0)
        x = x + np.where(done[:, None], 0.0, dx / scale[:, None])
        if jac_stale:
            jac = None
    if not np.all(done):
        raise ValueError(
            f"no boost programme with burn_time_s={tb:g} s and pitch_exponent="
            f"{boost.pitch_exponent:g} gives the burnout velocity the {shape} coast needs, for "
            f"{int(np.count_nonzero(~done))} of {n} shots (the programme must converge within "
            f"{_NEWTON_MAX_ITER} Newton steps)"
        )
    _, coast = residual(x)
    a, t_c = unpack(x)
    return np.stack([a, x[:, 1], p, x[:, 2]], axis=-1), t_c, coast


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
        Sample spacing in the coast, s (0.1 to 60). Boost samples are RK4 nodes (at most 1 s
        apart) thinned to about the same spacing.

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
        raise ValueError(
            f"ground range {worst / 1000:,.1f} km is outside the allowed range "
            f"0..{MAX_GROUND_RANGE_M / 1000:,.0f} km"
        )
    omega = OMEGA_EARTH_RADPS if rotation else 0.0
    n = lu.shape[0]
    r0 = lu * EARTH_RADIUS_M
    v_surface = _surface_velocity(r0, omega)

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
        programme, tb, coast = _solve_boost(
            r0, tu, boost, omega=omega, shape=shape, angle_offset_deg=angle_offset_deg
        )
        normal = _plane_normal(lu, programme[:, 3])
        rb, _, nodes = _integrate_boost(
            r0,
            v_surface,
            boost,
            programme[:, 0],
            programme[:, 1],
            programme[:, 2],
            normal,
            tb,
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
        # Node spacing of the full burn (at most _BOOST_STEP_S): thinned to about time_step_s.
        grid = _node_times(boost, np.array([boost.burn_time_s]))[0]
        stride = max(1, round(time_step_s / float(np.max(np.diff(grid)))))
        keep_idx = np.arange(0, grid.size - 1, stride)
        boost_t, boost_r = _node_times(boost, tb)[:, keep_idx], nodes[:, keep_idx]
        v_surface_b = _surface_velocity(rb, omega)
        delta_v = programme[:, 0] * tb * _growth(boost, tb)

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
    alt = np.maximum(np.linalg.norm(pos, axis=-1) - EARTH_RADIUS_M, 0.0)
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
