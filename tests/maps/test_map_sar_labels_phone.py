"""SAR region labels stay on the screen of a phone (390 x 844), in English and Arabic.

They are centred on their point; the Tunisian SRR's point lies near the left edge of a phone at
the opening zoom, and its Arabic label ran 14 px off the screen.
"""

from __future__ import annotations

import pytest

from tests.browser import offline_page
from tests.maps.conftest import open_map

PHONE = (390, 844)  # a common phone's viewport (iPhone 12 to 14), CSS px

LABELS_JS = """() => Array.from(document.querySelectorAll('.sw-sar-label')).map(l => {
  const r = l.getBoundingClientRect(), icon = l.closest('.sw-sar').getBoundingClientRect();
  const visible = getComputedStyle(l).visibility !== 'hidden' && r.width > 0 &&
    r.right > 0 && r.left < innerWidth && r.bottom > 0 && r.top < innerHeight;
  return {text: l.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          visible, pointX: icon.left, pointY: icon.top};
})"""


def _assert_inside(labels, where):
    shown = [lb for lb in labels if lb["visible"]]
    for lb in shown:
        assert lb["left"] >= 0 and lb["right"] <= PHONE[0], (where, lb)
        assert lb["top"] >= 0 and lb["bottom"] <= PHONE[1], (where, lb)
    return shown


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_phone_sar_labels_stay_inside_the_screen(browser, maps, lang):
    with offline_page(browser, viewport=PHONE, touch=True) as (page, record):
        open_map(page, maps[lang])
        shown = _assert_inside(page.evaluate(LABELS_JS), "opening zoom")
        # all four regions are named at the opening zoom, Tunisia's too
        assert len(shown) == 4, shown
        tunisia = next(lb for lb in shown if "Tunisia" in lb["text"] or "التونسية" in lb["text"])
        # moved in no farther than needed: its point stays under the label
        assert tunisia["left"] <= tunisia["pointX"] <= tunisia["right"], tunisia
        # zoomed in on the Tunisian coast, and panned so the Libyan label's point leaves the map
        page.evaluate(
            "seawatchMap.map.setView([34.5, 11.0], seawatchMap.map.getZoom() + 1, {animate: false})"
        )
        page.wait_for_timeout(300)
        _assert_inside(page.evaluate(LABELS_JS), "zoomed in")
        page.evaluate("seawatchMap.map.panBy([150, 0], {animate: false})")
        page.wait_for_timeout(300)
        _assert_inside(page.evaluate(LABELS_JS), "panned")
        assert record.problems() == []


@pytest.mark.parametrize("viewport", [(1400, 1000), PHONE])
def test_small_area_names_its_sar_region_on_screen(browser, tmp_path, viewport):
    # A planner's 0.5 x 0.5 degree area off Zuwara lies wholly in the Libyan SRR. Its name was
    # placed in the sea a degree around the area, off the screen at the opening zoom, and hidden:
    # nothing on the map said whose region it is.
    import datetime as dt

    import xarray as xr

    from seawatch.config import load_settings
    from seawatch.fetchers.demo import demo_forecast
    from seawatch.maps.interactive import render_interactive
    from seawatch.pipeline import compute_risk

    environ = {
        "SEAWATCH_AREA_WEST": "12.0",
        "SEAWATCH_AREA_EAST": "12.5",
        "SEAWATCH_AREA_SOUTH": "32.9",
        "SEAWATCH_AREA_NORTH": "33.4",
    }
    settings = load_settings(data_dir=tmp_path / "data", environ=environ)
    start = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    risk = xr.decode_cf(
        compute_risk(settings, demo_forecast(settings, start=start).isel(time=slice(0, 6)))
    )
    path = render_interactive(risk, None, tmp_path / "map.html", settings, lang="en", now=start)
    with offline_page(browser, viewport=viewport, touch=viewport == PHONE) as (page, record):
        open_map(page, path, zoomed=True)
        shown = [lb for lb in page.evaluate(LABELS_JS) if lb["visible"]]
        assert [lb["text"] for lb in shown] == ["Libyan SRRLibyan JRCC, Tripoli"], shown
        label = shown[0]
        assert label["left"] >= 0 and label["right"] <= viewport[0], label
        assert record.problems() == []
