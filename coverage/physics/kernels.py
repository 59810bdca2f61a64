"""Compiled loops (numba) for the engine's hottest step: the interceptor's intercept window.

Why compiled code here and not numpy: the window of a flight is its first and last sample that
a site's interceptor can reach in time. numpy must evaluate every sample of every flight (about
4 million per site at 25 km) and keep the intermediate arrays; a loop stops at the first
feasible sample from the front and at the last from the back, so a defended flight costs a few
samples, not all of them. The arithmetic is the same as the numpy path's
(:func:`coverage.physics.engagement._flyout_feasible` with
:func:`coverage.physics.flyout.earliest_time_s`), operation for operation in the same order, and
``tests/test_kernels.py`` checks the two against each other on whole grids.

How the loops are loaded (:func:`_compiled`, once per process, the first engine run that needs
them; importing the package stays cheap). First choice: an ordinary extension module that
numba's ahead-of-time compiler (``numba.pycc``) built from the same functions and signatures
(:func:`build_ahead_of_time`), kept in the project's cache folder (``$EPAA_CACHE_DIR/compiled``,
else ``~/.cache/epaa-coverage/compiled``), built once per machine and version of this file
(~6 s, as numba's JIT compiling into an empty cache). Loading it takes ~2 ms and never imports
numba, whose import and cached-code loading cost every fresh process 0.5-0.6 s, more than the
engine's own work for a new question (``bench/bench_flights_build.py``). Fallback, when the
module cannot be built (no C compiler; ``pycc`` is pending deprecation in numba and could go)
or with ``EPAA_KERNELS=jit``: numba's JIT, its compiled code cached on disk (``cache=True``) in
``$NUMBA_CACHE_DIR``, which is set, unless the user set it, to ``$EPAA_CACHE_DIR/numba``, else
``~/.cache/epaa-coverage/numba``, never the source tree. :func:`backend` says which is in use;
``tests/test_kernels.py`` checks the two bit for bit.

Two quirks. numba's array maths probe for BLAS when imported by importing ``scipy.linalg``
(0.3-0.4 s); these loops use no BLAS, so :func:`_numba` makes that probe fail fast. And this
package is called ``coverage``, and numba probes for the coverage.py tool of the
same name when it is imported (``numba.misc.coverage_support`` does ``import coverage`` and then
subclasses ``coverage.types.Tracer``). :func:`_numba` hides this package from that one probe, so
numba sees no coverage tool (numba's own coverage reporting is then off, which is what we want).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.machinery
import importlib.util
import logging
import math
import os
import platform
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from coverage.physics.flyout import FlyoutTable
from coverage.physics.geodesy import EARTH_RADIUS_M

__all__ = [
    "RADAR_COLUMNS",
    "WindowSite",
    "first_seen",
    "flyout_windows",
    "latest_launch_times",
    "sample_bounds",
    "numba_cache_dir",
    "sight_bits",
]

_LOAD_LOCK = threading.RLock()


def _cache_base() -> Path:
    """The project's cache folder: ``$EPAA_CACHE_DIR``, else the user cache's ``epaa-coverage``.

    As ``coverage.catalogue.cachedir.cache_folder`` finds it (the physics imports nothing of the
    catalogue's).
    """
    base = os.environ.get("EPAA_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "epaa-coverage"


def numba_cache_dir() -> Path:
    """Where numba keeps compiled code: ``$NUMBA_CACHE_DIR`` or the project's cache folder."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env:
        return Path(env)
    return _cache_base() / "numba"


@functools.cache
def _numba() -> ModuleType:
    """numba, imported once with this package hidden from its coverage.py probe."""
    with _LOAD_LOCK:
        os.environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir()))
        if "numba.misc.coverage_support" not in sys.modules:
            ours = sys.modules.get("coverage")
            sys.modules["coverage"] = None  # type: ignore[assignment]  # 'import coverage' fails
            try:
                import numba.misc.coverage_support  # noqa: F401 - runs the probe, finds nothing
            finally:
                if ours is not None:
                    sys.modules["coverage"] = ours
                else:
                    del sys.modules["coverage"]
        import numba

        if "numba.np.arraymath" not in sys.modules and "scipy.linalg" not in sys.modules:
            # numba.np.arraymath probes for BLAS when imported, by importing scipy.linalg
            # (0.3-0.4 s measured, on every process that loads these loops). The loops here
            # use no BLAS: the probe is made to fail fast, and numba then uses its own loop
            # for the one thing that probe decides (inner products).
            sys.modules["scipy.linalg.cython_blas"] = None  # type: ignore[assignment]
            try:
                import numba.np.arraymath  # noqa: F401 - the probe runs, finds no BLAS
            finally:
                if sys.modules.get("scipy.linalg.cython_blas", 0) is None:
                    del sys.modules["scipy.linalg.cython_blas"]
        return numba


