"""Tests for coverage.products.icbm: the Russian-ICBM question."""

from __future__ import annotations

from dataclasses import replace

import pytest

from coverage.catalogue.analysis import load_icbm_bases, load_us_targets
from coverage.catalogue.tables import load_catalogue
from coverage.products import icbm


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def icbm_perfect(catalogue):
    return icbm.icbm_engagements(catalogue)


def test_icbm__table_covers_every_base_target_site_and_variant(icbm_perfect):
    t = icbm_perfect
    assert list(t.columns) == icbm.ICBM_COLUMNS
    assert len(t) == t.base_id.nunique() * t.target_id.nunique() * t.site_id.nunique() * 4
    assert {"deveselu", "redzikowo", "north_sea", "med_east", "rota"} <= set(t.site_id)
    assert t.loc[t.variant == "sm3_iib", "variant_name"].iloc[0].endswith("(cancelled)")
    assert (t.ground_range_km > 5_500).all()  # ICBM ranges
    assert "most favourable case for the defence" in t.attrs["assumptions"]
    assert (t.feasible == (t.margin_km >= 0)).all()


def test_icbm__faster_variant_and_better_cueing_never_do_worse(catalogue, icbm_perfect):
    t = icbm_perfect.set_index(["base_id", "target_id", "site_id", "variant"]).feasible
    iia = t.xs("sm3_iia", level="variant")
    iib = t.xs("sm3_iib", level="variant")
    assert (iib | ~iia).all()
    late = icbm.icbm_engagements(catalogue, icbm.IcbmAssumptions(delay_s=300.0))
    late = late.set_index(["base_id", "target_id", "site_id", "variant"]).feasible
    assert (t | ~late).all()
    own = icbm.icbm_engagements(catalogue, icbm.IcbmAssumptions(cueing="own_radar"))
    own = own.set_index(["base_id", "target_id", "site_id", "variant"]).feasible
    assert (t | ~own).all()
    summary = icbm.icbm_summary(icbm_perfect)
    assert (summary.feasible_tracks <= summary.tracks).all()


def test_icbm_shared_track__between_own_radar_and_perfect_launch_and_reach(catalogue):
    """Under ``shared_track`` a site launches ``delay_s`` after the first track of any radar
    deployed in the year or of its own radar: never later than on its own radar alone, never
    sooner than on a track at the ICBM's launch; what each reaches nests the same way (the
    high case, every site and variant ever named, 2024's radars)."""
    from coverage.scenario import FootprintOptions

    key = ["base_id", "target_id", "site_id", "variant"]
    of = FootprintOptions(year=2024)
    runs = {
        c: icbm.icbm_engagements(
            catalogue,
            icbm.IcbmAssumptions(cueing=c, estimate="high"),
            shared_radars_of=of if c == "shared_track" else None,
        ).set_index(key)
        for c in icbm.CUEINGS
    }
    own, shared, perfect = runs["own_radar"], runs["shared_track"], runs["perfect"]
    # A launch time is missing (NaN) where the site never launches.
    t_perfect, t_shared, t_own = (
        perfect.launch_time_s.fillna(float("inf")),
        shared.launch_time_s.fillna(float("inf")),
        own.launch_time_s.fillna(float("inf")),
    )
    assert (t_shared <= t_own).all() and (t_shared >= t_perfect).all()
    assert (shared.feasible | ~own.feasible).all() and (perfect.feasible | ~shared.feasible).all()
    # In the high case some sites launch sooner on another 2024 radar's track than on their own
    # (in the nominal case no radar of 2024 sees any of these ICBMs at all), and reach more.
    assert (t_shared < t_own).any() and shared.feasible.sum() > own.feasible.sum()
    assert "first track of any NATO BMD radar deployed in the year" in (
        runs["shared_track"].attrs.get("assumptions", "")
        or icbm.IcbmAssumptions(cueing="shared_track").describe()
    )
    with pytest.raises(ValueError, match="shared_radars_of"):
        icbm.icbm_engagements(catalogue, icbm.IcbmAssumptions(cueing="shared_track"))


def test_icbm__assumptions_validate():
    with pytest.raises(ValueError, match="cueing"):
        icbm.IcbmAssumptions(cueing="psychic")
    with pytest.raises(ValueError, match="delay_s"):
        icbm.IcbmAssumptions(delay_s=-1)


