"""A coordinator in a real browser (Debian's chromium through playwright) on a live server.

Uses the shared launcher of ``tests/browser.py``. The context is not offline (it must reach the
server on 127.0.0.1), so every request to anywhere else is aborted and recorded instead; the
only ones expected are the OpenStreetMap tiles the map asks for when it believes it is online.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import PageRecord, map_still, offline_page
from tests.web.conftest import PASSWORDS, add_accounts, start_server
from tests.web.test_security import XSS

pytestmark = pytest.mark.browser

TYPED = "33°12.5'N 012°45.3'E"
TILE_HOSTS = ("https://tile.openstreetmap.org/",)

RISK_SCRIPT = """
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
write_dataset(build_risk(demo_forecast(settings), None, params).load(), data / "risk.nc")
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A server whose data directory holds a real (coarse) risk dataset, so ``/`` is the map."""
    data_dir = tmp_path_factory.mktemp("browser")
    subprocess.run([sys.executable, "-c", RISK_SCRIPT, str(data_dir)], check=True)
    tokens = add_accounts(data_dir)
    server = start_server(data_dir, env={"SEAWATCH_GRID_RESOLUTION": "0.25"})
    server.tokens = tokens
    deadline = time.monotonic() + 120
    status = server.session("victor")
    while not status.get(f"{server.url}/api/status").json()["map"]["maps"]:
        assert time.monotonic() < deadline, "the live map was not rendered"
        time.sleep(0.3)
    yield server
    server.stop()


def loopback_page(browser: Any, origin: str):
    """A page that may reach ``origin`` only; other requests are aborted and recorded."""
    return offline_page(browser, allow=(origin + "/",))


def real_problems(record: PageRecord) -> list[str]:
    """Errors other than the aborted tile requests (a CSP violation would show here)."""
    blocked = [u for u in record.blocked if not u.startswith(TILE_HOSTS)]
    console = [m for m in record.console_errors if "net::ERR_FAILED" not in m]
    return [*console, *record.page_errors, *(f"blocked: {u}" for u in blocked)]


def sign_in(page: Any, origin: str, name: str) -> None:
    page.goto(origin + "/")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_selector("html[data-sw-incidents=loaded]", timeout=30_000)


def marker(page: Any, incident_id: str) -> Any:
    return page.locator(f".sw-inc[data-id='{incident_id}']")


def cluster_of(page: Any, incident_id: str) -> Any:
    """The cluster marker that holds an incident (its ids are in ``data-ids``)."""
    return page.locator(f".sw-ed-cluster span[data-ids~='{incident_id}']")


# Whether a box (page coordinates) lies inside the visible map.
INSIDE_THE_MAP = """(box) => {
  const map = document.querySelector(".leaflet-container").getBoundingClientRect();
  return box.x >= map.left && box.y >= map.top && box.x + box.width <= map.right
    && box.y + box.height <= map.bottom;
}"""


def shown(page: Any, incident_id: str, timeout: float = 15.0) -> Any:
    """An incident's own marker, visible: as a coordinator would, click the cluster holding it
    (the map zooms in, or at the closest zoom spreads the markers out) and zoom out when it is
    off the screen. Fails when the incident is not on the map within ``timeout`` seconds."""
    # while the map zooms, the clusters of both zoom levels are in the page: the one shown
    dot, cluster = marker(page, incident_id), cluster_of(page, incident_id).locator("visible=true")
    deadline = time.monotonic() + timeout
    clicks = zoom_outs = 0
    while time.monotonic() < deadline:
        map_still(page)
        if dot.count() and dot.is_visible():
            # Only a marker inside the map's view: playwright scrolled the map's container to
            # reach one below it, the tap landed there, and Leaflet's reset of that scroll put
            # the marker back under the view before the button came up (the tap missed).
            box = dot.bounding_box()
            inside = page.evaluate(INSIDE_THE_MAP, box)
            page.wait_for_timeout(150)
            if inside and dot.count() and dot.bounding_box() == box:
                return dot
            if not inside and zoom_outs < 8:
                page.click(".leaflet-control-zoom-out")
                zoom_outs += 1
                page.wait_for_timeout(400)
            continue
        if cluster.count() == 1:
            assert clicks < 4, f"incident {incident_id} still in a cluster after {clicks} clicks"
            cluster.click()
            clicks += 1
            page.evaluate("window.__swZoomedIn = true")
            page.wait_for_timeout(400)  # the zoom or the spreading out is animated
            continue
        # zoomed in for another incident earlier: this one may be off the screen
        if page.evaluate("window.__swZoomedIn === true") and zoom_outs < 8:
            page.click(".leaflet-control-zoom-out")
            zoom_outs += 1
            page.wait_for_timeout(400)
            continue
        page.wait_for_timeout(200)
    raise AssertionError(f"incident {incident_id} is not on the map")


def open_popup(page: Any, incident_id: str, timeout: float = 15.0) -> Any:
    """Click an incident's marker once; its popup (and no other) shows and the map is still.
    Returns the popup's content.

    Clicked up to 3 times before: a closed popup stayed in the page until Leaflet's 200 ms
    timer ran, late on a loaded machine, so waiting for "a popup" found two and the retry
    closed the new one again; the editor now removes a closed popup at once.
    """
    shown(page, incident_id, timeout).click()
    popup = page.locator(f".leaflet-popup .sw-popup[data-id='{incident_id}']")
    popup.wait_for(state="visible", timeout=10_000)
    map_still(page)
    return popup


def settled(page: Any, script: str) -> float:
    """The value of ``script`` once two readings 300 ms apart agree (CSS transitions done)."""
    value = page.evaluate(script)
    for _ in range(20):
        page.wait_for_timeout(300)
        again = page.evaluate(script)
        if again == value:
            return again
        value = again
    return value


def test_coordinator_reports_moves_edits_and_reads_history(live, browser):
    with loopback_page(browser, live.url) as (page, record):
        sign_in(page, live.url, "amina")
        assert page.evaluate("document.querySelector('.leaflet-container') !== null")

        # report by typing the position; the parsed DDM is shown before saving
        page.click("#sw-report")
        page.fill("#sw-f-position", TYPED)
        expect(page.locator("#sw-parsed")).to_contain_text("33°12.500'N 012°45.300'E")
        page.fill("#sw-f-persons", "80")
        page.fill("#sw-f-missing", "4")
        page.select_option("#sw-f-boat_type", "rubber")
        page.fill("#sw-f-note", "engine failure, taking water")
        with page.expect_response(
            lambda r: r.url.endswith("/api/incidents") and r.request.method == "POST"
        ) as posted:
            page.click("#sw-save")
        created = posted.value.json()
        assert posted.value.status == 201
        assert created["created_by"] == "amina" and created["persons"] == 80

        # it is on the map
        dot = shown(page, created["id"])
        assert dot.get_attribute("data-version") == "1"

        # move it: in move mode, drag, then confirm
        dot.click()
        page.click(".leaflet-popup .sw-move")
        box = dot.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 30, y + 20, steps=8)
        page.mouse.move(x + 60, y + 40, steps=8)
        page.mouse.up()
        expect(page.locator("#sw-move-confirm")).to_be_enabled()
        with page.expect_response(
            lambda r: "/api/incidents/" in r.url and r.request.method == "PATCH"
        ) as patched:
            page.click("#sw-move-confirm")
        moved = patched.value.json()
        assert patched.value.status == 200 and moved["version"] == 2
        assert moved["lat"] < created["lat"] and moved["lon"] > created["lon"]
        page.wait_for_selector(f".sw-inc[data-id='{created['id']}'][data-version='2']")

        # edit it from its popup
        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-edit")
        page.fill("#sw-f-survivors", "76")
        page.select_option("#sw-f-status", "rescued")
        with page.expect_response(lambda r: r.request.method == "PATCH") as edited:
            page.click("#sw-save")
        assert edited.value.status == 200
        assert edited.value.json()["survivors"] == 76 and edited.value.json()["version"] == 3

        # read the history
        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-show-history")
        page.wait_for_selector("#sw-history li[data-version='3']")
        entries = page.locator("#sw-history .sw-h-head").all_inner_texts()
        assert len(entries) == 3
        assert "create" in entries[0] and "amina" in entries[0]
        assert "update" in entries[1] and "update" in entries[2]
        assert "Survivors: – → 76" in page.locator("#sw-history").inner_text()

        assert real_problems(record) == []
    history = live.session("victor").get(f"{live.url}/api/incidents/{created['id']}/history")
    assert [h["user"] for h in history.json()] == ["amina"] * 3


def test_viewer_sees_incidents_but_no_editing_controls(live, browser):
    created = (
        live.session("amina")
        .post(f"{live.url}/api/incidents", json={"position": TYPED, "persons": 12})
        .json()
    )
    with loopback_page(browser, live.url) as (page, record):
        sign_in(page, live.url, "victor")
        dot = shown(page, created["id"])
        assert page.locator("#sw-report").count() == 0
        dot.click()
        page.wait_for_selector(".leaflet-popup")
        assert page.locator(".leaflet-popup .sw-edit").count() == 0
        assert page.locator(".leaflet-popup .sw-retract").count() == 0
        assert (
            page.evaluate(
                f"document.querySelector(\".sw-inc[data-id='{created['id']}']\")"
                ".classList.contains('leaflet-marker-draggable')"
            )
            is False
        )
        assert real_problems(record) == []


def test_hostile_text_shows_as_text_and_never_runs(live, browser):
    s = live.session("amina")
    ids = []
    for i, payload in enumerate(XSS):
        answer = s.post(
            f"{live.url}/api/incidents",
            json={
                "lat": 33.6 + 0.2 * i,
                "lon": 11.5 + 0.4 * i,
                "note": payload,
                "source": payload[:64],
                "status": "distress",
            },
        )
        ids.append(answer.json()["id"])
        s.patch(
            f"{live.url}/api/incidents/{ids[-1]}",
            json={"version": 1, "position_accuracy": payload[:200]},
        )
    with loopback_page(browser, live.url) as (page, record):
        sign_in(page, live.url, "amina")
        for incident_id, payload in zip(ids[:4], XSS[:4], strict=True):
            popup = open_popup(page, incident_id).locator(".sw-pop-note")
            assert popup.inner_text() == payload
            page.click(".leaflet-popup .sw-show-history")
            expect(page.locator("#sw-history")).to_contain_text(f"→ {payload}")
            page.locator(".leaflet-popup-close-button").click()
        page.goto(f"{live.url}/incidents?since=24h")
        assert XSS[0] in page.locator("table").inner_text()
        page.goto(f"{live.url}/incidents/{ids[1]}")
        assert XSS[1] in page.locator(".sw-fields").inner_text()
        assert page.evaluate("window.__xss === undefined && window.parent.__xss === undefined")
        assert real_problems(record) == []


def test_plain_map_before_the_first_build(tmp_path, browser):
    tokens = add_accounts(tmp_path)
    server = start_server(tmp_path)
    server.tokens = tokens
    try:
        with loopback_page(browser, server.url) as (page, record):
            sign_in(page, server.url, "amina")
            assert "No risk map has been built yet" in page.locator(".sw-banner").inner_text()
            assert page.locator("#sw-report").is_visible()
            assert real_problems(record) == []
    finally:
        server.stop()


# Share of the screen where a tap reaches the map itself: sampled every 10 px, a point counts
# when the topmost element there is the map (tiles, overlays, markers), not a panel on top.
VISIBLE_MAP = """(() => {
  const W = window.innerWidth, H = window.innerHeight;
  let map = 0, total = 0;
  for (let y = 5; y < H; y += 10) for (let x = 5; x < W; x += 10) {
    total++;
    const e = document.elementFromPoint(x, y);
    if (e && !e.closest(".leaflet-control-container, #sw-editor, .sw-conn")
        && (e.closest(".leaflet-map-pane") || e.classList.contains("leaflet-container"))) map++;
  }
  return map / total;
})()"""


# True when a tap at the centre of the element reaches it, not something drawn over it.
TAPPABLE = """(el) => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && (hit === el || el.contains(hit));
}"""


def test_phone_map_gets_most_of_the_screen_and_the_form_is_a_bottom_sheet(live, browser):
    with offline_page(browser, viewport=(390, 844), allow=(live.url + "/",)) as (page, record):
        sign_in(page, live.url, "amina")
        shown = settled(page, VISIBLE_MAP)
        page.click("#sw-report")
        sheet = page.locator("#sw-editor").bounding_box()
        assert abs(sheet["y"] + sheet["height"] - 844) < 2 and sheet["width"] >= 388
        page.fill("#sw-f-position", TYPED)
        page.fill("#sw-f-note", "typed on a phone")
        page.click("#sw-sheet-toggle")
        collapsed = settled(page, VISIBLE_MAP)
        print(f"phone 390x844: map {shown:.1%} of the screen, {collapsed:.1%} with the form folded")
        assert collapsed >= 0.60 and shown >= 0.55
        page.click("#sw-sheet-toggle")
        assert page.input_value("#sw-f-note") == "typed on a phone"
        heights = page.evaluate(
            "Array.from(document.querySelectorAll('#sw-editor button, #sw-editor select,"
            " #sw-editor input:not([type=radio])')).filter(e => e.offsetParent)"
            ".map(e => e.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 40, heights
        assert real_problems(record) == []


def latlng_at(page: Any, x: float, y: float) -> tuple[float, float]:
    """Where on the map (lat, lon) the page point x, y is, by Leaflet's own reckoning."""
    return tuple(
        page.evaluate(
            "([x, y]) => { const m = window.seawatchMap.map;"
            " const p = m.containerPointToLatLng(m.mouseEventToContainerPoint("
            "{clientX: x, clientY: y})); return [p.lat, p.lng]; }",
            [x, y],
        )
    )


