"""What-if panel: add, move or remove sites for this browser session only (``data/`` untouched).

All the checking lives in :mod:`coverage.catalogue.whatif`; this module only draws widgets and keeps the
edited catalogue in ``st.session_state``. Text that came from a user (site names, file names,
rejected values) is shown only through elements that render plain text (``st.text``,
``st.dataframe``) or after escaping every Markdown character, so it can neither inject HTML nor
make the browser fetch an outside URL (a Markdown image would).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pandas as pd
import streamlit as st

from coverage.catalogue import whatif
from coverage.catalogue.tables import SITE_KINDS, Catalogue
from coverage.scenario import FIRST_YEAR

__all__ = ["edited_catalogue", "whatif_panel"]


def _coordinate_input(
    column: Any, label: str, bound: float, value: float | str = "min", *, key: str
) -> None:
    """A longitude or latitude field from ``-bound`` to ``bound`` degrees (``value``: Streamlit's).

    Its help says what it takes and what a value outside does: the browser refuses it before
    the page sees it, so the page cannot say so itself.
    """
    column.number_input(
        label,
        -bound,
        bound,
        value,
        step=0.1,
        format="%.4f",
        key=key,
        help=(
            f"From {-bound:g} to {bound:g} degrees. A value outside is refused: the field turns "
            "red; correct it before adding or moving the site."
        ),
    )


#: What the coordinate fields take, in words under them.
COORDINATE_RULE = (
    "Longitude −180 to 180 (east positive), latitude −90 to 90 (north positive). A value "
    "outside turns the field red and is not taken: correct it before adding the site."
)

_CATALOGUE = "whatif_catalogue"
_BASE = "whatif_base_digest"
_LAST = "whatif_last_result"
_LISTED = 40
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")


def whatif_panel(sourced: Catalogue) -> Catalogue:
    """Draw the what-if panel and return the catalogue to use for this run.

    Parameters
    ----------
    sourced
        The bundled catalogue (shared between users: never mutated here).

    Returns
    -------
    Catalogue
        ``sourced`` itself when there are no edits, else the session's edited catalogue (its
        ``digest`` differs, so the dashboard's caches keyed by digest keep the two apart).
    """
    current = _current(sourced)
    n_custom = len(current.custom_site_ids)
    removed = sorted(set(sourced.sites.site_id) - set(current.sites.site_id))
    title = "What-if sites" + (f" ({n_custom} custom)" if n_custom else "")
    panel = st.expander(
        title,
        expanded=bool(st.session_state.get(_LAST)),
        key="whatif_expander",
        on_change="rerun",
    )
    # Its content is drawn only while it is open, as the export panel's: its forms, lists and
    # buttons are about a third of the page's elements, which the browser handles on every
    # rerun (a year step) even when the panel is closed.
    if not panel.open:
        return current
    with panel:
        st.caption(
            "Edits stay in this browser session; the data files are never changed. Custom sites "
            "are light blue on the map, have confidence 'User' and a source starting 'User what-if'. "
            "Closing this panel keeps your edits but clears what you typed and did not add."
        )
        _show_last_result("top")
        _add_form(sourced, current)
        _custom_list(sourced, current, removed)
        _move_or_remove(sourced, current)
        _upload(sourced)
        _downloads_and_reset(sourced, current)
    return current


def edited_catalogue(sourced: Catalogue) -> Catalogue:
    """The session's edited catalogue without drawing the panel (projector mode)."""
    return _current(sourced)


def _current(sourced: Catalogue) -> Catalogue:
    state = st.session_state
    edited = state.get(_CATALOGUE)
    if edited is not None and state.get(_BASE) != sourced.digest:
        # The bundled data changed under the session (server restart): edits no longer apply.
        for key in (_CATALOGUE, _BASE):
            state.pop(key, None)
        state[_LAST] = {
            "message": "The bundled data changed, so your what-if edits were reset.",
            "refused": True,
            "problems": [],
        }
        edited = None
    return sourced if edited is None else edited


def _store(result: whatif.WhatIfResult, sourced: Catalogue, *, where: str = "top") -> None:
    """Keep an edit's outcome; ``where``: the control it is shown beside (_show_last_result)."""
    state = st.session_state
    if not result.refused:
        state[_CATALOGUE] = result.catalogue
        state[_BASE] = sourced.digest
    state[_LAST] = {
        "message": result.message,
        "note": result.note,
        "refused": result.refused,
        "problems": [
            {
                "File": p.source,
                "Line": "" if p.line is None else str(p.line),
                "Field": p.column or "",
                "Value": "" if p.value is None else p.value,
                "Allowed": p.allowed,
            }
            for p in result.rejected
        ],
        "where": where,
    }


def _md(text: str) -> str:
    """Escape every Markdown character, so user text renders literally in st.error and friends."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _show_last_result(where: str) -> None:
    """The last edit's outcome, shown where its control is: ``"top"`` or ``"upload"``.

    An upload's outcome goes under its button, ~1,000 px below the panel's top, where a
    refused file's message was not seen from the button (session 43's new-user trial).
    """
    last: dict[str, Any] | None = st.session_state.get(_LAST)
    if not last or last.get("where", "top") != where:
        return
    message = _md(str(last["message"]))
    if last["refused"]:
        st.error(message)
    elif last["problems"]:
        st.warning(message)
    else:
        st.success(message)
    if last.get("note"):
        st.warning(_md(str(last["note"])))
    if last["problems"]:
        st.dataframe(
            pd.DataFrame(last["problems"], columns=["File", "Line", "Field", "Value", "Allowed"]),
            hide_index=True,
            width="stretch",
            key="whatif_problems",
        )


# --- Add ------------------------------------------------------------------------------------


def _system_label(catalogue: Catalogue) -> dict[str, str]:
    systems = catalogue.systems
    return {
        sid: f"{name} ({kind})"
        for sid, name, kind in zip(systems.system_id, systems.name, systems.kind, strict=True)
    }


def _sector_systems(catalogue: Catalogue) -> set[str]:
    p = catalogue.parameters
    fov = p[p.parameter == "azimuth_fov_deg"]
    return {sid for sid, v in zip(fov.system_id, fov.nominal, strict=True) if float(v) < 360.0}


def _add_form(sourced: Catalogue, current: Catalogue) -> None:
    labels = _system_label(current)
    with st.form("whatif_add_form", clear_on_submit=False, border=True):
        st.markdown("**Add a site**")
        st.text_input(
            "Name",
            max_chars=120,
            key="whatif_name",
            placeholder="e.g. Gabala radar (2007 proposal)",
        )
        st.selectbox("Kind", SITE_KINDS, key="whatif_kind")
        lon_col, lat_col = st.columns(2)
        _coordinate_input(lon_col, "Longitude (° E)", 180.0, 20.0, key="whatif_lon")
        _coordinate_input(lat_col, "Latitude (° N)", 90.0, 50.0, key="whatif_lat")
        # On the page, not only in the fields' help: a value outside is refused by the browser
        # (the field turns red) before the page sees it, so the page cannot say so after.
        st.caption(COORDINATE_RULE)
        st.number_input("Elevation (m)", -500.0, 9000.0, 0.0, step=10.0, key="whatif_elevation")
        st.multiselect(
            "Systems",
            list(labels),
            default=["spy1d"] if "spy1d" in labels else None,
            format_func=labels.get,
            key="whatif_systems",
        )
        az_col, year_col = st.columns(2)
        az_col.number_input(
            "Boresight (°)",
            0.0,
            360.0,
            0.0,
            step=5.0,
            key="whatif_boresight",
            help="Azimuth a sector radar (AN/TPY-2) faces, clockwise from north; unused otherwise.",
        )
        year_col.number_input(
            "In place from",
            2009,
            2040,
            FIRST_YEAR,
            step=1,
            key="whatif_year",
            help="First year, in both the planned and the as-built scenario.",
        )
        st.form_submit_button("Add site", key="whatif_add", on_click=_on_add, args=(sourced,))


def _on_add(sourced: Catalogue) -> None:
    s = st.session_state
    current = _current(sourced)
    systems = list(s.get("whatif_systems") or [])
    site: dict[str, object] = {
        "name": s.get("whatif_name", ""),
        "kind": s.get("whatif_kind", ""),
        "lon_deg": s.get("whatif_lon"),
        "lat_deg": s.get("whatif_lat"),
        "elevation_m": s.get("whatif_elevation"),
        "system_id": ",".join(systems),
        "year": s.get("whatif_year"),
    }
    if set(systems) & _sector_systems(current):
        site["boresight_deg"] = s.get("whatif_boresight")
    _store(whatif.add_site(current, site), sourced)


# --- List, move, remove ---------------------------------------------------------------------


def _custom_list(sourced: Catalogue, current: Catalogue, removed: list[str]) -> None:
    custom = current.sites[current.sites.site_id.isin(current.custom_site_ids)].sort_values(
        "site_id"
    )
    if custom.empty and not removed:
        return
    st.markdown("**Custom sites**" if not custom.empty else "**Edits**")
    for row in custom.head(_LISTED).itertuples(index=False):
        text_col, button_col = st.columns([4, 1], vertical_alignment="center")
        # st.text renders plain text: a name is shown exactly as typed, never as markup.
        text_col.text(
            f"{row.name} ({row.kind}, {float(row.lon_deg):.4f}, {float(row.lat_deg):.4f})"
        )
        button_col.button(
            "Remove",
            key=f"whatif_remove_{row.site_id}",
            on_click=_on_remove,
            args=(sourced, row.site_id),
        )
    if len(custom) > _LISTED:
        st.caption(f"... and {len(custom) - _LISTED} more (remove them with the selector below).")
    if removed:
        names = dict(zip(sourced.sites.site_id, sourced.sites.name, strict=True))
        st.text("Sourced sites removed: " + ", ".join(names.get(r, r) for r in removed))


def _on_remove(sourced: Catalogue, site_id: str) -> None:
    _store(whatif.remove_site(_current(sourced), site_id), sourced)


def _move_or_remove(sourced: Catalogue, current: Catalogue) -> None:
    ids = list(current.sites.site_id)
    if not ids:
        return
    s = st.session_state
    if s.get("whatif_edit_site") not in ids:
        s["whatif_edit_site"] = ids[0]
        _prefill(current)
    st.markdown("**Move or remove a site**")
    names = dict(zip(current.sites.site_id, current.sites.name, strict=True))
    st.selectbox(
        "Site",
        ids,
        key="whatif_edit_site",
        on_change=_prefill,
        args=(current,),
        format_func=lambda sid: (
            f"{names.get(sid, sid)} (custom)" if sid in current.custom_site_ids else names[sid]
        ),
    )
    lon_col, lat_col = st.columns(2)
    _coordinate_input(lon_col, "New longitude (° E)", 180.0, key="whatif_move_lon")
    _coordinate_input(lat_col, "New latitude (° N)", 90.0, key="whatif_move_lat")
    st.caption(COORDINATE_RULE.replace("adding the site", "moving the site"))
    move_col, remove_col = st.columns(2)
    move_col.button("Move", key="whatif_move", on_click=_on_move, args=(sourced,), width="stretch")
    remove_col.button(
        "Remove",
        key="whatif_remove_selected",
        on_click=_on_remove_selected,
        args=(sourced,),
        width="stretch",
    )


def _prefill(current: Catalogue) -> None:
    s = st.session_state
    rows = current.sites[current.sites.site_id == s.get("whatif_edit_site")]
    if not rows.empty:
        s["whatif_move_lon"] = float(rows.lon_deg.iloc[0])
        s["whatif_move_lat"] = float(rows.lat_deg.iloc[0])


def _on_move(sourced: Catalogue) -> None:
    s = st.session_state
    result = whatif.move_site(
        _current(sourced),
        str(s.get("whatif_edit_site")),
        lon_deg=float(s.get("whatif_move_lon", 0.0)),
        lat_deg=float(s.get("whatif_move_lat", 0.0)),
    )
    _store(result, sourced)


def _on_remove_selected(sourced: Catalogue) -> None:
    _on_remove(sourced, str(st.session_state.get("whatif_edit_site")))


# --- Upload, download, reset ----------------------------------------------------------------


def _upload(sourced: Catalogue) -> None:
    st.markdown("**Upload sites**")
    st.file_uploader(
        "Sites: CSV with the data/sites.csv columns, or GeoJSON points",
        type=["csv", "geojson", "json"],
        key="whatif_upload_sites",
        max_upload_size=1,
        help=(
            f"At most {whatif.MAX_ROWS} sites and {whatif.MAX_UPLOAD_BYTES // 1_000_000} MB. "
            "Optional columns system_id (comma-separated), year, boresight_deg create deployments."
        ),
    )
    st.file_uploader(
        "Deployments (optional): CSV with the data/deployments.csv columns",
        type=["csv"],
        key="whatif_upload_deployments",
        max_upload_size=1,
    )
    st.button("Apply upload", key="whatif_apply_upload", on_click=_on_upload, args=(sourced,))
    _show_last_result("upload")


def _on_upload(sourced: Catalogue) -> None:
    s = st.session_state
    sites_file = s.get("whatif_upload_sites")
    deps_file = s.get("whatif_upload_deployments")
    current = _current(sourced)
    if sites_file is None and deps_file is None:
        s[_LAST] = {
            "message": "Choose a sites file (or a deployments file) first.",
            "refused": True,
            "problems": [],
            "where": "upload",
        }
        return
    deps = None if deps_file is None else deps_file.getvalue()
    deps_name = "deployments.csv" if deps_file is None else deps_file.name
    if sites_file is None:
        result = whatif.sites_from_csv(current, None, deployments=deps, deployments_name=deps_name)
    else:
        result = whatif.apply_upload(
            current,
            sites_file.getvalue(),
            name=sites_file.name,
            deployments=deps,
            deployments_name=deps_name,
        )
    _store(result, sourced, where="upload")


def _downloads_and_reset(sourced: Catalogue, current: Catalogue) -> None:
    sites_col, deps_col = st.columns(2)
    sites_col.download_button(
        "Download sites.csv",
        functools.partial(whatif.export_sites_csv, current),  # written when clicked
        file_name="sites_whatif.csv",
        mime="text/csv",
        key="whatif_download_sites",
        on_click="ignore",
        width="stretch",
    )
    deps_col.download_button(
        "Download deployments.csv",
        functools.partial(whatif.export_deployments_csv, current),
        file_name="deployments_whatif.csv",
        mime="text/csv",
        key="whatif_download_deployments",
        on_click="ignore",
        width="stretch",
    )
    st.button(
        "Reset to the sourced catalogue",
        key="whatif_reset",
        on_click=_on_reset,
        disabled=current is sourced,
        width="stretch",
    )


def _on_reset() -> None:
    s = st.session_state
    for key in (_CATALOGUE, _BASE):
        s.pop(key, None)
    s[_LAST] = {
        "message": "Reset: back to the sourced catalogue.",
        "refused": False,
        "problems": [],
    }
