"""URL parameters that the page could not use are said so, not dropped silently.

Streamlit binds widgets to the URL and quietly ignores a value a widget cannot take
(``?year=abc``, ``?delay_s=1e308``) or a repeated key. :func:`url_notices` compares the URL the
page was opened with against the values the widgets ended up with, and names each parameter, the
value given, what is allowed and what is used instead. Pure: no Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from coverage.scenario import FIRST_YEAR, LAST_YEAR

__all__ = ["ALLOWED", "ICBM_TAB", "url_notices"]

#: What each URL-bound widget accepts, in words (for the notices).
ALLOWED: Mapping[str, str] = {
    "year": f"a year from {FIRST_YEAR} to {LAST_YEAR}",
    "scenario": "a scenario from the menu (as built, as planned or an alternative architecture)",
    "estimate": "low, nominal or high",
    "delay_s": "0 to 300 s in steps of 10",
    "launch_area": "a launch point or area from the menu",
    "threat": "a threat from the menu",
    "shape": "minimum energy, lofted or depressed",
    "flyout": "point mass or reach formula",
    "basis": "speed reached at burnout or loss-free increment",
    "eor": "by its date, always on or off",
    "cue": "by its date, always on or off",
    "rv_rcs": "0.01, 0.02, 0.05, 0.1, 0.2, 0.5 or 1.0 m²",
    "booster_rcs": "0.1, 0.3, 1.0, 3.0 or 10.0 m²",
    "handover": "true or false",
    "rotation": "true or false",
    "refraction": "true or false",
    "alt_km": "a target altitude within the slider's range",
    "rcs": "a radar cross-section within the slider's range",
    "mask": "an elevation mask within the slider's range",
    "screen": "1024x768, 1280x720 or 1920x1080",
    "theme": "light or dark",
    "tab": "one of the tab names",
    "compare": "true or false",
    "vs_year": f"a year from {FIRST_YEAR} to {LAST_YEAR} for the second state B",
    "vs_scenario": "a scenario or alternative architecture from the menu for the second state B",
    "vs_launch_area": "'Same as A' or a launch point or area from the menu for the second state B",
    "vs_threat": "'Same as A' or a threat from the menu for the second state B",
    "vs_estimate": "low, nominal or high for the second state B",
    "vs_eor": "same as A, by its date, always on or off for the second state B",
    "coop": "NATO alone, shared early warning or Putin's 2007 offer (Gabala and Armavir data)",
    "coop_commit": "true or false",
    "coop_gain": "true or false",
    "region": "NATO Europe, European Russia, Belarus, Ukraine, Moldova or the South Caucasus",
    "sector": "not drawn, computed, the General Staff's picture or both",
    "icbm_cueing": "Perfect, NATO's shared tracks or Own radar only (the radio's names)",
    "icbm_propellant": "Each base's propellant, All solid or All liquid (the radio's names)",
    "icbm_shape": "minimum energy, lofted or depressed",
    "icbm_boost": "true or false",
    "icbm_rotation": "true or false",
}
#: The tab whose choices the ``icbm_`` parameters are (drawn only while it is open).
ICBM_TAB = "Russian-ICBM question"
#: Parameters that are not widgets but are read by the page itself.
_READ_DIRECTLY = {"projector", "embed", "embed_options", "screen_auto"}
#: Of those, the switches the page reads as on only when 'true' (any case): another value
#: (?projector=yes) is said, not dropped silently.
_READ_SWITCHES = {"projector", "screen_auto"}


def _same(given: str, used: object, labels: Mapping[str, str]) -> bool:
    text = str(used)
    if given in (text, labels.get(text)) or given.strip().lower() == text.lower():
        return True
    try:
        a, b = float(given), float(text)
    except ValueError:
        return False
    return math.isfinite(a) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def url_notices(
    given: Mapping[str, Sequence[str]],
    used: Mapping[str, object],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """One sentence per URL parameter the page could not use as given.

    Parameters
    ----------
    given
        The URL as opened: every key with all its values (repeated keys have several).
    used
        The value each URL-bound widget ended up with, by key (its session state).
    labels
        Per menu key, option id to displayed name: the URL may carry either.
    """
    labels = labels or {}
    out = []
    # The Russian-ICBM tab's choices are drawn, and read, only while that tab is open.
    closed = sorted(k for k in given if k in ALLOWED and k.startswith("icbm_") and k not in used)
    for key, values in given.items():
        if key in _READ_DIRECTLY:
            if key in _READ_SWITCHES and values[-1].strip().lower() not in ("true", "false"):
                now = used.get(key, values[-1].strip().lower() == "true")
                out.append(
                    f"URL parameter '{key}' = {values[-1][:60]!r} is not allowed (true or "
                    f"false); using {str(now).lower()!r}."
                )
            continue
        shown = ", ".join(repr(v[:60]) for v in values)
        if key in closed:
            continue  # the Russian-ICBM tab is closed: said once, below
        if key not in used:
            out.append(f"URL parameter '{key}' ({shown}) is not known and was ignored.")
            continue
        allowed = ALLOWED.get(key, "a value the control offers")
        now = used[key]
        # A switch in the link's words ('false'), not Python's (False).
        now_text = (
            str(now).lower() if isinstance(now, bool) else labels.get(key, {}).get(str(now), now)
        )
        if len(values) > 1:
            out.append(
                f"URL parameter '{key}' is given {len(values)} times ({shown}); one value is "
                f"allowed ({allowed}). Using {now_text!r}."
            )
        elif not _same(values[0], now, labels.get(key, {})):
            out.append(
                f"URL parameter '{key}' = {values[0][:60]!r} is not allowed ({allowed}); "
                f"using {now_text!r}."
            )
    # The second state's settings do nothing without a comparison: say so.
    unused = sorted(k for k in given if k.startswith("vs_") and k in used)
    if unused and used.get("compare") is False:
        out.append(
            f"URL parameter{'s' if len(unused) > 1 else ''} {', '.join(repr(k) for k in unused)} "
            "set the second state B of a comparison; add compare=true to compare."
        )
    if closed:
        named = (
            f"URL parameter{'s' if len(closed) > 1 else ''} {', '.join(repr(k) for k in closed)}"
        )
        on_projector = given.get("projector", ["false"])[-1].strip().lower() == "true"
        out.append(
            # A projector shows no tabs: naming the tab would not open it.
            f"{named} set the {ICBM_TAB} tab's choices, and a projector shows no tabs; leave out "
            "projector=true to see them."
            if on_projector
            else f"{named} set the {ICBM_TAB} tab's choices; add "
            f"tab={ICBM_TAB.replace(' ', '+')} to open it with them."
        )
    return out
