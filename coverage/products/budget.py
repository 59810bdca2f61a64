"""A bound on the work one request may start, checked before computing.

The engagement kernel's cost grows with targets × trajectory samples × launch points × (sites
+ radars). :func:`check_engagement_work` estimates that product from the resolved physics inputs
and refuses a request above :data:`MAX_ENGAGEMENT_WORK` with a message that says what to
reduce, so one request (an upload of hundreds of what-if sites, say) cannot hold a core for
minutes and gigabytes while other users wait.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections.abc import Iterator

from coverage.physics.ballistics import profiles
from coverage.scenario import Setup

__all__ = [
    "ENGINE_THREADS_ENV",
    "LARGE_WORK",
    "MAX_ENGAGEMENT_WORK",
    "WorkBudgetError",
    "check_engagement_work",
    "engagement_work",
    "engine_threads",
    "large_job_slot",
    "usable_cores",
]

#: Sample evaluations one engagement run may take. The heaviest bundled state (2024 as built,
#: all of Iran, 25 km grid, the design-case threat) needs ~0.5e9; this leaves room for
#: what-if sites (a few dozen) and stops a run that would take minutes.
MAX_ENGAGEMENT_WORK = 2.5e9


#: Above this many sample evaluations a run counts as large: large runs take turns (one at a
#: time per server process); small ones (one launch area at 25 km is ~0.05e9, all of Iran
#: ~0.5e9) never wait for them.
LARGE_WORK = 6.0e8
#: How long a large run waits for its turn before the user is told to try again, s.
LARGE_WAIT_S = 60.0
_LARGE_SLOT = threading.BoundedSemaphore(1)


#: Threads one engine run may use (its chunks of targets run in parallel; the compiled loops
#: release the interpreter lock). Unset: 1, so one dashboard request holds one core. The
#: command line (``python -m coverage``, one user's own process) sets it to the usable cores.
ENGINE_THREADS_ENV = "EPAA_ENGINE_THREADS"


def engine_threads() -> int:
    """Threads for one engine run: ``$EPAA_ENGINE_THREADS`` (1 to the usable cores), else 1."""
    raw = os.environ.get(ENGINE_THREADS_ENV, "").strip()
    try:
        wanted = int(raw) if raw else 1
    except ValueError:
        wanted = 1
    return max(1, min(wanted, usable_cores()))


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class WorkBudgetError(ValueError):
    """A request above the work budget, or one that could not get its turn; says what to do."""


@contextlib.contextmanager
def large_job_slot(work: float, *, wait_s: float = LARGE_WAIT_S) -> Iterator[None]:
    """Take the one slot for large runs (``work`` > :data:`LARGE_WORK`); small runs pass through.

    One user's large request then holds at most one core and one run's memory at a time, and
    a second large request waits up to ``wait_s`` and is then refused with a message, instead
    of piling up. Small requests are never queued behind large ones.
    """
    if work <= LARGE_WORK:
        yield
        return
    if not _LARGE_SLOT.acquire(timeout=wait_s):
        raise WorkBudgetError(
            f"another large computation has been running for over {wait_s:g} s on this server; "
            "try again in a minute, or reduce the request (coarser grid, one launch area, "
            "fewer what-if sites)"
        )
    try:
        yield
    finally:
        _LARGE_SLOT.release()


def engagement_work(setup: Setup, n_targets: int) -> float:
    """Sample evaluations of one kernel run: targets × samples × launch points × (sites + radars)."""
    longest = profiles(
        [min(setup.threat.max_range_m, 19_000_000.0)],
        setup.threat.profile,
        time_step_s=setup.assumptions.time_step_s,
    )
    samples = float(longest.time_s.shape[1])
    sensors = len(setup.sites) + len(setup.radars)
    return float(n_targets) * samples * len(setup.launch_points) * max(sensors, 1)


def check_engagement_work(
    setup: Setup, n_targets: int, *, limit: float = MAX_ENGAGEMENT_WORK
) -> float:
    """The work of one run of ``setup`` over ``n_targets``; :class:`WorkBudgetError` if too large."""
    work = engagement_work(setup, n_targets)
    if work <= limit:
        return work
    factor = work / limit
    raise WorkBudgetError(
        f"this request would take ~{work:.2g} sample evaluations, {factor:.1f}x the limit of "
        f"{limit:.2g} per request ({n_targets:,} targets, {len(setup.launch_points)} launch "
        f"points, {len(setup.sites)} interceptor sites, {len(setup.radars)} radars); reduce it: "
        f"a coarser grid (grid_km ≥ {math.ceil(25 * math.sqrt(factor)):d}), one launch area "
        "instead of all of Iran, or fewer what-if sites"
    )
