"""The departure timeline works from the keyboard and with a finger on a phone, in English and
Arabic: each area's row of hours is one stop in the tab order, the arrow keys move the hour
(later to the left in Arabic, as on the slider) and the area, Enter shows the hour zoomed to the
area; a tap on a phone (cells 7 px wide) picks the nearest hour of the row and says which."""

from __future__ import annotations

import pytest

from tests.browser import offline_page
from tests.maps.conftest import open_map

DESK, PHONE = (1400, 1000), (390, 844)
ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))
MIN_ROW_PX = 16  # assumption, to calibrate: a row a fingertip finds (13 px before)

FOCUS_JS = """() => { const e = document.activeElement;
  return {cls: e.className, a: e.getAttribute('data-a'), t: e.getAttribute('data-t'),
          label: e.getAttribute('aria-label'), role: e.getAttribute('role')}; }"""


def _hour(page) -> int:
    return page.evaluate("seawatchMap.t")


def _utc(page, t: int) -> str:
    return page.evaluate(f"seawatchMap.D.times[{t}].utc").translate(ISOLATES)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_timeline_hours_work_from_the_keyboard(browser, timeline_maps, lang):
    later, earlier = ("ArrowLeft", "ArrowRight") if lang == "ar" else ("ArrowRight", "ArrowLeft")
    with offline_page(browser, viewport=DESK) as (page, record):
        open_map(page, timeline_maps[lang], settle_ms=0, timeline=True)
        page.evaluate("seawatchMap.setTime(5)")
        names = page.evaluate("seawatchTimeline.T.areas.map(a => a.name)")
        ids = page.evaluate("seawatchTimeline.T.areas.map(a => a.id)")
        # Tab from the first area's name reaches its row, at the hour shown
        page.focus(".sw-tl-label[data-a='0']")
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        assert (focus["a"], focus["t"], focus["role"]) == ("0", "5", "button"), focus
        # the arrow keys move the hour (and the map with it) and say where the focus is
        page.keyboard.press(later)
        page.keyboard.press(later)
        focus = page.evaluate(FOCUS_JS)
        assert (focus["a"], focus["t"], _hour(page)) == ("0", "7", 7), focus
        assert names[0] in focus["label"] and _utc(page, 7) in focus["label"].translate(ISOLATES)
        page.keyboard.press(earlier)
        assert page.evaluate(FOCUS_JS)["t"] == "6" and _hour(page) == 6
        page.keyboard.press("ArrowDown")
        focus = page.evaluate(FOCUS_JS)
        assert (focus["a"], focus["t"]) == ("1", "6"), focus
        assert names[1] in focus["label"]
        # Enter: that hour, zoomed to that area, and the pick is announced
        page.keyboard.press("Enter")
        page.wait_for_function(
            f"document.querySelector('.leaflet-container').getAttribute('data-sw-area') === '{ids[1]}'"
        )
        assert _hour(page) == 6
        picked = page.text_content(".sw-tl-picked").translate(ISOLATES)
        assert names[1] in picked and _utc(page, 6) in picked, picked
        assert page.get_attribute(".sw-tl-picked", "role") == "status"
        page.keyboard.press("End")
        assert page.evaluate(FOCUS_JS)["t"] == "47" and _hour(page) == 47
        page.keyboard.press("Home")
        assert page.evaluate(FOCUS_JS)["t"] == "0" and _hour(page) == 0
        # one tab stop per row: Tab leaves the row for the next area's name
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        assert "sw-tl-label" in focus["cls"] and focus["a"] == "2", focus
        # the keys are described to screen readers
        described = page.evaluate(
            "document.getElementById(document.querySelector('.sw-tl-c').getAttribute('aria-describedby')).textContent"
        )
        assert described and ("Enter" in described), described
        assert record.problems() == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_phone_tap_picks_the_nearest_hour_of_the_row_and_names_it(browser, timeline_maps, lang):
    with offline_page(browser, viewport=PHONE, touch=True) as (page, record):
        open_map(page, timeline_maps[lang], settle_ms=0, timeline=True)
        page.tap(".sw-tl-toggle")
        page.wait_for_selector(".sw-tl-c[data-a='0'][data-t='20']", state="visible")
        names = page.evaluate("seawatchTimeline.T.areas.map(a => a.name)")
        cell = page.locator(".sw-tl-c[data-a='0'][data-t='20']")
        cell.scroll_into_view_if_needed()
        box = cell.bounding_box()
        assert box["width"] < 10  # the cells stay narrow: 48 h must fit the row
        assert box["height"] >= MIN_ROW_PX, box
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("seawatchMap.t === 20")
        picked = page.locator(".sw-tl-picked")
        assert picked.is_visible()
        text = picked.text_content().translate(ISOLATES)
        assert names[0] in text and _utc(page, 20) in text, text
        # a tap on the thin margin above a cell still picks that row's nearest hour
        box = page.locator(".sw-tl-c[data-a='1'][data-t='21']").bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] - 0.5)
        page.wait_for_function("seawatchMap.t === 21")
        text = picked.text_content().translate(ISOLATES)
        assert names[1] in text and _utc(page, 21) in text, text
        assert record.problems() == []