def test_icbm__boosting_icbm_on_a_rotating_earth_by_default(catalogue):
    a = icbm.IcbmAssumptions()
    assert a.boost and a.rotation and a.flyout_model == "point_mass" and not a.cap_at_nominal_range
    assert "boost phase" in a.describe() and "rotating Earth" in a.describe()
    bases = load_icbm_bases().head(2)
    targets = load_us_targets().head(2)
    boosted = icbm.icbm_engagements(
        catalogue, a, bases=bases, targets=targets, variants=("sm3_iia",)
    )
    plain = icbm.icbm_engagements(
        catalogue,
        icbm.IcbmAssumptions(boost=False, rotation=False),
        bases=bases,
        targets=targets,
        variants=("sm3_iia",),
    )
    # A ~4-minute boost adds time of flight (NRC 2012: an ICBM burns about 4 minutes).
    assert (boosted.flight_time_s.to_numpy() > plain.flight_time_s.to_numpy() + 30).all()


def test_icbm_answers__one_line_per_site_with_the_three_cases(catalogue):
    answers = icbm.icbm_answers(catalogue)
    assert answers.site_id.is_unique and len(answers) == answers.site_id.nunique()
    assert {"deveselu", "redzikowo"} <= set(answers.site_id)
    for row in answers.itertuples():
        assert row.answer.startswith(row.site)
        assert "nominal case" in row.answer and "low case" in row.answer
        assert row.feasible_low <= row.feasible_high  # a better interceptor never does worse
    deveselu = answers.set_index("site_id").loc["deveselu"]
    # The polar ICBM tracks pass far north of Romania: the SM-3 IB there reaches none of them.
    assert deveselu.feasible_high == 0 and deveselu.best_margin_km_high < -500
    assert "no intercept" in deveselu.answer


def test_icbm_answers__each_case_says_its_best_margin_in_km_and_s(catalogue):
    # Issue 10: "the best margin (km and s) in the low, nominal and high case".
    answers = icbm.icbm_answers(catalogue).set_index("site_id")
    for site_id, row in answers.iterrows():
        for est in ("low", "nominal", "high"):
            n = int(row[f"feasible_{est}"])
            km, s = row[f"best_margin_km_{est}"], row[f"best_margin_s_{est}"]
            assert (km >= 0) == (n > 0), (site_id, est)
            words = icbm.margin_words(n, km, s)
            assert words in row.answer, (site_id, est, words)
    redzikowo = answers.loc["redzikowo"]
    # A better interceptor case never has a smaller margin, in km or in s.
    assert (
        redzikowo.best_margin_km_low
        < redzikowo.best_margin_km_nominal
        < redzikowo.best_margin_km_high
    )
    assert 0 < redzikowo.best_margin_s_nominal < redzikowo.best_margin_s_high
    assert f"high case {redzikowo.feasible_high} (best margin +" in redzikowo.answer
    # Two interceptors at a site: the line names both, and in each case whose figures it gives
    # (the nearest one's km and s, from one row): THAAD nearest in the nominal case (near the
    # silos, low), the SM-3 IB in the high case.
    deveselu = answers.loc["deveselu"]
    assert "(built: SM-3 Block IB, THAAD" in deveselu.answer
    nominal_part, rest = deveselu.answer.split("; low case", 1)
    assert " km, THAAD interceptor; SM-3 Block IB short by ≥ " in nominal_part
    # The SM-3 IB's own figure is there too, the one the year's line (SM-3 alone) gives, and
    # why THAAD comes nearer: its shorter burn gets it out sooner along the ICBM's climb.
    own = icbm.icbm_summary(
        icbm.icbm_engagements(catalogue, site_variants={"deveselu": ("sm3_ib",)})
    ).set_index(["site_id", "variant"])
    ib = own.loc[("deveselu", "sm3_ib")]
    assert (
        "SM-3 Block IB "
        + icbm.margin_words(int(ib.feasible_tracks), ib.best_margin_km, ib.best_margin_s)
        + ": the THAAD interceptor burns 20 s, against 60 s (both assumptions"
    ) in nominal_part
    assert nominal_part.endswith("and so is out sooner along the ICBM's climb)")
    # Interceptors with one figure are named together (the IA and IB: one booster).
    north_sea = answers.loc["north_sea"].answer.split("; low case", 1)[0]
    assert "; SM-3 Block IA and SM-3 Block IB short by ≥ " in north_sea
    high_part = rest.split("high case", 1)[1].split(";", 1)[0]
    assert high_part.rstrip().endswith(" s, SM-3 Block IB)"), high_part


