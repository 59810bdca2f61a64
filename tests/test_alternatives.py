"""Alternative architectures, the timeline to 2026 and the ICBM question per year (issue #11)."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from coverage.catalogue.schema import DataError
from coverage.catalogue.tables import DATA_DIR, Catalogue, load_catalogue
from coverage.physics.engagement import InterceptorSite
from coverage.products.defended import defended_grid
from coverage.products.icbm_year import REACHABLE, icbm_map_data, icbm_year
from coverage.products.metrics import coverage_metrics
from coverage.render import export
from coverage.scenario import (
    ALTERNATIVES,
    LAST_YEAR,
    SCENARIO_LABELS,
    DefenceQuery,
    FootprintOptions,
    deployed,
    flyout_spec_for,
    interceptor_sites,
    phase_status,
    quoted_flyout_figures,
    resolve,
    scenario_early_warning,
)

ROOT = Path(__file__).resolve().parents[1]
COARSE = DefenceQuery(launch_area="tabriz", grid_km=100.0)


def _first_full_year(catalogue: Catalogue, scenario: str) -> int:
    alt = catalogue.alternatives
    return int(alt[alt.scenario_id == scenario].from_year.max())


def _ids(catalogue: Catalogue, year: int, scenario: str, **kw: object) -> set[str]:
    return set(deployed(catalogue, year, scenario, **kw).deployment_id)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- alternatives


@pytest.mark.parametrize("scenario", ALTERNATIVES)
def test_alternative__resolves_and_computes_a_defended_grid(
    catalogue: Catalogue, scenario: str
) -> None:
    year = _first_full_year(catalogue, scenario)
    options = FootprintOptions(year=year, scenario=scenario)  # type: ignore[arg-type]
    setup = resolve(catalogue, options, COARSE)
    assert setup.sites, "every alternative deploys interceptors"
    assert setup.radars, "and at least one engine sensor"
    m = coverage_metrics(catalogue, options, COARSE)
    assert 0.0 <= m.nato_europe_area_share <= 1.0
    dg = defended_grid(catalogue, options, COARSE)
    assert {s.key for s in dg.sites} == {s.key for s in setup.sites}


def test_alternative__nothing_before_its_first_year(catalogue: Catalogue) -> None:
    for scenario in ALTERNATIVES:
        first = int(catalogue.alternatives.query("scenario_id == @scenario").from_year.min())
        assert not _ids(catalogue, first - 1, scenario)
        assert _ids(catalogue, first, scenario)


def test_third_site__ten_gbis_at_redzikowo_and_the_czech_radar(catalogue: Catalogue) -> None:
    deps = deployed(catalogue, 2013, "third_site")
    gbi = deps[deps.system_id == "gbi_2stage"]
    assert list(gbi.site_id) == ["redzikowo"] and int(gbi.interceptor_count.iloc[0]) == 10
    assert "brdy" in set(deps.site_id[deps.kind == "radar"])
    assert _ids(catalogue, 2012, "third_site") == {"ts_emr"}  # the radar came first (2012)
    m = coverage_metrics(catalogue, FootprintOptions(year=2013, scenario="third_site"), COARSE)
    assert m.nato_europe_area_share > 0.0


def test_third_site__the_silo_field_is_not_called_aegis_ashore(catalogue: Catalogue) -> None:
    # A new user read "Aegis Ashore Poland" on the Third Site's map: the 2007 plan's silos at
    # Redzikowo take the scenario's own name (data/alternatives.csv, site_name) on the map's
    # dots, its footprints and the deployments; the record keeps sites.csv's name.
    from coverage.products.footprints import sites_layer

    name = "Third Site GBI silo field (Redzikowo; planned 2007-09)"
    deps = deployed(catalogue, 2013, "third_site")
    assert set(deps.site_name[deps.site_id == "redzikowo"]) == {name}
    assert set(deps.site_name[deps.site_id == "brdy"]) == {
        "European Midcourse Radar site (Brdy; proposed)"
    }
    dots = sites_layer(catalogue, 2013, "third_site")
    assert list(dots.site_name[dots.site_id == "redzikowo"]) == [name]
    built = sites_layer(catalogue, 2024, "actual")
    assert list(built.site_name[built.site_id == "redzikowo"]) == [
        "Aegis Ashore Poland (NSF Redzikowo)"
    ]


def test_putin_offer__lists_gabala_and_armavir_as_data(catalogue: Catalogue) -> None:
    ew = scenario_early_warning(catalogue, "putin_2007", 2013)
    assert set(ew.radar_id) == {"gabala", "armavir"}
    assert ew[["lon_deg", "lat_deg", "az_min_deg", "range_km_nominal"]].notna().all().all()
    assert scenario_early_warning(catalogue, "third_site", 2013).empty
    sites = set(deployed(catalogue, 2013, "putin_2007").site_id)
    assert sites == {"incirlik", "med_east"}  # Türkiye and a ship, not Poland


def test_alternative__banner_says_what_is_in_place_and_flags_assumed_years(
    catalogue: Catalogue,
) -> None:
    cbo = phase_status(catalogue, 2018, "cbo_land_sm3")
    # Its name and the year are the map title's ("... — 2018, <name>"): not repeated.
    assert SCENARIO_LABELS["cbo_land_sm3"] not in cbo.banner and "2018" not in cbo.banner
    assert cbo.banner.startswith("Hypothetical, as if built (")
    assert cbo.banner.endswith(" elements in place)")
    # One element: singular (the Third Site's radar alone in 2012).
    assert phase_status(catalogue, 2012, "third_site").banner.endswith("(1 element in place)")
    assert "ASSUMPTION (Low confidence)" in cbo.detail
    first = int(
        catalogue.alternatives[catalogue.alternatives.scenario_id == "cbo_land_sm3"].from_year.min()
    )
    early = phase_status(catalogue, first - 1, "cbo_land_sm3")
    assert early.banner == f"Not yet in place (from {first}, hypothetical)"
    ts = phase_status(catalogue, 2013, "third_site")
    assert "ASSUMPTION" not in ts.detail and "2013" in ts.detail


def test_alternative__what_if_sites_join_any_scenario(catalogue: Catalogue) -> None:
    from coverage.catalogue import whatif

    edited = whatif.add_site(
        catalogue,
        {
            "name": "Test site",
            "kind": "land",
            "lon_deg": 20.0,
            "lat_deg": 50.0,
            "elevation_m": 100.0,
            "system_id": "sm3_iia",
            "year": 2012,
        },
    ).catalogue
    (custom,) = edited.custom_site_ids
    assert custom in set(deployed(edited, 2013, "third_site").site_id)
    removed = whatif.remove_site(catalogue, "redzikowo").catalogue
    assert "ts_gbi" not in _ids(removed, 2013, "third_site")


def test_scenario_options__on_date_only_for_the_record() -> None:
    with pytest.raises(ValueError, match="on_date='2018-06-01' must be a date in the year 2019"):
        FootprintOptions(year=2019, on_date=dt.date(2018, 6, 1))
    with pytest.raises(ValueError, match="as-built record only"):
        FootprintOptions(year=2019, scenario="planned", on_date=dt.date(2019, 6, 1))


# --------------------------------------------------------------------------- timeline to 2026


def test_2019_as_built__thaad_stands_in_at_deveselu(catalogue: Catalogue) -> None:
    year = _ids(catalogue, 2019, "actual")
    assert {"deveselu_thaad", "deveselu_thaad_radar", "deveselu_sm3_ib"} <= year
    for day in (dt.date(2019, 4, 15), dt.date(2019, 6, 1), dt.date(2019, 8, 8)):
        on = _ids(catalogue, 2019, "actual", on_date=day)
        assert {"deveselu_thaad", "deveselu_thaad_radar"} <= on
        assert not {"deveselu_radar", "deveselu_sm3_ib"} & on
    for day in (dt.date(2019, 3, 1), dt.date(2019, 8, 10), dt.date(2019, 9, 1)):
        on = _ids(catalogue, 2019, "actual", on_date=day)
        assert {"deveselu_radar", "deveselu_sm3_ib"} <= on
        assert not {"deveselu_thaad", "deveselu_thaad_radar"} & on
    # 9 Aug 2019: Aegis Ashore back in service, the battery's last day (handover).
    assert {"deveselu_radar", "deveselu_thaad"} <= _ids(
        catalogue, 2019, "actual", on_date=dt.date(2019, 8, 9)
    )
    assert not {"deveselu_thaad"} & _ids(catalogue, 2018, "actual")
    assert not {"deveselu_thaad"} & _ids(catalogue, 2020, "actual")


def test_thaad__ceiling_enforced_and_own_radar(catalogue: Catalogue) -> None:
    opts = FootprintOptions(year=2019, on_date=dt.date(2019, 6, 1))
    sites = interceptor_sites(
        catalogue, opts, cap_at_nominal_range=False, flyout_model="point_mass"
    )
    (thaad,) = [s for s in sites if s.key == "deveselu_thaad"]
    assert thaad.ceiling_m == pytest.approx(150_000.0)
    assert thaad.top_alt_m == pytest.approx(150_000.0)
    assert thaad.min_alt_m == pytest.approx(40_000.0)
    assert thaad.own_radar is not None  # the battery's TPY-2 in terminal mode
    # Without a ceiling the point-mass fan decides the top; the reach formula keeps its band.
    plain = InterceptorSite(
        key="x", lon_deg=0, lat_deg=0, burnout_speed_mps=3000, burn_time_s=60,
        min_alt_m=80_000, max_alt_m=500_000,
    )  # fmt: skip
    assert plain.top_alt_m == 500_000 and plain.ceiling_m is None
    capped = InterceptorSite(
        key="y", lon_deg=0, lat_deg=0, burnout_speed_mps=3000, burn_time_s=60,
        min_alt_m=40_000, max_alt_m=500_000, ceiling_m=150_000,
    )  # fmt: skip
    assert capped.top_alt_m == 150_000
    with pytest.raises(ValueError, match="ceiling_m"):
        InterceptorSite(
            key="z", lon_deg=0, lat_deg=0, burnout_speed_mps=3000, burn_time_s=60,
            min_alt_m=80_000, max_alt_m=500_000, ceiling_m=10_000,
        )  # fmt: skip


def test_two_radars_at_one_site__each_interceptor_keeps_its_own(catalogue: Catalogue) -> None:
    """Deveselu in 2019 holds SPY-1 (Aegis Ashore) and the THAAD battery's TPY-2."""
    sites = {s.key: s for s in interceptor_sites(catalogue, FootprintOptions(year=2019))}
    aegis, thaad = sites["deveselu_sm3_ib"].own_radar, sites["deveselu_thaad"].own_radar
    assert aegis is not None and aegis.fov_deg == 360.0  # SPY-1, four faces
    assert thaad is not None and thaad.fov_deg == 120.0  # TPY-2, one face
    year = coverage_metrics(catalogue, FootprintOptions(year=2019), COARSE)
    day = coverage_metrics(
        catalogue, FootprintOptions(year=2019, on_date=dt.date(2019, 6, 1)), COARSE
    )
    assert day.nato_europe_area_share <= year.nato_europe_area_share  # the stand-in covers less


