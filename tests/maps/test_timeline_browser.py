"""The departure timeline, routes, worst frames and decluttered incidents in a real browser,
offline (Debian chromium; under CI=true a missing browser fails these tests)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from seawatch.maps.interactive import render_interactive
from seawatch.maps.styles import DEPARTURE_TRAP_COLOUR, HAZARD_COLOURS
from tests.browser import offline_page
from tests.maps.conftest import NOW, open_map
from tests.maps.departures_fixture import make_departures, make_routes
from tests.maps.risk_fixture import make_incidents

pytestmark = pytest.mark.browser

PHONE = (390, 844)


@pytest.fixture(scope="module")
def departures(risk):
    return make_departures(risk["time"].values, make_routes())


@pytest.fixture(scope="module")
def map_files(tmp_path_factory, risk, incidents, settings, departures):
    root = tmp_path_factory.mktemp("timeline")
    routes = make_routes()
    out = {}
    for lang in ("en", "ar"):
        out[lang] = render_interactive(
            risk,
            incidents,
            root / lang / "map.html",
            settings,
            lang=lang,
            now=NOW,
            departures=departures,
            routes=routes,
        )
    # Only old incidents: the last 7 days hold none.
    history = make_incidents(30, now=NOW - dt.timedelta(days=40))
    out["history"] = render_interactive(
        risk, history, root / "history" / "map.html", settings, now=NOW
    )
    out["plain"] = render_interactive(
        risk, incidents, root / "plain" / "map.html", settings, now=NOW
    )
    return out


def _attr(page, name):
    return page.get_attribute(".leaflet-container", name)


def _frames(page) -> int:
    return int(_attr(page, "data-sw-frame"))


def test_timeline_is_drawn_and_a_click_sets_time_and_zooms(browser, map_files):
    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        open_map(page, map_files["en"], settle_ms=0, timeline=True)
        assert page.locator(".sw-tl-label").count() == 6
        assert page.locator(".sw-tl-c").count() == 6 * 48
        assert page.locator(".sw-tl-day").all_text_contents() == ["Tue 24/11", "Wed 25/11"]
        # the map is not under the panel: it ends where the timeline starts
        map_box = page.locator(".leaflet-container").bounding_box()
        panel = page.locator(".sw-timeline").bounding_box()
        assert abs(map_box["y"] + map_box["height"] - panel["y"]) <= 1
        before = page.evaluate("seawatchMap.map.getCenter()")
        frames = _frames(page)
        page.click(".sw-tl-c[data-a='0'][data-t='14']")
        assert _attr(page, "data-sw-time") == "2026-11-24T14:00:00Z"
        assert _attr(page, "data-sw-area") == "zuwara"
        page.wait_for_function(
            f"+document.querySelector('.leaflet-container').getAttribute('data-sw-frame') > {frames}"
        )
        assert page.text_content(".sw-utc") == "2026-11-24 14:00 UTC"
        page.wait_for_timeout(400)  # the zoom animation
        view = page.evaluate(
            """() => { const m = seawatchMap.map, b = m.getBounds();
              return {zuwara: b.contains([32.93, 12.08]), lampedusa: b.contains([35.40, 12.58]),
                      center: m.getCenter()}; }"""
        )
        assert view["zuwara"] and view["lampedusa"]
        # the view moved from the middle of the area (15 E) onto the crossing (12.1-12.6 E)
        assert before["lng"] > 14 and 11.3 < view["center"]["lng"] < 13.3
        cell = page.locator(".sw-tl-c[data-a='0'][data-t='14']").bounding_box()
        box = page.locator(".sw-tl-cursor").bounding_box()
        assert abs(box["x"] - cell["x"]) <= 1  # the cursor sits on the clicked column
        # keyboard: Enter on an area name zooms to it and keeps the hour
        page.focus(".sw-tl-label[data-a='2']")
        page.keyboard.press("Enter")
        assert _attr(page, "data-sw-area") == "tripoli"
        assert _attr(page, "data-sw-time") == "2026-11-24T14:00:00Z"
        page.keyboard.press("Enter")  # again: no area selected
        assert _attr(page, "data-sw-area") == ""
        assert record.problems() == []


def test_trap_scenario_is_marked_on_timeline_slider_and_route(browser, map_files):
    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        open_map(page, map_files["en"], settle_ms=0, timeline=True)
        classes = page.evaluate(
            "Array.from(document.querySelectorAll(\".sw-tl-c[data-a='0']\"), c => c.className)"
        )
        trap = [t for t, c in enumerate(classes) if " x" in c]
        window = [t for t, c in enumerate(classes) if " w" in c]
        assert trap == list(range(12, 24))
        assert window == [*range(4, 24), *range(35, 48)]
        hatched = page.evaluate(
            "getComputedStyle(document.querySelector(\".sw-tl-c[data-a='0'][data-t='14']\")).backgroundImage"
        )
        assert "repeating-linear-gradient" in hatched
        page.click(".sw-tl-label[data-a='0']")  # Zuwara: the slider shows its marks
        marks = page.locator(".sw-tl-marks")
        assert marks.get_attribute("data-sw-traps") == "12"
        assert marks.get_attribute("data-sw-windows") == str(8 + 13)
        page.click(".sw-tl-c[data-a='0'][data-t='14']")
        path = page.locator("path[data-sw-route='zuwara-lampedusa']")
        assert path.get_attribute("data-sw-trap") == "1"
        assert path.get_attribute("stroke") == HAZARD_COLOURS[3]
        casing = page.evaluate(
            """() => { const r = seawatchTimeline.routeLines[0].casing.getElement();
              return [r.getAttribute('stroke'), r.getAttribute('stroke-width')]; }"""
        )
        assert casing == [DEPARTURE_TRAP_COLOUR, "12"]
        # A real click on the route opens its popup: when, where and how bad.
        page.wait_for_timeout(400)
        x, y = page.evaluate(
            """() => { const m = seawatchMap.map, p = m.latLngToContainerPoint([34.1, 12.35]),
              r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }"""
        )
        page.mouse.click(x, y)
        page.wait_for_selector(".sw-route-popup", timeout=5000)
        text = page.text_content(".sw-route-popup")
        assert "Zuwara → Lampedusa" in text
        assert "2026-11-24 14:00 UTC" in text  # leaving
        assert "Severe" in text and "Trap" in text
        assert "2026-11-25 00:00 UTC (+10 h)" in text  # when the storm is met
        assert "°" in text and "'N" in text  # where, DDM
        assert record.problems() == []


def test_routes_are_coloured_by_the_hazard_on_the_way(browser, map_files, departures):
    def expected(vessel: str, t: int) -> dict[str, str]:
        level = departures["enroute_level"].sel(vessel=vessel).isel(time=t)
        return {
            str(r): HAZARD_COLOURS[int(v)]
            for r, v in zip(level["route"].values, level.values, strict=True)
        }

    def drawn(page) -> dict[str, str]:
        return page.evaluate(
            """() => Object.fromEntries(Array.from(document.querySelectorAll('path[data-sw-route]'),
                 p => [p.getAttribute('data-sw-route'), p.getAttribute('stroke')]))"""
        )

    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        open_map(page, map_files["en"], settle_ms=0, timeline=True)
        assert drawn(page) == expected("rubber_dinghy", 6)
        assert len(set(drawn(page).values())) > 1  # not one colour for all
        page.check("input[name=sw-vessel][value=small_boat]")
        assert drawn(page) == expected("small_boat", 6)
        page.fill(".sw-slider", "30")
        assert drawn(page) == expected("small_boat", 30)
        assert record.problems() == []


def test_worst_in_the_next_24_h_view(browser, map_files):
    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        open_map(page, map_files["en"], settle_ms=0, timeline=True)
        frames = _frames(page)
        page.click(".sw-tl-view[data-p='0']")
        assert _attr(page, "data-sw-view") == "worst24"
        page.wait_for_function(
            f"+document.querySelector('.leaflet-container').getAttribute('data-sw-frame') > {frames}"
        )
        src, want = page.evaluate(
            """() => [document.querySelector('.sw-frame').src,
                      seawatchMap.D.frames[seawatchMap.D.worst.hazard.rubber_dinghy[0]]]"""
        )
        assert src == want
        assert "Worst hazard in the next 24 h" in page.text_content(".sw-tl-viewnote")
        page.evaluate("seawatchMap.pointForecast(L.latLng(35.3, 13.1))")
        page.wait_for_selector(".sw-tl-popnote", timeout=5000)
        assert "worst in the next 24 h" in page.text_content(".sw-tl-popnote")
        page.check("input[name=sw-vessel][value=wooden_boat]")  # the view stays
        assert _attr(page, "data-sw-view") == "worst24"
        page.click(".sw-tl-hourly")  # back to hourly frames
        assert _attr(page, "data-sw-view") == "hourly"
        page.click(".sw-tl-view[data-p='2']")
        assert _attr(page, "data-sw-view") == "worst72"
        page.fill(".sw-slider", "20")  # moving in time leaves the worst view
        assert _attr(page, "data-sw-view") == "hourly"
        assert record.problems() == []


def test_recent_incidents_only_and_history_as_density(browser, map_files):
    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        open_map(page, map_files["history"], settle_ms=0, timeline=True)
        assert _attr(page, "data-sw-incidents") == "0"
        assert page.text_content(".sw-count") == "No incidents reported in the last 7 days"
        assert page.evaluate("seawatchMap.incidentGroup.getLayers().length") == 0
        assert page.locator(".sw-cluster").count() == 0
        assert page.is_checked("input[name=sw-filter][value='7d']")
        assert _attr(page, "data-sw-density") == "off"
        assert page.locator("img.sw-density").count() == 0
        page.hover(".leaflet-control-layers")
        label = page.locator(".leaflet-control-layers-overlays label", has_text="Incident density")
        assert "2026" in label.text_content()
        label.locator("input").check()
        assert _attr(page, "data-sw-density") == "on"
        assert page.locator("img.sw-density").count() == 1
        assert "Incidents per 0.2° cell" in page.text_content(".sw-density-legend")
        assert record.problems() == []


def test_a_tap_on_a_cluster_opens_the_point_forecast(browser, map_files):
    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        open_map(page, map_files["plain"], settle_ms=0, timeline=True)
        page.wait_for_selector(".sw-cluster", timeout=5000)
        zoom = page.evaluate("seawatchMap.map.getZoom()")
        # the centre of a cluster with nothing but the map under it (no SAR line, no control)
        spot = page.evaluate(
            """() => { for (const c of document.querySelectorAll('.sw-cluster')) {
                 const r = c.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
                 const under = document.elementsFromPoint(x, y).filter(e => e !== c && !c.contains(e));
                 if (under[0] && under[0].classList.contains('leaflet-container')) return [x, y];
               } return null; }"""
        )
        assert spot is not None, "no cluster over open sea"
        x, y = spot
        page.mouse.click(x, y)
        page.wait_for_selector(".sw-hazard-table", timeout=5000)
        assert "Point forecast" in page.text_content(".leaflet-popup-content")
        assert page.evaluate("seawatchMap.map.getZoom()") == zoom
        assert record.problems() == []


def test_arabic_timeline_reads_right_to_left_with_isolated_dates(browser, map_files):
    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        open_map(page, map_files["ar"], settle_ms=0, timeline=True)
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.sw-timeline')).direction")
            == "rtl"
        )
        assert "الجدول الزمني للمغادرة" in page.text_content(".sw-tl-toggle")
        assert page.text_content(".sw-tl-label[data-a='0']") == "زوارة"
        label = page.locator(".sw-tl-label[data-a='0']").bounding_box()
        first = page.locator(".sw-tl-c[data-a='0'][data-t='0']").bounding_box()
        second = page.locator(".sw-tl-c[data-a='0'][data-t='1']").bounding_box()
        assert label["x"] >= first["x"] + first["width"] - 1  # names on the right
        assert first["x"] > second["x"]  # time runs right to left
        day = page.locator(".sw-tl-day").first
        assert day.locator("bdi").first.text_content() == "الثلاثاء"
        assert day.locator("bdi[dir=ltr]").text_content() == "24/11"
        page.hover(".sw-tl-c[data-a='0'][data-t='14']")
        tip = page.get_attribute(".sw-tl-c[data-a='0'][data-t='14']", "title")
        # the date sits in a first-strong isolate (the page may isolate its digits once more)
        assert re.search("\u2068\u2066?2026-11-24 14:00 UTC\u2069?\u2069", tip), tip
        assert "زوارة" in tip and "فخ" in tip
        # the slider's day ticks follow the slider's own direction
        geom = page.evaluate(
            """() => { const s = seawatchMap.slider.getBoundingClientRect();
              const ticks = Array.from(document.querySelectorAll('.sw-tl-tick'), t => t.getBoundingClientRect().left);
              return {dir: getComputedStyle(seawatchMap.slider).direction, left: s.left, right: s.right, ticks}; }"""
        )
        assert len(geom["ticks"]) == 2
        if geom["dir"] == "rtl":
            assert abs(geom["ticks"][0] - (geom["right"] - 8)) <= 2
            assert geom["ticks"][1] < geom["ticks"][0]
        else:
            assert abs(geom["ticks"][0] - (geom["left"] + 8)) <= 2
        page.click(".sw-tl-c[data-a='0'][data-t='14']")
        assert _attr(page, "data-sw-time") == "2026-11-24T14:00:00Z"
        assert record.problems() == []


VISIBLE_MAP = """() => {
  const W = innerWidth, H = innerHeight; let map = 0, n = 0;
  for (let y = 2; y < H; y += 8) for (let x = 2; x < W; x += 8) {
    n++; const e = document.elementFromPoint(x, y);
    if (e && e.closest('.leaflet-container') && !e.closest('.leaflet-control')) map++;
  }
  return map / n;
}"""


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_phone_opens_on_the_map_with_the_timeline_folded(browser, map_files, lang):
    with offline_page(browser, viewport=PHONE) as (page, record):
        open_map(page, map_files[lang], settle_ms=0, timeline=True)
        toggle = page.locator(".sw-tl-toggle")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert page.locator(".sw-tl-body").is_hidden()
        assert page.evaluate(VISIBLE_MAP) >= 0.6
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        panel = page.locator(".sw-timeline").bounding_box()
        assert panel["height"] <= 0.4 * PHONE[1]
        map_box = page.locator(".leaflet-container").bounding_box()
        assert map_box["height"] >= 0.6 * PHONE[1]
        page.locator(".sw-tl-c[data-a='0'][data-t='20']").click()
        assert _attr(page, "data-sw-time") == "2026-11-24T20:00:00Z"
        assert record.problems() == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_timeline_of_an_area_without_departure_areas_says_so(
    browser, tmp_path, risk, incidents, settings, departures, lang
):
    # An area of interest around Lampedusa holds no departure area: the build's departures have
    # no area and no route. The panel showed its headers over no rows, and nothing said why.
    none = departures.isel(area=slice(0, 0), route=slice(0, 0))
    path = render_interactive(
        risk, incidents, tmp_path / "map.html", settings, lang=lang, now=NOW, departures=none,
        routes=make_routes().iloc[0:0],
    )  # fmt: skip
    with offline_page(browser, viewport=(1400, 1000)) as (page, record):
        open_map(page, path, settle_ms=0, timeline=True)
        assert page.locator(".sw-tl-label").count() == 0
        note = page.locator(".sw-tl-none")
        assert note.is_visible()
        said = (
            "No departure area lies in this map's area"
            if lang == "en"
            else "لا تقع أي منطقة مغادرة داخل منطقة هذه الخريطة"
        )
        assert said in note.inner_text()
        assert record.problems() == []
