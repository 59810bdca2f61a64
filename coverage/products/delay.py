"""The defended share at every detection-to-launch delay, from one engine run.

The engine records, for each launch point, site and target, the latest launch time from which
the site can still intercept (:attr:`~coverage.physics.engagement.EngagementResult.latest_launch_s`).
An interceptor launched at ``detection + delay`` intercepts exactly when that is no later. With
no early-warning radar in the state, the launch moves one for one with the delay, so the
defended targets at another delay follow from the same run without a new one; the engine's
tests check the derivation against runs at other delays, and :func:`delay_curve` says which
states it does not hold for (shoot-look-shoot, early-warning radars, sites on the reach
formula) instead of guessing.

This is what explains a delay slider that "does nothing": the curve shows how much later each
year's interceptors could still be launched before the first place is lost.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from coverage.catalogue.tables import Catalogue
from coverage.products.defended import DefendedGrid, defended_grid
from coverage.products.metrics import _metrics_from_grid
from coverage.scenario import DefenceQuery, FootprintOptions

__all__ = [
    "DELAYS_S",
    "RUN_DELAY_S",
    "DelayCurve",
    "delay_curve",
    "delay_curve_for",
    "threshold_delays",
]

#: The delays the dashboard's slider offers, s.
DELAYS_S = tuple(float(d) for d in range(0, 301, 10))
#: The delay :func:`delay_curve_for` runs the engine at, for a state at any delay, s.
RUN_DELAY_S = 0.0


@dataclass(frozen=True)
class DelayCurve:
    """The defended share of NATO Europe at each delay, and where the answer changes.

    Attributes
    ----------
    table
        ``delay_s, area_share, population_share, capitals_defended`` (shares 0..1), one row per
        delay; ``None`` with ``reason`` when the state does not allow the derivation.
    delay_s
        The state's own delay.
    lost_at_s
        Past this delay the first place defended at the state's delay is lost (exact, not on
        the table's steps; ``inf``: none defended).
    gained_at_s
        At or below this delay a place not defended at the state's delay would be (negative:
        only by a launch before detection; ``-inf``: none, however early the launch).
    reason
        Why there is no table (empty when there is one).
    """

    table: pd.DataFrame | None
    delay_s: float
    lost_at_s: float = float("nan")
    gained_at_s: float = float("nan")
    reason: str = ""

    def _lost(self, hi: float = math.inf) -> str:
        if not np.isfinite(self.lost_at_s):
            return "no place is defended"
        lost = _tenth(self.lost_at_s)
        if lost > hi:  # beyond the slider's range: said so (it read like a slider value)
            return (
                f"the first defended place would be lost only past {lost:,.1f} s, beyond {hi:g} s"
            )
        return f"the first defended place is lost past a delay of {lost:,.1f} s"

    def _gained(self) -> str:
        g = self.gained_at_s
        if not np.isfinite(g):
            return "no launch, however early, would defend a place that is not defended now"
        if g < 0.0:
            return (
                f"only a launch {-_tenth(g):,.1f} s before detection (impossible without "
                "earlier warning) would defend one more"
            )
        return f"a launch within {_tenth(g):,.1f} s of detection would defend one more"

    def _constant(self, lo: float, hi: float) -> bool:
        return self.lost_at_s >= hi and not self.gained_at_s >= lo

    def brief(self) -> str:
        """A short line under the delay slider (needs the table's first and last rows)."""
        if self.reason:
            return f"Other delays are not derived for this state ({self.reason})."
        lo, hi = DELAYS_S[0], DELAYS_S[-1]
        head = "Computed for this state (a place: a 25 km cell or a city): "
        if self._constant(lo, hi):
            return (
                f"{head}the same places are defended at every delay from {lo:g} to {hi:g} s; "
                f"{self._lost(hi)}, and {self._gained()}."
            )
        span = ""
        if self.table is not None and len(self.table) > 1:
            t = self.table
            span = (
                f"{t.area_share.iloc[0]:.1%} of NATO-Europe territory at {t.delay_s.iloc[0]:g} s, "
                f"{t.area_share.iloc[-1]:.1%} at {t.delay_s.iloc[-1]:g} s; "
            )
        return f"{head}{span}{self._lost()}; {self._gained()}."

    def sentence(self) -> str:
        """One line for the page: how far the delay can move before the answer changes."""
        if self.table is None:
            return f"The share at other delays is not derived here: {self.reason}."
        t = self.table
        lo, hi = float(t.delay_s.min()), float(t.delay_s.max())
        share = float(t.loc[t.delay_s == self.delay_s].area_share.iloc[0])
        if self._constant(lo, hi):
            limit = (
                " The time limit is elsewhere (the interceptors' reach and altitude band "
                "against the threat's path)."
                if not np.isfinite(self.gained_at_s)
                else ""
            )
            return (
                f"The same places (25 km cells and cities) are defended at every delay from "
                f"{lo:g} to {hi:g} s ({share:.1%} of NATO-Europe territory): {self._lost(hi)}, "
                f"and {self._gained()}.{limit}"
            )
        low, high = float(t.area_share.iloc[0]), float(t.area_share.iloc[-1])
        return (
            f"At {self.delay_s:g} s {share:.1%} of NATO-Europe territory is defended; at "
            f"{lo:g} s {low:.1%}, at {hi:g} s {high:.1%}: {self._lost()}, and {self._gained()} "
            "(a place: a 25 km cell or a city)."
        )


def _tenth(seconds: float) -> float:
    """Down to a tenth of a second: "lost past" and "within" then never overstate the time."""
    return math.floor(seconds * 10.0) / 10.0


def _unsupported(dg: DefendedGrid) -> str:
    """Why the delay curve cannot be derived from this run ("": it can)."""
    res, a = dg.result, dg.setup.assumptions
    if a.shoot_look_shoot:
        return "shoot-look-shoot needs two intercepts, not one latest launch"
    if np.isfinite(res.warning_time_s).any():
        return "an early-warning radar's track does not move one for one with the delay"
    reach = np.broadcast_to(res.reachable[:, None, :], res.latest_launch_s.shape)
    if np.isnan(res.latest_launch_s[reach]).any():
        return "a site on the reach formula (no latest launch time is computed for it)"
    return ""


def threshold_delays(dg: DefendedGrid) -> NDArray[np.float64]:
    """Per target, the longest delay at which it is defended (``-inf``: at none).

    A site intercepts at delay ``d`` when ``launch + d − d₀ <= latest`` (``d₀``: the run's
    delay), i.e. ``d <= d₀ + latest − launch``; some site must for every launch point that
    reaches the target, so the target's limit is the smallest over those points of the
    largest over the sites.
    """
    res = dg.result
    d0 = float(dg.query.delay_s)
    with np.errstate(invalid="ignore"):
        spare = res.latest_launch_s - res.launch_time_s  # (P, S, N); nan: no launch
    spare = np.where(np.isnan(spare), -np.inf, spare)
    best = spare.max(axis=1, initial=-np.inf)  # (P, N): the best site against each point
    limit = np.where(res.reachable, best, np.inf).min(axis=0, initial=np.inf)
    return np.where(res.in_reach, d0 + limit, -np.inf)


def delay_curve(
    dg: DefendedGrid,
    catalogue: Catalogue,
    delays: Iterable[float] = DELAYS_S,
    *,
    delay_s: float | None = None,
) -> DelayCurve:
    """The share defended at each of ``delays`` (s), derived from ``dg``'s one engine run.

    A target is defended at delay ``d`` when ``d`` is within its :func:`threshold_delays`
    (the engine's union over sites, every launch point that reaches it). Shares, population
    and capitals come from the same tables as the headline, so the row at the state's own
    delay is the headline's figure exactly. ``delay_s``: the state's own delay when ``dg`` was
    run at another (the limits do not depend on the run's delay; default: the run's).
    """
    d0 = float(dg.query.delay_s if delay_s is None else delay_s)
    reason = _unsupported(dg)
    if reason:
        return DelayCurve(None, d0, reason=reason)
    res = dg.result
    limit = threshold_delays(dg)
    rows: list[dict[str, float]] = []
    by_pattern = {}
    for d in sorted({float(d) for d in delays} | {d0}):
        defended = res.in_reach & (limit >= d)
        key = defended.tobytes()
        if key not in by_pattern:
            moved = replace(dg, result=replace(res, defended=defended))
            by_pattern[key] = _metrics_from_grid(moved, catalogue)
        m = by_pattern[key]
        rows.append(
            {
                "delay_s": d,
                "area_share": m.nato_europe_area_share,
                "population_share": m.nato_europe_population_share,
                "capitals_defended": m.capitals_defended,
            }
        )
    now = res.in_reach & (limit >= d0)
    return DelayCurve(
        pd.DataFrame(rows),
        d0,
        lost_at_s=float(limit[now].min(initial=np.inf)),
        gained_at_s=float(limit[res.in_reach & ~now].max(initial=-np.inf)),
    )


def delay_curve_for(
    catalogue: Catalogue,
    options: FootprintOptions,
    query: DefenceQuery,
    delays: Iterable[float] = DELAYS_S,
) -> DelayCurve:
    """:func:`delay_curve` of a map state.

    Its engine run is the map's question asked with the latest launch times, at the delay
    :data:`RUN_DELAY_S` whatever the state's (a run of its own, cached apart; the tracks,
    detections and bounds are reused): each place's limit, latest launch minus detection, is
    the same from a run at any delay (:func:`threshold_delays`; tested against runs at the
    delays themselves), so one run serves every delay of a state and a new delay computes
    only the shares. ``delays=()``: the state's own delay only (its limits, without the other
    delays' shares).
    """
    run = replace(query, delay_s=RUN_DELAY_S)
    dg = defended_grid(catalogue, options, run, latest=True)
    return delay_curve(dg, catalogue, delays, delay_s=query.delay_s)