def _window_py(
    t: Any,
    px: Any,
    py: Any,
    pz: Any,
    alt: Any,
    r: Any,
    t_launch: Any,
    site_unit: Any,
    min_alt: Any,
    ceiling: Any,
    cos_limit: Any,
    tables: Any,
    table_of: Any,
    table_shape: Any,
    steps: Any,
    min_intercept_alt: Any,
    sees: Any,
    use_sees: Any,
    lo: Any,
    hi: Any,
    first: Any,
    last: Any,
) -> None:  # pragma: no cover - compiled by numba; tests call the compiled version
    """First and last feasible sample of each row and site (index, ``-1`` where none), in place.

    Sites are the inner loop, so a row's samples are read from memory once for all sites. A
    sample is feasible for site ``s`` when it comes after the launch (``tau > 0``), lies at or
    above ``min_alt[s]`` (and at or below ``ceiling[s]``), within the fan's farthest ground
    range (the ``cos_limit[s]`` dot-product test), and the site's reachability table's earliest
    time to it is no later than ``tau`` (bilinear, every needed corner reachable, as
    ``earliest_time_s``). With ``use_sees[s]`` (no engage on remote) only samples whose bit
    is set in ``sees[s]`` (:func:`sight_bits`: the site's own radar sees them) count.

    Only samples ``lo[s, i]`` … ``hi[s, i]`` are examined (``lo`` ``-1``: none). With an
    infinitely early launch (``-inf``) and every sample allowed, the same loop gives the first
    and last sample that passes every test but the time (:func:`sample_bounds`): a feasible
    sample lies between those whatever the launch time, so scanning only between them gives
    the result of scanning all.
    """
    n = t.shape[0]
    n_s = site_unit.shape[0]
    for i in range(n):
        for s in range(n_s):
            launch = t_launch[s, i]
            first[s, i] = -1
            last[s, i] = -1
            if lo[s, i] < 0 or not launch < math.inf:  # nothing in reach, or no launch
                continue
            tab = tables[table_of[s]]
            na = table_shape[s, 0]
            nr = table_shape[s, 1]
            ux = site_unit[s, 0]
            uy = site_unit[s, 1]
            uz = site_unit[s, 2]
            bits = sees[s, i] if use_sees[s] else sees[s, i, :0]  # empty: every sample counts
            k_first = _scan(
                lo[s, i], hi[s, i] + 1, 1, launch, t[i], px[i], py[i], pz[i], alt[i], r[i], ux,
                uy, uz, min_alt[s], ceiling[s], cos_limit[s], tab, steps[s, 0], steps[s, 1],
                min_intercept_alt[s], na, nr, bits,
            )  # fmt: skip
            if k_first < 0:
                continue
            first[s, i] = k_first
            last[s, i] = _scan(
                hi[s, i], k_first - 1, -1, launch, t[i], px[i], py[i], pz[i], alt[i], r[i], ux,
                uy, uz, min_alt[s], ceiling[s], cos_limit[s], tab, steps[s, 0], steps[s, 1],
                min_intercept_alt[s], na, nr, bits,
            )  # fmt: skip


def _scan_py(
    start: int,
    stop: int,
    step: int,
    launch: float,
    t: Any,
    px: Any,
    py: Any,
    pz: Any,
    alt: Any,
    r: Any,
    ux: float,
    uy: float,
    uz: float,
    min_alt: float,
    ceiling: float,
    cos_limit: float,
    padded: Any,
    range_step: float,
    alt_step: float,
    min_intercept_alt: float,
    na: int,
    nr: int,
    bits: Any,
) -> int:  # pragma: no cover - compiled by numba
    """First sample of one flight in ``range(start, stop, step)`` that is feasible, else -1.

    ``t`` … ``r`` are the flight's samples; ``bits``: its own-radar bits (``np.packbits``
    order), or empty when every sample may count. The site's values are passed in, read
    once per flight, not once per sample.
    """
    use_bits = bits.size > 0
    for k in range(start, stop, step):
        if use_bits and not (bits[k >> 3] >> (7 - (k & 7))) & 1:
            continue
        if _feasible(
            t[k] - launch, px[k], py[k], pz[k], alt[k], r[k], ux, uy, uz, min_alt, ceiling,
            cos_limit, padded, range_step, alt_step, min_intercept_alt, na, nr,
        ):  # fmt: skip
            return k
    return -1


def _feasible_py(
    tau: float,
    x: float,
    y: float,
    z: float,
    h: float,
    rr: float,
    ux: float,
    uy: float,
    uz: float,
    min_alt: float,
    ceiling: float,
    cos_limit: float,
    padded: Any,
    range_step: float,
    alt_step: float,
    min_intercept_alt: float,
    na: int,
    nr: int,
) -> bool:  # pragma: no cover - compiled by numba
    """One sample's feasibility: the scalar form of the numpy path, same operations in order."""
    if not tau > 0.0:
        return False
    when = _when(
        x, y, z, h, rr, ux, uy, uz, min_alt, ceiling, cos_limit, padded, range_step, alt_step,
        min_intercept_alt, na, nr,
    )  # fmt: skip
    return when < math.inf and when <= tau  # (a launch at -inf gives tau = inf: still finite)


