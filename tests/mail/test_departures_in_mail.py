"""The e-mail's departure windows and traps: read from the summary, one definition with its table.

The morning message once said "No calm window in 72 h" beside 24 h of Moderate in its own table:
the table showed the area's worst level and the text used another statistic. Both now come from
:mod:`seawatch.layers.departure`, through the summary the build writes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr
from shapely.geometry import LineString, box

from seawatch.layers.departure import DepartureParams
from seawatch.layers.summary import SummaryParams, summarize
from seawatch.mail import MailParts, compose
from seawatch.mail.report import Report, from_summary, horizon_windows

NOW = dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)
VESSELS = ["rubber_dinghy", "wooden_boat", "small_boat"]
LAT = np.round(np.arange(32.0, 36.0001, 0.1), 6)
LON = np.round(np.arange(12.0, 12.4001, 0.1), 6)
ZUWARA = gpd.GeoDataFrame(
    {"id": ["zuwara"], "name": ["Zuwara"]}, geometry=[box(12.05, 31.95, 12.35, 32.25)], crs=4326
)
ROUTE = gpd.GeoDataFrame(
    {"id": ["zuwara-lampedusa"], "area": ["zuwara"], "destination": ["lampedusa"]},
    geometry=[LineString([(12.2, 32.0), (12.2, 36.0)])],
    crs=4326,
)
WINDOW_MARK, TRAP_MARK = "border-bottom:4px solid #2166ac", "border-bottom:4px solid #c51b7d"


def risk_of(level_of, hours: int = 96) -> xr.Dataset:
    lat2d = np.broadcast_to(LAT[:, None], (LAT.size, LON.size))
    level = np.stack(
        [np.stack([level_of(h, lat2d, v) for v in range(3)]) for h in range(hours)]
    ).astype(np.int8)
    times = np.datetime64("2026-11-24T00:00", "ns") + np.arange(hours) * np.timedelta64(1, "h")
    return xr.Dataset(
        {
            "hazard_level": (("time", "vessel", "lat", "lon"), level),
            "hazard_score": (("time", "vessel", "lat", "lon"), level.astype(np.float32) + 0.5),
            "land": (("lat", "lon"), np.zeros((LAT.size, LON.size), np.int8)),
        },
        coords={"time": times, "vessel": VESSELS, "lat": LAT, "lon": LON},
        attrs={"reference_time": "2026-11-24T00:00:00Z", "source": "test"},
    )


def message(
    risk: xr.Dataset, lang: str, routes: Any = ROUTE, areas: Any = ZUWARA
) -> tuple[str, str, Report]:
    summary = summarize(
        risk,
        SummaryParams(radius_nm=30.0, departure=DepartureParams()),
        departure_areas=areas,
        sar_regions=ZUWARA.assign(id=["libya"]),
        routes=routes,
    )
    report = Report(
        created=NOW,
        timezone="Africa/Tripoli",
        reference_time=NOW,
        has_forecast=True,
        windows=horizon_windows(NOW),
        vessels=tuple(VESSELS),
    )
    from_summary(report, summary)
    msg = compose(report, lang, MailParts(), "s@example.org", "o@example.org")
    plain = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    # Arabic isolates inserted values (dates, names) with FSI/PDI; the words are what count here.
    plain = plain.replace("\u2068", "").replace("\u2069", "")
    return plain, msg.get_body(("html",)).get_content(), report


def _rows(html: str) -> dict[str, list[str]]:
    """Per vessel table: the <td> elements of the Zuwara row."""
    out = {}
    for vessel, table in re.findall(r'data-vessel="(\w+)">(.*?)</table>', html, re.S):
        row = re.search(r'data-area="zuwara">(.*?)</tr>', table, re.S).group(1)
        out[vessel] = re.findall(r"<td bgcolor=[^>]*>[^<]*</td>", row)
    return out


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_day_of_moderate_is_a_departure_window_in_text_and_table(lang):
    # Moderate at Zuwara for the first 24 h, then High near the coast (south of 32.35 N;
    # offshore stays Moderate): the table shows four M cells and the text must report the 24 h
    # window. Boats leaving in its last hours are still near the coast when High comes there
    # (21 nm at 5 kn): those hours are a trap, the others not.
    risk = risk_of(lambda h, lat, v: np.where((h >= 24) & (lat < 32.35), 2, 1))
    plain, html, report = message(risk, lang)
    assert [(c.start.hour, c.hours) for c in report.calm] == [(0, 24)]
    if lang == "en":
        assert "No departure window" not in plain
        assert "- Zuwara: 2026-11-24 00:00 to 2026-11-25 00:00 UTC (24 h)" in plain
        assert "; window 24 00-25 00; TRAP 24 18-25 00\n" in plain  # the row in the text part
    else:
        assert "لا توجد فترة انطلاق" not in plain
        assert "- زوارة: من 2026-11-24 00:00 إلى 2026-11-25 00:00 UTC (24 ساعة)" in plain
    cells = _rows(html)["rubber_dinghy"]
    assert len(cells) == 12
    assert [WINDOW_MARK in c for c in cells] == [True] * 3 + [False] * 9
    assert [TRAP_MARK in c for c in cells] == [False] * 3 + [True] + [False] * 8
    assert report.calm[0].trap_start == dt.datetime(2026, 11, 24, 20, tzinfo=dt.UTC)


def test_every_cell_at_or_below_the_window_level_is_marked():
    # Levels that change every few hours, and differ per class.
    rng = np.random.default_rng(3)
    pattern = np.repeat(rng.integers(0, 3, 16), 6)  # 6 h blocks of 0, 1 or 2

    def level(h, lat, v):
        return np.full(lat.shape, min(4, pattern[h] + v))

    _, html, report = message(risk_of(level), "en")
    rows = _rows(html)
    area = report.areas[0]
    checked = 0
    for vessel, cells in rows.items():
        limit = report.window_levels[vessel]
        for cell, lv in zip(cells, area.levels[vessel], strict=True):
            if lv is not None and lv <= limit:
                assert WINDOW_MARK in cell or TRAP_MARK in cell, (vessel, lv)
                checked += 1
    assert checked > 5


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_trap_in_the_table_and_the_text(lang):
    # Calm at the coast for 36 h; High beyond 33 N from hour 6 on: boats leaving Zuwara in the
    # window meet High on the way (rubber-dinghy trap level) about 9.5 h out.
    def level(h, lat, v):
        return np.where(h >= 36, 3, np.where((lat >= 33.0) & (h >= 6), 2, 0))

    plain, html, report = message(risk_of(level), lang)
    assert report.calm and report.calm[0].trap_start is not None
    assert report.traps and report.traps[0].level == 3  # Severe at sea once hour 36 comes
    # The window (00-36 h) is a trap from its first hour: every boat leaving in it is still at
    # sea (a 48 h crossing at 5 kn) when Severe comes at hour 36.
    cells = _rows(html)["rubber_dinghy"]
    short = "L" if lang == "en" else "0"
    assert [TRAP_MARK in c for c in cells] == [True] * 6 + [False] * 6
    # Arabic writes "!0" so that the right-to-left table shows "0!" as English does.
    mark = f"{short}!" if lang == "en" else f"!{short}"
    assert all(c.endswith(f">{mark}</td>") for c in cells[:6])
    if lang == "en":
        assert "TRAP from 2026-11-24 00:00 UTC" in plain
        assert (
            "Zuwara → Lampedusa: boats leaving 2026-11-24 00:00 to 2026-11-25 12:00 UTC meet severe"
            in plain
        )
        assert "; window 24 00-25 12!\n" in plain  # a trap throughout: "!" as in the table
    else:
        assert "فخ ابتداءً من 2026-11-24 00:00 UTC" in plain
        assert "زوارة ← لامبيدوزا" in plain
    assert "لا يوجد فخ" not in plain and "No departure trap" not in plain
    met = report.traps[0]
    assert met.met_time == dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)  # hour 36
    assert (met.start, met.end) == (NOW, NOW + dt.timedelta(hours=36))
    assert met.complete


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_trap_on_a_crossing_that_leaves_the_area_says_so(lang):
    # An area too small for the crossing: the route leaves the 12.0-12.4 E grid eastwards after
    # about 10 nm and ends 2 h later, well inside the forecast. The trap found on the known part
    # stands, but the line must not read as a crossing known whole.
    route = ROUTE.assign(geometry=[LineString([(12.2, 32.0), (12.3, 32.3), (13.5, 32.8)])])

    # High offshore from hour 1; Severe everywhere from hour 48, which ends the window long
    # before the 96 h forecast does: every crossing of the window ends inside its hours.
    def level(h, lat, v):
        return np.where(h >= 48, 3, np.where((lat >= 32.3) & (h >= 1), 2, 0))

    plain, _html, report = message(risk_of(level), lang, routes=route)
    assert report.traps and not report.traps[0].complete
    note = (
        "(part of the crossing lies beyond the forecast's hours or area)"
        if lang == "en"
        else "(جزء من الرحلة يقع بعد نهاية التوقعات أو خارج منطقتها)"
    )
    assert note in plain


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_departure_area_in_the_forecast_area_is_said_not_read_as_rough_sea(lang):
    # An area of interest around Lampedusa holds no departure area: the message once read "No
    # departure window in the next 72 h: the sea at every departure area stays above moderate"
    # and "No departure trap", about departure areas it never looked at.
    away = ZUWARA.assign(geometry=[box(14.0, 31.0, 14.3, 31.3)])  # off the 12-12.4 E grid
    plain, html, report = message(risk_of(lambda h, lat, v: np.zeros(lat.shape)), lang, areas=away)
    assert not report.areas and not report.calm and not report.traps
    said = (
        "No departure area lies in this forecast's area"
        if lang == "en"
        else "لا تقع أي منطقة مغادرة داخل منطقة هذا التنبؤ"
    )
    assert plain.count(said) == 3  # the table, the windows and the traps
    assert html.replace("&#39;", "'").count(said) == 3
    for wrong in ("stays above", "No departure trap", "No risk table today"):
        assert wrong not in plain
