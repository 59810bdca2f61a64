"""The "Probability (Monte-Carlo)" section: run a sweep in the background, show its answer.

The sweep runs on the server's Dask cluster (worker processes at a lower CPU priority, so other
users' pages come first: slower than threads on this machine, but it never holds the server's
own interpreter), or on ``$EPAA_DASK_SCHEDULER``. The page never waits for it: a fragment polls
the status every second and reruns the page when the result is in.

Sweeps from different users take turns in the server's queue
(:class:`coverage.products.sweep_queue.SweepQueue`): one runs, up to
:data:`~coverage.products.sweep_queue.MAX_WAITING` wait (each user sees their place), a request
identical to one waiting or running joins it, and one already computed comes from the disk
cache at once. Each user can cancel their own. Maps and other interactive requests never pass
through the queue, so a running sweep does not hold them up.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from coverage.catalogue.tables import Catalogue
from coverage.products.budget import WorkBudgetError
from coverage.products.mapdata import MapData, MapState
from coverage.products.sweep import (
    SENSITIVITY_METHOD,
    SweepRequest,
    SweepResult,
    cache_dir,
    dask_client,
    load_cached,
    probability_layer,
    submit_sweep,
)
from coverage.products.sweep_queue import SweepQueue, SweepTicket
from coverage.render.layers import CompactDeck, probability_deck_layer
from coverage.style import PROBABILITY_CLASSES

__all__ = ["DASHBOARD_MAX_DRAWS", "sweep_panel", "with_probability"]

#: Bounds of one dashboard request (the CLI allows more; a cluster job is a CLI job).
DASHBOARD_MAX_DRAWS = 200
GRID_CHOICES_KM = (50.0, 100.0, 25.0)


class _Server:
    """Holds the server's Dask client (a client is awaitable, which Streamlit's cache refuses)."""

    def __init__(self) -> None:
        # Keep the context manager: if it were collected, its generator would close the client.
        self._context = dask_client(workers=None, processes=True, nice=10)
        self.client = self._context.__enter__()


@st.cache_resource(show_spinner="Starting the sweep workers...")
def _server() -> _Server:
    """The server's Dask client, kept for the server's life (shared by every user)."""
    return _Server()


@st.cache_resource(show_spinner=False)
def _queue() -> SweepQueue:
    """The server's sweep queue (shared by every user), run by a background thread."""
    client = _server().client  # started here, in a page's thread, not in the queue's

    queue = SweepQueue(
        lambda catalogue, request: submit_sweep(catalogue, request, client, cache=cache_dir()),
        lambda catalogue, request: load_cached(catalogue, request, cache_dir()),
    )
    queue.run_in_background()
    return queue


def _request(state: MapState, draws: int, seed: int, grid_km: float) -> SweepRequest:
    return SweepRequest(
        replace(state.options, estimate="nominal"),
        replace(state.query(), grid_km=grid_km),
        draws=draws,
        seed=seed,
    )


def _matches(result: SweepResult, state: MapState) -> bool:
    r = result.request
    return r.options == replace(state.options, estimate="nominal") and r.query == replace(
        state.query(), grid_km=r.query.grid_km
    )


def _owner() -> str:
    """The id of this browser session in the queue (one sweep per session at a time)."""
    if "sweep_owner" not in st.session_state:
        st.session_state["sweep_owner"] = uuid.uuid4().hex
    return str(st.session_state["sweep_owner"])


@st.fragment(run_every=1.0)
def _progress() -> None:
    """The sweep of this session: place in the queue or progress, a cancel button; reruns when done."""
    ticket: SweepTicket | None = st.session_state.get("sweep_ticket")
    if ticket is None:
        return
    queue = _queue()
    status = queue.status(ticket)
    if status.state == "queued":
        st.info(status.text(), icon=":material/hourglass_top:")
    elif status.state == "running":
        st.progress(status.done / status.total if status.total else 0.0, text=status.text())
    if status.active:
        if st.button("Cancel my sweep", key="sweep_cancel"):
            queue.cancel(ticket)
            del st.session_state["sweep_ticket"]
            st.session_state["sweep_error"] = "Sweep cancelled."
            st.rerun(scope="app")
        return
    del st.session_state["sweep_ticket"]
    if status.state == "done" and status.result is not None:
        st.session_state["sweep_result"] = status.result
    elif status.state == "failed":
        st.session_state["sweep_error"] = status.text()
    st.rerun(scope="app")


