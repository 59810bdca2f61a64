"""Why a place is defended or not, in words, from the engagement timeline of its own run.

A capital's status on the map (defended, not defended, out of reach) is the end of a timeline:
the threat is detected and tracked, interceptors launch after the track-and-C2 delay, and each
site has an intercept window (the times at which a point of the threat's path is within its
interceptor's reach) or none. :func:`target_reason` reads that timeline back from the
:class:`~coverage.products.defended.DefendedGrid` that decided the status, so the words and the
status can never disagree; :func:`capital_reasons` does it for the capitals of a grid.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from types import MappingProxyType

import numpy as np

from coverage.catalogue.tables import Catalogue
from coverage.products.defended import DefendedGrid, engage_points

__all__ = [
    "capital_reasons",
    "city_reasons",
    "deployment_name",
    "place_reason",
    "target_reason",
]

#: How the times of a reason are counted.
_CLOCK = "Seconds after the threat's launch"
#: What "within reach" asks of a state without engage on remote; left out of a place's reason
#: where even engage on remote gives no window (``target_reason(own_view=False)``).
_OWN_VIEW = " and in view of the firing site's own radar (no engage on remote)"


def deployment_name(catalogue: Catalogue, deployment_id: str, *, system: bool = False) -> str:
    """A deployment's site in short ("Aegis Ashore Romania"), with its system when asked.

    ``system=True``: ``"Aegis Ashore Romania (SM-3 Block IB)"``. An id the catalogue does not
    hold is returned as it is.
    """
    return _deployment_names(catalogue, system).get(deployment_id, deployment_id)


@functools.lru_cache(maxsize=16)  # a catalogue is hashed by identity
def _deployment_names(catalogue: Catalogue, system: bool) -> Mapping[str, str]:
    """:func:`deployment_name` of every deployment, once per catalogue (read-only)."""
    sites = dict(zip(catalogue.sites.site_id, catalogue.sites.name, strict=True))
    systems = (
        dict(zip(catalogue.systems.system_id, catalogue.systems.name, strict=True))
        if "name" in catalogue.systems.columns
        else {}
    )
    out: dict[str, str] = {}
    deps = catalogue.deployments
    for dep, site_id, system_id in zip(
        deps.deployment_id, deps.site_id, deps.system_id, strict=True
    ):
        site = str(site_id)
        name = str(sites[site]).split(" (")[0] if site in sites else site
        if system and str(system_id) in systems:
            name = f"{name} ({systems[str(system_id)]})"
        out.setdefault(str(dep), name)
    return MappingProxyType(out)


def _names(dg: DefendedGrid, catalogue: Catalogue) -> tuple[list[str], list[str]]:
    """Interceptor sites (with their system) and radars (NATO's, then warning radars), by axis."""
    sites = [deployment_name(catalogue, k, system=True) for k in dg.result.site_keys]
    radars = [deployment_name(catalogue, r) for r in dg.radar_ids]
    radars += list(dg.setup.warning_names)
    return sites, radars


def target_reason(
    dg: DefendedGrid,
    index: int,
    catalogue: Catalogue,
    *,
    names: tuple[list[str], list[str]] | None = None,
    own_view: bool = True,
) -> str:
    """Why target ``index`` of ``dg`` (a cell, or an extra point after the cells) has its status.

    Against several launch points a target is defended only if it is defended against each
    that reaches it: the words follow the launch point that decides (the first not defended
    against, else the one with the shortest window). Times are seconds after the threat's
    launch. ``own_view=False``: a state without engage on remote does not name the firing
    site's own radar's view among the reach's conditions (engage on remote gives no window
    either, so it is not the cause).
    """
    res = dg.result
    sites, radars = names or _names(dg, catalogue)
    threat_km = dg.threat.max_range_m / 1000.0
    if not res.in_reach[index]:
        return f"Out of the threat's reach: it flies {threat_km:,.0f} km at most."
    a = dg.setup.assumptions
    points = np.flatnonzero(res.reachable[:, index])
    first = res.first_intercept_s[:, :, index]
    last = res.last_intercept_s[:, :, index]
    # Per site and launch point (ok), and the sites together (union), as the engine decides.
    with np.errstate(invalid="ignore"):
        window = np.where(np.isfinite(first), last - first, -np.inf)
        if a.shoot_look_shoot:
            ok = window >= a.sls_interval_s
            span = np.nanmax(last, axis=1, initial=-np.inf) - np.nanmin(
                first, axis=1, initial=np.inf
            )
            union = span >= a.sls_interval_s
        else:
            ok = np.isfinite(first)
            union = ok.any(axis=1)
    failing = [int(p) for p in points if not union[p]]
    p = failing[0] if failing else int(points[np.argmin([window[q].max() for q in points])])
    flight = float(res.flight_time_s[p, index])
    det = res.radar_detection_s[p, :, index]
    seen = int(np.argmin(det)) if np.isfinite(det).any() else None
    track = (
        f"first detected at {det[seen]:.0f} s by {radars[seen]}"
        if seen is not None
        else "never detected by the radars in place"
    )
    burnout = float(res.burnout_s[p, index])
    if seen is not None and det[seen] < burnout:
        # Seen as the boosting missile (its own RCS), not yet as the warhead.
        track += f", in boost ({burnout - det[seen]:.0f} s before burnout)"
    launches = res.launch_time_s[p, :, index]
    launch_s = float(np.nanmin(launches)) if np.isfinite(launches).any() else math.inf
    timeline = f"{track}; it lands at {flight:.0f} s"
    if math.isfinite(launch_s):
        timeline = (
            f"{track}; interceptors could launch from {launch_s:.0f} s; it lands at {flight:.0f} s"
        )
    windows = [
        (s, float(first[p, s]), float(last[p, s]))
        for s in range(len(sites))
        if math.isfinite(first[p, s])
    ]
    windows.sort(key=lambda w: w[2] - w[1], reverse=True)
    shown = ", ".join(f"{sites[s]} {f0:.0f}-{f1:.0f} s" for s, f0, f1 in windows[:3])
    if len(windows) > 3:
        shown += f" and {len(windows) - 3} more"
    plural = "s" if len(windows) > 1 else ""
    if not failing:
        together = a.shoot_look_shoot and not ok[p].any()
        status = (
            "defended by the sites together (shoot-look-shoot across sites)"
            if together
            else "defended"
        )
        text = f"{status}: intercept window{plural} {shown}. {_CLOCK}: {timeline}."
    elif not math.isfinite(launch_s):
        text = f"not defended: no interceptor launches. {_CLOCK}: {timeline}."
    elif not windows:
        text = (
            "not defended: no point of the threat's path is within an interceptor's reach after "
            "its launch"
            + ("" if a.engage_on_remote or not own_view else _OWN_VIEW)
            + f". {_CLOCK}: {timeline}."
        )
    else:
        text = (
            f"not defended: the intercept window{plural} ({shown}) "
            f"{'are' if plural else 'is'} shorter than the {a.sls_interval_s:g} s "
            f"shoot-look-shoot needs. {_CLOCK}: {timeline}."
        )
    if len(dg.setup.launch_points) > 1:
        return f"Launched from {dg.setup.launch_points[p].name}: {text}"
    return text[:1].upper() + text[1:]


def capital_reasons(dg: DefendedGrid, catalogue: Catalogue) -> dict[tuple[str, str], str]:
    """:func:`target_reason` of every capital among ``dg``'s extra points, by ``(iso3, name)``.

    Where the state has no engage on remote and a capital in reach is not defended, the one
    change that most often decides is asked too (one engine run over those capitals, cached):
    whether engage on remote alone would defend it, and with which windows.
    """
    return _reasons(dg, catalogue, lambda key, capital: bool(capital))


def city_reasons(
    dg: DefendedGrid, catalogue: Catalogue, cities: Collection[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """:func:`place_reason` for each of ``cities`` (``(iso3, name)``: the map's major cities).

    For the GIS files, made when one is asked for, not with the map. Only these: the run's
    extra points hold every city of the members (about 1,900), and the engage-on-remote
    question over all of them took 10 s on a cold cache, against 0.2 s for the 15 major ones
    (over 64 points the question also goes to another solver, whose seconds could differ by
    one from the click's).
    """
    wanted = set(cities)
    return _reasons(dg, catalogue, lambda key, capital: key in wanted)


def place_reason(dg: DefendedGrid, catalogue: Catalogue, iso3: str, name: str) -> str:
    """:func:`capital_reasons`' words for one extra point of ``dg`` (a major city), or ``""``.

    Asked when the place is clicked, not for every city with the map: with the engage-on-remote
    question the major cities' reasons took 1.5 s for 2016 (all 15 not defended), on the first
    page's path.
    """
    return _reasons(dg, catalogue, lambda key, _: key == (iso3, name)).get((iso3, name), "")


def _reasons(
    dg: DefendedGrid, catalogue: Catalogue, wanted: Callable[[tuple[str, str], bool], bool]
) -> dict[tuple[str, str], str]:
    """The reasons of the extra points ``wanted(key, is_capital)`` picks, by ``(iso3, name)``."""
    extra = dg.extra
    if extra.empty or "is_capital" not in extra.columns:
        return {}
    names = _names(dg, catalogue)
    picked: dict[tuple[str, str], int] = {}
    for i, (code, name, capital) in enumerate(
        zip(extra.iso3.tolist(), extra.name.tolist(), extra.is_capital.tolist(), strict=True)
    ):
        key = (str(code), str(name))
        if key not in picked and wanted(key, capital):
            picked[key] = dg.n_cells + i
    res = dg.result
    undefended = [(key, k) for key, k in picked.items() if res.in_reach[k] and not res.defended[k]]
    # The one change that most often decides, asked first: its answer says whether the own
    # radar's view is a cause at all.
    asked: dict[tuple[str, str], tuple[str, bool]] = {}
    if undefended and not dg.setup.assumptions.engage_on_remote:
        words = _with_engage_on_remote(dg, catalogue, undefended, names)
        asked = dict(zip((key for key, _ in undefended), words, strict=True))
    out = {}
    for key, k in picked.items():
        extra_words, no_window = asked.get(key, ("", False))
        # Out of every interceptor's reach whatever radar guides it: the own radar's view is
        # not the cause (a journalist read "(no engage on remote)" as the reason for
        # Amsterdam, which engage on remote would not defend; session 40).
        text = target_reason(dg, k, catalogue, names=names, own_view=not no_window)
        out[key] = f"{text} {extra_words}" if extra_words else text
    return out


def _with_engage_on_remote(
    dg: DefendedGrid,
    catalogue: Catalogue,
    targets: list[tuple[tuple[str, str], int]],
    names: tuple[list[str], list[str]],
) -> list[tuple[str, bool]]:
    """For each target, whether engage on remote alone would defend it, and with which windows.

    The state's own physics with engage on remote switched on, over these points only
    (:func:`~coverage.products.defended.engage_points`, cached in memory and on disk). With
    each, whether that run has no intercept window for it at all (from any launch point).
    """
    lon, lat = dg.result.target_lon_deg, dg.result.target_lat_deg
    points = tuple((float(lon[k]), float(lat[k])) for _, k in targets)
    query = replace(dg.query, engage_on_remote="on")
    r = engage_points(catalogue, dg.options, query, points)
    out = []
    for j in range(len(points)):
        no_window = not np.isfinite(r.first_intercept_s[:, :, j]).any()
        if not r.defended[j]:
            out.append(
                (
                    "Engage on remote would not change that: on another radar's track too, no "
                    "interceptor reaches the threat's path in time."
                    if no_window
                    else "Engage on remote alone would not defend it.",
                    no_window,
                )
            )
            continue
        if r.reachable.shape[0] > 1:
            out.append(
                ("With engage on remote it would be defended against every launch point.", False)
            )
            continue
        spans = [
            (s, float(r.first_intercept_s[0, s, j]), float(r.last_intercept_s[0, s, j]))
            for s in range(len(names[0]))
            if math.isfinite(r.first_intercept_s[0, s, j])
        ]
        spans.sort(key=lambda w: w[2] - w[1], reverse=True)
        shown = ", ".join(f"{names[0][s]} {f0:.0f}-{f1:.0f} s" for s, f0, f1 in spans[:3])
        out.append(
            (
                "With engage on remote (another radar's track guiding the interceptor to the "
                f"intercept) it would be defended: {shown}.",
                False,
            )
        )
    return out
