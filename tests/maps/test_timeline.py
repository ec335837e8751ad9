"""Departure timeline, routes, worst frames and incident density: the data the map draws."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from seawatch.maps import frames as fr
from seawatch.maps import styles
from seawatch.maps.context import forecast_info
from seawatch.maps.interactive import build_html, map_data
from seawatch.maps.timeline import (
    DENSITY_BINS,
    density_payload,
    timeline_payload,
    worst_grid,
    worst_periods,
)
from tests.maps.conftest import NOW
from tests.maps.departures_fixture import make_departures, make_routes
from tests.maps.risk_fixture import make_incidents

ZUWARA_DINGHY = "2222" + "0" * 14 + "1" * 6 + "3" * 11 + "1" * 13  # the scenario, 48 h


@pytest.fixture(scope="module")
def routes():
    return make_routes()


@pytest.fixture(scope="module")
def departures(risk, routes):
    return make_departures(risk["time"].values, routes)


def _png(uri: str) -> np.ndarray:
    return np.asarray(
        Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGBA")
    )


def _data(html: str) -> dict:
    match = re.search(r"var \w+_data = (\{.*?\});\n", html, re.S)
    assert match, "map data not found"
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_worst_grid_is_the_maximum_with_the_rule_of_its_first_hour():
    level = np.array(
        [[[0, 1], [-127, 2]], [[3, 1], [-127, 1]], [[3, 0], [-127, 4]]], dtype=np.int8
    )  # (time, lat, lon); -127 = land
    drivers = np.array([[[0, 1], [0, 2]], [[8, 4], [0, 16]], [[32, 0], [0, 64]]], dtype=np.int16)
    worst, bits = worst_grid(level, drivers, np.array([0, 1]))
    assert np.array_equal(worst[0], [3.0, 1.0]) and np.isnan(worst[1, 0]) and worst[1, 1] == 2
    assert bits[0, 0] == 8 and bits[0, 1] == 1 and bits[1, 1] == 2  # first hour of the maximum
    worst, _ = worst_grid(level, drivers, np.array([0, 1, 2]))
    assert worst[1, 1] == 4


def test_worst_periods_start_now_and_fall_back_to_the_last_hours(risk):
    times = risk["time"].values  # 2026-11-24 00:00 .. 2026-11-25 23:00
    periods = worst_periods(times, NOW)
    assert [p["hours"] for p in periods] == [24, 48, 72]
    assert periods[0]["index"].tolist() == list(range(6, 30))
    assert periods[2]["index"].tolist() == list(range(6, 48))  # the forecast ends first
    late = worst_periods(times, dt.datetime(2026, 12, 1, tzinfo=dt.UTC), hours=(24,))
    assert late[0]["index"].tolist() == list(range(24, 48))


def test_timeline_rows_say_what_the_dataset_says(risk, departures, routes):
    shown = np.arange(risk.sizes["time"])
    vessels = ["rubber_dinghy", "wooden_boat", "small_boat"]
    tl = timeline_payload(departures, routes, risk["time"].values, shown, vessels, "en", NOW)
    ids = [a["id"] for a in tl["areas"]]
    zuwara = ids.index("zuwara")
    assert tl["level"]["rubber_dinghy"][zuwara] == ZUWARA_DINGHY
    assert tl["window"]["rubber_dinghy"][zuwara] == "0" * 4 + "1" * 20 + "0" * 11 + "1" * 13
    assert tl["trap"]["rubber_dinghy"][zuwara] == "0" * 12 + "1" * 12 + "0" * 24
    assert "1" not in tl["trap"]["wooden_boat"][zuwara]  # Severe needed: the storm is High
    assert tl["level"]["rubber_dinghy"][ids.index("benghazi")] == "-" * 48  # off the grid
    # worst departure level in the next 24 / 48 / 72 h, from 06:00
    assert tl["worst"]["rubber_dinghy"][zuwara] == [3, 3, 3]  # the storm comes at 00:00
    assert [(d["weekday"], d["date"], d["start"], d["n"]) for d in tl["days"]] == [
        ("Tue", "24/11", 0, 24),
        ("Wed", "25/11", 24, 24),
    ]
    assert tl["now"] == 6.0 and tl["hours"][:3] == [0, 1, 2]
    route = [r["id"] for r in tl["routes"]].index("zuwara-lampedusa")
    assert tl["routes"][route]["coords"][0] == [33.0, 12.1]  # lat, lon for Leaflet
    assert tl["areas"][zuwara]["routes"] == [route]
    e = tl["enroute"]["rubber_dinghy"][route]
    assert e["level"][14] == "3" and e["trap"][14] == "1"
    assert e["when"][14] == 10 * 60  # the storm is met at 00:00, 10 h after leaving at 14:00
    expected = departures["enroute_lat"].sel(route="zuwara-lampedusa", vessel="rubber_dinghy")
    assert e["lat"][14] == pytest.approx(float(expected[14]), abs=0.001)
    assert e["complete"][40] == "0" and e["arrive"][40] is None  # runs past the forecast


def test_coarser_steps_keep_every_trap(risk, departures, routes):
    shown = np.arange(0, risk.sizes["time"], 6)  # maps.step_hours = 6
    tl = timeline_payload(
        departures, routes, risk["time"].values, shown, ["rubber_dinghy"], "en", NOW
    )
    zuwara = [a["id"] for a in tl["areas"]].index("zuwara")
    assert tl["trap"]["rubber_dinghy"][zuwara] == "00110000"  # hours 12-23 fall in steps 2, 3
    assert tl["level"]["rubber_dinghy"][zuwara] == "20013311"  # worst hour of each step
    assert len(tl["hours"]) == 8 and tl["now"] == 1.0


def test_arabic_names_come_from_the_gazetteer_and_routes(risk, departures, routes):
    tl = timeline_payload(
        departures,
        routes,
        risk["time"].values,
        np.arange(risk.sizes["time"]),
        ["rubber_dinghy"],
        "ar",
        NOW,
    )
    names = {a["id"]: a["name"] for a in tl["areas"]}
    assert names["zuwara"] == "زوارة" and names["tripoli"] == "طرابلس"
    assert tl["routes"][0]["name"] == "زوارة ← لامبيدوزا"
    assert tl["days"][0]["weekday"] == "الثلاثاء"


def test_map_without_departures_computes_nothing_new(risk, settings):
    info = forecast_info(risk, NOW, 18)
    plain = map_data(risk, None, settings, "en", NOW, info)
    assert plain["timeline"] is None and plain["worst"] is None
    html = build_html(risk, None, settings, now=NOW)
    assert _data(html)["frames"] == plain["frames"]


def test_worst_frames_show_the_period_maximum(risk, departures, routes, settings):
    info = forecast_info(risk, NOW, 18)
    data = map_data(risk, None, settings, "en", NOW, info, departures, routes)
    worst = data["worst"]
    assert [p["hours"] for p in worst["periods"]] == [24, 48, 72]
    assert "\u20682026-11-24 06:00 UTC\u2069" in worst["periods"][0]["title"]  # isolated
    rows = fr.mercator_rows(risk["lat"].values)
    level = risk["hazard_level"].sel(vessel="rubber_dinghy").values[6:30].max(axis=0)
    expected = np.asarray(level, dtype=int)[rows.source_rows, :]
    rgba = _png(data["frames"][worst["hazard"]["rubber_dinghy"][0]])
    lookup = data["lookup"]
    sea = expected >= 0
    got = np.full(expected.shape, -1)
    for j, i in zip(*np.nonzero(sea), strict=True):
        got[j, i] = lookup[f"{rgba[j, i, 0]},{rgba[j, i, 1]},{rgba[j, i, 2]}"][0]
    assert np.array_equal(got[sea], expected[sea])
    assert (rgba[..., 3][~sea] == 0).all()


def test_density_counts_incidents_per_cell(settings):
    now = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    frame = make_incidents(4, now=now)
    frame = frame.iloc[:3].copy()
    frame["lat"] = [33.51, 33.52, 34.95]
    frame["lon"] = [12.51, 12.52, 13.9]
    frame["time"] = pd.to_datetime(["2014-05-01", "2020-01-01", "2025-05-30"], utc=True)
    bounds = (12.0, 33.0, 14.0, 35.0)
    dens = density_payload(frame, bounds, "en")
    assert dens["bounds"] == [[33.0, 12.0], [35.0, 14.0]]
    assert "2014–2025" in dens["title"] and "3 located" in dens["legend"]
    assert [c["colour"] for c in dens["classes"]] == list(styles.DENSITY_COLOURS)
    assert dens["classes"][0]["label"] == f"{DENSITY_BINS[0]}–{DENSITY_BINS[1] - 1}"
    img = _png(dens["png"])
    assert img.shape[1] == 10  # 2 degrees / 0.2
    opaque = np.argwhere(img[..., 3] > 0)
    assert len(opaque) == 2  # two cells hold incidents, the rest is transparent
    colours = {tuple(img[j, i, :3]) for j, i in opaque}
    assert colours == {styles.hex_to_rgb(styles.DENSITY_COLOURS[0])}  # 2 and 1: both "1-2"
    # the north-east incident is in the top-right part, the pair in the bottom-left
    ne = [(j, i) for j, i in opaque if i >= 5]
    assert ne and ne[0][0] < img.shape[0] / 2
    assert density_payload(None, bounds, "en") is None
    assert density_payload(frame.iloc[0:0], bounds, "en") is None


def test_page_with_departures_stays_offline_and_carries_the_timeline(
    risk, incidents, departures, routes, settings
):
    from seawatch.maps.offline import external_references

    html = build_html(
        risk, incidents, settings, lang="ar", now=NOW, departures=departures, routes=routes
    )
    assert external_references(html) == []
    assert "window.seawatchTimeline = new SeawatchTimeline" in html
    data = _data(html)
    assert [a["id"] for a in data["timeline"]["areas"]][:2] == ["zuwara", "sabratha"]
    assert len(data["timeline"]["routes"]) == len(routes)
    assert data["msgs"]["map.timeline.trap"].startswith("فخ")
    assert data["density"]["title"].startswith("كثافة الحوادث")


def test_rows_run_west_to_east(risk, departures, routes):
    shuffled = departures.isel(area=[3, 0, 5, 1, 4, 2])
    tl = timeline_payload(
        shuffled, routes, risk["time"].values, np.arange(48), ["rubber_dinghy"], "en", NOW
    )
    lons = [a["lon"] for a in tl["areas"]]
    assert lons == sorted(lons) and tl["areas"][0]["id"] == "zuwara"
    assert tl["level"]["rubber_dinghy"][0] == ZUWARA_DINGHY  # the row moved with its name
    zuwara_route = [r["area"] for r in tl["routes"]].index("zuwara")
    assert tl["areas"][0]["routes"] == [zuwara_route]