def test_thaad_day__defended_grid_computes(catalogue: Catalogue) -> None:
    on = FootprintOptions(year=2019, on_date=dt.date(2019, 6, 1))
    dg = defended_grid(catalogue, on, COARSE)
    assert "deveselu_thaad" in {s.key for s in dg.sites}
    assert "deveselu_sm3_ib" not in {s.key for s in dg.sites}


def test_arrow3__in_2025_and_2026_as_built_only(catalogue: Catalogue) -> None:
    assert "holzdorf_arrow3" not in _ids(catalogue, 2024, "actual")
    for year in (2025, 2026):
        assert {"holzdorf_arrow3", "holzdorf_radar"} <= _ids(catalogue, year, "actual")
        assert "holzdorf_arrow3" not in _ids(catalogue, year, "planned")
    assert LAST_YEAR == 2026


def test_after_the_plan__banner_for_years_after_2020(catalogue: Catalogue) -> None:
    assert "after the 2011-2020 plan" not in phase_status(catalogue, 2020, "planned").banner
    for scenario in ("planned", "actual"):
        assert "after the 2011-2020 plan" in phase_status(catalogue, 2025, scenario).banner


def test_nato_members__finland_and_sweden(catalogue: Catalogue) -> None:
    assert "FIN" in catalogue.nato_members_in(2023) and "FIN" not in catalogue.nato_members_in(2022)
    assert "SWE" in catalogue.nato_members_in(2024) and "SWE" not in catalogue.nato_members_in(2023)


