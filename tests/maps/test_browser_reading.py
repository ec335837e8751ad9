"""Reading the interactive map at a glance, in a real browser, offline.

Rendered hazard colours against the legend, port names from zoom 7, the coast strip, wind barbs
past 33 kn, the point-forecast chart, typed positions (the page's parser against
:func:`seawatch.geo.positions.parse_position`) and the ruler starting on ports and incidents.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import shapely
from PIL import Image

from seawatch.errors import PositionError
from seawatch.geo.coastline import land_geometry, land_mask
from seawatch.geo.positions import parse_position
from seawatch.geo.regions import ports
from seawatch.maps import styles
from tests.browser import map_still, offline_page
from tests.geo.test_positions import INVALID, VALID
from tests.maps.conftest import NOW, open_map

pytestmark = pytest.mark.browser

DESK = (1400, 1000)
PHONE = (390, 844)
STORM = 18  # step of the fixture's storm peak off Tunisia and Malta
EARTH_R = 6371000.0  # Leaflet's L.CRS.Earth.R, which the ruler uses


def _shot(page) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB")).astype(int)


def _only_hazard(page, t: int, centre: tuple[float, float], zoom: int) -> None:
    """Hazard raster alone over the plain sea (every other overlay off), at step t."""
    page.evaluate(
        """([t, c, z]) => { const s = seawatchMap, m = s.map;
            m.removeLayer(s.graticule); if (s.incidentLayer) m.removeLayer(s.incidentLayer);
            Object.values(s.extra).forEach(e => m.removeLayer(e.layer));
            s.hazardLayer.addTo(m); s.setTime(t); m.setView(c, z, {animate: false}); }""",
        [t, list(centre), zoom],
    )
    page.wait_for_timeout(400)


def _screen_point(page, lat: float, lon: float) -> tuple[float, float]:
    p = page.evaluate(
        """([lat, lon]) => { const p = seawatchMap.map.latLngToContainerPoint([lat, lon]);
            const r = seawatchMap.map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top]; }""",
        [lat, lon],
    )
    return p[0], p[1]


def _under_control(page, x: float, y: float) -> bool:
    return page.evaluate(
        """([x, y]) => Array.from(document.querySelectorAll('.leaflet-control')).some(c => {
            const r = c.getBoundingClientRect();
            return x >= r.left - 4 && x <= r.right + 4 && y >= r.top - 4 && y <= r.bottom + 4; })""",
        [x, y],
    )


def test_rendered_hazard_colours_match_the_legend_swatches(browser, maps, risk):
    level = risk["hazard_level"].sel(vessel="rubber_dinghy").isel(time=STORM).values
    lat, lon = risk["lat"].values, risk["lon"].values
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, maps["en"], zoomed=True)
        _only_hazard(page, STORM, (34.5, 13.5), 7)
        image = _shot(page)
        swatches = page.evaluate(
            """() => Array.from(document.querySelectorAll('.sw-legend .sw-swatch-hazard')).map(e => {
                const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })"""
        )
        assert len(swatches) == 5
        swatch_rgb = [image[round(y), round(x)] for x, y in swatches]
        compared: dict[int, int] = {}
        for j in range(1, lat.size - 1):
            for i in range(1, lon.size - 1):
                block = level[j - 1 : j + 2, i - 1 : i + 2]
                lv = int(level[j, i])
                if lv < 0 or (block != lv).any() or compared.get(lv, 0) >= 3:
                    continue
                x, y = _screen_point(page, float(lat[j]), float(lon[i]))
                if not (5 < x < DESK[0] - 5 and 5 < y < DESK[1] - 5) or _under_control(page, x, y):
                    continue
                rendered = image[round(y), round(x)]
                # within the hidden rule code (<= 3 per channel before blending) and rounding
                assert np.abs(rendered - swatch_rgb[lv]).max() <= 3, (lv, rendered, swatch_rgb[lv])
                compared[lv] = compared.get(lv, 0) + 1
        assert len(compared) >= 3, compared  # several levels compared, not one
        # and the swatch is what the palette gives at the map's opacity over the sea
        for lv, rgb in enumerate(swatch_rgb):
            expected = styles.hex_to_rgb(
                styles.blend_over(
                    styles.HAZARD_COLOURS[lv], styles.SEA_COLOUR, styles.HAZARD_OPACITY
                )
            )
            assert np.abs(rgb - np.array(expected)).max() <= 1
        assert record.problems() == []


def test_coastal_cell_partly_at_sea_is_coloured_on_screen(browser, maps, risk):
    lat, lon = risk["lat"].values, risk["lon"].values
    res = float(lat[1] - lat[0])
    land = land_geometry()
    centre_on_land = land_mask(lat, lon)
    chosen = None
    for j, i in zip(*np.nonzero(centre_on_land & (risk["land"].values == 0)), strict=True):
        if not (32.5 < lat[j] < 33.5 and 11.5 < lon[i] < 14.0):  # the Tripolitanian coast
            continue
        cell = shapely.box(lon[i] - res / 2, lat[j] - res / 2, lon[i] + res / 2, lat[j] + res / 2)
        sea = cell.difference(land).buffer(-0.02)  # keep clear of the drawn coastline
        if sea.area > 0.1 * cell.area:
            chosen = (j, i, sea.representative_point())
            break
    assert chosen is not None, "the fixture should have a coastal cell centred on land"
    j, i, point = chosen
    lv = int(risk["hazard_level"].sel(vessel="rubber_dinghy").isel(time=STORM).values[j, i])
    assert lv >= 0  # the cell has a value: it is partly sea
    expected = styles.hex_to_rgb(
        styles.blend_over(styles.HAZARD_COLOURS[lv], styles.SEA_COLOUR, styles.HAZARD_OPACITY)
    )
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, maps["en"], zoomed=True)
        _only_hazard(page, STORM, (point.y, point.x), 10)
        x, y = _screen_point(page, point.y, point.x)
        rendered = _shot(page)[round(y), round(x)]
        assert np.abs(rendered - np.array(expected)).max() <= 3
        assert (
            np.abs(rendered - np.array(styles.hex_to_rgb(styles.SEA_COLOUR))).max() > 3 or lv == 0
        )
        assert record.problems() == []


@pytest.mark.parametrize(("lang", "viewport"), [("en", DESK), ("ar", DESK), ("en", PHONE)])
def test_port_names_show_without_hover_from_zoom_7(browser, maps, lang, viewport):
    names = ports()
    name_col = "name_ar" if lang == "ar" else "name"
    with offline_page(browser, viewport=viewport) as (page, record):
        open_map(page, maps[lang], zoomed=True)
        page.evaluate("seawatchMap.map.setView([32.9, 13.2], 6, {animate: false})")
        page.wait_for_timeout(200)
        assert page.get_attribute(".leaflet-container", "data-sw-port-labels") == "0"
        page.evaluate("seawatchMap.map.setView([32.9, 13.2], 7, {animate: false})")
        page.wait_for_timeout(300)
        shown = page.evaluate(
            """() => Array.from(document.querySelectorAll('.sw-port-label-icon'))
                .filter(e => e.style.visibility === 'visible')
                .map(e => { const r = e.firstChild.getBoundingClientRect();
                            return {text: e.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom}; })"""
        )
        texts = {s["text"] for s in shown}
        assert names.loc[names["name"] == "Tripoli", name_col].item() in texts
        assert len(shown) >= (4 if viewport == PHONE else 6)
        assert texts <= set(names[name_col])
        for a in range(len(shown)):  # decluttered: no two names overlap
            for b in range(a + 1, len(shown)):
                p, q = shown[a], shown[b]
                assert p["r"] <= q["l"] or q["r"] <= p["l"] or p["b"] <= q["t"] or q["b"] <= p["t"]
        # names sit next to their port square (right of it in English, left in Arabic)
        tripoli = next(
            s for s in shown if s["text"] == names.loc[names["name"] == "Tripoli", name_col].item()
        )
        row = names[names["name"] == "Tripoli"].iloc[0]
        x, y = _screen_point(page, row.geometry.y, row.geometry.x)
        gap_x = max(tripoli["l"] - x, x - tripoli["r"], 0)
        gap_y = max(tripoli["t"] - y, y - tripoli["b"], 0)
        assert gap_x <= 14 and gap_y <= 14  # beside its square, on one side or another
        page.evaluate("seawatchMap.map.removeLayer(seawatchMap.extra.ports.layer)")
        page.wait_for_timeout(200)
        assert page.get_attribute(".leaflet-container", "data-sw-port-labels") == "0"
        assert record.problems() == []


def test_wind_barbs_keep_growing_past_33_knots(browser, maps, risk):
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, maps["en"], zoomed=True)
        parts = page.evaluate("[33, 35, 45, 50, 65, 100, 2].map(k => seawatchBarbParts(k))")
        assert [(p["pennants"], p["full"], p["half"]) for p in parts] == [
            (0, 3, 1),  # 33 kn -> 35: three full barbs and a half
            (0, 3, 1),
            (0, 4, 1),
            (1, 0, 0),  # a pennant is 50 kn
            (1, 1, 1),
            (2, 0, 0),
            (0, 0, 0),  # calm
        ]
        limits = page.evaluate("seawatchMap.D.beaufortMs")
        forces = page.evaluate(
            "(l) => [0.2, 3.4, 17.1, 17.2, 32.6, 32.7, 45].map(v => seawatchBeaufort(v, l))", limits
        )
        assert forces == [0, 3, 7, 8, 11, 12, 12]
        # Ink of one barb on a canvas: more wind, more feathers, at 35, 45, 55, 65 kn alike.
        ink = page.evaluate(
            """() => [35, 45, 55, 65].map(kn => {
                const c = document.createElement('canvas'); c.width = 120; c.height = 120;
                const ctx = c.getContext('2d'); ctx.strokeStyle = ctx.fillStyle = '#000'; ctx.lineWidth = 1.4;
                const ms = kn / 1.943844;
                seawatchDrawBarb(ctx, 60, 60, ms * Math.SQRT1_2, -ms * Math.SQRT1_2, seawatchMap.D.beaufortMs);
                const d = ctx.getImageData(0, 0, 120, 120).data; let n = 0;
                for (let k = 3; k < d.length; k += 4) if (d[k] > 100) n++;
                return n; })"""
        )
        assert ink == sorted(ink) and len(set(ink)) == 4, ink
        page.evaluate(
            """() => { seawatchMap.setTime(24); seawatchMap.map.addLayer(seawatchMap.windLayer);
                       seawatchMap.map.setView([35.2, 12.6], 7, {animate: false}); }"""
        )
        page.wait_for_function(
            "+document.querySelector('.leaflet-container').getAttribute('data-sw-barbs') > 10",
            timeout=10000,
        )
        strongest = int(page.get_attribute(".leaflet-container", "data-sw-barb-max-kn"))
        assert strongest > 40  # the storm's barbs carry pennants or four full barbs
        assert record.problems() == []


@pytest.mark.parametrize(("lang", "viewport"), [("en", DESK), ("ar", PHONE)])
def test_point_forecast_popup_charts_the_cell_over_time(browser, maps, risk, lang, viewport):
    lat, lon = 35.1, 12.6
    with offline_page(browser, viewport=viewport) as (page, record):
        open_map(page, maps[lang], zoomed=True)
        page.evaluate(
            f"seawatchMap.setTime({STORM}); seawatchMap.map.setView([{lat}, {lon}], 7, {{animate: false}})"
        )
        page.evaluate(f"seawatchMap.pointForecast(L.latLng({lat}, {lon}))")
        page.wait_for_selector(".sw-chart svg", timeout=15000)
        levels = page.evaluate(
            "JSON.parse(document.querySelector('.sw-chart').getAttribute('data-levels'))"
        )
        cell = risk["hazard_level"].sel(lat=lat, lon=lon, method="nearest")
        for vessel in risk["vessel"].values:
            assert levels[vessel] == cell.sel(vessel=vessel).values.tolist()
        chart = page.evaluate(
            """() => { const svg = document.querySelector('.sw-chart svg'), r = svg.getBoundingClientRect();
                const p = document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
                return {lines: svg.querySelectorAll('polyline').length, rects: svg.querySelectorAll('rect').length,
                        w: r.width, left: r.left, right: r.right, pl: p.left, pr: p.right,
                        now: svg.querySelectorAll('.sw-chart-now').length,
                        days: svg.querySelectorAll('.sw-chart-day').length,
                        text: svg.textContent}; }"""
        )
        assert chart["lines"] >= 3  # Hs, wind, gusts
        assert chart["rects"] > 3 * risk.sizes["time"] * 0.9  # a strip per class and step
        midnights = int((risk["time"].dt.hour == 0).sum())
        assert chart["now"] == 1 and chart["days"] == midnights == 2
        assert chart["pl"] <= chart["left"] and chart["right"] <= chart["pr"]
        # the chart itself fits a phone (the popup's own width is the phone layout's business)
        assert 240 <= chart["w"] <= min(300, viewport[0] - 60)
        words = ("مطاطي", "الرياح") if lang == "ar" else ("Dinghy", "Wind", "Gusts")
        for word in words:
            assert word in chart["text"]
        assert record.problems() == []


CORPUS = (
    [v[0] for v in VALID]
    + [v[0] for v in INVALID]
    + [
        "33 12 N 12 45 E",
        "33°N 12°E",
        "N33-12.5 E012-45.3",
        "33.2083°, 12.755°",
        "lat 33.5 lon -12.25",
        "33°12.5'S 012°45.3'W",
        "٣٣°١٢٫٥' ش ١٢°٤٥٫٣' ق",
        "3312N 01245E",
        "33.2:5N 12E",
        "33°12.5'N, 012°45.3'E, 5",
        "POINT (12.755 33.2083 5)",
    ]
)


# Pieces of what people type, joined at random (seeded): the two parsers must agree on each.
PIECES = ["33", "12.5", "045", "3312.5", "0124518", "7", "60", "°", "'", '"', "''", "N", "S", "E",
          "W", " ", " ", ",", ";", "/", "-", ":", "+", "lat", "Lon", "شمال", "شرقا", "٣٣", "٫٥",
          "POINT", "(", ")", "d", "min", ".", "90", "181"]  # fmt: skip


def _fuzz(n: int = 3000, seed: int = 14) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(2, 9))) for _ in range(n)]


def _python(text: str) -> dict:
    try:
        p = parse_position(text)
    except PositionError as exc:
        return {"ok": False, "message": str(exc)}
    return {"ok": True, "lat": p.lat, "lon": p.lon, "format": p.format}


def test_page_parser_reads_positions_as_the_python_parser(browser, maps):
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, maps["en"], zoomed=True)
        got = page.evaluate(
            """(texts) => texts.map(t => { try { const p = seawatchParsePosition(t);
                   return {ok: true, lat: p.lat, lon: p.lon, format: p.format}; }
                 catch (e) { return {ok: false, message: e.message, name: e.name}; } })""",
            CORPUS + _fuzz(),
        )
        expected_fragments = dict(INVALID)
        accepted = 0
        for text, js in zip(CORPUS + _fuzz(), got, strict=True):
            py = _python(text)
            assert js["ok"] == py["ok"], (text, js, py)
            if py["ok"]:
                assert (js["lat"], js["lon"], js["format"]) == (py["lat"], py["lon"], py["format"])
                accepted += 1
            else:
                assert js["name"] == "PositionError"
                fragment = expected_fragments.get(text)
                if fragment:
                    assert fragment in js["message"], (text, js["message"])
        assert accepted > len(VALID) + 60  # the random strings include readable positions too
        assert record.problems() == []


@pytest.mark.parametrize(("lang", "viewport"), [("en", DESK), ("ar", PHONE)])
def test_typed_position_is_plotted_and_starts_the_ruler(browser, maps, lang, viewport):
    with offline_page(browser, viewport=viewport) as (page, record):
        open_map(page, maps[lang], zoomed=True)
        page.evaluate("document.querySelector('.sw-goto details').open = true")
        page.fill(".sw-goto-input", "33 61N 12 45E")
        page.press(".sw-goto-input", "Enter")
        error = page.text_content(".sw-goto-error")
        assert "minutes 61 must be less than 60" in error
        typed = "٣٣ ١٢٫٥ شمال ١٢ ٤٥٫٣ شرق" if lang == "ar" else "33°12.5'N 012°45.3'E"
        page.fill(".sw-goto-input", typed)
        page.press(".sw-goto-input", "Enter")
        assert page.text_content(".sw-goto-error") == ""
        lat, lon = 33 + 12.5 / 60, 12 + 45.3 / 60
        shown = page.get_attribute(".leaflet-container", "data-sw-goto")
        assert shown == f"{lat:.6f},{lon:.6f}"
        assert page.is_visible(".sw-goto-mark")
        assert "33°12.500'N 012°45.300'E" in page.text_content(".leaflet-popup-content")
        map_still(page)  # the popup slides into view: a click during the slide misses
        page.click(".sw-goto-measure")
        page.evaluate("seawatchMap.map.fire('click', {latlng: L.latLng(34.208333, 12.755)})")
        nm = float(page.get_attribute(".leaflet-container", "data-sw-ruler-nm"))
        assert nm == pytest.approx(60.0, abs=0.1)  # one degree of latitude north of it
        assert record.problems() == []


def _great_circle_nm(a: tuple[float, float], b: tuple[float, float]) -> float:
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_R * math.asin(math.sqrt(h)) / 1852


def test_ruler_starts_on_a_port_and_on_an_incident(browser, maps, incidents):
    port = ports().set_index("name").loc["Tripoli"].geometry
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, maps["en"], zoomed=True)
        page.evaluate(f"seawatchMap.map.setView([{port.y}, {port.x}], 11, {{animate: false}})")
        page.wait_for_timeout(300)
        page.click(".sw-ruler a")
        x, y = _screen_point(page, port.y, port.x)
        page.mouse.click(x + 3, y - 3)  # on the port's square, a little off its centre
        first = page.evaluate("[seawatchMap.rulerPoints[0].lat, seawatchMap.rulerPoints[0].lng]")
        assert first == pytest.approx([port.y, port.x], abs=1e-9)
        page.evaluate("seawatchMap.map.fire('click', {latlng: L.latLng(33.5, 13.5)})")
        nm = float(page.get_attribute(".leaflet-container", "data-sw-ruler-nm"))
        assert nm == pytest.approx(_great_circle_nm((port.y, port.x), (33.5, 13.5)), abs=0.01)
        page.keyboard.press("Escape")

        located = incidents.dropna(subset=["lat"])
        recent = located[(NOW - located["time"]).dt.total_seconds() <= 7 * 86400].iloc[0]
        page.evaluate(
            f"seawatchMap.map.setView([{recent.lat}, {recent.lon}], 13, {{animate: false}})"
        )
        page.wait_for_timeout(400)
        page.click(".sw-ruler a")
        x, y = _screen_point(page, recent.lat, recent.lon)
        page.mouse.click(x + 2, y + 2)
        first = page.evaluate("[seawatchMap.rulerPoints[0].lat, seawatchMap.rulerPoints[0].lng]")
        assert first == pytest.approx([round(recent.lat, 5), round(recent.lon, 5)], abs=1e-9)
        assert page.evaluate("seawatchMap.rulerPoints.length") == 1  # no second point from the map
        # measuring, not the incident popup (a closed popup fades out for 200 ms)
        page.wait_for_function("document.querySelector('.leaflet-popup') === null", timeout=2000)
        assert record.problems() == []
