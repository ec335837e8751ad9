"""The Arabic map reads right to left and speaks Arabic, Leaflet's own controls included.

Checked in the browser on what is drawn: where labels sit, the order in which a date's parts
appear on screen, which way the step buttons, arrow keys and slider move time.
"""

from __future__ import annotations

import re

import pytest

from seawatch.i18n import translate
from seawatch.incidents.demo import demo_incidents
from seawatch.maps.interactive import incidents_payload
from tests.browser import offline_page
from tests.maps.conftest import NOW, open_map

DESK = (1400, 1000)

# x of the first character of each part, found in order in the element's text (as drawn).
POSITIONS_JS = """([selector, parts]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = []; let text = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, text.length]); text += n.data; }
  let from = 0;
  return parts.map(part => {
    const at = text.indexOf(part, from);
    if (at < 0) return null;
    from = at + part.length;
    const [node, start] = nodes.filter(([n, s]) => s <= at).pop();
    const range = document.createRange();
    range.setStart(node, at - start); range.setEnd(node, at - start + 1);
    return range.getBoundingClientRect().left;
  });
}"""


def _left_to_right(page, selector, parts):
    xs = page.evaluate(POSITIONS_JS, [selector, parts])
    assert None not in xs, (selector, parts, page.text_content(selector))
    assert xs == sorted(xs) and len(set(xs)) == len(xs), (selector, parts, xs)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_sar_labels_are_centred_on_their_point(browser, maps, lang):
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, maps[lang])
        offsets = page.evaluate(
            """() => Array.from(document.querySelectorAll('.sw-sar')).map(icon => {
                 const a = icon.getBoundingClientRect();
                 const l = icon.querySelector('.sw-sar-label').getBoundingClientRect();
                 return [l.left + l.width / 2 - a.left, l.top + l.height / 2 - a.top, l.width];
               })"""
        )
        assert len(offsets) >= 3
        for dx, dy, width in offsets:
            assert abs(dx) <= 1 and abs(dy) <= 1 and width > 40, offsets
        assert record.problems() == []


def test_dates_keep_their_order_in_arabic(browser, maps):
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, maps["ar"])
        _left_to_right(page, ".sw-utc", ["2026", "11", "24", "06:00", "UTC"])
        _left_to_right(page, ".sw-local", ["2026", "11", "24"])
        _left_to_right(page, ".sw-run", ["2026", "11", "24", "00:00", "UTC"])
        _left_to_right(page, ".sw-lead", ["+", "6"])
        page.evaluate("seawatchMap.pointForecast(L.latLng(35.3, 13.1))")
        page.wait_for_selector(".sw-hazard-table", timeout=5000)
        _left_to_right(page, ".leaflet-popup-content", ["2026", "11", "24", "06:00", "UTC"])
        _left_to_right(page, ".sw-pos", ["35°", "18.000'N", "013°"])
        row = page.evaluate("seawatchMap.D.incidents.rows[0]")
        page.evaluate("seawatchMap.map.closePopup()")
        page.wait_for_selector(".leaflet-popup", state="detached")
        page.evaluate(
            """() => { const r = seawatchMap.D.incidents.rows[0];
                 L.popup().setLatLng([r.lat, r.lon]).setContent(seawatchMap._incidentPopup(r))
                   .openOn(seawatchMap.map); }"""
        )
        day, clock = row["time"].split()[:2]
        _left_to_right(page, ".leaflet-popup-content", [day[:4], day[5:], clock, "UTC"])
        assert record.problems() == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_buttons_keys_slider_and_tooltips_agree_on_direction(browser, maps, lang):
    """Left to right, later is to the right; right to left, later is to the left."""
    rtl = lang == "ar"
    later, earlier = ("ArrowLeft", "ArrowRight") if rtl else ("ArrowRight", "ArrowLeft")
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, maps[lang])
        t = lambda: page.evaluate("seawatchMap.t")  # noqa: E731
        n = page.evaluate("seawatchMap.D.times.length")
        prev, nxt = page.evaluate(
            """() => ['.sw-prev', '.sw-next'].map(s => {
                 const r = document.querySelector(s).getBoundingClientRect();
                 return r.left + r.width / 2; })"""
        )
        assert (nxt < prev) == rtl
        # the arrow glyphs point the way they move: mirrored right to left
        mirrored = page.evaluate("getComputedStyle(document.querySelector('.sw-next')).transform")
        assert (mirrored == "matrix(-1, 0, 0, 1, 0, 0)") == rtl
        start = t()
        page.click(".sw-next")
        assert t() == start + 1
        page.click(".sw-prev")
        assert t() == start
        page.keyboard.press(later)
        assert t() == start + 1
        page.keyboard.press(earlier)
        assert t() == start
        page.focus(".sw-slider")  # focused, the slider moves by our keys, once
        page.keyboard.press(later)
        assert t() == start + 1
        # the slider's far left end is the first step (left to right) or the last (right to left)
        box = page.locator(".sw-slider").bounding_box()
        page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)
        assert t() == (n - 1 if rtl else 0)
        page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
        assert t() == (0 if rtl else n - 1)
        # the tooltips name the key that does it
        key_word = {"en": ("Right", "Left"), "ar": ("الأيسر", "الأيمن")}[lang]
        assert key_word[0] in page.get_attribute(".sw-next", "title")
        assert key_word[1] in page.get_attribute(".sw-prev", "title")
        assert record.problems() == []