# --------------------------------------------------------------------------- fly-out checks


@pytest.mark.parametrize("variant", ["gbi_2stage", "thaad", "arrow3", "kei"])
def test_new_interceptors__have_a_flyout_spec(catalogue: Catalogue, variant: str) -> None:
    for est in ("low", "nominal", "high"):
        spec = flyout_spec_for(catalogue, variant, est)
        assert spec.burn_time_s == pytest.approx(catalogue.parameter(variant, "burn_time_s", est))


def _flyout_cli(*args: str) -> dict:
    res = subprocess.run(
        [sys.executable, "-m", "coverage", "flyout", *args, "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_gbi__flyout_printed_against_its_quoted_range_band() -> None:
    out = _flyout_cli("--variant", "gbi_2stage", "--speed-basis", "ideal")
    check = out["checks"]["max_ground_range_km"]
    # The quoted band comes from the three-stage booster's test flights (a check, not an input);
    # the two-stage European version is modelled from its own (disputed) burnout speed.
    assert (check["quoted_low"], check["quoted_high"]) == (5300.0, 5630.0)
    assert 2000.0 < check["model"] < check["quoted_high"]
    assert check["within_quoted"] == (check["quoted_low"] <= check["model"] <= check["quoted_high"])
    # The command's default is the engine's: the quoted speed read as reached (farther).
    default = _flyout_cli("--variant", "gbi_2stage")
    assert default["burnout_speed_basis"] == "achieved"
    assert default["max_ground_range_km"] > out["max_ground_range_km"]


def test_gbi__quoted_figures_are_checks_not_inputs(catalogue: Catalogue) -> None:
    quoted = quoted_flyout_figures(catalogue, "gbi_2stage")
    assert quoted.ground_range_km == (5300.0, 5630.0)
    spec = flyout_spec_for(catalogue, "gbi_2stage")
    assert not any(math.isclose(v, 5300.0) for v in vars(spec).values() if isinstance(v, float))


# --------------------------------------------------------------------------- ICBM question per year


def test_icbm_year__answers_come_from_the_computed_tracks(catalogue: Catalogue) -> None:
    result = icbm_year(catalogue, FootprintOptions(year=2013, scenario="third_site"))
    (row,) = result.answers.itertuples()
    assert row.site_id == "redzikowo" and row.variant == "gbi_2stage"
    assert row.feasible_nominal == result.reachable_tracks  # one site: its count is the map's
    assert f"can reach {row.feasible_nominal} of {row.tracks} tracks" in row.answer
    assert row.feasible_low <= row.feasible_nominal <= row.feasible_high
    # Each case's best margin in km and s, in the answer (issue 10: low, nominal and high).
    for est in ("low", "high"):
        assert f"{est} case {getattr(row, f'feasible_{est}')} (best margin +" in row.answer
        assert getattr(row, f"best_margin_s_{est}") > 0
    assert row.best_margin_km == row.best_margin_km_nominal
    assert set(result.tracks.status[result.tracks.reachable]) <= {REACHABLE}
    data = icbm_map_data(catalogue, result)
    assert data.state.view == "wide" and len(data.tracks) == row.tracks
    # The subtitle says the cueing its count rests on (an image on a slide read "7 of 88
    # reachable" alone: session 41's trial), and with the other cueings' results their counts.
    assert data.subtitle.startswith(
        f"{result.reachable_tracks} of {row.tracks} tracks reachable with perfect cueing · "
    ), data.subtitle
    # The legend names what is drawn: ICBM bases, not "Threat launch areas".
    svg = export.render(data, fmt="svg").decode("utf-8")
    assert "Russian ICBM bases" in svg and "Threat launch areas" not in svg
    assert "ICBM tracks: " in svg and "Threat tracks" not in svg
    # Each base's dot says what it fields and so how long it burns (data/icbm_bases.csv).
    labels = dict(zip(data.launch_points.point_id, data.launch_points.label, strict=True))
    assert "RS-24 Yars (silo), solid propellant" in labels["kozelsk"]
    assert "liquid propellant" in labels["uzhur"]


def test_icbm_year__the_map_and_line_give_every_cueings_count(catalogue: Catalogue) -> None:
    from coverage.products.icbm import CUEINGS, IcbmAssumptions
    from coverage.products.icbm_year import cueing_line, icbm_year_by_cueing

    options = FootprintOptions(year=2013, scenario="third_site")
    by = icbm_year_by_cueing(catalogue, options, IcbmAssumptions(cueing="shared_track"))
    assert list(by) == ["shared_track", "perfect", "own_radar"] and set(by) == set(CUEINGS)
    for cueing, result in by.items():
        assert result.cueing == cueing
        alone = icbm_year(catalogue, options, IcbmAssumptions(cueing=cueing))
        assert result.reachable_tracks == alone.reachable_tracks
    n = {c: r.reachable_tracks for c, r in by.items()}
    # The Third Site's silos have no radar of their own: nothing on their own radar's track;
    # perfect cueing reaches at least what the shared tracks do (README: 78, 15 and 0 of 88).
    assert n["own_radar"] == 0 and n["perfect"] >= n["shared_track"] > 0
    line = cueing_line(by)
    assert line == (
        f"{n['shared_track']} of 88 tracks reachable on NATO's shared radar tracks; "
        f"{n['perfect']} with perfect cueing, none with each site's own radar"
    )
    data = icbm_map_data(catalogue, by["shared_track"], by)
    assert data.subtitle.startswith(f"{line} · ")
    # Perfect cueing asked (the default): the cueings NATO's sensors give come first, perfect
    # cueing's count last (two trials quoted the favourable count that led the line).
    default = icbm_year_by_cueing(catalogue, options)
    assert cueing_line(default) == (
        f"{n['shared_track']} of 88 tracks reachable on NATO's shared radar tracks, none with "
        f"each site's own radar; {n['perfect']} only with perfect cueing"
    )


def test_icbm_year__2024_one_line_per_site(catalogue: Catalogue) -> None:
    result = icbm_year(catalogue, FootprintOptions(year=2024))
    deps = deployed(catalogue, 2024, "actual")
    pairs = set(
        zip(
            deps.site_id[deps.kind == "interceptor"],
            deps.system_id[deps.kind == "interceptor"],
            strict=True,
        )
    )
    assert set(zip(result.answers.site_id, result.answers.variant, strict=True)) == pairs
    by_site = result.answers.set_index("site_id")
    assert result.reachable_tracks >= by_site.loc["redzikowo"].feasible_nominal
    assert (by_site.loc["deveselu"].feasible_nominal == 0) == by_site.loc[
        "deveselu"
    ].answer.startswith("Aegis Ashore Romania (NSF Deveselu) (SM-3 Block IB): can reach none")


# --------------------------------------------------------------------------- data validation


def _overridden(name: str, extra_line: str) -> dict[str, str]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return {name: text.rstrip("\n") + "\n" + extra_line + "\n"}


def test_validation__alternative_with_unknown_site() -> None:
    line = "bad_row,third_site,nowhere,gbi_2stage,2013,,,,permanent,x,Assumption,x,Low,"
    with pytest.raises(DataError, match="alternatives.csv.*nowhere"):
        load_catalogue(overrides=_overridden("alternatives.csv", line))


def test_validation__alternative_id_taken_by_deployments() -> None:
    line = "kurecik_radar,third_site,kurecik,an_tpy2_fbm,2013,,100,,permanent,x,Assumption,x,Low,"
    with pytest.raises(DataError, match="ids are unique across both files"):
        load_catalogue(overrides=_overridden("alternatives.csv", line))


def test_validation__outage_of_unknown_deployment_and_reversed_dates() -> None:
    with pytest.raises(DataError, match="unknown deployment id"):
        load_catalogue(overrides=_overridden("outages.csv", "ghost,2019-04,2019-05,,x,x,Low"))
    with pytest.raises(DataError, match="must be after offline_from"):
        load_catalogue(
            overrides=_overridden("outages.csv", "kurecik_radar,2019-05,2019-04,,x,x,Low")
        )


def test_validation__scenario_early_warning_unknown_radar() -> None:
    line = "putin_2007,nowhere_radar,x,2010,,x,Low,"
    with pytest.raises(DataError, match="unknown early-warning radar"):
        load_catalogue(overrides=_overridden("scenario_early_warning.csv", line))


def test_validation__capabilities_need_every_scenario(tmp_path: Path) -> None:
    from coverage.catalogue.analysis import read_analysis_table

    text = (DATA_DIR / "capabilities.csv").read_text(encoding="utf-8")
    kept = "\n".join(line for line in text.splitlines() if ",putin_2007," not in line) + "\n"
    _, problems = read_analysis_table("capabilities.csv", text=kept)
    assert any(p.allowed == "needs a putin_2007 row" for p in problems)


# --------------------------------------------------------------------------- CLI end to end


def test_cli__metrics_2026_end_to_end() -> None:
    res = subprocess.run(
        [
            sys.executable, "-m", "coverage", "metrics", "--year", "2026", "--scenario", "actual",
            "--launch-area", "tabriz", "--grid-km", "100", "--format", "json",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["year"] == 2026 and 0.0 < out["nato_europe_area_share"] <= 1.0


def test_cli__on_date_and_alternative_scenarios() -> None:
    res = subprocess.run(
        [
            sys.executable, "-m", "coverage", "metrics", "--year", "2019", "--on-date",
            "2019-06-01", "--launch-area", "tabriz", "--grid-km", "100", "--format", "json",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "as built on 01 Jun 2019" in json.loads(res.stdout)["assumptions"]
    bad = subprocess.run(
        [sys.executable, "-m", "coverage", "metrics", "--year", "2019", "--on-date", "June"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2 and "--on-date must be a date YYYY-MM-DD" in bad.stderr