def _when_py(
    x: float,
    y: float,
    z: float,
    h: float,
    rr: float,
    ux: float,
    uy: float,
    uz: float,
    min_alt: float,
    ceiling: float,
    cos_limit: float,
    padded: Any,
    range_step: float,
    alt_step: float,
    min_intercept_alt: float,
    na: int,
    nr: int,
) -> float:  # pragma: no cover - compiled by numba
    """The earliest time after launch the interceptor can be at one sample (``inf``: never).

    ``inf`` outside the altitude band, beyond the fan, off the table or where a needed corner
    of the table is unreachable; else the table's bilinear value (as ``earliest_time_s``).
    """
    if not (h >= min_alt and h <= ceiling):
        return math.inf
    dot = x * ux + y * uy + z * uz
    if not dot >= rr * cos_limit:
        return math.inf
    c = dot / rr
    c = min(max(c, -1.0), 1.0)
    ground = math.acos(c) * EARTH_RADIUS_M
    fr = ground / range_step
    fh = h / alt_step
    if not (fr >= 0.0 and fr <= nr - 1 and fh >= 0.0 and fh <= na - 1 and h >= min_intercept_alt):
        return math.inf
    i = int(fr)
    j = int(fh)
    u = fr - i
    w = fh - j
    t00 = padded[j, i]
    t01 = padded[j, i + 1]
    t10 = padded[j + 1, i]
    t11 = padded[j + 1, i + 1]
    when = (t00 + u * (t01 - t00)) * (1.0 - w) + (t10 + u * (t11 - t10)) * w
    if math.isnan(when) and (u == 0.0 or w == 0.0):
        # On a grid line a zero-weight corner need not be reachable (as earliest_time_s).
        acc = 0.0
        wa = (1 - u) * (1 - w)
        wb = u * (1 - w)
        wc = (1 - u) * w
        wd = u * w
        if (wa > 0.0 and math.isnan(t00)) or (wb > 0.0 and math.isnan(t01)):
            return math.inf
        if (wc > 0.0 and math.isnan(t10)) or (wd > 0.0 and math.isnan(t11)):
            return math.inf
        acc += wa * t00 if wa > 0.0 else 0.0
        acc += wb * t01 if wb > 0.0 else 0.0
        acc += wc * t10 if wc > 0.0 else 0.0
        acc += wd * t11 if wd > 0.0 else 0.0
        when = acc
    return math.inf if math.isnan(when) else when


def _latest_py(
    t: Any,
    px: Any,
    py: Any,
    pz: Any,
    alt: Any,
    r: Any,
    site_unit: Any,
    min_alt: Any,
    ceiling: Any,
    cos_limit: Any,
    tables: Any,
    table_of: Any,
    table_shape: Any,
    steps: Any,
    min_intercept_alt: Any,
    sees: Any,
    use_sees: Any,
    lo: Any,
    hi: Any,
    fastest: Any,
    latest: Any,
) -> None:  # pragma: no cover - compiled by numba; tests call the compiled version
    """The latest launch time from which each site can still intercept each flight, in place.

    ``latest[s, i]`` = the largest ``t − when`` over the samples ``lo[s, i]`` … ``hi[s, i]``
    that pass every test of the window loop but the time (``when``: :func:`_when_py`; with
    ``use_sees[s]`` only samples whose own-radar bit is set); ``-inf`` where none. A launch at
    ``L`` has a feasible sample exactly when ``L <= latest`` (the window loop's time test is
    ``when <= t − L``), so one scan answers every delay.

    The scan runs backwards and stops once ``t − fastest[s]`` cannot beat the best so far
    (``fastest``: a lower bound of ``when`` on the site's table): no earlier sample can, since
    ``t`` only falls.
    """
    n = t.shape[0]
    n_s = site_unit.shape[0]
    for i in range(n):
        for s in range(n_s):
            best = -math.inf
            latest[s, i] = best
            if lo[s, i] < 0:
                continue
            tab = tables[table_of[s]]
            na = table_shape[s, 0]
            nr = table_shape[s, 1]
            ux = site_unit[s, 0]
            uy = site_unit[s, 1]
            uz = site_unit[s, 2]
            use_bits = use_sees[s]
            for k in range(hi[s, i], lo[s, i] - 1, -1):
                if t[i, k] - fastest[s] <= best:
                    break
                if use_bits and not (sees[s, i, k >> 3] >> (7 - (k & 7))) & 1:
                    continue
                when = _when(
                    px[i, k], py[i, k], pz[i, k], alt[i, k], r[i, k], ux, uy, uz, min_alt[s],
                    ceiling[s], cos_limit[s], tab, steps[s, 0], steps[s, 1],
                    min_intercept_alt[s], na, nr,
                )  # fmt: skip
                if when < math.inf and t[i, k] - when > best:
                    best = t[i, k] - when
            latest[s, i] = best


#: Columns of a radar's row of constants (one row per search mode: 0 search, 1 cued range),
#: computed by :func:`coverage.physics.engagement.radar_rows` the way the numpy test does.
RADAR_COLUMNS = (
    "ux", "uy", "uz", "ex", "ey", "ez", "nx", "ny", "nz",  # unit vector, east, north
    "sector", "boresight_deg", "fov_deg",  # 1.0 when the radar has a sector
    "r1_m", "limit2_m2", "max_slant_m",  # R_E + height; (slant range · (1 + 1e-9))²; range
    "re_m", "half_pi_minus_elev", "r1h_cos_elev",  # horizon: k·R_E, π/2 − elev, r₁·cos(elev)
    # The refracted mask (radar.horizon_ground_range_m): with a bending > 0 the loop computes
    # elev = max(mask − bending · share(h − height), dip) per sample, and the two above unused.
    "mask_rad", "dip_rad", "refraction_rad", "r1h_m", "height_m",
)  # fmt: skip
(_UX, _UY, _UZ, _EX, _EY, _EZ, _NX, _NY, _NZ, _SECTOR, _BORESIGHT, _FOV, _R1, _LIMIT2, _SLANT,
 _RE, _HPE, _RCE, _MASK, _DIP, _REFR, _R1H, _HR) = range(len(RADAR_COLUMNS))  # fmt: skip