LEAFLET_ENGLISH = ("Zoom in", "Zoom out", "Layers", "Full Screen", "Close popup", "Leaflet", "NM")


def test_every_control_string_comes_from_the_catalogue(browser, maps):
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, maps["ar"])
        page.evaluate("seawatchMap.pointForecast(L.latLng(35.3, 13.1))")
        page.wait_for_selector(".sw-hazard-table", timeout=5000)
        page.hover(".leaflet-control-layers")
        texts = page.evaluate(
            """() => { const out = [];
                 document.querySelectorAll('.leaflet-control-container *, .leaflet-popup *')
                   .forEach(el => {
                     ['title', 'aria-label', 'placeholder'].forEach(a => {
                       if (el.getAttribute(a)) out.push(el.getAttribute(a)); });
                     el.childNodes.forEach(n => { if (n.nodeType === 3 && n.data.trim())
                       out.push(n.data.trim()); });
                   });
                 return {texts: out, data: [seawatchMap.D.runText, ...seawatchMap.D.attribution]}; }"""
        )
        # Latin words may only be names and codes that come with the data (model, source,
        # licence), the UTC label or DDM hemispheres; anything else is untranslated UI.
        allowed = set(re.findall(r"[A-Za-z][A-Za-z_.\-]+", " ".join(texts["data"])))
        allowed |= {"UTC", "Esc"}  # the time zone and a key's name
        stray = {
            word
            for text in texts["texts"]
            for word in re.findall(r"[A-Za-z][A-Za-z_.\-]+", text)
            if word not in allowed
        }
        assert stray == set(), stray
        joined = "\n".join(texts["texts"])
        for english in LEAFLET_ENGLISH:
            assert english not in joined, english
        for selector, key in (
            (".leaflet-control-zoom-in", "map.zoom_in"),
            (".leaflet-control-zoom-out", "map.zoom_out"),
            (".leaflet-control-layers-toggle", "map.layers"),
            (".leaflet-popup-close-button", "map.close_popup"),
        ):
            assert page.get_attribute(selector, "aria-label") == translate(key, "ar"), selector
        assert page.text_content(".sw-ruler a") == translate("map.ruler_button", "ar")
        scale = page.text_content(".leaflet-control-scale").strip()
        assert re.fullmatch(r"\d+ ميل بحري", scale), scale
        assert record.problems() == []


def test_iom_values_are_arabic_in_the_arabic_map():
    """Every cause and route in the real IOM demo records reads in Arabic, combined ones too."""
    frame = demo_incidents()
    rows = incidents_payload(frame, NOW, "ar")["rows"]
    english = incidents_payload(frame, NOW, "en")["rows"]
    assert len(rows) > 1000
    for field in ("cause", "route", "boat_type", "source", "flags"):
        values = {r[field] for r in rows if field in r}
        assert values, field
        latin = {v for v in values if re.search(r"[A-Za-z]{3,}", v)}
        assert latin == set(), (field, latin)
    combined = next(r for r, e in zip(rows, english, strict=True) if "," in e.get("cause", ""))
    assert combined["cause"].count("، ") >= 1
    assert {r["cause"] for r in english} >= {"Drowning", "Mixed or unknown"}
    by_cause = {e["cause"]: r["cause"] for r, e in zip(rows, english, strict=True)}
    assert by_cause["Drowning"] == translate("map.iom.cause.drowning", "ar")
    assert by_cause[
        "Harsh environmental conditions / lack of adequate shelter, food, water"
    ] == translate("map.iom.cause.harsh_conditions", "ar")


def test_only_free_standing_numbers_are_isolated(risk, settings):
    """Dates, times and leads are wrapped in LRI ... PDI; digits inside a name are not split off."""
    from seawatch.maps.context import forecast_info
    from seawatch.maps.interactive import map_data

    named = risk.assign_attrs(model="ecmwf_ifs025 gale v1", source="open_meteo")
    info = forecast_info(named, NOW, 18)
    ar = map_data(named, None, settings, "ar", NOW, info)
    assert "\u20662026-11-24 00:00 UTC\u2069" in ar["runText"]
    assert "ecmwf_ifs025 gale v1" in ar["runText"]
    assert ar["times"][ar["start"]]["utc"] == "\u20662026-11-24 06:00 UTC\u2069"
    assert "\u2066+6\u2069" in ar["times"][ar["start"]]["lead"]
    en = map_data(named, None, settings, "en", NOW, info)
    assert "\u2066" not in en["runText"] and en["times"][0]["utc"] == "2026-11-24 00:00 UTC"
