"""Popups on a phone (390 x 844): a popup taller than the free band between the buttons at the
top and the time panel at the bottom used to put its foot under the panel, out of reach of a
tap. It now fits the band and scrolls inside."""

from __future__ import annotations

import pytest

from tests.browser import offline_page
from tests.maps.conftest import open_map
from tests.maps.test_map_phone import PHONE

BAND = """() => {
  const c = document.querySelector('.leaflet-container').getBoundingClientRect();
  const popup = document.querySelector('.leaflet-popup').getBoundingClientRect();
  let top = c.top, bottom = Math.min(c.bottom, innerHeight);
  document.querySelectorAll('.leaflet-top .leaflet-control').forEach((el) => {
    if (el.offsetWidth) top = Math.max(top, el.getBoundingClientRect().bottom);
  });
  document.querySelectorAll('.leaflet-bottom .leaflet-control').forEach((el) => {
    if (el.offsetWidth) bottom = Math.min(bottom, el.getBoundingClientRect().top);
  });
  return {top, bottom, popupTop: popup.top, popupBottom: popup.bottom};
}"""


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_point_forecast_popup_fits_between_the_controls(browser, demo_maps, lang, tmp_path):
    with offline_page(browser, viewport=PHONE, touch=True) as (page, record):
        open_map(page, demo_maps[lang])
        # a tap on the sea low on the screen, just above the time panel and the scale: the popup
        # must come up whole
        page.evaluate("seawatchMap.map.setView([36.0, 13.5], 7, {animate: false})")
        panel = page.locator(".leaflet-control-scale").bounding_box()
        page.touchscreen.tap(PHONE[0] / 2, panel["y"] - 20)
        page.wait_for_selector(".sw-chart svg", timeout=15000)
        page.wait_for_timeout(600)  # the map pans to show it
        band = page.evaluate(BAND)
        assert band["top"] <= band["popupTop"] and band["popupBottom"] <= band["bottom"], band
        # the chart, scrolled into view inside the popup, is not under a control
        chart = page.locator(".sw-chart svg")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        hit = page.evaluate(
            "([x, y]) => !!document.elementFromPoint(x, y).closest('.leaflet-popup')",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit, "the chart is covered"
        page.screenshot(path=str(tmp_path / f"point-{lang}.png"))
        assert record.problems() == []
