"""Tripoli local time ("08:00 Tripoli local (2026-11-24)") keeps its date in order in Arabic,
wherever the map shows it: under the slider, in the point forecast, in a route's popup.

The date is drawn left to right (its parts' x positions increase), held in a <bdi dir=ltr>, and
on one line: on a phone it used to break at a hyphen ("(-2026" above "11-24)").
"""

from __future__ import annotations

import pytest

from tests.browser import offline_page
from tests.maps.conftest import open_map

DESK, PHONE = (1400, 1000), (390, 844)

# For the first occurrence of `date` (YYYY-MM-DD) in `selector`: the x of year, month, day as
# drawn, the tops of all its characters, and whether it sits in a left-to-right <bdi>.
DATE_JS = """([selector, date]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const at = n.data.indexOf(date);
    if (at < 0) continue;
    const rect = i => { const r = document.createRange(); r.setStart(n, at + i); r.setEnd(n, at + i + 1);
                        return r.getBoundingClientRect(); };
    const tops = Array.from(date, (_, i) => Math.round(rect(i).top));
    const bdi = n.parentElement.closest('bdi');
    return {xs: [rect(0).left, rect(5).left, rect(8).left], tops,
            ltr: !!bdi && bdi.getAttribute('dir') === 'ltr'};
  }
  return null;
}"""


def _check(page, selector, date="2026-11-24"):
    found = page.evaluate(DATE_JS, [selector, date])
    assert found is not None, (selector, page.text_content(selector))
    xs, tops = found["xs"], found["tops"]
    assert xs[0] < xs[1] < xs[2], (selector, found)  # year, month, day left to right
    assert len(set(tops)) == 1, (selector, found)  # on one line
    assert found["ltr"], (selector, found)


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_local_time_date_reads_left_to_right_on_one_line(browser, timeline_maps, lang, viewport):
    with offline_page(browser, viewport=viewport, touch=viewport == PHONE) as (page, record):
        open_map(page, timeline_maps[lang], settle_ms=0, timeline=True)
        page.evaluate("seawatchMap.setTime(1)")
        _check(page, ".sw-local")
        page.evaluate("seawatchMap.pointForecast(L.latLng(35.3, 13.1))")
        page.wait_for_selector(".sw-hazard-table", timeout=5000)
        _check(page, ".leaflet-popup-content")
        page.evaluate("seawatchMap.map.closePopup()")
        page.wait_for_selector(".leaflet-popup", state="detached")
        page.evaluate(
            """() => L.popup({maxWidth: 340}).setLatLng(seawatchMap.map.getCenter())
                 .setContent(seawatchTimeline._routePopup(0)).openOn(seawatchMap.map)"""
        )
        page.wait_for_selector(".sw-route-popup", timeout=5000)
        _check(page, ".sw-route-popup")
        assert record.problems() == []