def test_icbm_answers__the_reason_thaad_comes_nearer_holds_in_the_fly_out_tables(catalogue):
    # What the Deveselu line says of THAAD and the SM-3 IB, checked on the fly-out tables at
    # THAAD's best point (the ICBM's climb near Kozelsk): THAAD is out there by then, and the
    # SM-3 IB, still burning or just past it, is not yet that high.
    from coverage.physics.flyout import flyout_table, reach_within_m
    from coverage.scenario import flyout_spec_for

    table = icbm.icbm_engagements(catalogue, site_variants={"deveselu": ("sm3_ib", "thaad")})
    table = table[table.site_id == "deveselu"]
    best = table[table.variant == "thaad"].sort_values("margin_km").iloc[-1]
    tau = float(best.intercept_time_s - best.launch_time_s)
    alt_m = float(best.intercept_alt_km) * 1e3
    assert 60.0 <= tau <= 150.0 and alt_m < 200e3  # on the climb, a minute or two in
    thaad = flyout_table(flyout_spec_for(catalogue, "thaad"))
    ib = flyout_table(flyout_spec_for(catalogue, "sm3_ib"))
    assert float(reach_within_m(thaad, alt_m, tau)) > float(reach_within_m(ib, alt_m, tau))


def test_margin_words__feasible_short_and_never():
    assert icbm.margin_words(7, 229.4, 60.2) == "best margin +229 km, +60 s"
    assert icbm.margin_words(0, -1268.0, float("nan")) == "short by ≥ 1,268 km"
    assert icbm.margin_words(0, -85.0, -20.0) == "short by ≥ 85 km and ≥ 20 s"
    # A time shortfall under half a second is not a shortfall in words (rounding).
    assert icbm.margin_words(0, -5.0, 0.4) == "short by ≥ 5 km"
    assert icbm.margin_words(0, float("-inf"), float("nan")).startswith("never inside")


def test_icbm_answers__each_site_is_judged_on_its_own_interceptors(catalogue):
    # Holzdorf hosts Arrow 3, not an SM-3: its line is about Arrow 3 (a fly-out borrowed from
    # the IIA's band, and said so), never about SM-3 variants tried at a site that had none.
    answers = icbm.icbm_answers(catalogue).set_index("site_id")
    holzdorf = answers.loc["holzdorf"]
    assert "(built: Arrow 3)" in holzdorf.answer and "SM-3" not in holzdorf.variants
    assert "analogy" in holzdorf.answer
    assert "never deployed there" not in " ".join(answers.answer)
    # Deveselu is judged on what stood there: the SM-3 IB, and THAAD in 2019.
    assert "THAAD" in answers.loc["deveselu"].variants
    # An answer that a single assumption turns is worded as a list of those assumptions.
    turned = [
        a for a in answers.answer if "each of these, on its own, would change the answer:" in a
    ]
    assert turned and all(" tracks)" in a for a in turned)


def test_icbm__dashboard_table_shows_a_dash_not_none_where_no_margin_exists(icbm_perfect):
    # The dashboard's table once printed "None" in "Best margin (s)" for sites whose tracks never
    # enter the fly-out fan: the time margin does not exist there; the km margin does.
    from dashboard.analysis import _icbm_table

    summary = icbm.icbm_summary(icbm_perfect)
    shown = _icbm_table(summary)
    assert "site" not in shown.columns and "Best margin (s)" in shown.columns
    for raw, text in zip(summary.best_margin_s, shown["Best margin (s)"], strict=True):
        if raw != raw:  # NaN
            assert text == "—"
        else:
            assert text == f"{raw:+,.0f}" and text[0] in "+-"
    for raw, text in zip(summary.best_margin_km, shown["Best margin (km)"], strict=True):
        assert text == ("—" if raw != raw else f"{raw:+,.0f}")
    assert not shown.isna().any().any()
    assert summary.best_margin_s.isna().any(), "no row without a time margin: the dash is untested"