#: radar.REFRACTIVITY_SCALE_HEIGHT_M, as the loops' constant (the module imports no radar).
_REFR_SCALE_H = 7_350.0


def _visible_py(
    x: float, y: float, z: float, rr: float, h: float, rd: Any
) -> bool:  # pragma: no cover - compiled by numba
    """Whether a radar (its constants ``rd``) sees a sample: slant range, horizon, sector.

    The scalar form of ``radar._visible_from_polar`` after ``engagement._polar``, with the
    engine's cheap slant-range pre-test (a 1e-9 margin: it never rejects a visible sample).
    """
    r1 = rd[_R1]
    dot = x * rd[_UX] + y * rd[_UY] + z * rd[_UZ]
    if not (r1 * r1) + rr * rr - (2.0 * r1) * dot <= rd[_LIMIT2]:
        return False
    ground = math.acos(min(max(dot / rr, -1.0), 1.0)) * EARTH_RADIUS_M
    theta = ground / EARTH_RADIUS_M
    r2 = EARTH_RADIUS_M + h
    slant = math.sqrt(max(r1 * r1 + r2 * r2 - 2.0 * r1 * r2 * math.cos(theta), 0.0))
    if not slant <= rd[_SLANT]:
        return False
    re = rd[_RE]
    hpe, rce = rd[_HPE], rd[_RCE]
    if rd[_REFR] > 0.0:  # radar.refraction_fraction, in the same order of operations
        dh = h - rd[_HR]
        xh = max(dh, 1e-300) / _REFR_SCALE_H  # not ``x``: the sample's x is read below
        part = 1.0 + math.expm1(-xh) / xh if dh > 0.0 else 0.0
        elev = max(rd[_MASK] - rd[_REFR] * part, rd[_DIP])
        hpe = math.pi / 2.0 - elev
        rce = rd[_R1H] * math.cos(elev)
    below = hpe - math.asin(min(max(rce / (re + max(h, 0.0)), -1.0), 1.0))
    if not ground <= max(below, 0.0) * re * (1.0 + 1e-12):
        return False
    if rd[_SECTOR] > 0.0:
        xe = x * rd[_EX] + y * rd[_EY] + z * rd[_EZ]
        yn = x * rd[_NX] + y * rd[_NY] + z * rd[_NZ]
        az = math.degrees(math.atan2(xe, yn))
        off = (az - rd[_BORESIGHT] + 180.0) % 360.0 - 180.0
        if not abs(off) <= rd[_FOV] / 2.0:
            return False
    return True


def _first_seen_py(
    t: Any,
    px: Any,
    py: Any,
    pz: Any,
    alt: Any,
    r: Any,
    rows: Any,
    rd: Any,
    lo: Any,
    hi: Any,
    out: Any,
) -> None:  # pragma: no cover - compiled by numba
    """Time of the first sample in [``lo[i]``, ``hi[i]``) the radar ``rd`` sees, rows ``rows``.

    Writes ``out[i]`` for those rows only (``inf`` where never seen). A row's times never
    decrease, so the scan stops at ``hi``.
    """
    n_k = t.shape[1]
    for i in rows:
        out[i] = np.inf
        for k in range(n_k):
            tk = t[i, k]
            if tk >= hi[i]:
                break
            if tk >= lo[i] and _visible(px[i, k], py[i, k], pz[i, k], r[i, k], alt[i, k], rd):
                out[i] = tk
                break


def _sight_bits_py(
    px: Any,
    py: Any,
    pz: Any,
    alt: Any,
    r: Any,
    radar: Any,
    cued: Any,
    site_unit: Any,
    min_alt: float,
    ceiling: float,
    cos_limit: float,
    bits: Any,
) -> None:  # pragma: no cover - compiled by numba
    """Set the bit (``np.packbits`` order) of every sample a site's own radar sees, in place.

    Only samples the site could engage at all are examined (its altitude band and fan, the
    launch-free tests of :func:`_feasible_py`); ``radar`` is ``(2, len(RADAR_COLUMNS))``: the
    search range, and on rows where ``cued`` the cued range.
    """
    n, n_k = px.shape
    ux, uy, uz = site_unit[0], site_unit[1], site_unit[2]
    for i in range(n):
        rd = radar[1] if cued[i] else radar[0]
        for k in range(n_k):
            h = alt[i, k]
            if not (h >= min_alt and h <= ceiling):
                continue
            x, y, z, rr = px[i, k], py[i, k], pz[i, k], r[i, k]
            if not x * ux + y * uy + z * uz >= rr * cos_limit:
                continue
            if _visible(x, y, z, rr, h, rd):
                bits[i, k >> 3] |= np.uint8(1 << (7 - (k & 7)))