def placed(page: Any) -> tuple[float, float]:
    """The position the report form got from a click on the map."""
    return tuple(float(v) for v in page.input_value("#sw-f-position").split(","))


def test_close_incidents_cluster_and_each_click_reaches_the_one_meant(live, browser):
    amina = live.session("amina")
    # Two boats 280 m apart: closer on screen than a marker is wide at every zoom the map
    # allows (16 m a pixel at its closest zoom, 13), so without clusters one hid the other.
    a, b = (
        amina.post(
            f"{live.url}/api/incidents",
            json={"lat": 35.0, "lon": lon, "note": note, "status": "distress"},
        ).json()
        for lon, note in ((16.5, "boat A, 60 on board"), (16.503, "boat B, 45 on board"))
    )
    with loopback_page(browser, live.url) as (page, record):
        sign_in(page, live.url, "amina")
        cluster = cluster_of(page, a["id"])
        expect(cluster).to_be_visible()
        assert b["id"] in cluster.get_attribute("data-ids").split()
        assert marker(page, a["id"]).count() == 0 and marker(page, b["id"]).count() == 0

        # a click on empty sea beside the cluster reaches the map: it places the report there
        page.click("#sw-report")
        box = cluster.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        sea = (x, y + box["height"] / 2 + 12)
        page.mouse.click(*sea)
        expect(page.locator("#sw-parsed")).to_contain_text("°")
        assert placed(page) == pytest.approx(latlng_at(page, *sea), abs=1e-4)
        page.click("#sw-cancel")
        # placing a report is not also a request for the point forecast there
        assert page.locator(".leaflet-popup").count() == 0

        # a click on the cluster zooms in and, at the closest zoom, spreads the two out
        shown(page, a["id"])
        expect(marker(page, b["id"])).to_be_visible()
        for boat in (a, b):
            assert (
                open_popup(page, boat["id"]).locator(".sw-pop-note").inner_text() == boat["notes"]
            )
            assert page.locator(".leaflet-popup").count() == 1
            page.locator(".leaflet-popup-close-button").click()

        # empty sea next to the spread-out markers is still the map's
        page.click("#sw-report")
        box = marker(page, a["id"]).bounding_box()
        sea = (box["x"] + box["width"] / 2, box["y"] + 80)
        page.mouse.click(*sea)
        expect(page.locator("#sw-parsed")).to_contain_text("°")
        assert placed(page) == pytest.approx(latlng_at(page, *sea), abs=1e-4)
        assert placed(page)[0] < 35.0
        assert real_problems(record) == []