def test_icbm__each_base_burns_for_its_propellant(catalogue):
    """Yars and Topol-M bases fly a solid-fuel burn, the SS-18 fields a liquid-fuel one."""
    bases = load_icbm_bases()
    assert set(bases.propellant) == {"solid", "liquid"}
    assert set(bases.loc[bases.propellant == "liquid", "base_id"]) == {"dombarovsky", "uzhur"}
    burn = icbm.propellant_burn_s()
    assert burn == {"solid": 180.0, "liquid": 240.0}  # data/threat_boost.csv, NRC 2012
    pick = bases[bases.base_id.isin(["kozelsk", "uzhur"])]
    targets = load_us_targets().head(1)
    runs = {
        p: icbm.icbm_engagements(
            catalogue,
            icbm.IcbmAssumptions(propellant=p),
            bases=pick,
            targets=targets,
            variants=("sm3_iia",),
            sites=catalogue.sites[catalogue.sites.site_id == "redzikowo"],
        ).set_index("base_id")
        for p in ("by_base", "solid", "liquid")
    }
    by_base = runs["by_base"]
    # Each base's track is the one-propellant run's for its own propellant, exactly.
    for base, own in (("kozelsk", "solid"), ("uzhur", "liquid")):
        for col in ("flight_time_s", "margin_km", "margin_s"):
            assert by_base.loc[base, col] == pytest.approx(
                runs[own].loc[base, col], rel=1e-12, nan_ok=True
            )
    # ... and the propellant moves the track: a minute less of burn, a shorter flight.
    solid, liquid = runs["solid"].loc["kozelsk"], runs["liquid"].loc["kozelsk"]
    assert solid.flight_time_s < liquid.flight_time_s - 10.0
    assert "solid 180 s, liquid 240 s" in icbm.IcbmAssumptions().describe()


def test_icbm__propellant_is_checked_and_needs_the_column(catalogue):
    with pytest.raises(ValueError, match="propellant"):
        icbm.IcbmAssumptions(propellant="hybrid")  # type: ignore[arg-type]
    bases = load_icbm_bases().head(1).drop(columns="propellant")
    with pytest.raises(ValueError, match="'propellant' column"):
        icbm.icbm_engagements(catalogue, bases=bases, targets=load_us_targets().head(1))
    # One propellant for all needs no column.
    icbm.icbm_engagements(
        catalogue,
        icbm.IcbmAssumptions(propellant="liquid"),
        bases=bases,
        targets=load_us_targets().head(1),
        variants=("sm3_iia",),
    )


def test_icbm_answers__the_propellant_is_a_hinge_at_redzikowo_and_holzdorf(catalogue):
    """Solid-fuel Yars burn out a minute sooner: fewer tracks in Redzikowo's reach."""
    answers = icbm.icbm_answers(catalogue).set_index("site_id")
    # Measured 2026-12-04: 7 of 88 (liquid for all, the earlier model: 14; solid for all: 6).
    assert 5 <= answers.loc["redzikowo", "feasible_nominal"] <= 9
    holzdorf = answers.loc["holzdorf", "answer"]
    assert answers.loc["holzdorf", "feasible_nominal"] == 0
    assert "every ICBM on the longer, liquid-fuel burn" in holzdorf


def test_icbm__the_cli_offers_the_propellant_choices():
    from coverage.cli.analysis import ICBM_PROPELLANTS

    assert ICBM_PROPELLANTS == icbm.PROPELLANT_CHOICES


