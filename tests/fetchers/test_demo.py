"""The demo scenario: deterministic, canonical, and physically plausible."""

import datetime as dt

import numpy as np
import pytest

from seawatch.config import GridSettings, load_settings
from seawatch.fetchers.demo import HOURS, SOURCE, demo_forecast, upwind_fetch_km, wind_sea_growth
from seawatch.schema import FORECAST_VARIABLES, validate_forecast

START = dt.datetime(2026, 11, 24)


@pytest.fixture(scope="module")
def demo():
    settings = load_settings(environ={})
    coarse = settings.replace(grid=GridSettings(resolution=0.1))
    return demo_forecast(coarse, start=START)


def test_growth_relation_golden_values():
    # CEM (2002) II-2-36/37 by hand: U10 = 20 m/s, X = 100 km, unlimited duration:
    # C_D = 0.0018, u*^2 = 0.72 m2 s-2, gX/u*^2 = 1.3625e6 -> Hs = 3.54 m, Tp = 6.24 s
    hs, tp = wind_sea_growth(np.array([20.0]), np.array([100e3]), np.array([1e7]))
    assert hs[0] == pytest.approx(3.54, abs=0.02)
    assert tp[0] == pytest.approx(6.24, abs=0.03)


def test_growth_limits():
    # Duration-limited: 3 h of wind gives less sea than 30 h on the same fetch.
    short, _ = wind_sea_growth(np.array([15.0]), np.array([300e3]), np.array([3 * 3600.0]))
    long, _ = wind_sea_growth(np.array([15.0]), np.array([300e3]), np.array([30 * 3600.0]))
    assert short[0] < long[0]
    # Fully developed cap: g Hs / u*^2 <= 211.5 however long the fetch.
    hs, _ = wind_sea_growth(np.array([10.0]), np.array([1e9]), np.array([1e9]))
    ustar2 = 0.001 * (1.1 + 0.35) * 100.0
    assert hs[0] == pytest.approx(211.5 * ustar2 / 9.81, rel=1e-6)


def test_fetch_is_measured_upwind_over_water():
    lat = np.arange(30.0, 31.0, 0.1)
    lon = np.arange(10.0, 11.0, 0.1)
    land = np.zeros((lat.size, lon.size), dtype=bool)
    land[:, :2] = True  # land along the west edge
    fetch = upwind_fetch_km(land, lat, lon, wind_from=270.0)
    assert (fetch[:, :2] == 0).all()
    # with a westerly wind the fetch grows eastwards from the western shore (~9.6 km per 0.1 deg)
    row = fetch[5, 2:]
    assert (np.diff(row) > 0).all()
    assert row[0] == pytest.approx(10.0, abs=5.1)


def test_canonical_and_valid(demo):
    assert demo.attrs["source"] == SOURCE
    assert demo.attrs["Conventions"] == "CF-1.10"
    assert demo.sizes["time"] == HOURS
    assert set(demo.data_vars) <= set(FORECAST_VARIABLES)
    assert {"hs", "tp", "tm", "u10", "v10", "gust", "uo", "vo", "sst", "hs_windsea"} <= set(
        demo.data_vars
    )
    assert validate_forecast(demo) == []
    assert np.datetime64("2026-11-24T00:00") == demo["time"].values[0]


def test_deterministic(demo):
    settings = load_settings(environ={})
    again = demo_forecast(settings.replace(grid=GridSettings(resolution=0.1)), start=START)
    for name in demo.data_vars:
        np.testing.assert_array_equal(demo[name].values, again[name].values)


def test_gale_builds_peaks_and_decays(demo):
    wind = np.hypot(demo["u10"], demo["v10"]).max(("lat", "lon")).values
    peak = int(np.argmax(wind))
    assert 36 <= peak <= 96
    assert wind[0] < 8.0 and wind[peak] > 17.0 and wind[-1] < wind[peak] - 5.0
    # wind "from" north-west: u10 > 0 (blowing east), v10 < 0 (blowing south)
    assert float(demo["u10"].isel(time=peak).mean()) > 0
    assert float(demo["v10"].isel(time=peak).mean()) < 0
    assert float((demo["gust"] / np.hypot(demo["u10"], demo["v10"])).mean()) == pytest.approx(1.3)
    hs = demo["hs"].max(("lat", "lon")).values
    assert hs[0] < 1.5 and 3.0 < hs.max() < 8.0
    assert np.argmax(hs) >= peak - 12  # the sea lags the wind


def test_sea_variables_are_nan_on_land(demo):
    tripoli_inland = demo["hs"].sel(lat=32.6, lon=13.2, method="nearest")
    assert np.isnan(tripoli_inland).all()
    offshore = demo["hs"].sel(lat=34.0, lon=14.0, method="nearest")
    assert np.isfinite(offshore).all()


def test_current_is_a_weak_eastward_shelf_jet(demo):
    assert float(demo["uo"].max()) <= 0.3 + 1e-6
    assert float(demo["uo"].min()) >= 0.0
    near_coast = float(demo["uo"].sel(lat=33.1, lon=13.2, method="nearest").isel(time=0))
    offshore = float(demo["uo"].sel(lat=36.0, lon=14.5, method="nearest").isel(time=0))
    assert near_coast > 0.05 and offshore == 0.0


def test_sst_is_seasonal(demo):
    settings = load_settings(environ={})
    summer = demo_forecast(
        settings.replace(grid=GridSettings(resolution=0.5)), start=dt.datetime(2026, 8, 20)
    )
    assert 18.0 < float(demo["sst"].mean()) < 23.0  # late November off Libya
    assert float(summer["sst"].mean()) > float(demo["sst"].mean()) + 4.0
