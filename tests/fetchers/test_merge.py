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
from seawatch.fetchers.merge import NoWeatherError, fetch_weather, merge_datasets, regrid_like
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
    # the ECMWF grid and 3-hourly steps set the axes; Open-Meteo is interpolated onto them
    assert ds.sizes["time"] == len(STEPS)
    assert np.allclose(np.diff(ds["lat"].values), 0.25)
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


def test_merge_interpolates_directions_through_north():
    t0 = np.datetime64("2026-08-20T00:00", "ns")
    times = t0 + np.arange(4) * np.timedelta64(3, "h")
    fine = _canonical("a", times, np.arange(33.0, 34.01, 0.5), np.arange(15.0, 16.01, 0.5), hs=1.0)
    coarse_t = t0 + np.arange(2) * np.timedelta64(6, "h")
    dirs = np.array([350.0, 10.0]).reshape(2, 1, 1)
    coarse = _canonical(
        "b", coarse_t, np.array([33.0, 34.0]), np.array([15.0, 16.0]), wave_dir=dirs
    )
    merged = merge_datasets([("a", fine), ("b", coarse)])
    mid = merged["wave_dir"].isel(time=1).values
    assert np.allclose(np.minimum(mid, 360 - mid), 0.0, atol=1e-3)
    assert merged["wave_dir"].attrs["source"] == "b"
    assert np.allclose(merged["wave_dir"].isel(time=2).values, 10.0, atol=1e-3)
    assert np.isnan(merged["wave_dir"].isel(time=3)).all()  # beyond b's last step


def test_regrid_like_is_identity_on_the_same_grid():
    times = np.array(["2026-08-20T00"], dtype="datetime64[ns]")
    ds = _canonical("a", times, np.array([33.0, 34.0]), np.array([15.0]), hs=2.0)
    assert regrid_like(ds, ds) is ds


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
