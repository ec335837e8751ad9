"""The interactive map in a real browser, offline: frames, slider, popups, incidents, tools."""

from __future__ import annotations

import pandas as pd
import pytest

from seawatch.maps.interactive import render_interactive
from tests.browser import offline_page
from tests.maps.conftest import NOW, open_map

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def map_files(tmp_path_factory, risk, incidents, settings):
    root = tmp_path_factory.mktemp("maps")
    en = render_interactive(
        risk.assign_attrs(demo=1), incidents, root / "en" / "map.html", settings, now=NOW
    )
    ar = render_interactive(risk, incidents, root / "ar" / "map.html", settings, lang="ar", now=NOW)
    return {"en": en, "ar": ar}


def test_loads_offline_without_errors_and_draws(browser, map_files):
    with offline_page(browser) as (page, record):
        open_map(page, map_files["en"], settle_ms=0)
        page.wait_for_timeout(300)
        assert record.problems() == []
        state = page.evaluate(
            """() => {
              const img = document.querySelector('.sw-frame');
              const c = document.querySelector('.leaflet-container');
              return {w: img.naturalWidth, complete: img.complete, src: img.src.slice(0, 22),
                      time: c.getAttribute('data-sw-time'), incidents: +c.getAttribute('data-sw-incidents'),
                      markers: document.querySelectorAll('.sw-cluster, path.leaflet-interactive').length,
                      banner: document.querySelector('.sw-banner-demo').textContent,
                      utc: document.querySelector('.sw-utc').textContent,
                      local: document.querySelector('.sw-local').textContent}
            }"""
        )
        assert state["complete"] and state["w"] > 10 and state["src"] == "data:image/png;base64,"
        assert state["time"] == "2026-11-24T06:00:00Z"
        assert state["utc"] == "2026-11-24 06:00 UTC" and state["local"].startswith("08:00 Tripoli")
        assert state["incidents"] == 8 and state["markers"] > 0
        assert state["banner"] == "DEMO - synthetic sea state, not a forecast"


def test_slider_changes_time_and_frame(browser, map_files):
    with offline_page(browser) as (page, record):
        open_map(page, map_files["en"], settle_ms=0)
        before = page.evaluate("document.querySelector('.sw-frame').src")
        frame_count = int(page.get_attribute(".leaflet-container", "data-sw-frame"))
        page.fill(".sw-slider", "30")  # range inputs take fill(); fires input
        page.wait_for_function(
            f"+document.querySelector('.leaflet-container').getAttribute('data-sw-frame') > {frame_count}"
        )
        assert page.text_content(".sw-utc") == "2026-11-25 06:00 UTC"
        assert page.evaluate("document.querySelector('.sw-frame').src") != before
        page.keyboard.press("ArrowRight")
        assert page.get_attribute(".leaflet-container", "data-sw-time") == "2026-11-25T07:00:00Z"
        page.check("input[name=sw-vessel][value=wooden_boat]")
        assert page.get_attribute(".leaflet-container", "data-sw-shown") is not None
        page.wait_for_function(
            "document.querySelector('.leaflet-container').getAttribute('data-sw-shown') === 'wooden_boat@31'"
        )
        assert record.problems() == []


def test_click_on_sea_shows_point_forecast(browser, map_files):
    with offline_page(browser) as (page, record):
        open_map(page, map_files["en"], settle_ms=0)
        page.evaluate("seawatchMap.setTime(18)")  # the storm's peak off Tunisia and Malta
        page.evaluate("seawatchMap.pointForecast(L.latLng(35.3, 13.1))")
        page.wait_for_selector(".sw-hazard-table", timeout=5000)
        text = page.text_content(".leaflet-popup-content")
        assert "Point forecast" in text and "35°18.000'N 013°06.000'E" in text
        assert "2026-11-24 18:00 UTC" in text
        for word in (
            "Overloaded rubber dinghy",
            "Overloaded wooden boat",
            "Significant wave height",
            "Wave period",
            "Wind",
            "Gusts",
            "Current",
            "Sea temperature",
            " kn",
        ):
            assert word in text, word
        assert any(level in text for level in ("Severe", "Extreme", "High"))
        assert "wave height" in text  # the rule that set the level
        page.evaluate("seawatchMap.pointForecast(L.latLng(31.0, 13.0))")  # Libyan desert
        page.wait_for_function(
            "document.querySelector('.leaflet-popup-content').textContent.includes('Land')"
        )
        assert record.problems() == []


def test_incident_filter_and_popup(browser, map_files, incidents):
    located = incidents[incidents["lat"].notna()]
    age = NOW - located["time"]
    expected = {
        "24h": int((age <= pd.Timedelta(hours=24)).sum()),
        "7d": int((age <= pd.Timedelta(days=7)).sum()),
        "all": len(located),
    }
    assert expected["24h"] < expected["7d"] < expected["all"]
    with offline_page(browser) as (page, record):
        open_map(page, map_files["en"], settle_ms=0)
        assert page.get_attribute(".leaflet-container", "data-sw-incidents") == str(expected["7d"])
        for which in ("24h", "all"):
            page.check(f"input[name=sw-filter][value='{which}']")
            assert page.get_attribute(".leaflet-container", "data-sw-incidents") == str(
                expected[which]
            )
        html = page.evaluate("seawatchMap._incidentPopup(seawatchMap.D.incidents.rows[1])")
        assert "boat &quot;Sara&quot; &lt;engine failure&gt;" in html
        assert "Source reference" in html and "UTC" in html and "°" in html
        assert record.problems() == []


def test_ruler_measures_nautical_miles(browser, map_files):
    with offline_page(browser) as (page, record):
        open_map(page, map_files["en"], settle_ms=0)
        page.click(".sw-ruler a")
        page.evaluate("""() => { const m = seawatchMap.map;
            m.fire('click', {latlng: L.latLng(33, 13)}); m.fire('click', {latlng: L.latLng(34, 13)}); }""")
        nm = float(page.get_attribute(".leaflet-container", "data-sw-ruler-nm"))
        assert nm == pytest.approx(60.0, abs=0.3)  # one degree of latitude
        assert "NM" in page.text_content(".sw-ruler-tip")
        assert page.text_content(".leaflet-control-scale").strip().endswith("NM")
        page.mouse.move(600, 400)
        assert "'N" in page.text_content(".leaflet-control-mouseposition")
        assert record.problems() == []


def test_arabic_map_reads_right_to_left(browser, map_files):
    with offline_page(browser) as (page, record):
        open_map(page, map_files["ar"], settle_ms=0)
        assert page.get_attribute("html", "dir") == "rtl"
        assert page.text_content(".sw-title") == "خطر انقلاب قوارب المهاجرين قبالة ليبيا"
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.sw-legend')).direction")
            == "rtl"
        )
        assert record.problems() == []
