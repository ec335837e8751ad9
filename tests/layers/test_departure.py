"""Departure windows, hazard en route and traps, on hand-computed cases and on the demo."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from shapely.geometry import LineString, box

from seawatch.layers.departure import DepartureParams, departures, window_runs

T0 = np.datetime64("2026-02-03T00:00", "ns")
VESSELS = ["rubber_dinghy", "wooden_boat", "small_boat"]
LAT = np.round(np.arange(32.0, 36.0001, 0.1), 6)
LON = np.round(np.arange(12.0, 12.4001, 0.1), 6)


def risk_of(level_of: callable, hours: int = 30) -> xr.Dataset:
    """Risk on a 0.1 degree grid, 32-36 N, 12-12.4 E: ``level_of(hour, lat, vessel_index)``."""
    lat2d = np.broadcast_to(LAT[:, None], (LAT.size, LON.size))
    level = np.stack(
        [np.stack([level_of(h, lat2d, v) for v in range(3)]) for h in range(hours)]
    ).astype(np.int8)
    times = T0 + np.arange(hours) * np.timedelta64(1, "h")
    return xr.Dataset(
        {
            "hazard_level": (("time", "vessel", "lat", "lon"), level),
            "hazard_score": (("time", "vessel", "lat", "lon"), level.astype(np.float32) + 0.5),
            "land": (("lat", "lon"), np.zeros((LAT.size, LON.size), np.int8)),
        },
        coords={"time": times, "vessel": VESSELS, "lat": LAT, "lon": LON},
        attrs={"reference_time": "2026-02-03T00:00:00Z", "created_at": "2026-02-03T01:00:00Z"},
    )


AREA = gpd.GeoDataFrame(
    {"id": ["here"], "name": ["Here"], "lon": [12.2], "lat": [32.0]},
    geometry=[box(12.05, 31.95, 12.35, 32.25)],
    crs=4326,
)
ROUTE = gpd.GeoDataFrame(
    {"id": ["here-north"], "area": ["here"], "destination": ["north"]},
    geometry=[LineString([(12.2, 32.0), (12.2, 36.0)])],
    crs=4326,
)
PARAMS = DepartureParams(speed_kn={"rubber_dinghy": 6.0, "wooden_boat": 6.0, "small_boat": 6.0})


def run(risk: xr.Dataset, params: DepartureParams = PARAMS) -> xr.Dataset:
    return departures(risk, params, departure_areas=AREA, routes=ROUTE)


def test_route_crossing_a_moving_front():
    # A front of Severe sea moves south 0.2 degree an hour: Severe where lat >= 35 - 0.2 h.
    # The boat sails north from 32.0 N at 6 kn: one degree of latitude is 59.9 nm here, so it
    # is at 32 + 0.1002 t after t hours. Leaving at 00: the boat holds the 33.0 N cell from
    # 32.95 N (t = 9.48 h); from t = 9.5 h the nearest step is 10, where the front is at 33.0 N:
    # the worst (Severe) is met at 10:00 UTC around 32.95-33.0 N.
    # Leaving at 02: the boat is at 32 + 0.1002 (t - 2) and meets the front (35 - 0.2 t) at
    # t = 10.66 h, 32.87 N. On the grid: from t = 10.5 h (step 11, front at 32.8 N) the boat is
    # past 32.85 N, in the 32.9 N cell, which is Severe: met at 11:00 UTC around 32.85-32.87 N.
    risk = risk_of(lambda h, lat, v: np.where(lat >= 35 - 0.2 * h - 1e-6, 3, 0))
    out = run(risk).sel(route="here-north", vessel="rubber_dinghy")
    assert int(out["enroute_level"].isel(time=0)) == 3
    assert pd.Timestamp(out["enroute_time"].isel(time=0).values) == pd.Timestamp("2026-02-03 10:00")
    assert float(out["enroute_lat"].isel(time=0)) == pytest.approx(32.97, abs=0.03)
    assert float(out["enroute_lon"].isel(time=0)) == pytest.approx(12.2)
    assert pd.Timestamp(out["enroute_time"].isel(time=2).values) == pd.Timestamp("2026-02-03 11:00")
    assert float(out["enroute_lat"].isel(time=2)) == pytest.approx(32.86, abs=0.02)
    # 4 degrees of latitude = 239.6 nm at 6 kn: 39.9 h, longer than the 30 h forecast.
    assert int(out["enroute_complete"].isel(time=0)) == 0
    assert pd.isna(out["arrival_time"].isel(time=0).values)


def test_complete_crossing_and_arrival_time():
    # Short route, 1 degree north (59.87 nm), at 4 kn: 14.97 h; leaving at 00 arrives 14:58.
    route = ROUTE.assign(geometry=[LineString([(12.2, 32.0), (12.2, 33.0)])])
    risk = risk_of(lambda h, lat, v: np.where(lat >= 32.45, 2, 0))
    slow = DepartureParams(speed_kn={"rubber_dinghy": 4.0})
    out = departures(risk, slow, departure_areas=AREA, routes=route)
    one = out.sel(route="here-north", vessel="rubber_dinghy")
    assert int(one["enroute_complete"].isel(time=0)) == 1
    arrival = pd.Timestamp(one["arrival_time"].isel(time=0).values)
    assert arrival.floor("min") == pd.Timestamp("2026-02-03 14:58")
    assert int(one["enroute_level"].isel(time=0)) == 2
    # High from the 32.5 N cell, entered at 32.45 N: 0.45 degree (26.9 nm) at 4 kn is 6.7 h
    # -> the nearest step is 07.
    met = pd.Timestamp(one["enroute_time"].isel(time=0).values)
    assert met == pd.Timestamp("2026-02-03 07:00")
    assert float(one["enroute_lat"].isel(time=0)) == pytest.approx(32.455, abs=0.01)
    # The last step is 29:00 (05:00 next day): leaving at 14 arrives 28:58, at 15 after the end.
    assert int(one["enroute_complete"].isel(time=14)) == 1
    assert int(one["enroute_complete"].isel(time=15)) == 0
    assert pd.isna(one["arrival_time"].isel(time=15).values)


def test_window_of_exactly_min_hours():
    # At the departure area (32.0-32.2 N): Moderate for hours 2-7 (6 h), High otherwise,
    # then Low for hours 12-16 (5 h): only the first run is a window with window_min_hours = 6.
    def level(h, lat, v):
        value = 1 if 2 <= h <= 7 else (0 if 12 <= h <= 16 else 2)
        return np.full(lat.shape, value)

    out = run(risk_of(level, hours=24))
    window = out["window"].sel(area="here", vessel="rubber_dinghy").values
    assert window.tolist() == [0, 0] + [1] * 6 + [0] * 16
    assert out["window"].dtype == np.int8
    five = DepartureParams(speed_kn=PARAMS.speed_kn, window_min_hours=5)
    window5 = run(risk_of(level, hours=24), five)["window"].sel(area="here", vessel="wooden_boat")
    assert window5.values[12:17].tolist() == [1] * 5
    assert int(out["departure_level"].sel(area="here", vessel="rubber_dinghy")[0]) == 2


def test_trap():
    # Calm (Low) at the coast all day; from hour 6 on, High (2) beyond 33 N for rubber dinghies
    # (index 0), the same High for wooden boats (index 1), whose trap level is Severe.
    def level(h, lat, v):
        return np.where((lat >= 33.0) & (h >= 6), 2, 0)

    out = run(risk_of(level, hours=24))
    rubber = out.sel(route="here-north", vessel="rubber_dinghy")
    assert out["window"].sel(area="here", vessel="rubber_dinghy").values.all()
    # A boat reaches 33 N 9.5 h after leaving, always after hour 6: a trap, as long as that
    # is inside the 24 h forecast (leaving up to 13:00); later, what lies ahead is unknown.
    assert rubber["trap"].values.tolist() == [1] * 14 + [0] * 10
    assert (rubber["enroute_level"].values[14:] == 0).all()  # the known part of the way
    assert not rubber["enroute_complete"].values[14:].any()
    assert (
        out["area_trap"].sel(area="here", vessel="rubber_dinghy").values.tolist()[:14] == [1] * 14
    )
    wooden = out.sel(route="here-north", vessel="wooden_boat")
    assert (wooden["enroute_level"].values[:14] == 2).all() and not wooden["trap"].values.any()
    # A window that is not a trap: High is never met when the sea stays Low offshore.
    calm = run(risk_of(lambda h, lat, v: np.zeros(lat.shape), hours=24))
    assert not calm["trap"].values.any() and calm["window"].values.all()


def test_no_window_no_trap_even_if_route_deadly():
    out = run(risk_of(lambda h, lat, v: np.full(lat.shape, 3), hours=12))
    assert not out["window"].values.any()
    assert not out["trap"].values.any()
    assert (out["enroute_level"].values == 3).all()


def test_summary_tables_carry_windows_and_traps(tmp_path):
    from seawatch.layers.summary import SummaryParams, summarize
    from seawatch.summaries import read_summary, write_summary

    # Low at the coast; High beyond 33 N from hour 6; Severe everywhere from hour 18, which
    # ends the window (00-18) and which every boat leaving in it meets at sea: all 18 window
    # hours are traps, for wooden boats too (trap level Severe).
    def level(h, lat, v):
        return np.where(h >= 18, 3, np.where((lat >= 33.0) & (h >= 6), 2, 0))

    risk = risk_of(level, hours=24)
    summary = summarize(
        risk,
        SummaryParams(radius_nm=30.0, departure=PARAMS),
        departure_areas=AREA,
        sar_regions=AREA.assign(id=["sar"]),
        routes=ROUTE,
    )
    windows = summary.departure_windows.query("vessel == 'rubber_dinghy'")
    assert windows[["start", "end", "hours", "trap"]].values.tolist() == [
        [pd.Timestamp("2026-02-03 00:00"), pd.Timestamp("2026-02-03 18:00"), 18, True]
    ]
    assert windows["trap_start"].iloc[0] == pd.Timestamp("2026-02-03 00:00")
    assert windows["enroute_worst_level"].iloc[0] == 3
    traps = summary.traps.set_index("vessel")
    assert sorted(traps.index) == sorted(VESSELS)
    trap = traps.loc["rubber_dinghy"]
    assert (trap["route_id"], trap["area_id"], trap["destination"]) == (
        "here-north",
        "here",
        "north",
    )
    assert (trap["start"], trap["end"]) == (
        pd.Timestamp("2026-02-03 00:00"),
        pd.Timestamp("2026-02-03 18:00"),
    )
    assert trap["enroute_level_name"] == "severe" and not trap["complete"]
    # The boat leaving at 00 meets Severe when it comes, 18:00 (from t = 17.5 h, the nearest
    # step), at sea at 32 + 0.1002 x 17.5 = 33.75 N.
    assert trap["met_time"] == pd.Timestamp("2026-02-03 18:00")
    assert trap["met_lat"] == pytest.approx(33.76, abs=0.015)
    write_summary(summary, tmp_path / "risk.nc")
    back = read_summary(tmp_path / "risk.nc")
    assert back.to_json() == summary.to_json()
    assert back.traps["met_time"].dtype.kind == "M"


def test_window_runs_count_hours_of_coarser_steps():
    ok = np.array([1, 1, 0, 1, 1, 1], bool)
    assert window_runs(ok, np.full(6, 3.0), 6) == [(0, 2), (3, 6)]
    assert window_runs(ok, np.full(6, 1.0), 3) == [(3, 6)]


def test_unknown_outside_the_grid():
    route = ROUTE.assign(geometry=[LineString([(12.2, 32.0), (13.5, 32.0)])])  # leaves the grid
    risk = risk_of(lambda h, lat, v: np.zeros(lat.shape), hours=6)
    risk["hazard_level"][:] = -1
    out = departures(risk, PARAMS, departure_areas=AREA, routes=route)
    assert (out["enroute_level"].values == -1).all()
    assert np.isnan(out["enroute_lat"].values).all()
    assert pd.isna(out["enroute_time"].values).all()
    assert (out["departure_level"].values == -1).all() and not out["window"].values.any()


def test_crossing_that_leaves_the_grid_is_incomplete():
    # 0.5 degree east and north-east, 12.2 E -> 12.7 E: ends well inside the 30 h forecast
    # (about 27 nm at 6 kn, 4.5 h) but the grid stops at 12.4 E (12.45 E with its last cell),
    # so what lies beyond is unknown: its level is the known part's, never a whole crossing.
    route = ROUTE.assign(geometry=[LineString([(12.2, 32.0), (12.7, 32.4)])])
    risk = risk_of(lambda h, lat, v: np.where(lat >= 32.2, 2, 0))
    out = departures(risk, PARAMS, departure_areas=AREA, routes=route)
    one = out.sel(route="here-north", vessel="rubber_dinghy")
    assert (one["enroute_complete"].values == 0).all()
    assert int(one["enroute_level"].isel(time=0)) == 2  # what is known is still reported
    assert out["enroute_complete"].attrs["flag_meanings"] == (
        "partly_beyond_forecast within_forecast"
    )
    # the same crossing kept on the grid is complete
    inside = ROUTE.assign(geometry=[LineString([(12.2, 32.0), (12.3, 32.4)])])
    whole = departures(risk, PARAMS, departure_areas=AREA, routes=inside)
    assert int(whole["enroute_complete"].sel(route="here-north", vessel="rubber_dinghy")[0]) == 1


def test_bundled_crossings_leave_a_small_area(tmp_path):
    # A planner's 0.5 x 0.5 degree area off Zuwara: the bundled crossings to Lampedusa and
    # Malta run 80-200 nm beyond it. None of them may pass for a crossing known whole.
    from seawatch.config import load_settings
    from seawatch.fetchers.demo import demo_forecast
    from seawatch.layers.params import LayerParams
    from seawatch.layers.risk import build_risk
    from seawatch.layers.summary import summarize

    environ = {
        "SEAWATCH_AREA_WEST": "12.0",
        "SEAWATCH_AREA_EAST": "12.5",
        "SEAWATCH_AREA_SOUTH": "32.9",
        "SEAWATCH_AREA_NORTH": "33.4",
    }
    settings = load_settings(environ=environ, data_dir=tmp_path)
    params = LayerParams.from_settings(settings)
    forecast = demo_forecast(settings, start=pd.Timestamp("2026-02-03").to_pydatetime())
    risk = build_risk(forecast.isel(time=slice(0, 24)), None, params.risk)
    out = departures(risk, params.departure)
    assert "zuwara" in out["area"].values and out.sizes["route"] >= 2
    assert (out["enroute_level"].values >= 0).any()  # the first miles are on the grid
    assert not out["enroute_complete"].values.any()
    # Abu Kammash (11.83 E), Sabratha (32.79 N) and Zawiya (12.73 E) lie off this grid: only the
    # far edge of their 30 nm of sea is on it, 15-30 nm out, not the sea boats leave from. They
    # are left out of the departures, the summary's area table and so of the e-mail and alerts.
    assert out["area"].values.tolist() == ["zuwara"]
    assert set(out["route_area"].values) == {"zuwara"}
    summary = summarize(risk, params.summary, departure=out)
    assert set(summary.departures["area_id"]) == {"zuwara"}


def test_departure_area_whose_point_is_off_the_grid_is_left_out():
    # The same sea as AREA, its departure point moved 0.3 degree west of the 12.0 E edge.
    risk = risk_of(lambda h, lat, v: np.zeros(lat.shape), hours=6)
    away = AREA.assign(lon=[11.7])
    out = departures(risk, PARAMS, departure_areas=away, routes=ROUTE)
    assert out.sizes["area"] == 0 and out.sizes["route"] == 0
    # half a cell beyond the last centre is still on the grid
    edge = AREA.assign(lon=[11.96])
    assert departures(risk, PARAMS, departure_areas=edge, routes=ROUTE)["area"].values == ["here"]


@pytest.fixture(scope="module")
def demo_departures(tmp_path_factory):
    from seawatch.config import load_settings
    from seawatch.fetchers.demo import demo_forecast
    from seawatch.layers.params import LayerParams
    from seawatch.layers.risk import build_risk

    settings = load_settings(environ={}, data_dir=tmp_path_factory.mktemp("data"))
    params = LayerParams.from_settings(settings)
    risk = build_risk(demo_forecast(settings), None, params.risk)
    return risk, departures(risk, params.departure)


def test_contract_on_the_demo(demo_departures, tmp_path):
    from seawatch import schema
    from seawatch.geo.regions import departure_areas, routes

    risk, out = demo_departures
    assert set(out.dims) == {"area", "route", "vessel", "time"}
    assert set(out["area"].values) == set(departure_areas()["id"])  # all inside the default area
    assert set(out["route"].values) == set(routes()["id"])
    assert (out["time"].values == risk["time"].values).all()
    assert out["vessel"].values.tolist() == risk["vessel"].values.tolist()
    for name in ("departure_level", "window", "area_trap"):
        assert out[name].dims == ("area", "vessel", "time") and out[name].dtype == np.int8
    for name in ("enroute_level", "enroute_complete", "trap"):
        assert out[name].dims == ("route", "vessel", "time") and out[name].dtype == np.int8
    for name in ("enroute_time", "arrival_time"):
        assert out[name].dtype == np.dtype("datetime64[ns]")
    assert out["enroute_lon"].dtype == out["enroute_lat"].dtype == np.float32
    for coord in ("area_name", "area_lon", "area_lat", "route_area", "route_destination"):
        assert coord in out.coords
    assert out.attrs["window_level_rubber_dinghy"] == 1
    assert out.attrs["trap_level_rubber_dinghy"] == 2 and out.attrs["trap_level_wooden_boat"] == 3
    assert out.attrs["window_min_hours"] == 6 and out.attrs["references"]
    assert float(out["area_lon"].sel(area="tobruk")) == pytest.approx(23.96)
    # Written and read back as the build does: same values, same dtypes.
    path = schema.write_dataset(out, tmp_path / "departures.nc")
    back = schema.open_dataset(path, "departures")
    xr.testing.assert_equal(back, out)
    assert back["trap"].dtype == np.int8 and back["enroute_time"].dtype.kind == "M"
