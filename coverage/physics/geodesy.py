"""Geodesic rings, sectors and distances on the WGS84 ellipsoid (pyproj.Geod).

Every footprint in this project is drawn here: vertices come from the direct geodesic
problem on the ellipsoid, so the distance from the site to every vertex is exact, and the
vertex spacing keeps the straight lon/lat segments between them within 0.1 % of the radius
(edges near a pole, where longitude changes fast, get extra vertices). Outlines that cross the
antimeridian are cut at +-180 degrees, and shapes holding a pole (or both) are closed along
the pole's latitude line, so they stay valid in EPSG:4326.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod, Transformer
from pyproj.transformer import TransformerGroup
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

__all__ = [
    "EARTH_RADIUS_M",
    "GEOD",
    "MAX_RADIUS_M",
    "destination",
    "distance_m",
    "geodesic_area_m2",
    "great_circle_track",
    "projection",
    "ring",
    "sector",
    "vertex_count",
]

GEOD = Geod(ellps="WGS84")
#: Mean Earth radius (IUGG), used by the spherical models in radar and ballistics.
EARTH_RADIUS_M = 6_371_008.8
#: Largest radius accepted: just under half the meridian circumference, beyond which a "ring"
#: would wrap around the far side of the Earth.
MAX_RADIUS_M = 19_900_000.0
#: Target spacing between ring vertices along the arc.
_VERTEX_SPACING_M = 15_000.0
_MIN_VERTICES = 96
_MAX_VERTICES = 1440
#: Meridian slabs in which ``geodesic_area_m2`` measures shapes wider than 180 degrees.
_AREA_SLABS = tuple(box(x, -90.0, x + 90.0, 90.0) for x in (-180.0, -90.0, 0.0, 90.0))


@functools.cache
def projection(source: str, target: str) -> Transformer:
    """Lon/lat-ordered (``always_xy``) transformer from ``source`` to ``target``, made once.

    Where every operation PROJ knows between the two is the same pipeline (EPSG:4326 to and
    from EPSG:3035 and EPSG:3575, the projections used here: the ETRS89 datum step is a null
    shift), it is built on that pipeline, not from the two CRSs: pyproj keeps a transformer's
    PROJ object per thread, and one made from CRSs searches the PROJ database again on every
    new thread (60-75 ms; Streamlit runs every rerun on a thread of its own), one made from a
    pipeline string parses it (0.3 ms); the results are the same (tests/test_geodesy.py).
    Where the operations differ (a datum shift that depends on the area, as for the British
    grid), PROJ must choose per point: :meth:`Transformer.from_crs`, as before.
    """
    group = TransformerGroup(source, target, always_xy=True)
    definitions = {t.definition for t in group.transformers}
    if len(definitions) == 1 and not group.unavailable_operations:
        (definition,) = definitions
        if definition.startswith(("proj=pipeline", "+proj=pipeline")):
            return Transformer.from_pipeline(definition)
    return Transformer.from_crs(source, target, always_xy=True)


def _check_point(lon_deg: float, lat_deg: float) -> None:
    if not (math.isfinite(lon_deg) and -180.0 <= lon_deg <= 180.0):
        raise ValueError(f"lon_deg={lon_deg!r} is outside the allowed range -180..180")
    if not (math.isfinite(lat_deg) and -90.0 <= lat_deg <= 90.0):
        raise ValueError(f"lat_deg={lat_deg!r} is outside the allowed range -90..90")


def _check_radius(radius_m: float) -> None:
    if not (math.isfinite(radius_m) and 0.0 <= radius_m <= MAX_RADIUS_M):
        raise ValueError(
            f"radius_m={radius_m!r} is outside the allowed range 0..{MAX_RADIUS_M:.0f}"
        )


def vertex_count(radius_m: float, arc_deg: float = 360.0) -> int:
    """Number of arc vertices for a ring or sector of this radius.

    Spacing is about 15 km along the arc, between 96 and 1440 vertices for a full circle
    (scaled by ``arc_deg / 360`` for sectors). With that spacing the mid-point of every
    straight lon/lat edge stays within 0.1 % of the radius (see ``tests/test_geodesy.py``).
    """
    circumference_m = (
        2.0 * math.pi * EARTH_RADIUS_M * math.sin(min(radius_m / EARTH_RADIUS_M, math.pi / 2))
    )
    n_full = int(
        np.clip(math.ceil(circumference_m / _VERTEX_SPACING_M), _MIN_VERTICES, _MAX_VERTICES)
    )
    return max(8, math.ceil(n_full * arc_deg / 360.0))


def destination(
    lon_deg: ArrayLike, lat_deg: ArrayLike, azimuth_deg: ArrayLike, distance_m: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Points reached from ``(lon, lat)`` along ``azimuth`` (clockwise from north) after ``distance``."""
    lon_a, lat_a, az_a, d_a = np.broadcast_arrays(
        np.asarray(lon_deg, float),
        np.asarray(lat_deg, float),
        np.asarray(azimuth_deg, float),
        np.asarray(distance_m, float),
    )
    lon2, lat2, _ = GEOD.fwd(lon_a.ravel(), lat_a.ravel(), az_a.ravel(), d_a.ravel())
    return np.asarray(lon2).reshape(lon_a.shape), np.asarray(lat2).reshape(lon_a.shape)


