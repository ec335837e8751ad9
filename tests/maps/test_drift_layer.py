"""The drift layer of the interactive map, offline in a real browser (Debian chromium).

The drift is hand-made after the contract (``tests/drift_fixture.py``): it starts at
2026-11-24 03:00 UTC and drifts 24 h; its 90 % area after ``h`` hours is a circle of
``1 + 0.5 h`` NM. The map's hazard frames are hourly from 2026-11-24 00:00 UTC, and the map
opens at 06:00 UTC (h = 3).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from seawatch.maps.interactive import build_html, drifts_payload
from tests.browser import offline_page
from tests.drift_fixture import make_drift
from tests.maps.conftest import NOW, render_maps

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/driftui")


def _area(hours: float) -> float:
    return round(math.pi * (1 + 0.5 * hours) ** 2, 1)


@pytest.fixture(scope="module")
def drift():
    out = make_drift(incident_id="3f9c2a1b0d4e5f60")
    return {**out["json"], "geojson": out["geojson"]}


@pytest.fixture(scope="module")
def drift_maps(tmp_path_factory, risk, incidents, settings, drift):
    root = tmp_path_factory.mktemp("drift-maps")
    return render_maps(root, risk, incidents, settings, drifts=[drift])


def _open(page, path):
    page.goto(path.as_uri())
    page.wait_for_function(
        "document.querySelector('.leaflet-container[data-sw-drift-hour]') !== null", timeout=15000
    )


def _state(page):
    return page.evaluate(
        """() => {
          const c = document.querySelector('.leaflet-container');
          const a90 = document.querySelector('path.sw-drift-area-90');
          return {hour: c.getAttribute('data-sw-drift-hour'), a90: c.getAttribute('data-sw-drift-a90'),
                  n: c.getAttribute('data-sw-drifts'), d: a90 ? a90.getAttribute('d') : null,
                  a50: document.querySelectorAll('path.sw-drift-area-50').length,
                  track: document.querySelectorAll('path.sw-drift-track').length,
                  panel: document.querySelector('.sw-drift-panel').innerText}
        }"""
    )


def test_drift_layer_shows_and_its_area_follows_the_time_slider(browser, drift_maps):
    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        _open(page, drift_maps["en"])
        first = _state(page)
        assert first["n"] == "1" and first["track"] == 1 and first["a50"] == 1
        assert first["hour"] == "2026-11-24T06:00:00Z"
        assert float(first["a90"]) == pytest.approx(_area(3), abs=0.05)
        assert "Drift of rubber boat" in first["panel"]
        assert "Datum at 2026-11-24 06:00 UTC:" in first["panel"]
        assert (
            "Last known position 33°52.002'N 012°31.002'E at 2026-11-24 03:00 UTC"
            in (first["panel"])
        )
        assert "All times UTC" in first["panel"]
        page.screenshot(path=str(SHOTS / "drift-en-1400x1000.png"))
        page.click(".sw-drift-zoom")
        page.wait_for_timeout(600)
        assert page.evaluate("seawatchMap.map.getZoom()") >= 8
        page.screenshot(path=str(SHOTS / "drift-en-1400x1000-zoomed.png"))

        page.fill(".sw-slider", "14")  # 2026-11-24 14:00 UTC: 11 h of drift
        page.wait_for_function(
            "document.querySelector('.leaflet-container').getAttribute('data-sw-drift-hour')"
            " === '2026-11-24T14:00:00Z'"
        )
        later = _state(page)
        assert float(later["a90"]) == pytest.approx(_area(11), abs=0.05)
        assert later["d"] != first["d"]
        assert "Hazard at the datum: Severe" in later["panel"]  # the fixture's, from hour 11

        page.fill(".sw-slider", "1")  # 01:00 UTC: before the last known position
        page.wait_for_function(
            "document.querySelector('.leaflet-container').getAttribute('data-sw-drift-hour') === ''"
        )
        before = _state(page)
        assert before["d"] is None and "before the last known position" in before["panel"]

        page.fill(".sw-slider", "40")  # after the drift's end: its last area, said so
        page.wait_for_function(
            "document.querySelector('.leaflet-container').getAttribute('data-sw-drift-hour')"
            " === '2026-11-25T03:00:00Z'"
        )
        after = _state(page)
        assert float(after["a90"]) == pytest.approx(_area(24), abs=0.05)
        assert "The drift ends at 2026-11-25 03:00 UTC" in after["panel"]

        # the layer control can hide it, and the panel goes with it
        page.evaluate("seawatchMap.map.removeLayer(seawatchMap.drift.layer)")
        assert page.evaluate("document.querySelector('.sw-drift-panel').hidden")
        assert record.problems() == []


def test_drift_layer_in_arabic_and_on_a_phone(browser, drift_maps):
    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        _open(page, drift_maps["ar"])
        state = _state(page)
        assert "انجراف قارب مطاطي" in state["panel"]
        assert "الموقع المرجّح الساعة 2026-11-24 06:00 UTC" in state["panel"]
        assert "ميل بحري مربع" in state["panel"]
        assert page.evaluate("document.querySelector('.sw-drift-panel').getAttribute('dir')") == (
            "rtl"
        )
        page.evaluate("seawatchMap.setTime(20)")
        page.click(".sw-drift-zoom")
        page.wait_for_timeout(600)
        page.screenshot(path=str(SHOTS / "drift-ar-1400x1000.png"))
        assert record.problems() == []
    for lang in ("en", "ar"):
        with offline_page(browser, viewport=(390, 844)) as (page, record):
            _open(page, drift_maps[lang])
            # folded on a phone: the title with the 90 % area, the rest a tap away
            assert not page.evaluate("document.querySelector('.sw-drift-panel details').open")
            assert "90 %" in page.inner_text(".sw-drift-panel summary")
            page.screenshot(path=str(SHOTS / f"drift-{lang}-390x844.png"))
            page.click(".sw-drift-panel summary")
            page.screenshot(path=str(SHOTS / f"drift-{lang}-390x844-open.png"))
            assert record.problems() == []


def test_payload_keeps_what_the_layer_draws_and_no_drift_means_no_layer_content(
    risk, settings, drift
):
    (entry,) = drifts_payload([drift])
    assert entry["result"]["datum_track"][0]["time"] == "2026-11-24T03:00:00Z"
    kinds = {f["properties"]["kind"] for f in entry["geojson"]["features"]}
    assert kinds == {"area"}  # points of the GeoJSON are in datum_track already
    without = drifts_payload([{k: v for k, v in drift.items() if k != "geojson"}])[0]
    assert [a["probability"] for a in without["result"]["areas"]] == [0.5, 0.9]
    html = build_html(risk, None, settings, now=NOW)
    assert '"drifts":[]' in html and "SeawatchDrift" in html