PHONE = (390, 844)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_phone_screens_map_form_conflict_and_lost_connection(live, browser, lang, tmp_path):
    """The four screens a coordinator meets on a phone, in each language, as PNGs
    (in ``SEAWATCH_SHOTS`` when set, to be looked at), each without sideways scrolling."""
    shots = Path(os.environ.get("SEAWATCH_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    amina = live.session("amina")
    record = amina.post(
        f"{live.url}/api/incidents",
        # open sea in the middle of a phone's map, clear of the other tests' incidents
        json={"lat": 36.5, "lon": 17.5, "persons": 55, "note": "drifting, no engine"},
    ).json()

    def shot(page: Any, name: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE[0], f"{name}: the page is {width} px wide on a {PHONE[0]} px phone"
        page.screenshot(path=str(shots / f"phone-{lang}-{name}.png"))

    with offline_page(browser, viewport=PHONE, allow=(live.url + "/",)) as (page, record_):
        sign_in(page, live.url, "amina")
        page.goto(f"{live.url}/?lang={lang}")  # the first ask starts that language's map
        deadline = time.monotonic() + 120
        status = live.session("victor")
        while lang not in status.get(f"{live.url}/api/status").json()["map"]["maps"]:
            assert time.monotonic() < deadline, f"the {lang} map was not rendered"
            time.sleep(0.5)
        page.goto(f"{live.url}/?lang={lang}")
        page.wait_for_selector("html[data-sw-incidents=loaded]")
        assert page.evaluate("document.documentElement.lang") == lang
        settled(page, VISIBLE_MAP)
        shot(page, "map")

        page.click("#sw-report")
        page.fill("#sw-f-position", TYPED)
        expect(page.locator("#sw-parsed")).to_contain_text("°")
        page.fill("#sw-f-persons", "80")
        settled(page, "document.getElementById('sw-editor').getBoundingClientRect().top")
        shot(page, "form")
        page.click("#sw-cancel")

        # someone else corrects the incident while this coordinator edits it (tapped once the
        # map has stopped moving, as a person would)
        settled(page, "JSON.stringify([seawatchMap.map.getCenter(), seawatchMap.map.getZoom()])")
        open_popup(page, record["id"])
        settled(
            page, "JSON.stringify(document.querySelector('.leaflet-popup').getBoundingClientRect())"
        )
        shot(page, "popup")
        # The popup fits between the buttons at the top and the time panel: each of its buttons,
        # scrolled into view inside it, takes a real tap (its foot sat under the time panel).
        for button in page.locator(".leaflet-popup .sw-ed-buttons > *").all():
            button.scroll_into_view_if_needed()
            assert page.evaluate(TAPPABLE, button.element_handle()), (
                f"{button.inner_text()!r} in the popup is covered on the {lang} phone"
            )
        page.locator(".leaflet-popup .sw-edit").click()
        page.fill("#sw-f-survivors", "50")
        page.fill("#sw-f-note", "drifting, no engine; 5 in the water")
        amina.patch(
            f"{live.url}/api/incidents/{record['id']}",
            json={"version": record["version"], "survivors": 52},
        )
        page.click("#sw-save")
        expect(page.locator("#sw-conflict")).to_be_visible()
        # the time reads left to right in Arabic too (an isolate), not as 07-12-2026
        assert re.search(
            r"\u2066\d{4}-\d\d-\d\d \d\d:\d\d UTC\u2069", page.inner_text("#sw-conflict")
        )
        page.locator("#sw-conflict").scroll_into_view_if_needed()
        shot(page, "conflict")
        page.click("#sw-cancel")

        page.route("**/api/incidents?*", lambda route: route.abort())
        page.select_option("#sw-period", "24h")
        expect(page.locator("#sw-conn")).to_be_visible()
        assert page.evaluate("document.documentElement.dataset.swConnection") == "lost"
        shot(page, "lost-connection")
        # the browser logs the 409 of the conflict it was shown; nothing else
        assert [p for p in real_problems(record_) if "409 (Conflict)" not in p] == []


def test_a_click_placing_a_report_does_not_also_open_the_point_forecast(live, browser):
    """While the form places a new report, a click on the sea puts the report there and nothing
    else; with no form open the same click opens the planners' point forecast."""
    with loopback_page(browser, live.url) as (page, record):
        sign_in(page, live.url, "amina")
        page.wait_for_function("window.seawatchMap && window.seawatchMap.map", timeout=20_000)
        where = page.evaluate(
            """() => { const m = seawatchMap.map, r = m.getContainer().getBoundingClientRect();
                       const p = m.latLngToContainerPoint([34.4, 13.6]);
                       return {x: r.left + p.x, y: r.top + p.y}; }"""
        )
        forecast = page.locator(".leaflet-popup .sw-popup-title")
        page.click("#sw-report")
        page.mouse.click(where["x"], where["y"])
        page.wait_for_selector(".sw-inc-pending", timeout=10_000)
        expect(page.locator("#sw-parsed")).to_contain_text("34°")
        page.wait_for_timeout(500)
        assert forecast.count() == 0
        page.click("#sw-cancel")
        page.wait_for_timeout(300)
        page.mouse.click(where["x"], where["y"])
        forecast.first.wait_for(state="visible", timeout=10_000)
        assert real_problems(record) == []
