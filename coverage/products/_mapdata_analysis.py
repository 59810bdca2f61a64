"""Bridge from a :class:`~coverage.products.mapdata.MapState` to the engagement engine's map layers."""

from __future__ import annotations

import geopandas as gpd

from coverage.catalogue.tables import Catalogue
from coverage.physics.engagement import (
    DefenceQuery,
    defended_band,
    defended_footprints,
    threat_tracks,
)
from coverage.products.mapdata import MapState

__all__ = ["defended_layer", "query_for", "tracks_layer"]

_TRACK_SOURCE = "Computed here: Keplerian minimum-energy trajectory and engagement timeline (coverage/physics/engagement.py)"


def query_for(state: MapState) -> DefenceQuery:
    """The :class:`DefenceQuery` a map state implies."""
    return DefenceQuery(
        launch_area=state.launch_area,
        threat=state.threat,
        delay_s=state.delay_s,
        launch_on_remote=state.launch_on_remote,
        shoot_look_shoot=state.shoot_look_shoot,
        shape=state.shape,  # type: ignore[arg-type]  # checked by MapState
    )


def defended_layer(catalogue: Catalogue, state: MapState) -> gpd.GeoDataFrame:
    """Defended areas per site and their union; or the low/nominal/high unions as a band."""
    query = query_for(state)
    if state.uncertainty_band:
        band = defended_band(catalogue, state.options, query)
        band["site_name"] = [f"All sites, {e} estimate" for e in band.estimate]
        return band
    frame = defended_footprints(
        catalogue,
        state.options,
        launch_area=query.launch_area,
        threat=query.threat,
        delay_s=query.delay_s,
        launch_on_remote=query.launch_on_remote,
        shoot_look_shoot=query.shoot_look_shoot,
        shape=query.shape,
    )
    # Per-site areas overlap the union exactly; draw the union only, keep per-site rows for tables.
    return frame


def tracks_layer(catalogue: Catalogue, state: MapState) -> gpd.GeoDataFrame:
    """Threat ground tracks to the capitals of the year's European NATO members, with status."""
    tracks = threat_tracks(catalogue, state.options, query_for(state))
    tracks["name"] = [
        f"{lp} → {t} ({s})"
        for lp, t, s in zip(tracks.launch_point, tracks.target, tracks.status, strict=True)
    ]
    tracks["source"] = _TRACK_SOURCE
    return tracks
