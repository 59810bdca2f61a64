"""Bad URL parameters are named, with the value given, what is allowed and what is used."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.urlcheck import ICBM_TAB, url_notices

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_url_notices__pure_rules():
    used = {"year": 2016, "delay_s": 60, "threat": "design_case", "band": False}
    labels = {"threat": {"design_case": "Design case"}}
    assert url_notices({"year": ["2016"], "band": ["false"]}, used, labels=labels) == []
    assert url_notices({"threat": ["Design case"]}, used, labels=labels) == []  # the label
    assert url_notices({"delay_s": ["60.0"]}, used) == []  # the same number
    (bad,) = url_notices({"year": ["abc"]}, used)
    assert "'year' = 'abc' is not allowed (a year from 2011 to 2026); using 2016" in bad
    (twice,) = url_notices({"year": ["2016", "2017"]}, used)
    assert "given 2 times" in twice and "one value is allowed" in twice
    (unknown,) = url_notices({"yaer": ["2016"]}, used)
    assert "'yaer'" in unknown and "not known" in unknown
    assert url_notices({"projector": ["true"]}, used) == []  # read by the page itself
    (switch,) = url_notices({"band": ["maybe"]}, used)
    assert switch.endswith("using 'false'.")  # the link's words, not Python's False
    alone = {**used, "compare": False, "vs_year": 2024}
    (b_only,) = url_notices({"vs_year": ["2024"]}, alone)
    assert b_only == (
        "URL parameter 'vs_year' set the second state B of a comparison; add compare=true to "
        "compare."
    )
    assert url_notices({"vs_year": ["2024"]}, {**alone, "compare": True}) == []
    # The Russian-ICBM tab's choices, its tab closed (not drawn, so not in `used`): said once,
    # with how to open it, not called unknown.
    (closed,) = url_notices({"icbm_cueing": ["Own radar only"], "icbm_boost": ["false"]}, used)
    assert closed == (
        "URL parameters 'icbm_boost', 'icbm_cueing' set the Russian-ICBM question tab's "
        "choices; add tab=Russian-ICBM+question to open it with them."
    )
    (projector,) = url_notices(
        {"projector": ["true"], "tab": [ICBM_TAB], "icbm_cueing": ["Own radar only"]},
        {**used, "tab": ICBM_TAB},  # the page takes the link's tab (app.py), drawn or not
    )
    assert "a projector shows no tabs; leave out projector=true" in projector
    opened = {**used, "icbm_cueing": "own_radar"}
    labels_icbm = {"icbm_cueing": {"own_radar": "Own radar only"}}
    assert url_notices({"icbm_cueing": ["Own radar only"]}, opened, labels=labels_icbm) == []


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("year", "abc", "'year' = 'abc' is not allowed"),
        ("delay_s", "1e308", "'delay_s' = '1e308' is not allowed"),
        ("scenario", "<script>", "'scenario' = '<script>' is not allowed"),
        ("nonsense", "1", "'nonsense' ('1') is not known"),
        # Read by the page, not a widget: it was dropped with no word (new-user trial).
        ("projector", "yes", "'projector' = 'yes' is not allowed (true or false); using 'false'"),
    ],
)
def test_app__bad_url_values_get_a_visible_notice(key, value, needle):
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert any(needle in w.value for w in at.warning), [w.value for w in at.warning]


def test_app__a_clean_link_gets_no_notice():
    at = AppTest.from_file(APP, default_timeout=180)
    link = {"year": "2018", "scenario": "planned", "threat": "design_case", "projector": "false"}
    for key, value in link.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception and not at.warning


def test_app__a_link_opens_the_icbm_tab_with_its_choices():
    """The Russian-ICBM tab's choices are in the URL: a shared link shows the same answer."""
    at = AppTest.from_file(APP, default_timeout=300)
    link = {
        "tab": "Russian-ICBM question",
        "icbm_cueing": "Own radar only",
        "icbm_propellant": "All liquid",
        "icbm_rotation": "false",
    }
    for key, value in link.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert at.radio(key="icbm_cueing").value == "own_radar"
    assert at.radio(key="icbm_propellant").value == "liquid"
    assert at.toggle(key="icbm_rotation").value is False
    assert at.toggle(key="icbm_boost").value is True  # not in the link: its default
