"""The Monte-Carlo sweep: distributions, draws, the Dask engine, cache, outputs and the CLI.

A module-scoped local Dask cluster (2 worker threads, the default) serves every sweep here; the
1-worker comparison runs on a worker process, so the two modes are checked against each other.
Sweeps use a 100 km grid and a handful of draws so the module stays within CI time.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from coverage.catalogue.distributions import read_distributions
from coverage.catalogue.tables import DATA_DIR
from coverage.catalogue.validate import validate_data
from coverage.cli.main import main
from coverage.products import draws as draws_mod
from coverage.products.defended import defended_grid
from coverage.products.draws import (
    apply_draw,
    sample_values,
    sweep_variables,
    system_map,
    undrawn_variables,
)
from coverage.products.metrics import coverage_metrics, metric_weights
from coverage.products.sweep import (
    SweepRequest,
    dask_client,
    load_cached,
    probability_cells,
    probability_class,
    probability_layer,
    run_sweep,
)
from coverage.scenario import DefenceQuery, FootprintOptions, resolve

GRID_KM = 100.0
OPTIONS = FootprintOptions(year=2018, scenario="actual")
QUERY = DefenceQuery(launch_area="tabriz", grid_km=GRID_KM)


@pytest.fixture(scope="module")
def client():
    with dask_client(workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def base(catalogue, client):
    """One 8-draw sweep of 2018 as built, reused by the read-only checks."""
    return run_sweep(catalogue, SweepRequest(OPTIONS, QUERY, draws=8, seed=1), client=client)


# ----------------------------------------------------------------------------- distributions


def _distributions_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    return folder


def _edit(folder: Path, edit) -> None:
    path = folder / "distributions.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows = edit(rows)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def test_distributions__bundled_file_is_valid():
    frame, problems = read_distributions()
    assert problems == []
    assert set(frame.distribution) <= {"pert", "triangular", "uniform"}
    # The same booster's IA and IB share one draw, as the file states.
    row = frame[frame.variable == "sm3_ia_ib_burnout"].iloc[0]
    assert "sm3_ia/burnout_velocity_kmps" in row.applies_to
    assert "sm3_ib/burnout_velocity_kmps" in row.applies_to


def test_distributions__a_number_that_drifts_from_parameters_csv_is_named(tmp_path):
    folder = _distributions_copy(tmp_path)

    def drift(rows):
        rows[0]["high"] = "3.6"
        return rows

    _edit(folder, drift)
    problems = [str(p) for p in validate_data(folder)]
    hits = [p for p in problems if "distributions.csv, line 2" in p]
    assert hits and "must equal parameters.csv's 2.7/3/3.5" in hits[0]


def test_distributions__a_banded_parameter_without_a_row_is_named(tmp_path):
    folder = _distributions_copy(tmp_path)
    _edit(folder, lambda rows: [r for r in rows if r["variable"] != "tpy2_range"])
    problems = [str(p) for p in validate_data(folder)]
    assert any(
        "parameters.csv:an_tpy2_fbm/range_km" in p and "needs a distribution row" in p
        for p in problems
    )


def test_distributions__stage_burn_times_scale_with_the_drawn_total(tmp_path, catalogue):
    # The stage rows follow their system's drawn burn time (each keeps its share): no variable
    # of their own, but their band must be the total's, scaled; a stage off the scale is named.

    frame, problems = read_distributions()
    assert problems == [] and not any(
        "_burn_time_s" in str(a) and "/stage" in str(a) for a in frame.applies_to
    )
    folder = _distributions_copy(tmp_path)
    path = folder / "parameters.csv"
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("sm3_iia,stage2_burn_time_s,s,37.5,"))
    path.write_text(text.replace(line, line.replace(",37.5,", ",40,", 1)), encoding="utf-8")
    hits = [str(p) for p in validate_data(folder) if "sm3_iia/stage2_burn_time_s" in str(p)]
    assert hits and "must scale with parameters.csv:sm3_iia/burn_time_s" in hits[0], hits
    # A stage left flat under a banded total is named too (not found only at the first run).
    flat = line.replace(",37.5,30,22.5,", ",30,30,30,", 1)
    assert flat != line
    path.write_text(text.replace(line, flat), encoding="utf-8")
    hits = [str(p) for p in validate_data(folder) if "sm3_iia/stage2_burn_time_s" in str(p)]
    assert hits and "37.5/30/22.5" in hits[0], hits
    # A drawn total moves every stage by the same factor.
    setup = resolve(catalogue, FootprintOptions(year=2024), QUERY)
    var = next(v for v in sweep_variables(catalogue, setup) if v.name == "sm3_iia_burn_time")
    drawn = apply_draw(setup, [var], [50.0], system_map(catalogue, setup))
    site = next(s for s in drawn.sites if s.key.endswith("sm3_iia"))
    assert site.flyout is not None and site.flyout.stage_burn_times_s == pytest.approx((5, 25, 20))
    assert site.burn_time_s == 50.0


def test_distributions__unknown_target_and_kind_are_refused(tmp_path):
    folder = _distributions_copy(tmp_path)

    def bad(rows):
        rows[1]["applies_to"] = "parameters.csv:sm3_iia/warp_factor"
        rows[2]["distribution"] = "lognormal"
        return rows

    _edit(folder, bad)
    problems = [str(p) for p in validate_data(folder)]
    assert any("sm3_iia/warp_factor" in p and "no such row" in p for p in problems)
    assert any("column 'distribution'" in p and "lognormal" in p for p in problems)


# ----------------------------------------------------------------------------- draws


def test_apply_draw__nominal_values_give_back_the_nominal_setup(catalogue):
    setup = resolve(catalogue, OPTIONS, QUERY)
    variables = sweep_variables(catalogue, setup)
    drawn = apply_draw(
        setup, variables, [v.nominal for v in variables], system_map(catalogue, setup)
    )
    assert drawn == setup


@pytest.mark.parametrize("case", ["low", "high"])
def test_apply_draw__every_band_end_is_the_parameter_case(catalogue, case):
    """All variables at their low (high) end = the catalogue's low (high) case: every banded
    parameter the engine uses is drawn, and applied where resolve() puts it."""
    query = replace(QUERY, cap_at_nominal_range=True, shoot_look_shoot=True)
    options = FootprintOptions(year=2020, scenario="planned")  # IA, IB, IIA, IIB all deployed
    setup = resolve(catalogue, options, query)
    variables = sweep_variables(catalogue, setup)
    drawn = apply_draw(
        setup, variables, [getattr(v, case) for v in variables], system_map(catalogue, setup)
    )
    ends = {"low": (120.0, 90.0), "high": (30.0, 60.0)}[case]
    expected = resolve(
        catalogue,
        replace(options, estimate=case),
        replace(query, delay_s=ends[0], sls_interval_s=ends[1]),
    )
    assert drawn == replace(expected, options=setup.options, query=setup.query)


def test_sweep_variables__only_what_the_state_uses(catalogue):
    setup = resolve(catalogue, OPTIONS, replace(QUERY, rv_rcs_m2=0.05))
    names = {v.name for v in sweep_variables(catalogue, setup)}
    assert "sm3_ia_ib_burnout" in names
    assert "sm3_iia_burnout" not in names  # no IIA deployed in 2018 as built
    assert "rv_rcs" not in names  # the query fixes the RCS
    assert "booster_rcs" in names  # the booster's RCS is drawn (the threat has a boost)
    for fixed in (replace(QUERY, booster_rcs_m2=1.0), replace(QUERY, boost=False)):
        undrawn = dict(undrawn_variables(catalogue, resolve(catalogue, OPTIONS, fixed)))
        assert "booster_rcs" in undrawn, fixed
    assert "sm3_ia_ib_nominal_range" not in names  # no nominal-range cap
    assert "sls_interval" not in names  # no shoot-look-shoot


#: Shared early warning without satellite cueing, against a warhead-sized target: the state in
#: which the Russian radars' reach (and so their reference RCS) decides ground in 2018.
# One RCS for the whole flight (the warhead's 0.01 m²): the Kürecik radar does not see the
# boosting missile, so the Russian radars' warning, and their reference RCS, decide here.
COOP_QUERY = replace(
    QUERY,
    cooperation="shared_early_warning",
    satellite_cueing="off",
    rv_rcs_m2=0.01,
    booster_rcs_m2=0.01,
)


def test_sweep_variables__ew_reference_rcs_only_when_early_warning_radars_are_sensors(catalogue):
    alone = resolve(catalogue, OPTIONS, replace(COOP_QUERY, cooperation="nato_alone"))
    names = {v.name for v in sweep_variables(catalogue, alone)}
    assert "ew_reference_rcs" not in names
    # Satellite cueing off and no early-warning radar, but NATO's radars share their tracks
    # (launch on remote): one radar's track cues the others, so the cued range matters.
    assert "cued_range_factor" in names
    own = resolve(
        catalogue, OPTIONS, replace(COOP_QUERY, cooperation="nato_alone", launch_on_remote=False)
    )
    own_names = {v.name for v in sweep_variables(catalogue, own)}
    assert "cued_range_factor" not in own_names  # no cue at all
    assert "no shared track" in dict(undrawn_variables(catalogue, own))["cued_range_factor"]
    why = dict(undrawn_variables(catalogue, alone))
    assert "NATO alone" in why["ew_reference_rcs"]
    assert why["sm3_iia_burnout"] == "SM-3 Block IIA is not deployed in 2018 (as built)"
    # Every row is either drawn or named with a reason.
    assert len(names) + len(why) == len(read_distributions()[0])
    coop = resolve(catalogue, OPTIONS, COOP_QUERY)
    assert coop.warning_radars
    names = {v.name for v in sweep_variables(catalogue, coop)}
    assert {"ew_reference_rcs", "cued_range_factor"} <= names  # the radars' warning cues
    # A unitless variable reads without a unit (an empty cell is not "nan").
    factor = next(v for v in sweep_variables(catalogue, coop) if v.name == "cued_range_factor")
    assert factor.describe() == "triangular 1-2 (mode 1.5)"
    assert "ew_reference_rcs" not in dict(undrawn_variables(catalogue, coop))


def test_apply_draw__ew_reference_rcs_reaches_every_warning_radar(catalogue):
    setup = resolve(catalogue, OPTIONS, COOP_QUERY)
    variables = sweep_variables(catalogue, setup)
    values = [10.0 if v.name == "ew_reference_rcs" else v.nominal for v in variables]
    drawn = apply_draw(setup, variables, values, system_map(catalogue, setup))
    assert {w.reference_rcs_m2 for w in drawn.warning_radars} == {10.0}
    assert [replace(w, reference_rcs_m2=1.0) for w in drawn.warning_radars] == list(
        setup.warning_radars
    )
    assert drawn.radars == setup.radars and drawn.sites == setup.sites


def test_ew_reference_rcs__changes_nothing_under_nato_alone(catalogue, monkeypatch):
    """The same draws and setups as if data/distributions.csv had no early-warning row."""
    setup = resolve(catalogue, OPTIONS, QUERY)
    with_row = sweep_variables(catalogue, setup)
    table = draws_mod.load_distributions()
    assert "ew_reference_rcs" in set(table.variable)
    monkeypatch.setattr(
        draws_mod,
        "load_distributions",
        lambda: table[table.variable != "ew_reference_rcs"].reset_index(drop=True),
    )
    without_row = sweep_variables(catalogue, setup)
    assert with_row == without_row
    a = sample_values(with_row, 16, seed=5)
    assert np.array_equal(a, sample_values(without_row, 16, seed=5))
    system_of = system_map(catalogue, setup)
    for row in a:
        assert apply_draw(setup, with_row, row, system_of) == apply_draw(
            setup, without_row, row, system_of
        )


def test_sample_values__seeded_stratified_and_within_bands(catalogue):
    setup = resolve(catalogue, OPTIONS, QUERY)
    variables = sweep_variables(catalogue, setup)
    a = sample_values(variables, 50, seed=7)
    assert np.array_equal(a, sample_values(variables, 50, seed=7))
    assert not np.array_equal(a, sample_values(variables, 50, seed=8))
    for i, v in enumerate(variables):
        assert v.lower <= a[:, i].min() and a[:, i].max() <= v.upper
        # Latin hypercube: one value in each of the 50 equal-probability strata.
        strata = np.searchsorted(v.ppf(np.linspace(0, 1, 51)[1:-1]), a[:, i])
        assert sorted(strata) == list(range(50)), v.name


def test_sample_values__pert_mode_is_the_nominal(catalogue):
    setup = resolve(catalogue, OPTIONS, QUERY)
    v = next(v for v in sweep_variables(catalogue, setup) if v.name == "tpy2_range")
    x = v.ppf(np.linspace(0.0005, 0.9995, 2000))
    density, edges = np.histogram(x, bins=20, range=(v.lower, v.upper))
    assert edges[np.argmax(density)] <= v.nominal <= edges[np.argmax(density) + 1]


def test_metric_weights__equal_coverage_metrics(catalogue):
    for year in (2012, 2018, 2024):
        options = replace(OPTIONS, year=year)
        dg = defended_grid(catalogue, options, QUERY)
        w = metric_weights(catalogue, year, GRID_KM, dg.grid.iso3, dg.extra)
        m = coverage_metrics(catalogue, options, QUERY)
        d = dg.result.defended.astype(float)
        assert w.area @ d == pytest.approx(m.nato_europe_area_share, abs=1e-12)
        assert w.population @ d == pytest.approx(m.nato_europe_population_share, abs=1e-12)
        assert w.capitals @ d == m.capitals_defended


# ----------------------------------------------------------------------------- the sweep


def test_request__bounds_name_the_field(catalogue):
    with pytest.raises(ValueError, match=r"draws=1 is outside the allowed range 2\.\.10000"):
        SweepRequest(OPTIONS, QUERY, draws=1)
    with pytest.raises(ValueError, match=r"grid_km=5\.0 is outside the allowed range 10\.\.500"):
        SweepRequest(OPTIONS, replace(QUERY, grid_km=5.0))
    with pytest.raises(ValueError, match="estimate='low'"):
        SweepRequest(replace(OPTIONS, estimate="low"), QUERY)


def test_sweep__probabilities_are_bounded_and_out_of_reach_is_never_defended(base):
    p = base.p_defended
    assert p.min() >= 0.0 and p.max() <= 1.0
    assert not p[~base.in_reach].any()
    assert (base.counts == np.round(p * base.draws)).all()
    share = base.metrics[:, 0]
    assert ((share >= 0) & (share <= 1)).all()
    med, p05, p95 = base.interval("area_share")
    assert p05 <= med <= p95


def test_sweep__nominal_draw_reproduces_the_nominal_map(catalogue, client, base):
    pinned = tuple((v.name, v.nominal) for v in base.variables)
    result = run_sweep(
        catalogue, SweepRequest(OPTIONS, QUERY, draws=3, seed=1, fixed=pinned), client=client
    )
    dg = defended_grid(catalogue, OPTIONS, QUERY)
    assert np.array_equal(result.p_defended, dg.result.defended.astype(float))
    assert np.array_equal(result.nominal_defended, dg.result.defended)
    m = coverage_metrics(catalogue, OPTIONS, QUERY)
    assert result.metrics[:, 0] == pytest.approx(np.full(3, m.nato_europe_area_share), abs=1e-12)
    assert (result.sensitivity()["index"] == 0).all()  # nothing varies


def test_sweep__same_seed_same_result_other_seed_other_draws(catalogue, client, base):
    again = run_sweep(catalogue, SweepRequest(OPTIONS, QUERY, draws=8, seed=1), client=client)
    assert np.array_equal(again.counts, base.counts)
    assert np.array_equal(again.metrics, base.metrics)
    other = run_sweep(catalogue, SweepRequest(OPTIONS, QUERY, draws=8, seed=2), client=client)
    assert not np.array_equal(other.values, base.values)


def test_sweep__one_and_two_workers_give_the_same_result(catalogue, base):
    with dask_client(workers=1, processes=True) as one:
        single = run_sweep(catalogue, SweepRequest(OPTIONS, QUERY, draws=8, seed=1), client=one)
    assert single.workers == 1 and base.workers == 2
    assert np.array_equal(single.counts, base.counts)
    assert np.array_equal(single.metrics, base.metrics)


def test_sweep__a_faster_interceptor_never_lowers_p(catalogue, client, base):
    """Same draws of everything else; SM-3 IA/IB burnout speed pinned low, then high."""
    v = next(v for v in base.variables if v.name == "sm3_ia_ib_burnout")
    runs = [
        run_sweep(
            catalogue,
            SweepRequest(OPTIONS, QUERY, draws=8, seed=1, fixed=(("sm3_ia_ib_burnout", speed),)),
            client=client,
        )
        for speed in (v.lower, v.upper)
    ]
    slow, fast = runs
    assert (fast.counts >= slow.counts).all()
    assert fast.metrics[:, 0].sum() >= slow.metrics[:, 0].sum()
    assert fast.counts.sum() > slow.counts.sum()  # and it does matter in 2018


def test_sweep__cooperation_nominal_draw_and_reference_rcs_monotone(catalogue, client):
    """Under shared early warning the sweep engages the Russian radars like the map does, and a
    larger reference RCS (a shorter range against the warhead) never raises p."""
    pinned = tuple(
        (v.name, v.nominal)
        for v in sweep_variables(catalogue, resolve(catalogue, OPTIONS, COOP_QUERY))
    )
    nominal = run_sweep(
        catalogue, SweepRequest(OPTIONS, COOP_QUERY, draws=2, seed=1, fixed=pinned), client=client
    )
    dg = defended_grid(catalogue, OPTIONS, COOP_QUERY)
    assert np.array_equal(nominal.nominal_defended, dg.result.defended)
    assert np.array_equal(nominal.p_defended, dg.result.defended.astype(float))
    alone = defended_grid(catalogue, OPTIONS, replace(COOP_QUERY, cooperation="nato_alone"))
    assert dg.result.defended.sum() > alone.result.defended.sum()  # the radars matter here
    runs = [
        run_sweep(
            catalogue,
            SweepRequest(OPTIONS, COOP_QUERY, draws=6, seed=2, fixed=(("ew_reference_rcs", rcs),)),
            client=client,
        )
        for rcs in (10.0, 0.1)
    ]
    big, small = runs
    assert (small.counts >= big.counts).all()
    assert small.metrics[:, 0].sum() >= big.metrics[:, 0].sum()
    assert small.counts.sum() > big.counts.sum()  # and it does matter in this state
    summary = small.summary()
    assert "ew_reference_rcs" in summary["drawn"]
    assert "ew_reference_rcs" not in {r["parameter"] for r in summary["not_drawn"]}


def test_sweep__disk_cache_pays_once(catalogue, client, tmp_path):
    request = SweepRequest(OPTIONS, replace(QUERY, grid_km=200.0), draws=4, seed=3)
    assert load_cached(catalogue, request, tmp_path) is None
    first = run_sweep(catalogue, request, client=client, cache=tmp_path)
    assert not first.from_cache and list(tmp_path.glob("*.npz"))
    second = run_sweep(catalogue, request, client=client, cache=tmp_path)
    assert second.from_cache
    assert np.array_equal(second.counts, first.counts)
    assert np.array_equal(second.metrics, first.metrics)
    assert second.summary()["sensitivity"] == first.summary()["sensitivity"]
    assert load_cached(catalogue, replace(request, seed=4), tmp_path) is None


def test_sweep__summary_and_sensitivity(base):
    s = base.summary()
    for key in ("draws", "share_median", "share_p05", "share_p95", "sensitivity"):
        assert key in s
    indices = [row["index"] for row in s["sensitivity"]]
    assert indices == sorted(indices, reverse=True)
    assert {row["parameter"] for row in s["sensitivity"]} == {v.name for v in base.variables}
    assert all(0.0 <= i <= 1.0 for i in indices)
    caps = base.capitals()
    assert len(caps) == s["capitals_total"] and caps.p_defended.between(0, 1).all()
    not_drawn = {r["parameter"]: r["reason"] for r in s["not_drawn"]}
    assert set(s["drawn"]) == {v.name for v in base.variables}
    assert "NATO alone" in not_drawn["ew_reference_rcs"]
    assert set(s["drawn"]) | set(not_drawn) == set(read_distributions()[0].variable)


def test_probability_outputs__cells_and_classes(base):
    cells = probability_cells(base)
    assert len(cells) == int(base.in_reach[: base.n_cells].sum())
    assert cells.crs.to_epsg() == 4326 and cells.p_defended.between(0, 1).all()
    layer = probability_layer(base)
    assert layer.cells.sum() == len(cells)
    assert set(layer.p_class) <= {"< 10 %", "10-50 %", "50-90 %", "> 90 %"}
    assert list(probability_class(np.array([0.0, 0.099, 0.1, 0.5, 0.9, 0.91, 1.0]))) == [
        0,
        0,
        1,
        2,
        2,
        3,
        3,
    ]


# ----------------------------------------------------------------------------- command line


def test_cli_sweep__json_and_geojson(client, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EPAA_DASK_SCHEDULER", client.scheduler.address)
    out = tmp_path / "p.geojson"
    code = main(
        [
            "sweep",
            "--year",
            "2018",
            "--scenario",
            "actual",
            "--launch-area",
            "tabriz",
            "--draws",
            "4",
            "--seed",
            "1",
            "--grid-km",
            "200",
            "--format",
            "json",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    summary = json.loads(captured.out)
    for key in ("draws", "share_median", "share_p05", "share_p95"):
        assert key in summary
    assert summary["draws"] == 4
    assert [set(r) >= {"parameter", "index"} for r in summary["sensitivity"]]
    assert "4/4 tasks" in captured.err or "tasks (100%)" in captured.err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["features"] and "p_defended" in doc["features"][0]["properties"]


def test_cli_sweep__image_carries_the_probability_legend(client, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EPAA_DASK_SCHEDULER", client.scheduler.address)
    out = tmp_path / "p.svg"
    args = ["sweep", "--year", "2018", "--launch-area", "tabriz", "--draws", "4", "--grid-km"]
    assert main([*args, "200", "--no-cache", "--quiet", "--out", str(out)]) == 0
    svg = out.read_text(encoding="utf-8")
    assert "Defended in &gt; 90 % of 4 draws" in svg
    assert "Defended in &lt; 10 % of 4 draws" in svg


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--grid-km", "5"], "--grid-km 5.0 is outside the allowed range 10..500 km"),
        (["--estimate", "low"], "--estimate 'low': a sweep draws every parameter"),
        (["--out", str(DATA_DIR / "x.geojson")], "refusing to write inside data/"),
        (["--out", "x.shp"], "unknown extension"),
        (["--cache-dir", str(DATA_DIR)], "refusing to write inside data/"),
    ],
)
def test_cli_sweep__bad_input_is_one_line(extra, message, capsys):
    code = main(["sweep", "--year", "2018", "--launch-area", "tabriz", "--draws", "2", *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_cli_sweep__draws_cap_is_named(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "--year", "2018", "--draws", "20000"])
    assert exc.value.code == 2
    assert "--draws must be from 2 to 10000 draws, got '20000'" in capsys.readouterr().err