def distance_m(
    lon1_deg: ArrayLike, lat1_deg: ArrayLike, lon2_deg: ArrayLike, lat2_deg: ArrayLike
) -> NDArray[np.float64]:
    """Geodesic distance on WGS84 (pyproj inverse solution), metres."""
    a = np.broadcast_arrays(
        *(np.asarray(v, float) for v in (lon1_deg, lat1_deg, lon2_deg, lat2_deg))
    )
    _, _, dist = GEOD.inv(*(v.ravel() for v in a))
    return np.asarray(dist).reshape(a[0].shape)


def great_circle_track(
    lon1_deg: float, lat1_deg: float, lon2_deg: float, lat2_deg: float, n_points: int = 64
) -> NDArray[np.float64]:
    """``(n_points, 2)`` array of lon/lat points along the geodesic, end points included."""
    if n_points < 2:
        raise ValueError(f"n_points={n_points} must be at least 2")
    inner = GEOD.npts(lon1_deg, lat1_deg, lon2_deg, lat2_deg, n_points - 2) if n_points > 2 else []
    return np.array([(lon1_deg, lat1_deg), *inner, (lon2_deg, lat2_deg)], dtype=float)


def geodesic_area_m2(geometry: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid of a lon/lat (EPSG:4326) polygon or multipolygon, m².

    Edges are taken as geodesics (pyproj, Karney). A shape spanning 180 degrees of longitude or
    more (one holding a pole, or most of the Earth) is measured in 90-degree slabs, because the
    geodesic polygon area is only defined modulo the Earth's area and an edge spanning 180
    degrees of longitude has no unique geodesic.
    """
    if geometry.is_empty:
        return 0.0
    minx, _, maxx, _ = geometry.bounds
    if maxx - minx < 180.0:
        parts = [geometry]
    else:
        parts = [_as_polygonal(geometry.intersection(slab)) for slab in _AREA_SLABS]
    total = 0.0
    for part in parts:
        if not part.is_empty:
            area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(part))
            total += float(area)
    return abs(total)


def ring(
    lon_deg: float, lat_deg: float, radius_m: float, *, n_vertices: int | None = None
) -> BaseGeometry:
    """Geodesic disc of ``radius_m`` around a point, as a lon/lat polygon.

    Parameters
    ----------
    lon_deg, lat_deg
        Centre, degrees (WGS84).
    radius_m
        Geodesic radius, metres, 0 to ``MAX_RADIUS_M``. Zero gives an empty polygon.
    n_vertices
        Override the automatic vertex count.

    Returns
    -------
    Polygon or MultiPolygon
        Valid geometry in EPSG:4326; a MultiPolygon when the disc crosses the antimeridian.
        A disc holding a pole is closed along that pole's latitude line; a disc holding both
        poles is the whole lon/lat rectangle less the (possibly split) cap around the antipode.
    """
    _check_point(lon_deg, lat_deg)
    _check_radius(radius_m)
    if radius_m == 0.0:
        return Polygon()
    n = n_vertices or vertex_count(radius_m)
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    return _geodesic_polygon(lon_deg, lat_deg, az, np.full(n, float(radius_m)), radius_m, 360.0)


def sector(
    lon_deg: float,
    lat_deg: float,
    radius_m: float,
    *,
    boresight_deg: float,
    width_deg: float,
    n_vertices: int | None = None,
) -> BaseGeometry:
    """Geodesic sector (pie wedge) of ``radius_m`` centred on ``boresight_deg``.

    Parameters
    ----------
    boresight_deg
        Centre azimuth, degrees clockwise from true north; any value, taken modulo 360.
    width_deg
        Full angular width, degrees, in (0, 360]. 360 gives the full ``ring``.

    Notes
    -----
    Sectors that cross north (e.g. boresight 350 degrees, width 60 degrees) are handled by
    building the arc with increasing azimuth through 360. A width within 1e-7 degrees of 360
    (a gap under a centimetre wide) gives the full ring. Sectors holding a pole, or with
    their apex on one, are drawn like rings (see ``ring``).
    """
    _check_point(lon_deg, lat_deg)
    _check_radius(radius_m)
    if not (math.isfinite(width_deg) and 0.0 < width_deg <= 360.0):
        raise ValueError(f"width_deg={width_deg!r} is outside the allowed range (0, 360]")
    if not math.isfinite(boresight_deg):
        raise ValueError(f"boresight_deg={boresight_deg!r} must be a finite number")
    if width_deg >= 360.0 - _MIN_GAP_DEG:
        # A gap narrower than a centimetre everywhere cannot be drawn: that is the full ring.
        return ring(lon_deg, lat_deg, radius_m, n_vertices=n_vertices)
    if radius_m == 0.0:
        return Polygon()
    n = n_vertices or vertex_count(radius_m, width_deg)
    start = boresight_deg - width_deg / 2.0
    az_arc = np.linspace(start, start + width_deg, n + 1)
    # Radial edges are geodesics too: densify them so long sides stay on the great circle.
    n_radial = max(2, math.ceil(radius_m / 50_000.0))
    fractions = np.linspace(0.0, 1.0, n_radial + 1)[1:-1]
    # Boundary loop, clockwise: apex, out along the first edge, the arc, back along the last.
    az = np.concatenate(
        [[start], np.full(fractions.size, az_arc[0]), az_arc, np.full(fractions.size, az_arc[-1])]
    )
    dist = np.concatenate(
        [
            [0.0],
            fractions * radius_m,
            np.full(az_arc.size, float(radius_m)),
            fractions[::-1] * radius_m,
        ]
    )
    return _geodesic_polygon(lon_deg, lat_deg, az, dist, radius_m, width_deg)


# --- From a geodesic boundary loop to a valid lon/lat (multi)polygon -----------------------------

#: Narrowest gap (360 - width, degrees) drawn in a sector: about 1 cm at 6,371 km.
_MIN_GAP_DEG = 1e-7
#: Vertices closer than this to a pole (degrees of latitude, about 0.1 mm) are on the pole.
_POLE_EPS_DEG = 1e-9
#: Straight lon/lat edges may stray from the true outline by this fraction of the radius (a tenth
#: of the 0.1 % budget) before they are split; radial edges also by no more than this angle
#: (radians, or a quarter of the sector's width or gap if smaller) seen from the centre, so they
#: stay sharp near the apex and never cross; never below a millimetre.
_EDGE_TOL_REL = 1e-4
_EDGE_TOL_ANGLE = 1e-3
_EDGE_TOL_MIN_M = 1e-3
_MAX_REFINE_PASSES = 40
#: An edge whose longitude step is this close to half a turn runs through a pole (degrees).
_POLE_TIE_DEG = 1e-9
#: Only a shape this large can hold both poles (half the meridian is about 20,004 km).
_BOTH_POLES_MIN_RADIUS_M = 9_000_000.0
#: Corners of the lon/lat rectangle, each at the start of its side, as positions clockwise
#: along its outline (see ``_outline_position``).
_CORNERS = (
    ((0, -90.0), (-180.0, -90.0)),
    ((1, -180.0), (-180.0, 90.0)),
    ((2, -90.0), (180.0, 90.0)),
    ((3, -180.0), (180.0, -90.0)),
)


def _wrap180(deg: NDArray[np.float64]) -> NDArray[np.float64]:
    """Degrees in [-180, 180); values already there are kept exactly (no rounding to -180)."""
    deg = np.asarray(deg, dtype=float)
    return np.where((deg >= -180.0) & (deg < 180.0), deg, (deg + 180.0) % 360.0 - 180.0)


def _lon_step(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """``b - a`` for longitudes in [-180, 180), taken the short way, in [-180, 180).

    Computed without cancellation across the antimeridian: from -180 to 179.99999999999997 is a
    step of -3e-14 degrees, not 0 (or a full turn) after rounding.
    """
    d = b - a
    d = np.where(d >= 180.0, (b - 180.0) - (a + 180.0), d)
    return np.where(d < -180.0, (b + 180.0) - (a - 180.0), d)


def _geodesic_polygon(
    lon0: float,
    lat0: float,
    az: NDArray[np.float64],
    dist: NDArray[np.float64],
    radius_m: float,
    width_deg: float,
) -> BaseGeometry:
    """Polygon bounded by the clockwise loop of points at ``(az, dist)`` from ``(lon0, lat0)``.

    Consecutive points are joined by the curve of linearly varying azimuth and distance: the
    arc (same distance) or a radial geodesic (same azimuth). The region lies to the right of
    the loop.
    """
    thinnest = math.radians(min(width_deg, 360.0 - width_deg)) if width_deg < 360.0 else math.pi
    angle = min(_EDGE_TOL_ANGLE, 0.25 * thinnest)
    lon, lat = _densify(lon0, lat0, az, dist, _EDGE_TOL_REL * radius_m, angle)
    start_deg = float(az[0])
    known: dict[float, bool] = {}

    def holds_pole(pole_lat: float) -> bool:
        """Whether the shape holds this pole, from its geodesic distance and azimuth."""
        if pole_lat not in known:
            az_p, _, d_p = GEOD.inv(lon0, lat0, lon0, pole_lat)
            known[pole_lat] = d_p <= radius_m and (
                width_deg >= 360.0 or d_p == 0.0 or (az_p - start_deg) % 360.0 <= width_deg
            )
        return known[pole_lat]

    return _loop_to_polygon(lon, lat, radius_m, holds_pole)


def _densify(
    lon0: float,
    lat0: float,
    az: NDArray[np.float64],
    dist: NDArray[np.float64],
    tol_m: float,
    tol_angle: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vertices of the loop, with points added where a straight lon/lat edge strays too far.

    That happens near a pole, where an edge spanning many degrees of longitude cuts across the
    polar cap. Edges are screened in a polar azimuthal-equidistant plane (where geodesics near
    the pole are straight), and a screened edge is checked against the true outline point halfway
    along it; if that is more than ``tol_m`` (or, on a radial edge, ``tol_angle`` radians seen
    from the centre) from the lon/lat midpoint, it is inserted.
    """
    lon, lat = destination(lon0, lat0, az, dist)
    lon = _wrap180(lon)
    lat = np.asarray(lat, float)
    apex = dist == 0.0
    lon[apex], lat[apex] = lon0, lat0  # exactly the site, not a rounded forward solution
    done = np.zeros(lon.size, dtype=bool)  # edge i -> i + 1 is known to be close enough
    max_size = 64 * lon.size + 10_000
    for _ in range(_MAX_REFINE_PASSES):
        idx = np.flatnonzero(~done)
        if idx.size == 0 or lon.size > max_size:
            break
        nxt = (idx + 1) % lon.size
        lon1, lat1, lon2, lat2 = lon[idx], lat[idx], lon[nxt], lat[nxt]
        d_lon = _lon_step(lon1, lon2)
        # Screen: distance between the lon/lat midpoint and the chord midpoint in a polar plane.
        hemi = np.where(lat1 + lat2 >= 0.0, 1.0, -1.0)
        c1 = np.radians(90.0 - hemi * lat1)
        c2 = np.radians(90.0 - hemi * lat2)
        t1 = np.radians(lon1)
        t2 = t1 + np.radians(d_lon)
        tm = 0.5 * (t1 + t2)
        cm = 0.5 * (c1 + c2)
        dx = cm * np.cos(tm) - 0.5 * (c1 * np.cos(t1) + c2 * np.cos(t2))
        dy = cm * np.sin(tm) - 0.5 * (c1 * np.sin(t1) + c2 * np.sin(t2))
        d_mid = 0.5 * (dist[idx] + dist[nxt])
        # Across a radial edge, one radian from the centre spans R sin(d / R) (on a sphere).
        across = EARTH_RADIUS_M * np.sin(np.minimum(d_mid / EARTH_RADIUS_M, math.pi))
        tol_edge = np.where(dist[idx] != dist[nxt], np.minimum(tol_m, tol_angle * across), tol_m)
        tol_edge = np.maximum(tol_edge, _EDGE_TOL_MIN_M)
        screen = EARTH_RADIUS_M * np.hypot(dx, dy) > 0.5 * tol_edge
        on_pole = (np.abs(lat1) >= 90.0 - _POLE_EPS_DEG) | (np.abs(lat2) >= 90.0 - _POLE_EPS_DEG)
        screen &= ~on_pole  # edges to a pole become meridians (see _loop_to_polygon)
        done[idx[~screen]] = True
        idx, nxt, d_lon = idx[screen], nxt[screen], d_lon[screen]
        d_mid, tol_edge = d_mid[screen], tol_edge[screen]
        if idx.size == 0:
            break
        # True outline halfway along the edge (linear in azimuth and distance).
        az1, az2, d1, d2 = az[idx], az[nxt], dist[idx], dist[nxt]
        az_mid = az1 + 0.5 * _wrap180(az2 - az1)
        az_mid = np.where(d1 == 0.0, az2, np.where(d2 == 0.0, az1, az_mid))
        lon_mid, lat_mid = destination(lon0, lat0, az_mid, d_mid)
        _, _, err = GEOD.inv(
            lon_mid, lat_mid, _wrap180(lon[idx] + 0.5 * d_lon), 0.5 * (lat[idx] + lat[nxt])
        )
        split = np.asarray(err) > tol_edge
        done[idx[~split]] = True
        if not split.any():
            break
        at = idx[split] + 1
        lon = np.insert(lon, at, _wrap180(lon_mid[split]))
        lat = np.insert(lat, at, lat_mid[split])
        az = np.insert(az, at, az_mid[split])
        dist = np.insert(dist, at, d_mid[split])
        done = np.insert(done, at, False)
    return lon, lat


def _loop_to_polygon(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    radius_m: float,
    holds_pole: Callable[[float], bool],
) -> BaseGeometry:
    """Valid EPSG:4326 (multi)polygon for the region to the right of a clockwise lon/lat loop.

    Each edge takes the short way in longitude, except through a pole: a vertex on a pole is
    replaced by the stretch of the pole's latitude line between the meridians of its neighbours,
    run eastwards on the north pole and westwards on the south pole (so that the region stays on
    the right). An edge running through a pole (half a turn of longitude, up to rounding) passes
    it on the side that ``holds_pole`` (called with the pole's latitude) says.

    A loop that does not cross the antimeridian is the polygon itself or, when it runs
    anticlockwise around a region holding both poles, its complement in the lon/lat rectangle.
    Otherwise the loop is cut where it crosses +-180 degrees (latitude interpolated along the
    densified edge) and the pieces are stitched clockwise along the rectangle's outline: along
    the antimeridian, and along a pole's latitude line where the region holds that pole.
    """
    x, y, d_lon = _pole_fixed_loop(lon, lat, holds_pole)
    if x.size < 3:
        return Polygon()
    # Edge i crosses the antimeridian eastwards (+1) or westwards (-1) when its step in
    # longitude carries it out of [-180, 180): counted edge by edge, with no unwrapping drift.
    end = x + d_lon
    turn = (end >= 180.0).astype(float) - (end < -180.0)
    crossing = np.flatnonzero(turn)
    if crossing.size == 0:
        coords = np.column_stack([x, y])
        poly = Polygon(coords)
        rel = coords - coords[0]
        signed = np.sum(rel[:-1, 0] * rel[1:, 1] - rel[1:, 0] * rel[:-1, 1])
        if signed > 0.0 and radius_m >= _BOTH_POLES_MIN_RADIUS_M:
            # Anticlockwise: the region is outside the loop and holds both poles.
            return _as_polygonal(box(-180.0, -90.0, 180.0, 90.0).difference(_valid(poly)))
        return _as_polygonal(poly if poly.is_valid else _valid(poly))
    return _stitch(x, y, d_lon, turn, crossing)


def _pole_fixed_loop(
    lon: NDArray[np.float64], lat: NDArray[np.float64], holds_pole: Callable[[float], bool]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Loop vertices ``x`` in [-180, 180), ``y`` and the longitude step to the next vertex."""
    x = _wrap180(np.asarray(lon, float))
    y = np.clip(np.asarray(lat, float), -90.0, 90.0)
    pole = np.abs(y) >= 90.0 - _POLE_EPS_DEG
    if not pole.any():
        all_steps = _lon_step(x, np.roll(x, -1))
        return x, y, _pass_poles(y, all_steps, np.ones(x.size, dtype=bool), holds_pole)
    if pole.all():
        return np.empty(0), np.empty(0), np.empty(0)
    first = int(np.flatnonzero(~pole)[0])
    x, y, pole = np.roll(x, -first), np.roll(y, -first), np.roll(pole, -first)
    n = x.size
    xs: list[float] = []
    ys: list[float] = []
    steps: list[float] = []
    regular: list[bool] = []
    i = 0
    while i < n:
        if not pole[i]:
            xs.append(float(x[i]))
            ys.append(float(y[i]))
            j = (i + 1) % n
            # Towards a pole the edge runs along this vertex's meridian.
            steps.append(0.0 if pole[j] else float(_lon_step(x[i], x[j])))
            regular.append(not pole[j])
            i += 1
            continue
        j = i
        while j < n and pole[j]:
            j += 1
        lon_in, lon_out = float(x[i - 1]), float(x[j % n])
        if y[i] > 0.0:
            run, pole_lat = (lon_out - lon_in) % 360.0, 90.0
        else:
            run, pole_lat = -((lon_in - lon_out) % 360.0), -90.0
        xs += [lon_in, lon_out]
        ys += [pole_lat, pole_lat]
        steps += [run, 0.0]
        regular += [False, False]
        i = j
    # The pole's meridian stretch may end on +-180: keep x in [-180, 180).
    y_out = np.array(ys)
    steps_out = _pass_poles(y_out, np.array(steps), np.array(regular), holds_pole)
    return _wrap180(np.array(xs)), y_out, steps_out


def _pass_poles(
    y: NDArray[np.float64],
    steps: NDArray[np.float64],
    regular: NDArray[np.bool_],
    holds_pole: Callable[[float], bool],
) -> NDArray[np.float64]:
    """Settle the way round for edges that run through a pole (a step of half a turn).

    Densified, such an edge has both ends within the edge tolerance of the pole, so either way
    round is as close to the outline; but the way decides which side the pole falls on, so take
    the one that agrees with the shape: westward past the north pole (or eastward past the south
    pole) keeps the pole on the right, inside.
    """
    tie = regular & (np.abs(steps) >= 180.0 - _POLE_TIE_DEG)
    if not tie.any():
        return steps
    steps = steps.copy()
    for i in np.flatnonzero(tie):
        north = y[i] + y[(i + 1) % y.size] > 0.0
        inside = holds_pole(90.0 if north else -90.0)
        eastward = north != inside
        steps[i] = abs(steps[i]) if eastward else -abs(steps[i])
    return steps


def _outline_position(px: float, py: float) -> tuple[int, float]:
    """Position of a point on the west or east side of the lon/lat rectangle, going clockwise.

    Sides are numbered from the west one (0, running north), the north pole line (1), the east
    side (2, running south) to the south pole line (3); within a side the coordinate grows
    clockwise. Kept as a pair, not a single number, so that crossings a few ulps apart stay
    distinct.
    """
    return (0, float(py)) if px < 0.0 else (2, -float(py))


def _stitch(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    d_lon: NDArray[np.float64],
    turn: NDArray[np.float64],
    crossing: NDArray[np.int64],
) -> BaseGeometry:
    """Cut the loop at the antimeridian and close the pieces along the lon/lat rectangle."""
    n = y.size
    y_next = np.roll(y, -1)
    x_next = np.roll(x, -1)
    # Where each crossing edge meets its antimeridian, and the pieces between crossings.
    exits: list[tuple[float, float]] = []
    entries: list[tuple[float, float]] = []
    for i in crossing:
        east = turn[i] > 0.0
        seam = 180.0 if east else -180.0
        if abs(x_next[i]) == 180.0 and abs(x[i]) != 180.0:
            # The edge ends on the antimeridian (a vertex on it, say a site at 180 degrees):
            # it meets it there, exactly. Interpolated, t is a few ulps off 1, and a loop that
            # only touches the antimeridian at that vertex would leave and re-enter it at two
            # latitudes a hair apart, in the wrong order: the whole globe instead of a wedge.
            lat_c = float(y_next[i])
        else:
            t = (seam - x[i]) / d_lon[i] if d_lon[i] != 0.0 else 0.0
            lat_c = float(y[i] + t * (y_next[i] - y[i]))
        exits.append((seam, lat_c))
        entries.append((-seam, lat_c))
    pieces: list[NDArray[np.float64]] = []
    for k in range(crossing.size):
        lo, hi = int(crossing[k - 1]) + 1, int(crossing[k]) + 1  # vertices after entry k - 1
        if k == 0:
            idx = np.r_[np.arange(int(crossing[-1]) + 1, n), np.arange(0, hi)]
        else:
            idx = np.arange(lo, hi)
        idx = idx[idx < n]
        body = np.column_stack([x[idx], y[idx]])
        piece = np.vstack([[entries[k - 1]], body, [exits[k]]])
        # A piece running only along the antimeridian (the loop touching it) adds nothing.
        if not (np.abs(piece[:, 0]) == 180.0).all():
            pieces.append(piece)
    m = len(pieces)
    if m == 0:
        return Polygon()
    starts = [_outline_position(*p[0]) for p in pieces]
    used = np.zeros(m, dtype=bool)
    rings: list[NDArray[np.float64]] = []
    for k0 in range(m):
        if used[k0]:
            continue
        parts: list[NDArray[np.float64]] = []
        k = k0
        while True:
            used[k] = True
            parts.append(pieces[k])
            end = _outline_position(*pieces[k][-1])

            def ahead(pos: tuple[int, float], end: tuple[int, float] = end) -> tuple[float, ...]:
                """Order of positions met going clockwise round the outline from ``end``."""
                return (0 if pos > end else 2, *pos) if pos != end else (1,)

            ranks = []
            for j, pos in enumerate(starts):
                rank = ahead(pos)
                # The loop leaves the antimeridian where it met it (an apex on it): go straight
                # on at a convex corner, all the way round the outline at a reflex one.
                if rank == (1,):
                    rank = (3,) if _turns_left(pieces[k], pieces[j]) else (-1,)
                ranks.append(rank)
            k_next = min(range(m), key=ranks.__getitem__)
            corners = sorted(
                (ahead(pos), xy)
                for pos, xy in _CORNERS
                if pos != end and (ranks[k_next] == (3,) or ahead(pos) < ranks[k_next])
            )
            if corners:
                parts.append(np.array([xy for _, xy in corners]))
            if k_next == k0 or used[k_next]:
                break
            k = k_next
        ring_xy = np.vstack(parts)
        keep = np.r_[True, np.any(np.diff(ring_xy, axis=0) != 0.0, axis=1)]
        ring_xy = ring_xy[keep]
        distinct = np.unique(ring_xy, axis=0)
        if len(distinct) == 2 and np.count_nonzero(np.abs(distinct[:, 0]) == 180.0) == 1:
            # A vertex a hair from the antimeridian, narrower than the float spacing there (a
            # site at 179.99999999999997 whose shape lies east): keep it as a hairline triangle.
            seam, inner = sorted(distinct, key=lambda p: abs(p[0]) != 180.0)
            towards = inner[1] if inner[1] != seam[1] else (0.0 if seam[1] != 0.0 else 1.0)
            ring_xy = np.array([seam, inner, (seam[0], np.nextafter(seam[1], towards))])
        elif len(distinct) < 3:
            continue
        rings.append(ring_xy)
    polys = [Polygon(r) for r in rings]
    polys = [p for p in polys if p.area > 0.0]
    if not polys:
        return Polygon()
    geom = polys[0] if len(polys) == 1 else MultiPolygon(polys)
    return _as_polygonal(geom if geom.is_valid else _valid(geom))


def _turns_left(ending: NDArray[np.float64], starting: NDArray[np.float64]) -> bool:
    """Whether the loop turns left (anticlockwise) from piece ``ending`` into ``starting``."""
    end, start = ending[-1], starting[0]
    before = next((p for p in ending[::-1] if (p != end).any()), end)
    after = next((p for p in starting if (p != start).any()), start)
    u, v = end - before, after - start
    return bool(u[0] * v[1] - u[1] * v[0] > 0.0)


def _valid(geom: BaseGeometry) -> BaseGeometry:
    return shapely.make_valid(geom)


def _as_polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygons of ``geom`` (dropping lines and points) as a Polygon or MultiPolygon."""
    polys: list[Polygon] = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if isinstance(g, Polygon):
            if not g.is_empty:
                polys.append(g)
        elif hasattr(g, "geoms"):
            stack.extend(reversed(list(g.geoms)))
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)