#: The loops' names, in the order :func:`_compiled` returns them.
_LOOPS = ("window", "first_seen", "sight", "latest")

#: ``EPAA_KERNELS=jit`` skips the ahead-of-time module: numba compiles the loops in the
#: process (loaded from its disk cache when there), as before the module existed.
KERNELS_ENV = "EPAA_KERNELS"

_LOGGER = logging.getLogger(__name__)
_KERNELS: tuple[Any, ...] | None = None
#: How the loops were loaded: ``"ahead-of-time <path>"`` or ``"jit (<why>)"``; ``None`` before.
_BACKEND: str | None = None


def _helpers(numba: ModuleType) -> None:
    """Compile the helpers the loops call by their global names (inlined into each loop)."""
    globals()["_when"] = numba.njit(cache=True, nogil=True, inline="always")(_when_py)
    globals()["_feasible"] = numba.njit(cache=True, nogil=True, inline="always")(_feasible_py)
    globals()["_scan"] = numba.njit(cache=True, nogil=True, inline="always")(_scan_py)
    globals()["_visible"] = numba.njit(cache=True, nogil=True, inline="always")(_visible_py)


def _signatures(t: Any) -> dict[str, Any]:
    """Each loop's one explicit signature (``t``: ``numba.types``), as :data:`_LOOPS` names them.

    Any layout ('A') and read-only inputs, so contiguous or sliced, writable or read-only
    arrays (tracks loaded from the disk cache) all use the same machine code instead of
    compiling a variant each (about 1 s apiece).
    """

    def arr(dtype: Any, ndim: int, readonly: bool = True) -> Any:
        return t.Array(dtype, ndim, "A", readonly=readonly)

    f2, f1 = arr(t.float64, 2), arr(t.float64, 1)
    samples = (f2, f2, f2, f2, f2, f2)  # t, px, py, pz, alt, r
    # The sites' arrays (_site_arrays) and the bounds, as the window and latest loops take them.
    sites = (
        f2, f1, f1, f1,  # site_unit, min_alt, ceiling, cos_limit
        arr(t.float64, 3), arr(t.int64, 1), arr(t.int64, 2), f2, f1,  # tables … min alt
        arr(t.uint8, 3), arr(t.boolean, 1),  # sees, use_sees
    )  # fmt: skip
    bounds = (arr(t.int64, 2), arr(t.int64, 2))  # lo, hi: the samples to examine
    return {
        "window": t.void(
            *samples,
            f2,  # t_launch
            *sites,
            *bounds,
            arr(t.int64, 2, False), arr(t.int64, 2, False),  # first, last (written)
        ),
        "first_seen": t.void(
            f2, f2, f2, f2, f2, f2,  # samples: t, px, py, pz, alt, r
            arr(t.int64, 1), f1, f1, f1,  # rows, radar constants, lo, hi
            arr(t.float64, 1, False),  # out (written)
        ),
        "sight": t.void(
            f2, f2, f2, f2, f2,  # px, py, pz, alt, r
            f2, arr(t.boolean, 1), f1,  # radar constants, cued rows, site unit vector
            t.float64, t.float64, t.float64,  # min_alt, ceiling, cos_limit
            arr(t.uint8, 2, False),  # bits (written)
        ),
        "latest": t.void(
            *samples,
            *sites,
            *bounds,
            f1,  # fastest: a lower bound of each site's fly-out times
            arr(t.float64, 2, False),  # latest (written)
        ),
    }  # fmt: skip


def _loop_sources(numba: ModuleType) -> list[tuple[str, Any, Any]]:
    """``(name, signature, Python function)`` of each loop, in :data:`_LOOPS` order.

    The helpers the loops call are compiled first (:func:`_helpers`): both the JIT and the
    ahead-of-time build compile the loops from these.
    """
    _helpers(numba)
    signatures = _signatures(numba.types)
    functions = {
        "window": _window_py,
        "first_seen": _first_seen_py,
        "sight": _sight_bits_py,
        "latest": _latest_py,
    }
    return [(name, signatures[name], functions[name]) for name in _LOOPS]


def jit_loops() -> tuple[Any, ...]:
    """The loops compiled by numba's JIT in this process (from numba's disk cache when there)."""
    numba = _numba()
    with _LOAD_LOCK:
        return tuple(
            numba.njit(signature, cache=True, nogil=True)(function)
            for _, signature, function in _loop_sources(numba)
        )


def compiled_folder() -> Path:
    """Where the ahead-of-time module lives: ``compiled/`` in the project's cache folder."""
    return _cache_base() / "compiled"


def module_name() -> str:
    """The ahead-of-time module's name: a new name whenever what it was built from changes.

    Its key covers this file's source (the loops and their constants), the Earth radius they
    are compiled with, the numba and numpy versions and the interpreter's ABI.
    """
    import importlib.metadata

    h = hashlib.sha256(Path(__file__).read_bytes())
    for part in (
        repr(EARTH_RADIUS_M),
        importlib.metadata.version("numba"),
        np.__version__,
        sys.implementation.cache_tag,
        platform.machine(),
    ):
        h.update(b"\0" + part.encode())
    return f"epaa_kernels_{h.hexdigest()[:16]}"


