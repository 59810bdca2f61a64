"""Tests for coverage.catalogue.analysis: threats, ICBM bases, US targets and cities."""

from __future__ import annotations

import pytest

from coverage.catalogue import analysis as schemas
from coverage.catalogue.schema import DataError


def test_analysis_tables__load_and_validate():
    threats = schemas.load_threats()
    assert {"design_case", "mrbm_sejjil", "srbm_qiam"} <= set(threats.threat_id)
    assert len(schemas.load_icbm_bases()) >= 10 and len(schemas.load_us_targets()) >= 6
    for table in (threats, schemas.load_icbm_bases(), schemas.load_us_targets()):
        assert table.source.str.len().min() > 0 and table.confidence.notna().all()


def test_analysis_tables__report_every_problem():
    header = (
        "threat_id,name,threat_class,range_km_low,range_km_nominal,range_km_high,range_rule,"
        "class_default,examples,source,confidence,notes\n"
    )
    bad = header + (
        "x1,X,MRBM,2000,1000,3000,fixed,true,e,s,Medium,\n"
        "x2,Y,LRBM,1,,,fixed,maybe,e,s,Sure,\n"
        "x3,Z,MRBM,,,,reach_nato_europe,true,e,s,Low,\n"
    )
    _, problems = schemas.read_analysis_table("threats.csv", text=bad, source="upload.csv")
    text = "\n".join(str(p) for p in problems)
    assert "upload.csv, line 2, column 'range_km_nominal'" in text and "between low (2000)" in text
    assert "line 3, column 'threat_class': value 'LRBM'" in text
    assert "line 3, column 'confidence'" in text and "line 3, column 'class_default'" in text
    assert "only one threat per class may be the default" in text


def test_cities__validated_through_the_schema():
    cities = schemas.load_cities()
    assert cities.is_capital.dtype == bool and cities.population.dtype.kind == "i"
    assert cities.is_capital.sum() > 40 and (cities.population >= 0).all()
    header = "city_id,name,iso3,lon_deg,lat_deg,population,is_capital\n"
    bad = header + "1,Sofia,BGR,23.3,42.7,-5,true\n2,X,ROU,200,44,10,maybe\n"
    _, problems = schemas.read_analysis_table("cities.csv", text=bad, source="cities.csv")
    text = "\n".join(str(p) for p in problems)
    assert "line 2, column 'population'" in text
    assert "line 3, column 'lon_deg'" in text and "line 3, column 'is_capital'" in text


def test_cities__a_bad_bundled_file_raises_a_data_error(tmp_path):
    (tmp_path / "cities.csv").write_text(
        "city_id,name,iso3,lon_deg,lat_deg,population,is_capital\n1,Sofia,BGR,23.3,42.7,-5,true\n"
    )
    with pytest.raises(DataError, match="population"):
        schemas.load_cities(tmp_path)
