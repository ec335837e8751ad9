"""The source chain: per-variable merge, failures, state for ``seawatch status``."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pytest
import xarray as xr

from seawatch.errors import ConfigError, DataError
from seawatch.fetchers import status
from seawatch.fetchers.merge import NoWeatherError, fetch_weather, merge_datasets
from seawatch.geo.coastline import land_mask
from seawatch.geo.regrid import area_grid
from seawatch.schema import make_canonical, open_forecast
from seawatch.storage import DataPaths

from .conftest import settings_for
from .fakes import OpenMeteoFake, range_file_handler
from .grib_fixtures import write_ecmwf_run
from .test_ecmwf import STEPS, today_00z


def serve_all(httpserver, root, fake=None) -> None:
    fake = fake or OpenMeteoFake()
    httpserver.expect_request("/v1/marine").respond_with_handler(fake)
    httpserver.expect_request("/v1/forecast").respond_with_handler(fake)
    httpserver.expect_request(re.compile(r"^/forecasts/.*")).respond_with_handler(
        range_file_handler(root, "/forecasts")
    )


@pytest.fixture
def mirror(tmp_path):
    root = tmp_path / "mirror"
    write_ecmwf_run(root, today_00z(), STEPS)
    return root


def test_chain_takes_each_variable_from_the_first_source(
    httpserver, settings, mirror, fast_session
):
    serve_all(httpserver, mirror)
    result = fetch_weather(settings, progress=False, session=fast_session)
    assert result.ok and result.path == DataPaths(settings.data_dir).forecast
    ds = open_forecast(result.path)
    # Open-Meteo comes first: it delivers every variable ECMWF has, so ECMWF adds nothing
    assert set(result.variables.values()) == {"open_meteo"}
    assert ds["hs"].attrs["source"] == "open_meteo"
    assert ds.attrs["source"] == "open_meteo"
    om, ec = result.source("open_meteo"), result.source("ecmwf")
    assert om.status == "ok" and ec.status == "ok"
    assert om.points > 0 and om.steps == 48 and ec.steps == len(STEPS)
    assert ec.run == today_00z().strftime("%Y-%m-%dT%H:%M:%SZ") and ec.used == []
    assert "hs" in om.used and om.seconds >= 0


def test_ecmwf_first_then_open_meteo_fills_the_rest(httpserver, tmp_path, mirror, fast_session):
    serve_all(httpserver, mirror)
    settings = settings_for(
        tmp_path, httpserver.url_for("").rstrip("/"), WEATHER_CHAIN='["ecmwf", "open_meteo"]'
    )
    result = fetch_weather(settings, progress=False, session=fast_session)
    ds = open_forecast(result.path)
    assert ds["hs"].attrs["source"] == "ecmwf"
    assert ds["hs"].attrs["reference_time"] == today_00z().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ds["uo"].attrs["source"] == "open_meteo" and ds["sst"].attrs["source"] == "open_meteo"
    assert ds["hs_swell"].attrs["source"] == "open_meteo"
    # every source is put once onto the area's grid; the union of steps, each at its own
    grid = area_grid(settings.area.bbox, settings.grid.resolution)
    np.testing.assert_allclose(ds["lat"].values, grid["lat"].values)
    ecmwf_times = {today_00z().replace(tzinfo=None) + dt.timedelta(hours=h) for h in STEPS}
    hs_times = ds["time"].values[np.isfinite(ds["hs"].values).any(axis=(1, 2))]
    assert {t.astype("datetime64[s]").astype(dt.datetime) for t in hs_times} == ecmwf_times
    assert ds.sizes["time"] > len(STEPS)  # Open-Meteo's hourly steps are kept too
    uo = ds["uo"].values
    assert np.nanmax(np.abs(uo - 1.0)) < 1e-5 and np.isfinite(uo).sum() > 100
    assert ds.attrs["source"] == "ecmwf+open_meteo"


def test_failed_source_is_reported_and_the_chain_goes_on(httpserver, settings, fast_session):
    # no ECMWF mirror: every run probe is a 404
    fake = OpenMeteoFake()
    httpserver.expect_request("/v1/marine").respond_with_handler(fake)
    httpserver.expect_request("/v1/forecast").respond_with_handler(fake)
    result = fetch_weather(settings, progress=False, session=fast_session)
    assert result.ok
    ec = result.source("ecmwf")
    assert ec.status == "failed" and "no complete run" in ec.reason
    state = status.read_status(settings)
    assert state["ecmwf"]["last_error"] == ec.reason
    assert state["open_meteo"]["last_error"] is None
    assert state["open_meteo"]["age_hours"] == pytest.approx(0.0, abs=0.1)


def test_copernicus_without_credentials_is_skipped_with_how_to(
    httpserver, tmp_path, mirror, fast_session
):
    serve_all(httpserver, mirror)
    settings = settings_for(
        tmp_path,
        httpserver.url_for("").rstrip("/"),
        WEATHER_CHAIN='["copernicus", "open_meteo", "ecmwf"]',
    )
    result = fetch_weather(settings, progress=False, session=fast_session)
    cm = result.source("copernicus")
    assert cm.status == "skipped"
    assert "set SEAWATCH_TEST_CMEMS_USER and SEAWATCH_TEST_CMEMS_PASSWORD" in cm.reason
    assert "\n" not in cm.reason
    assert result.ok and result.variables["hs"] == "open_meteo"


def test_nothing_delivered_keeps_the_last_forecast(httpserver, settings, mirror, fast_session):
    serve_all(httpserver, mirror)
    good = fetch_weather(settings, progress=False, session=fast_session)
    before = good.path.read_bytes()
    httpserver.clear()
    httpserver.expect_request(re.compile(".*")).respond_with_data("down", status=503)
    with pytest.raises(NoWeatherError) as err:
        fetch_weather(settings, progress=False, session=fast_session)
    message = str(err.value)
    assert message.startswith("no weather source delivered (open_meteo: ")
    assert "ecmwf: " in message and "\n" not in message
    assert [s.status for s in err.value.result.sources] == ["failed", "failed"]
    assert good.path.read_bytes() == before
    state = status.read_status(settings)
    assert state["open_meteo"]["last_success"] is not None  # kept from the good run
    assert "503" in state["open_meteo"]["last_error"]


def test_only_named_sources_run(httpserver, settings, fast_session):
    serve_all(httpserver, settings.data_dir)  # no ECMWF data needed
    result = fetch_weather(settings, ["open_meteo"], progress=False, session=fast_session)
    assert [s.name for s in result.sources] == ["open_meteo"]
    with pytest.raises(ConfigError, match="unknown weather source 'gfs'"):
        fetch_weather(settings, ["gfs"], progress=False)


def _canonical(source, times, lat, lon, **fields):
    ds = xr.Dataset(coords={"time": times, "lat": lat, "lon": lon})
    for name, value in fields.items():
        ds[name] = (
            ("time", "lat", "lon"),
            np.broadcast_to(value, (len(times), len(lat), len(lon))),
        )
    return make_canonical(
        ds, source=source, model=f"{source} model", reference_time=times[0], provenance=source
    )


def test_merge_interpolates_directions_through_north_in_space_only():
    t0 = np.datetime64("2026-08-20T00:00", "ns")
    times = t0 + np.arange(4) * np.timedelta64(3, "h")
    fine = _canonical("a", times, np.arange(33.0, 34.01, 0.5), np.arange(15.0, 16.01, 0.5), hs=1.0)
    coarse_t = t0 + np.arange(2) * np.timedelta64(6, "h")
    dirs = np.array([350.0, 10.0]).reshape(1, 1, 2)  # 350 at 15 E, 10 at 16 E
    coarse = _canonical(
        "b", coarse_t, np.array([33.0, 34.0]), np.array([15.0, 16.0]), wave_dir=dirs
    )
    merged = merge_datasets([("a", fine), ("b", coarse)], area_grid((15, 33, 16, 34), 0.5))
    mid = merged["wave_dir"].sel(lon=15.5).values
    assert np.allclose(np.minimum(mid[[0, 2]], 360 - mid[[0, 2]]), 0.0, atol=1e-3)
    assert merged["wave_dir"].attrs["source"] == "b"
    # b keeps its own two steps (00 and 06 UTC) on the union of steps; no time interpolation
    assert np.isnan(merged["wave_dir"].isel(time=[1, 3])).all()
    assert "own 2 of the file's 4 time steps" in merged["wave_dir"].attrs["comment"]
    np.testing.assert_allclose(merged["hs"].values, 1.0)


def test_merge_on_the_target_grid_keeps_values():
    grid = area_grid((15.0, 33.0, 15.0, 34.0), 1.0)
    times = np.array(["2026-08-20T00"], dtype="datetime64[ns]")
    ds = _canonical("a", times, grid["lat"].values, grid["lon"].values, hs=2.0)
    merged = merge_datasets([("a", ds)], grid)
    np.testing.assert_array_equal(merged["hs"].values, ds["hs"].values)


def test_small_grid_merge_keeps_near_shore_rows_and_the_northern_edge():
    """A coarse model (0.25 deg, model land missing, float32 coordinates) merged onto the
    0.05 deg grid off Tripoli: every target sea cell has a value, up to the northern edge."""
    bbox = (13.0, 32.85, 13.5, 33.35)
    lat = np.arange(32.75, 33.40, 0.25).astype(np.float32)  # float32(33.25) ... 33.35 edge
    lat = np.append(lat, np.float32(33.35))  # the file's last row lies on the area's edge
    lon = np.arange(12.75, 13.80, 0.25).astype(np.float32)
    times = np.array(["2026-08-20T00", "2026-08-20T06"], dtype="datetime64[ns]")
    hs = np.where(land_mask(lat.astype(float), lon.astype(float)), np.nan, 1.5)
    coarse = _canonical("ecmwf", times, lat, lon, hs=hs[None])
    grid = area_grid(bbox, 0.05)
    merged = merge_datasets([("ecmwf", coarse)], grid)
    sea = ~land_mask(grid["lat"].values, grid["lon"].values)
    values = merged["hs"].values
    assert np.isfinite(values[:, sea]).all()
    np.testing.assert_allclose(values[:, sea], 1.5)
    north = merged["hs"].sel(lat=33.35).values
    assert np.isfinite(north).all()
    # the near-shore rows: target sea cells south of the model's southernmost sea row
    model_sea_rows = lat[np.isfinite(hs).any(axis=1)]
    near_shore = grid["lat"].values < model_sea_rows.min()
    assert (sea[near_shore]).any() and np.isfinite(values[:, near_shore][:, sea[near_shore]]).all()


def test_merged_forecast_failing_validation_keeps_the_last_good(
    httpserver, settings, mirror, fast_session
):
    serve_all(httpserver, mirror)
    good = fetch_weather(settings, progress=False, session=fast_session)
    before = good.path.read_bytes()
    httpserver.clear()
    serve_all(httpserver, mirror, OpenMeteoFake(hs_override=22.0))
    result = fetch_weather(settings, progress=False, session=fast_session)
    # Open-Meteo failed its own validation; ECMWF's run was unchanged and carries the merge
    assert result.source("open_meteo").status == "failed"
    assert "failed validation" in result.source("open_meteo").reason
    assert result.source("ecmwf").status == "unchanged"
    assert open_forecast(result.path)["hs"].attrs["source"] == "ecmwf"
    assert good.path.read_bytes() != before


def test_status_lines_for_people(tmp_path):
    settings = settings_for(tmp_path)
    now = dt.datetime(2026, 8, 20, 12, 0, tzinfo=dt.UTC)
    status.record_success(
        settings.data_dir,
        "ecmwf",
        run="2026-08-20T00:00:00Z",
        model="IFS",
        when=now - dt.timedelta(hours=5),
    )
    status.record_failure(settings.data_dir, "ecmwf", "ecmwf: HTTP 503", when=now)
    lines = status.format_status(status.read_status(settings, now=now))
    assert lines == [
        "ecmwf: last success 2026-08-20 07:00 UTC, model run 2026-08-20 00:00 UTC, age 5.0 h, "
        "last error: ecmwf: HTTP 503",
        "open_meteo: last success never, model run -, age -, last error: none",
    ]
    raw = json.loads((settings.data_dir / "state" / "sources.json").read_text())
    assert raw["ecmwf"]["model"] == "IFS"


def test_store_refuses_invalid_merged_data(tmp_path):
    times = np.array(["2026-08-20T00"], dtype="datetime64[ns]")
    ds = _canonical("a", times, np.array([33.0, 34.0]), np.array([15.0]), sst=45.0)
    from seawatch.fetchers.base import store_forecast

    with pytest.raises(DataError, match="sst has 45 degC"):
        store_forecast(ds, tmp_path / "forecast.nc", name="merged forecast")
    assert not (tmp_path / "forecast.nc").exists()


def test_fetchers_use_the_one_regridder_without_importing_the_layers():
    import subprocess
    import sys

    code = (
        "import sys, seawatch.fetchers.merge, seawatch.fetchers.ingest\n"
        "print(sorted(m for m in sys.modules if m.startswith('seawatch.layers')))\n"
        "print(seawatch.fetchers.merge.regrid.__module__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.splitlines() == ["[]", "seawatch.geo.regrid"]
    from seawatch.layers import grid

    assert grid.regrid.__module__ == "seawatch.geo.regrid"


def test_a_source_giving_one_row_of_points_fails_alone_and_the_chain_goes_on(
    httpserver, tmp_path, mirror, fast_session
):
    """Open-Meteo at 0.5° over a 0.2°-tall area gives one row of points: it cannot be put on
    the area grid, so that source is recorded as failed and ECMWF still gives the forecast."""
    serve_all(httpserver, mirror)
    settings = settings_for(
        tmp_path,
        httpserver.url_for("").rstrip("/"),
        AREA_SOUTH="33.0",
        AREA_NORTH="33.2",
        AREA_WEST="12.0",
        AREA_EAST="14.0",
    )
    result = fetch_weather(settings, progress=False, session=fast_session)
    om, ec = result.source("open_meteo"), result.source("ecmwf")
    assert om.status == "failed" and "single row of points" in om.reason, om.reason
    assert ec.status == "ok" and ec.used
    assert status.read_status(settings)["open_meteo"]["last_error"] == om.reason
    assert set(result.variables.values()) == {"ecmwf"}
