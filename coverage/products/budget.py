"""A bound on the work one request may start, checked before computing.

The engagement kernel's cost grows with targets × trajectory samples × launch points × (sites
+ radars). :func:`check_engagement_work` estimates that product from the resolved physics inputs
and refuses a request above :data:`MAX_ENGAGEMENT_WORK` with a message that says what to
reduce, so one request (an upload of hundreds of what-if sites, say) cannot hold a core for
minutes and gigabytes while other users wait.
"""

from __future__ import annotations

import math

from coverage.physics.ballistics import profiles
from coverage.scenario import Setup

__all__ = ["MAX_ENGAGEMENT_WORK", "WorkBudgetError", "check_engagement_work", "engagement_work"]

#: Sample evaluations one engagement run may take. The heaviest bundled state (2024 as built,
#: all of Iran, 25 km grid, the design-case threat) needs ~0.4e9; this leaves room for
#: what-if sites (a few dozen) and stops a run that would take minutes.
MAX_ENGAGEMENT_WORK = 2.5e9


class WorkBudgetError(ValueError):
    """A request above the work budget; the message says what to reduce."""


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
) -> None:
    """Raise :class:`WorkBudgetError` when one run of ``setup`` over ``n_targets`` is too large."""
    work = engagement_work(setup, n_targets)
    if work <= limit:
        return
    factor = work / limit
    raise WorkBudgetError(
        f"this request would take ~{work:.2g} sample evaluations, {factor:.1f}x the limit of "
        f"{limit:.2g} per request ({n_targets:,} targets, {len(setup.launch_points)} launch "
        f"points, {len(setup.sites)} interceptor sites, {len(setup.radars)} radars); reduce it: "
        f"a coarser grid (grid_km ≥ {math.ceil(25 * math.sqrt(factor)):d}), one launch area "
        "instead of all of Iran, or fewer what-if sites"
    )
