"""Drifts on the live map, in a real browser (Debian chromium) against a live server.

``test_stored_drift_on_the_map_and_a_refused_one_says_why`` needs no drift engine: the stored
drift is hand-made after the contract, and the data directory has no forecast, so the real
``seawatch drift`` command refuses and the page shows its one line.

``test_where_is_it_now_end_to_end`` is the whole path with the REAL engine: a coordinator clicks
"Where is it now?" in an incident's popup, ``seawatch drift`` runs in the background on the demo
forecast, and the drift layer shows its search area when it is done. It fails until the drift
engine (``seawatch drift``) is installed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import expect

from tests.web.conftest import add_accounts, start_server
from tests.web.test_browser import loopback_page, open_popup, real_problems, sign_in
from tests.web.test_drifts import _stored_drift

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/driftui")

DATA_SCRIPT = """
import sys
from pathlib import Path
from seawatch.config import load_settings
from seawatch.fetchers.demo import demo_forecast
from seawatch.layers.params import LayerParams
from seawatch.layers.risk import build_risk
from seawatch.schema import write_dataset
data = Path(sys.argv[1])
settings = load_settings(data_dir=data, environ={"SEAWATCH_GRID_RESOLUTION": "0.25"})
params = LayerParams.from_settings(settings).risk
forecast = demo_forecast(settings).load()
if sys.argv[2] == "with-forecast":
    write_dataset(forecast, data / "forecast.nc")
write_dataset(build_risk(forecast, None, params).load(), data / "risk.nc")
"""


def _live(tmp: Path, forecast: bool):
    data_dir = tmp / "data"
    data_dir.mkdir()
    subprocess.run(
        [
            sys.executable,
            "-c",
            DATA_SCRIPT,
            str(data_dir),
            "with-forecast" if forecast else "risk-only",
        ],
        check=True,
    )
    tokens = add_accounts(data_dir)
    server = start_server(data_dir, env={"SEAWATCH_GRID_RESOLUTION": "0.25"})
    server.tokens = tokens
    viewer = server.session("victor")
    viewer.get(f"{server.url}/?lang=ar")  # the Arabic map is rendered once asked for
    deadline = time.monotonic() + 180
    while set(viewer.get(f"{server.url}/api/status").json()["map"]["maps"]) != {"en", "ar"}:
        assert time.monotonic() < deadline, "the live maps were not rendered"
        time.sleep(0.3)
    return server


def _report(server, when: dt.datetime, position: str = "33°52'N 012°31'E") -> dict:
    answer = server.session("amina").post(
        f"{server.url}/api/incidents",
        json={
            "position": position,
            "persons": 80,
            "boat_type": "rubber",
            "note": "engine failure",
            "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_stored_drift_on_the_map_and_a_refused_one_says_why(browser, tmp_path):
    server = _live(tmp_path, forecast=False)
    try:
        stored = _report(server, dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        _stored_drift(server.data_dir, stored["id"])
        fresh = _report(server, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), "33°20'N 013°40'E")
        with loopback_page(browser, server.url) as (page, record):
            sign_in(page, server.url, "amina")
            page.wait_for_selector(".leaflet-container[data-sw-drifts='1']", timeout=20_000)
            assert page.locator("path.sw-drift-area-90").count() == 1
            assert "Drift of rubber boat" in page.inner_text(".sw-drift-panel")

            open_popup(page, fresh["id"])
            page.click(".leaflet-popup .sw-drift")
            page.wait_for_selector("html[data-sw-drift=failed]", timeout=120_000)
            text = page.inner_text("#sw-write")
            assert text.startswith("Drift failed: ") and len(text.splitlines()) <= 2
            assert page.locator("#sw-write #sw-retry").count() == 1
            assert real_problems(record) == []
        with loopback_page(browser, server.url) as (page, record):
            sign_in(page, server.url, "victor")  # a viewer sees drifts, cannot start one
            page.wait_for_selector(".leaflet-container[data-sw-drifts='1']", timeout=20_000)
            open_popup(page, fresh["id"])
            assert page.locator(".leaflet-popup .sw-drift").count() == 0
    finally:
        server.stop()


def test_where_is_it_now_end_to_end(browser, tmp_path):
    """Button -> background run of the real ``seawatch drift`` -> search area on the map."""
    server = _live(tmp_path, forecast=True)
    try:
        today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        incident = _report(server, today + dt.timedelta(hours=1))
        for lang, viewport in (("en", (1400, 1000)), ("ar", (390, 844))):
            with loopback_page(browser, server.url) as (page, record):
                page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
                sign_in(page, f"{server.url}", "amina")
                if lang == "ar":
                    page.goto(f"{server.url}/?lang=ar")
                    page.wait_for_selector("html[data-sw-incidents=loaded]", timeout=30_000)
                started = time.monotonic()
                open_popup(page, incident["id"])
                page.click(".leaflet-popup .sw-drift")
                page.wait_for_selector(
                    "html[data-sw-drift=ready], html[data-sw-drift=failed]", timeout=180_000
                )
                seconds = time.monotonic() - started
                state = page.get_attribute("html", "data-sw-drift")
                assert state == "ready", page.inner_text("#sw-write")
                expect(page.locator("path.sw-drift-area-90")).to_have_count(1)
                assert page.get_attribute(".leaflet-container", "data-sw-drift-a90")
                if not page.evaluate("document.querySelector('.sw-drift-panel details').open"):
                    page.click(".sw-drift-panel summary")  # folded on a phone
                panel = page.inner_text(".sw-drift-panel")
                title = "Drift of rubber boat" if lang == "en" else "انجراف قارب مطاطي"
                assert title in panel
                assert "°" in panel and "'N" in panel and "UTC" in panel
                print(f"{lang}: first drift result on the map after {seconds:.1f} s")
                page.screenshot(path=str(SHOTS / f"e2e-{lang}-{viewport[0]}x{viewport[1]}.png"))
                assert real_problems(record) == []
        drifts = server.session("victor").get(f"{server.url}/api/incidents/{incident['id']}/drifts")
        assert [d["status"] for d in drifts.json()] == ["done", "done"]
        # the real outputs download as they were written
        viewer = server.session("victor")
        links = drifts.json()[0]["links"]
        geojson = viewer.get(f"{server.url}{links['geojson']}").json()
        kinds = {f["properties"]["kind"] for f in geojson["features"]}
        assert {"start", "datum_track", "datum", "area"} <= kinds
        kml = etree.fromstring(viewer.get(f"{server.url}{links['kml']}").content)
        assert kml.tag == "{http://www.opengis.net/kml/2.2}kml"
        gpx = etree.fromstring(viewer.get(f"{server.url}{links['gpx']}").content)
        assert gpx.tag.endswith("gpx") and len(gpx) > 24
        with loopback_page(browser, server.url) as (page, record):
            sign_in(page, server.url, "victor")
            page.goto(f"{server.url}/incidents/{incident['id']}?lang=ar")
            assert page.locator(".sw-drift-row.sw-drift-done").count() == 2
            assert page.locator(".sw-drift-row .sw-drift-gpx").count() == 2
            assert page.locator(".sw-drift-row .sw-drift-area90").count() == 2
            page.screenshot(path=str(SHOTS / "incident-page-ar-1280x860.png"), full_page=True)
            assert real_problems(record) == []
    finally:
        server.stop()