def _start(catalogue: Catalogue, request: SweepRequest) -> None:
    hit = load_cached(catalogue, request, cache_dir())
    if hit is not None:  # no need to start the workers for a sweep already paid
        st.session_state["sweep_result"] = hit
        return
    try:
        queue = _queue()
    except Exception as exc:  # noqa: BLE001 - a cluster that cannot start is a message
        st.session_state["sweep_error"] = f"The sweep workers could not be started: {exc}"
        return
    try:
        ticket = queue.submit(_owner(), catalogue, request)
    except (ValueError, WorkBudgetError) as exc:
        st.session_state["sweep_error"] = f"The sweep was not started: {exc}"
        return
    status = queue.status(ticket)
    if status.state == "done" and status.result is not None:
        st.session_state["sweep_result"] = status.result
    else:
        st.session_state["sweep_ticket"] = ticket


def _sensitivity_chart(result: SweepResult) -> Any:
    import altair as alt  # loaded when a sweep's chart is drawn, not with the first page

    table = result.sensitivity()
    return (
        alt.Chart(table)
        .mark_bar(color="#2171b5")
        .encode(
            x=alt.X(
                "index:Q",
                title="First-order index of the defended share",
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y(
                "parameter:N",
                sort="-x",
                title=None,
                axis=alt.Axis(labelOverlap=False, labelLimit=240),
            ),
            tooltip=["parameter", "index", "index_conf", "rank_correlation", "distribution"],
        )
        .properties(height=24 * len(table) + 30)
    )


def _results(result: SweepResult) -> None:
    r = result.request
    st.markdown(
        f"**{result.draws} draws** ({'Latin hypercube' if r.sampler == 'lhs' else 'Sobol'}, "
        f"seed {r.seed}), {r.query.grid_km:g} km grid"
        + (" — from the cache" if result.from_cache else f" — {result.compute_s:.0f} s")
    )
    cols = st.columns(3)
    for col, metric, label, fmt in (
        (cols[0], "area_share", "NATO-Europe territory defended", "{:.0%}"),
        (cols[1], "population_share", "Population defended", "{:.0%}"),
        (cols[2], "capitals_defended", "Capitals defended", "{:.0f}"),
    ):
        med, p05, p95 = result.interval(metric)
        col.metric(
            label,
            fmt.format(med),
            help="Median over the draws; the 5-95 % interval is below.",
        )
        col.caption(f"5-95 %: {fmt.format(p05)} to {fmt.format(p95)}")
    st.markdown("**Which assumption decides it** (sensitivity of the defended territory share)")
    st.altair_chart(_sensitivity_chart(result), width="stretch")
    st.caption(SENSITIVITY_METHOD)
    if result.undrawn:
        st.markdown(
            f"**Not drawn in this state** ({len(result.undrawn)} of "
            f"{len(result.undrawn) + len(result.variables)} rows of data/distributions.csv; "
            "they keep their nominal value or play no part)"
        )
        st.dataframe(
            pd.DataFrame(result.undrawn, columns=["Parameter", "Why it is not drawn"]),
            hide_index=True,
            key="sweep_undrawn",
            height=min(36 * (len(result.undrawn) + 1), 220),
        )
    caps = result.capitals()
    st.dataframe(
        pd.DataFrame(
            {
                "Capital": caps.capital,
                "Defended in (share of draws)": (caps.p_defended * 100).round(0),
                "Defended with nominal values": caps.nominal_defended.map(
                    {True: "yes", False: "no"}
                ),
            }
        ),
        hide_index=True,
        key="sweep_capitals",
        column_config={
            "Defended in (share of draws)": st.column_config.NumberColumn(format="%d %%")
        },
    )
    legend = " ".join(
        f"<span style='background:{pc.colour};border:1px solid #777;padding:0 0.6em'>&nbsp;</span> "
        f"{pc.text}&nbsp;&nbsp;"
        for pc in PROBABILITY_CLASSES
    )
    st.markdown(f"Probability defended on the map: {legend}", unsafe_allow_html=True)
    st.caption(f"Assumptions: {result.assumptions}. Distributions: data/distributions.csv.")


def sweep_panel(catalogue: Catalogue, state: MapState, data: MapData) -> MapData:
    """Draw the section; return ``data`` with the probability layer when a sweep of it is shown."""
    with st.expander("Probability (Monte-Carlo): how likely is each place to be defended?"):
        st.caption(
            "Draws every uncertain parameter (burnout speeds, radar ranges, warhead RCS, cueing, "
            "delays) from the distributions in data/distributions.csv and reruns the engine for "
            "each draw. The distributions are analysts' assumptions built from the low / "
            "nominal / high estimates, stated in that file."
        )
        c1, c2, c3, c4 = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
        draws = int(
            c1.number_input(
                "Draws",
                10,
                DASHBOARD_MAX_DRAWS,
                50,
                step=10,
                key="sweep_draws",
                help=f"10 to {DASHBOARD_MAX_DRAWS} here; more with the command line",
            )
        )
        grid_km = float(
            c2.selectbox(
                "Grid (km)", GRID_CHOICES_KM, key="sweep_grid_km", format_func=lambda g: f"{g:g} km"
            )
        )
        seed = int(c3.number_input("Seed", 0, 2**31 - 1, 1, key="sweep_seed"))
        running = "sweep_ticket" in st.session_state
        if c4.button("Run sweep", key="sweep_run", disabled=running, type="primary"):
            st.session_state.pop("sweep_error", None)
            try:
                _start(catalogue, _request(state, draws, seed, grid_km))
            except ValueError as exc:
                st.session_state["sweep_error"] = str(exc)
            if "sweep_ticket" in st.session_state:
                st.rerun()  # draw the button disabled while the sweep waits or runs
        if "sweep_error" in st.session_state:
            st.warning(st.session_state["sweep_error"])
        if "sweep_ticket" in st.session_state:
            _progress()
        result: SweepResult | None = st.session_state.get("sweep_result")
        if result is None:
            return data
        if not _matches(result, state):
            o = result.request.options
            st.info(
                f"The last sweep was for {o.year}, {o.scenario}, {result.request.query.launch_area}: "
                "run it again for the state on the map."
            )
            return data
        _results(result)
        show = st.checkbox("Show the probability layer on the map", True, key="sweep_show")
    if not show:
        return data
    return replace(data, probability=_layer(result))


def _layer(result: SweepResult) -> Any:
    key = ("sweep_layer", id(result))
    cached = st.session_state.get("sweep_layer")
    if cached is None or cached[0] != key:
        cached = (key, probability_layer(result))
        st.session_state["sweep_layer"] = cached
    return cached[1]


def with_probability(deck: CompactDeck, data: MapData) -> CompactDeck:
    """``deck`` with the probability layer of ``data`` under the footprints, as a copy.

    The cached deck is shared between users and never changed.
    """
    if data.probability is None or data.probability.empty:
        return deck
    key = (id(deck), id(data.probability))
    kept = st.session_state.get("sweep_deck")
    if kept is not None and kept[0] == key:
        return kept[1]  # the same object on every rerun: identical JSON, no camera reset
    out = copy.copy(deck)
    out.__dict__.pop("_compact_json", None)  # the copy has other layers: serialise it afresh
    layers = list(deck.layers)
    at = next((i for i, layer in enumerate(layers) if layer.id == "borders"), len(layers))
    layers.insert(at, probability_deck_layer(data.probability))
    out.layers = layers
    st.session_state["sweep_deck"] = (key, out)
    return out