def test_icbm_own_radar__first_detection_is_the_engines_physics_checked_by_geometry(catalogue):
    """Under ``own_radar`` the launch is ``delay_s`` after the site radar's first detection,
    and that detection is the engine's (data/detection.csv, high case: k = 1, the SPY-1's
    elevation mask, booster then warhead RCS, cued range after the satellite warning).

    Checked independently of ``radar.visible``: slant range and elevation from Earth-centred
    vectors on the sphere, sample by sample. At the reported sample the radar sees the
    threat; at no earlier sample does it.
    """
    import numpy as np

    from coverage.catalogue.analysis import detection_value
    from coverage.physics.ballistics import unit_vectors
    from coverage.physics.geodesy import EARTH_RADIUS_M
    from coverage.physics.threat_flight import earth_fixed_positions

    est = "high"
    a = icbm.IcbmAssumptions(cueing="own_radar", estimate=est, delay_s=30.0)
    bases, targets = load_icbm_bases(), load_us_targets()
    sites = icbm._interceptor_sites(catalogue)
    site = sites[sites.site_id == "redzikowo"].iloc[0]
    table = icbm.icbm_engagements(
        catalogue, a, variants=("sm3_iia",), sites=sites[sites.site_id == "redzikowo"]
    )
    bi = np.repeat(np.arange(len(bases)), len(targets))
    ti = np.tile(np.arange(len(targets)), len(bases))
    flights = icbm._fly_pairs(a, bases, targets, bi, ti)
    lon, lat, _ = earth_fixed_positions(flights)
    pos = unit_vectors(lon, lat) * (EARTH_RADIUS_M + flights.alt_m)[..., None]
    up = unit_vectors(float(site.lon_deg), float(site.lat_deg))
    height = float(site.elevation_m) + catalogue.parameter("spy1d", "antenna_height_m", est)
    line = pos - up * (EARTH_RADIUS_M + height)
    slant = np.linalg.norm(line, axis=-1)
    elevation = np.degrees(np.arcsin((line @ up) / slant))
    rcs = np.where(
        flights.time_s < flights.burnout_time_s[:, None],
        detection_value("booster_rcs_m2", est),
        detection_value("rv_rcs_m2", est),
    )
    factor = np.where(
        flights.time_s >= detection_value("satellite_cue_s", est),
        detection_value("cued_range_factor", est),
        1.0,
    )
    reach = catalogue.parameter("spy1d", "range_km", est) * 1000.0 * factor * rcs**0.25
    mask = catalogue.parameter("spy1d", "min_elevation_deg", est)

    def first_seen(range_scale: float, mask_shift_deg: float) -> np.ndarray:
        seen = (slant <= reach * range_scale) & (elevation >= mask + mask_shift_deg)
        rows = np.arange(len(bi))
        return np.where(seen.any(axis=1), flights.time_s[rows, np.argmax(seen, axis=1)], np.inf)

    # The engine measures ground range on the WGS84 ellipsoid; this check on the sphere. Where
    # a sample lies within 0.2 % of the range or 0.05° of the mask the two may differ, so the
    # first detection must lie between the strict and the lenient reading.
    strict, lenient = first_seen(0.998, 0.05), first_seen(1.002, -0.05)
    got = np.nan_to_num(table.launch_time_s.to_numpy() - a.delay_s, nan=np.inf)
    assert np.isfinite(got).sum() >= 10  # the high case's booster is seen on many tracks
    assert (lenient - 1e-6 <= got).all() and (got <= strict + 1e-6).all()
    assert np.isclose(got, first_seen(1.0, 0.0), atol=1e-6).mean() > 0.9
    # A smaller booster (the nominal case) is seen later or not at all.
    nominal = icbm.icbm_engagements(
        catalogue,
        replace(a, estimate="nominal"),
        variants=("sm3_iia",),
        sites=sites[sites.site_id == "redzikowo"],
    )
    later = nominal.launch_time_s.fillna(np.inf).to_numpy() >= table.launch_time_s.to_numpy()
    assert later[np.isfinite(got)].all()


def test_icbm_own_radar__an_interceptor_without_a_radar_of_its_own_never_launches(catalogue):
    """The 2007 Third Site's silos had no radar (its X-band radar was to stand in the Czech
    Republic), so on their own radar's detection the GBIs never launch; THAAD at Deveselu
    launches on its battery's TPY-2, an SM-3 on the Aegis SPY-1 that fires it."""
    sites = icbm._interceptor_sites(catalogue)
    own = icbm.own_radar_deployments(catalogue)
    deveselu = sites[sites.site_id == "deveselu"].iloc[0]
    assert icbm._own_radar_spec(catalogue, own, deveselu, "thaad", "nominal").fov_deg < 360
    spy = icbm._own_radar_spec(catalogue, own, deveselu, "sm3_ib", "nominal")
    assert spy.fov_deg == 360 and spy.min_elevation_deg == 2.0
    table = icbm.icbm_engagements(
        catalogue,
        icbm.IcbmAssumptions(cueing="own_radar", estimate="high"),
        variants=("gbi_2stage",),
        sites=sites[sites.site_id == "redzikowo"],
    )
    assert table.launch_time_s.isna().all() and not table.feasible.any()
    assert "none for the Third Site's silos" in table.attrs["assumptions"]