def _module_path(folder: Path, name: str) -> Path:
    return folder / (name + importlib.machinery.EXTENSION_SUFFIXES[0])


def _load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - an extension path always has one
        raise ImportError(f"no loader for {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_ahead_of_time(folder: Path, name: str) -> Path:
    """Compile the loops with numba's ahead-of-time compiler into ``folder/name<suffix>``.

    The result is an ordinary extension module: a process imports it in about a millisecond,
    without importing numba (whose import and compiled-code loading take 0.5-0.6 s of every
    fresh process that runs the engine). Same code generator, same signatures: the tests check
    it bit for bit against the JIT-compiled loops. numba's ``pycc`` is pending deprecation
    (numba 0.57+; "replacement technology is being developed"), so a failed build (no C
    compiler, a numba without pycc) only means the JIT loops, as before. Its wrappers would
    hold the interpreter lock while a loop runs; they are built with ``release_gil`` set, as
    ``nogil=True`` does for the JIT loops (the dashboard's background thread relies on it).
    Takes ~6 s, once per machine and version of this file. Written to a temporary folder and
    moved into place, so concurrent builders leave one whole module.
    """
    numba = _numba()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumbaPendingDeprecationWarning for pycc itself
        import numba.pycc.compiler as pycc_compiler
        from numba.pycc import CC
    with _LOAD_LOCK:
        sources = _loop_sources(numba)
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".build-", dir=folder))
        flags = pycc_compiler.Flags

        class _ReleaseGil(flags):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.release_gil = True

        try:
            cc = CC(name)
            cc.output_dir = str(work)
            cc.verbose = False
            for loop, signature, function in sources:
                cc.export(loop, signature)(function)
            pycc_compiler.Flags = _ReleaseGil  # type: ignore[misc]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cc.compile()
            finally:
                pycc_compiler.Flags = flags  # type: ignore[misc]
            built = _module_path(work, name)
            if not built.exists():
                built = next(work.glob(name + ".*"))
            target = _module_path(folder, name)
            os.replace(built, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    for old in folder.glob("epaa_kernels_*"):  # earlier versions' modules
        if old.name != target.name:
            with contextlib.suppress(OSError):
                old.unlink()
    return target


def _ahead_of_time() -> tuple[tuple[Any, ...] | None, str]:
    """The loops from the ahead-of-time module (built first if missing), or ``None`` and why."""
    try:
        folder, name = compiled_folder(), module_name()
        path = _module_path(folder, name)
        if not path.exists():
            build_ahead_of_time(folder, name)
        module = _load_module(path, name)
        loops = tuple(getattr(module, loop) for loop in _LOOPS)
    except Exception as exc:  # no compiler, no pycc, a read-only cache: the JIT loops
        why = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        _LOGGER.warning("ahead-of-time loops unavailable (%s); using numba's JIT", why)
        return None, why
    return loops, f"ahead-of-time {path}"


def _compiled() -> tuple[Any, ...]:
    """The four loops (:data:`_LOOPS`), loaded once per process.

    The ahead-of-time module when it can be had (:func:`build_ahead_of_time`), else numba's
    JIT (:func:`jit_loops`; also with ``EPAA_KERNELS=jit``). :func:`backend` says which.
    """
    global _KERNELS, _BACKEND
    if _KERNELS is not None:
        return _KERNELS
    with _LOAD_LOCK:
        if _KERNELS is None:
            loops: tuple[Any, ...] | None = None
            if os.environ.get(KERNELS_ENV, "").strip().lower() == "jit":
                why = f"{KERNELS_ENV}=jit"
            else:
                loops, why = _ahead_of_time()
            if loops is None:
                loops = jit_loops()
                why = f"jit ({why})"
            _BACKEND = why
            _KERNELS = loops
    return _KERNELS


def backend() -> str:
    """How this process runs the loops (loads them first): ahead-of-time module or JIT, and why."""
    _compiled()
    assert _BACKEND is not None
    return _BACKEND


_when = _when_py
_feasible = _feasible_py  # replaced by the compiled functions before the loop is compiled
_scan = _scan_py
_visible = _visible_py


@dataclass(frozen=True)
class WindowSite:
    """One interceptor site as the window loop needs it.

    Attributes
    ----------
    unit
        The site's unit vector (Earth-fixed).
    min_alt_m, ceiling_m
        The site's altitude band (``ceiling_m`` ``None``: no ceiling).
    cos_limit
        cos of the fan's farthest ground angle (samples with P·Ŝ < r·cos_limit are beyond it).
    table
        The interceptor's reachability table.
    """

    unit: tuple[float, float, float]
    min_alt_m: float
    ceiling_m: float | None
    cos_limit: float
    table: FlyoutTable


@functools.lru_cache(maxsize=32)
def _stacked(tables: tuple[FlyoutTable, ...]) -> NDArray[np.float64]:
    """The tables in one ``(T, A + 1, R + 1)`` array, ``nan`` past each table's own edges."""
    na = max(tb.time_s.shape[0] for tb in tables) + 1
    nr = max(tb.time_s.shape[1] for tb in tables) + 1
    out = np.full((len(tables), na, nr), np.nan)
    for i, tb in enumerate(tables):
        a, r = tb.time_s.shape
        out[i, :a, :r] = tb.time_s
    out.flags.writeable = False
    return out


def first_seen(
    t: NDArray[np.float64],
    px: NDArray[np.float64],
    py: NDArray[np.float64],
    pz: NDArray[np.float64],
    alt: NDArray[np.float64],
    r: NDArray[np.float64],
    rows: NDArray[np.int64],
    radar: NDArray[np.float64],
    t_min: NDArray[np.float64],
    t_max: NDArray[np.float64],
) -> NDArray[np.float64]:
    """First time each flight of ``rows`` is seen by a radar within [``t_min``, ``t_max``).

    ``radar``: its constants (one row of ``RADAR_COLUMNS``); ``t_min``, ``t_max``: ``(n,)``.
    ``inf`` where not seen and on the rows not listed.
    """
    out = np.full(t.shape[0], np.inf)
    _compiled()[1](
        t,
        px,
        py,
        pz,
        alt,
        r,
        np.ascontiguousarray(rows, dtype=np.int64),
        radar,
        np.ascontiguousarray(t_min, dtype=np.float64),
        np.ascontiguousarray(t_max, dtype=np.float64),
        out,
    )
    return out


def sight_bits(
    px: NDArray[np.float64],
    py: NDArray[np.float64],
    pz: NDArray[np.float64],
    alt: NDArray[np.float64],
    r: NDArray[np.float64],
    radar: NDArray[np.float64] | None,
    cued: NDArray[np.bool_],
    site: WindowSite,
) -> NDArray[np.uint8]:
    """Where a site's own radar sees the threat: ``np.packbits`` of that mask along the samples.

    ``radar``: its constants, ``(2, len(RADAR_COLUMNS))`` (search, cued range); ``None``: the
    site has no radar of its own (no bit set). ``cued``: ``(n,)``, rows searched at the cued
    range. Only samples in the site's altitude band and fan are examined.
    """
    n, n_k = px.shape
    bits = np.zeros((n, (n_k + 7) // 8), np.uint8)
    if radar is None:
        return bits
    _compiled()[2](
        px,
        py,
        pz,
        alt,
        r,
        radar,
        np.ascontiguousarray(cued, dtype=bool),
        np.array(site.unit, float),
        float(site.min_alt_m),
        math.inf if site.ceiling_m is None else float(site.ceiling_m),
        float(site.cos_limit),
        bits,
    )
    return bits


def _site_arrays(
    sites: Sequence[WindowSite], sees: Sequence[NDArray[np.uint8] | None] | None, n: int, n_k: int
) -> tuple[Any, ...]:
    """The sites' constants as the compiled loops take them (site_unit … use_sees)."""
    n_s = len(sites)
    tables = tuple(dict.fromkeys(s.table for s in sites))
    table_of = np.array([tables.index(s.table) for s in sites], np.int64)
    shape = np.array([s.table.time_s.shape for s in sites], np.int64)
    steps = np.array(
        [(s.table.spec.range_step_m, s.table.spec.altitude_step_m) for s in sites], float
    )
    bits = np.zeros((n_s, n, (n_k + 7) // 8), np.uint8)
    use = np.zeros(n_s, bool)
    for j, b in enumerate(sees or [None] * n_s):
        if b is not None:
            bits[j], use[j] = b, True
    return (
        np.array([s.unit for s in sites], float),
        np.array([s.min_alt_m for s in sites], float),
        np.array([math.inf if s.ceiling_m is None else s.ceiling_m for s in sites], float),
        np.array([s.cos_limit for s in sites], float),
        _stacked(tables),
        table_of,
        shape,
        steps,
        np.array([s.table.min_intercept_alt_m for s in sites], float),
        bits,
        use,
    )


#: A block's samples as the compiled loops take them: ``t, px, py, pz, alt, r``, each ``(n, K)``.
_Samples = tuple[NDArray[np.float64], ...]


def _window_samples(
    samples: _Samples,
    t_launch: NDArray[np.float64],
    arrays: tuple[Any, ...],
    lo: NDArray[np.int64],
    hi: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The compiled window loop: first and last feasible sample ``(S, n)``, ``-1`` where none."""
    first = np.empty(lo.shape, np.int64)
    last = np.empty(lo.shape, np.int64)
    _compiled()[0](
        *samples,
        np.ascontiguousarray(t_launch, dtype=np.float64),
        *arrays,
        np.ascontiguousarray(lo),
        np.ascontiguousarray(hi),
        first,
        last,
    )
    return first, last


def _bounds(
    samples: _Samples, arrays: tuple[Any, ...], n_s: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """:func:`sample_bounds` with the sites' arrays made: the window of a launch at ``-inf``."""
    n, n_k = samples[0].shape
    every = (np.zeros((n_s, n), np.int64), np.full((n_s, n), n_k - 1, np.int64))
    return _window_samples(samples, np.full((n_s, n), -np.inf), arrays, *every)


def sample_bounds(
    t: NDArray[np.float64],
    px: NDArray[np.float64],
    py: NDArray[np.float64],
    pz: NDArray[np.float64],
    alt: NDArray[np.float64],
    r: NDArray[np.float64],
    sites: Sequence[WindowSite],
    sees: Sequence[NDArray[np.uint8] | None] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """First and last sample of each flight (row) that each site could reach at all.

    Every test of :func:`flyout_windows` but the time: the sample is in the site's altitude
    band and fan, its reachability table reaches it, and (with ``sees``) the site's own radar
    sees it; that is the window loop itself with an infinitely early launch. A feasible sample
    lies between the two whatever the launch time, so the bounds are computed once per track
    block and site and reused for every delay. Returns two ``(S, n)`` int64 arrays (``-1``,
    ``-1`` where no sample qualifies).
    """
    n, n_k = t.shape
    n_s = len(sites)
    if n_s == 0:
        return np.empty((0, n), np.int64), np.empty((0, n), np.int64)
    return _bounds((t, px, py, pz, alt, r), _site_arrays(sites, sees, n, n_k), n_s)


def flyout_windows(
    t: NDArray[np.float64],
    px: NDArray[np.float64],
    py: NDArray[np.float64],
    pz: NDArray[np.float64],
    alt: NDArray[np.float64],
    r: NDArray[np.float64],
    t_launch: NDArray[np.float64],
    sites: Sequence[WindowSite],
    sees: Sequence[NDArray[np.uint8] | None] | None = None,
    bounds: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """First and last intercept time of each flight (row) from each site, s (``nan``: none).

    ``t`` … ``r``: ``(n, k)`` samples (time, Earth-fixed position, altitude, radius);
    ``t_launch``: ``(S, n)`` interceptor launch times; ``sees``: per site, ``None`` (any radar
    may guide the interceptor: engage on remote) or :func:`sight_bits` (only samples its own
    radar sees count); ``bounds``: :func:`sample_bounds` of the same samples, sites and
    ``sees`` if kept from an earlier call (computed here otherwise). Returns two ``(S, n)``
    arrays.
    """
    n, n_k = t.shape
    n_s = len(sites)
    if n_s == 0 or n_k == 0:  # no site, or flights without samples: no window
        return np.full((n_s, n), np.nan), np.full((n_s, n), np.nan)
    arrays = _site_arrays(sites, sees, n, n_k)
    if bounds is None:
        lo, hi = _bounds((t, px, py, pz, alt, r), arrays, n_s)
    else:
        lo, hi = bounds
        if lo.shape != (n_s, n) or hi.shape != (n_s, n):
            raise ValueError(f"bounds of shape {lo.shape} for {n_s} sites and {n} flights")
        # The compiled loop does not check indices: bounds from elsewhere must be in range.
        if lo.size and (lo.min() < -1 or hi.max() >= n_k or bool(((lo >= 0) & (hi < lo)).any())):
            raise ValueError(f"bounds outside the samples 0..{n_k - 1} (or hi < lo)")
    k_first, k_last = _window_samples((t, px, py, pz, alt, r), t_launch, arrays, lo, hi)

    def times(k: NDArray[np.int64]) -> NDArray[np.float64]:
        at = np.take_along_axis(t, np.maximum(k, 0).T, axis=1).T
        return np.where(k >= 0, at, np.nan)

    return times(k_first), times(k_last)


def latest_launch_times(
    t: NDArray[np.float64],
    px: NDArray[np.float64],
    py: NDArray[np.float64],
    pz: NDArray[np.float64],
    alt: NDArray[np.float64],
    r: NDArray[np.float64],
    sites: Sequence[WindowSite],
    sees: Sequence[NDArray[np.uint8] | None] | None = None,
    bounds: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
) -> NDArray[np.float64]:
    """The latest interceptor launch time from which each site can still reach each flight.

    ``(S, n)`` seconds after the threat's launch (``-inf``: no sample is reachable at all). For
    any launch time ``L``, :func:`flyout_windows` finds a window exactly when ``L <= latest``:
    the window loop's tests but the time do not depend on ``L``, and its time test is
    ``when <= t − L``. So one scan gives the answer for every detection-to-launch delay.
    ``bounds``: :func:`sample_bounds` of the same samples, sites and ``sees`` if kept.
    """
    n, n_k = t.shape
    n_s = len(sites)
    if n_s == 0 or n_k == 0:
        return np.full((n_s, n), -np.inf)
    arrays = _site_arrays(sites, sees, n, n_k)
    lo, hi = _bounds((t, px, py, pz, alt, r), arrays, n_s) if bounds is None else bounds
    fastest = np.array([_fastest(s.table) for s in sites], float)
    out = np.empty((n_s, n), np.float64)
    _compiled()[3](
        t, px, py, pz, alt, r, *arrays, np.ascontiguousarray(lo), np.ascontiguousarray(hi),
        fastest, out,
    )  # fmt: skip
    return out


@functools.lru_cache(maxsize=64)
def _fastest(table: FlyoutTable) -> float:
    """A lower bound of every fly-out time the window loop can read off ``table``, s.

    The loop reads a point at or above the lowest intercept altitude, interpolating between
    the table's row at or below it and the next: every such value is at least the smallest
    entry of those rows (a weighted mean of entries). 0 when none is finite.
    """
    first = int(table.min_intercept_alt_m // table.spec.altitude_step_m)
    usable = table.time_s[max(first, 0) :]
    return float(np.nanmin(usable)) if np.isfinite(usable).any() else 0.0
