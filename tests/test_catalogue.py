"""The catalogue loader: data/ loads; a broken copy gives a DataError naming where and why."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from coverage.catalogue.tables import (
    CONFIDENCES,
    DATA_DIR,
    REQUIRED_PARAMETERS,
    SCHEMAS,
    Catalogue,
    DataError,
    DataProblem,
    load_catalogue,
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for name in SCHEMAS:
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def _edit_line(path: Path, startswith: str, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in the line starting with ``startswith``; return its number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(startswith):
            assert old in line, f"{old!r} not in line {i + 1} of {path.name}"
            lines[i] = line.replace(old, new, 1)
            path.write_text("".join(lines), encoding="utf-8")
            return i + 1
    raise AssertionError(f"no line starting with {startswith!r} in {path.name}")


def _rewrite(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


def _only(exc: pytest.ExceptionInfo[DataError]) -> DataProblem:
    assert len(exc.value.problems) == 1, exc.value.problems
    return exc.value.problems[0]


# --- The bundled data ----------------------------------------------------------------------------


def test_real_data_loads(catalogue: Catalogue) -> None:
    assert len(catalogue.sites) >= 5 and len(catalogue.deployments) >= 10
    assert catalogue.custom_site_ids == frozenset()
    assert catalogue.sites.site_id.is_unique and catalogue.deployments.deployment_id.is_unique
    assert set(catalogue.deployments.site_id) <= set(catalogue.sites.site_id)
    assert set(catalogue.deployments.system_id) <= set(catalogue.systems.system_id)
    assert len(catalogue.digest) == 16 and catalogue.digest == load_catalogue().digest


def test_every_parameter_has_a_source_and_a_confidence(catalogue: Catalogue) -> None:
    p = catalogue.parameters
    assert p.source.map(lambda s: isinstance(s, str) and len(s.strip()) > 3).all()
    assert p.confidence.isin(CONFIDENCES).all()


def test_parameter_cases_are_monotonic(catalogue: Catalogue) -> None:
    """low, nominal, high run one way (a lower floor can be the more capable case)."""
    for row in catalogue.parameters.itertuples():
        assert row.low <= row.nominal <= row.high or row.low >= row.nominal >= row.high, row


def test_every_system_has_its_required_parameters(catalogue: Catalogue) -> None:
    have = set(zip(catalogue.parameters.system_id, catalogue.parameters.parameter, strict=True))
    for sid, kind in zip(catalogue.systems.system_id, catalogue.systems.kind, strict=True):
        for name in REQUIRED_PARAMETERS[kind]:
            assert (sid, name) in have, (sid, name)


def test_data_loader_never_writes(data_copy: Path) -> None:
    before = {p.name: p.read_bytes() for p in data_copy.iterdir()}
    load_catalogue(data_copy, overrides={"sites.csv": (data_copy / "sites.csv").read_text()})
    assert {p.name: p.read_bytes() for p in data_copy.iterdir()} == before


# --- A malformed copy of data/ -------------------------------------------------------------------


def test_missing_column__names_file_line_and_column(data_copy: Path) -> None:
    _rewrite(data_copy / "sites.csv", lambda f: f.drop(columns="elevation_m"))
    with pytest.raises(DataError) as exc:
        load_catalogue(data_copy)
    p = _only(exc)
    assert (p.source, p.line, p.column, p.value) == ("data/sites.csv", 1, "elevation_m", None)
    assert p.allowed.startswith("missing column") and "a number from -500 to 9000" in p.allowed
    assert "data/sites.csv, line 1, column 'elevation_m'" in str(exc.value)


def test_latitude_95__names_file_line_column_value_and_range(data_copy: Path) -> None:
    line = _edit_line(data_copy / "sites.csv", "kurecik,", ",38.3494,", ",95,")
    with pytest.raises(DataError) as exc:
        load_catalogue(data_copy)
    p = _only(exc)
    assert (p.source, p.line, p.column, p.value) == ("data/sites.csv", line, "lat_deg", "95")
    assert p.allowed == "a number from -90 to 90"
    assert (
        f"data/sites.csv, line {line}, column 'lat_deg': value '95' — a number from -90 to 90"
        in str(exc.value)
    )


def test_unknown_system_id__names_file_line_column_value_and_known_ids(data_copy: Path) -> None:
    line = _edit_line(data_copy / "deployments.csv", "kurecik_radar,", ",an_tpy2_fbm,", ",an_tpy9,")
    with pytest.raises(DataError) as exc:
        load_catalogue(data_copy)
    p = _only(exc)
    assert (p.source, p.line, p.column, p.value) == (
        "data/deployments.csv",
        line,
        "system_id",
        "an_tpy9",
    )
    assert p.allowed.startswith("unknown system id; known:") and "an_tpy2_fbm" in p.allowed


@pytest.mark.parametrize("bad_date", ["2016-13-45", "12 May 2016", "2016/05/12", "20160512x"])
def test_unparseable_date__names_file_line_column_value_and_format(
    data_copy: Path, bad_date: str
) -> None:
    line = _edit_line(
        data_copy / "deployments.csv", "deveselu_radar,", ",2016-05-12,", f",{bad_date},"
    )
    with pytest.raises(DataError) as exc:
        load_catalogue(data_copy)
    p = _only(exc)
    assert (p.source, p.line, p.column, p.value) == (
        "data/deployments.csv",
        line,
        "built_from",
        bad_date,
    )
    assert "a date YYYY, YYYY-MM or YYYY-MM-DD" in p.allowed


def test_duplicate_id__names_both_lines(data_copy: Path) -> None:
    path = data_copy / "sites.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rota = next(i for i, line in enumerate(lines) if line.startswith("rota,"))
    lines.append(lines[rota])
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_catalogue(data_copy)
    p = _only(exc)
    assert (p.source, p.line, p.column, p.value) == (
        "data/sites.csv",
        len(lines),
        "site_id",
        "rota",
    )
    assert p.allowed == f"must be unique; already used on line {rota + 1}"


def test_extra_column__is_named_with_the_allowed_columns(data_copy: Path) -> None:
    _rewrite(data_copy / "systems.csv", lambda f: f.assign(range_km="1000"))
    with pytest.raises(DataError) as exc:
        load_catalogue(data_copy)
    p = _only(exc)
    assert (p.source, p.line, p.column) == ("data/systems.csv", 1, "range_km")
    assert p.allowed.startswith("unknown column; allowed columns: system_id, kind, name")


def test_several_problems__are_all_reported_at_once(data_copy: Path) -> None:
    _edit_line(data_copy / "sites.csv", "kurecik,", ",38.3494,", ",95,")
    _edit_line(data_copy / "sites.csv", "rota,", ",port,", ",harbour,")
    _edit_line(data_copy / "parameters.csv", "spy1d,range_km,", ",Low,", ",Shaky,")
    with pytest.raises(DataError) as exc:
        load_catalogue(data_copy)
    found = {(p.source, p.column) for p in exc.value.problems}
    assert found == {
        ("data/sites.csv", "lat_deg"),
        ("data/sites.csv", "kind"),
        ("data/parameters.csv", "confidence"),
    }


def test_not_utf8_or_missing_file__is_a_data_error(data_copy: Path) -> None:
    (data_copy / "events.csv").write_bytes(b"date,title\n\xff\xfe,oops\n")
    (data_copy / "phases.csv").unlink()
    with pytest.raises(DataError) as exc:
        load_catalogue(data_copy)
    msgs = {p.source: p.allowed for p in exc.value.problems}
    assert "not a readable UTF-8 CSV file" in msgs["data/events.csv"]
    assert msgs["data/phases.csv"] == "file not found"


def test_every_fact_sheet_section_cited_is_in_the_repository() -> None:
    # Rows cite "Fact sheet §3.2"; the fact sheet lived outside the repository, so a clone could
    # not check a source (session 43's new-user trial). Every section cited is a heading of
    # docs/fact-sheet.md.
    import re

    repo = Path(__file__).resolve().parent.parent
    sheet = (repo / "docs" / "fact-sheet.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", sheet, flags=re.MULTILINE))
    assert {"1.2", "3.2", "5.4", "8.3"} <= sections
    cited: dict[str, set[str]] = {}
    files = [
        *sorted((repo / "data").glob("*.csv")),
        repo / "data" / "README.md",
        *sorted((repo / "dashboard").glob("*.py")),
        *sorted((repo / "coverage").rglob("*.py")),
    ]
    for path in files:
        text = path.read_text(encoding="utf-8")
        # "fact sheet §2, §6", "Fact sheet §3.1/§5.6", "§4.9 and §8.1": every section of a run.
        for run in re.findall(r"[Ff]act[ -]sheet[^§\n]{0,12}((?:§[\d.]+(?:, | and |/)?)+)", text):
            for number in re.findall(r"§(\d+(?:\.\d+)*)", run):
                cited.setdefault(number, set()).add(path.name)
    assert len(cited) > 20
    missing = {n: files for n, files in cited.items() if n not in sections}
    assert not missing, f"sections cited but not in docs/fact-sheet.md: {missing}"
