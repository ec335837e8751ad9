"""The point-forecast chart's time axis runs the way the rest of the map's does: later to the
right in English, later to the LEFT in Arabic (as the slider and the departure timeline)."""

from __future__ import annotations

import pytest

from tests.browser import offline_page
from tests.maps.conftest import open_map

DESK, PHONE = (1400, 1000), (390, 844)

CHART_JS = """() => {
  const svg = document.querySelector('.sw-chart svg');
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
  const ticks = Array.from(svg.querySelectorAll('text')).filter(t => /^\\d\\d\\/\\d\\d$/.test(t.textContent))
      .map(t => ({text: t.textContent, box: box(t)}));
  const days = Array.from(svg.querySelectorAll('.sw-chart-day'))
      .map(l => ({iso: l.getAttribute('data-iso'), x: box(l)[0]}));
  const frames = Array.from(svg.querySelectorAll('.sw-chart-frame')).map(box);
  const names = Array.from(svg.querySelectorAll('.sw-chart-name')).map(box);
  const line = svg.querySelector('polyline').getAttribute('points').trim().split(' ');
  return {ticks, days, frames, names, svg: box(svg), now: box(svg.querySelector('.sw-chart-now'))[0],
          firstX: +line[0].split(',')[0], lastX: +line[line.length - 1].split(',')[0]};
}"""


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_chart_time_axis_runs_with_the_page(browser, maps, lang, viewport):
    rtl = lang == "ar"
    with offline_page(browser, viewport=viewport) as (page, record):
        open_map(page, maps[lang], settle_ms=0)
        page.evaluate(
            "seawatchMap.setTime(3); seawatchMap.map.setView([35.1, 12.6], 7, {animate: false})"
        )
        page.evaluate("seawatchMap.pointForecast(L.latLng(35.1, 12.6))")
        page.wait_for_selector(".sw-chart svg", timeout=15000)
        chart = page.evaluate(CHART_JS)
        ticks = sorted(chart["ticks"], key=lambda t: t["text"][::-1])
        assert [t["text"] for t in ticks] == ["24/11", "25/11"], ticks
        # a later day's tick and line lie left of an earlier one's in Arabic, right in English
        early, late = ticks
        days = sorted(chart["days"], key=lambda d: d["iso"])
        assert len(days) == 2 and days[0]["iso"] < days[1]["iso"], chart["days"]
        assert (late["box"][0] < early["box"][0]) == rtl, ticks
        assert (days[1]["x"] < days[0]["x"]) == rtl, days
        # the series run the same way, and the time shown (step 3 of 48) is near the start side
        assert (chart["lastX"] < chart["firstX"]) == rtl, chart
        frame = chart["frames"][0]
        start_side = frame[1] if rtl else frame[0]
        assert abs(chart["now"] - start_side) < (frame[1] - frame[0]) / 8, (chart["now"], frame)
        # labels readable: inside the chart, the day labels apart, the panel names in the
        # gutter on the side where time starts (right in Arabic), not over the plot
        left, right = chart["svg"][0], chart["svg"][1]
        for tick in ticks:
            assert left - 0.5 <= tick["box"][0] and tick["box"][1] <= right + 0.5, tick
        assert early["box"][1] <= late["box"][0] or late["box"][1] <= early["box"][0], ticks
        for name in chart["names"]:
            assert name[0] >= frame[1] if rtl else name[1] <= frame[0], (name, frame)
        assert record.problems() == []
