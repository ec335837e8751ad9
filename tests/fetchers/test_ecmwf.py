"""ECMWF open data through the real ecmwf-opendata client against a local Range-capable server."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
import requests

from seawatch.errors import DataError, FetchError
from seawatch.fetchers import ecmwf
from seawatch.fetchers.grib import count_grib_messages
from seawatch.schema import open_forecast
from seawatch.storage import DataPaths

from .fakes import range_file_handler
from .grib_fixtures import write_ecmwf_run

STEPS = [0, 3, 6, 9, 12]


def today_00z() -> dt.datetime:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture
def ecmwf_root(tmp_path):
    root = tmp_path / "mirror"
    write_ecmwf_run(root, today_00z(), STEPS)
    return root


def serve(httpserver, root) -> None:
    httpserver.expect_request(re.compile(r"^/forecasts/.*")).respond_with_handler(
        range_file_handler(root, "/forecasts")
    )


def test_the_local_server_speaks_ranges(httpserver, ecmwf_root):
    serve(httpserver, ecmwf_root)
    path = next(ecmwf_root.rglob("*-3h-oper-fc.grib2"))
    url = httpserver.url_for("/forecasts/" + str(path.relative_to(ecmwf_root)))
    head = requests.head(url, timeout=5)
    assert head.headers["Accept-Ranges"] == "bytes"
    one = requests.get(url, headers={"Range": "bytes=0-3"}, timeout=5)
    assert one.status_code == 206 and one.content == b"GRIB"
    assert one.headers["Content-Range"].startswith("bytes 0-3/")
    two = requests.get(url, headers={"Range": "bytes=0-3,8-9"}, timeout=5)
    assert two.headers["Content-Type"].startswith("multipart/byteranges")


def test_forecast_steps_follow_the_published_schedule():
    assert ecmwf.forecast_steps(12) == [0, 3, 6, 9, 12]
    assert ecmwf.forecast_steps(160, run_hour=0)[-3:] == [144, 150, 156]
    assert ecmwf.forecast_steps(160, run_hour=6)[-1] == 144


def test_fetch_latest_run_by_index_and_byte_ranges(httpserver, settings, ecmwf_root, fast_session):
    serve(httpserver, ecmwf_root)
    result = ecmwf.fetch(settings, session=fast_session)
    ds = open_forecast(result.path)
    assert result.path == DataPaths(settings.data_dir).source_forecast("ecmwf")
    assert ds.attrs["reference_time"] == today_00z().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert set(ds.data_vars) == {"hs", "tp", "tm", "wave_dir", "u10", "v10", "gust"}
    # valid times = run + steps; ascending latitude; longitudes east of Greenwich
    assert ds["time"].values[0] == np.datetime64(today_00z())
    assert ds.sizes["time"] == len(STEPS)
    assert (np.diff(ds["lat"].values) > 0).all()
    # clipped to [area] plus at most one 0.25 degree cell beyond each edge
    area = settings.area
    assert ds["lon"].min() >= area.west - 0.3 and ds["lon"].max() <= area.east + 0.3
    assert ds["lat"].min() >= area.south - 0.3 and ds["lat"].max() <= area.north + 0.3
    # values round-trip (16-bit packing): hs = 0.5 + 0.1 (lat - 28) + 0.01 step
    hs = ds["hs"].sel(lat=35.0, lon=18.0).values
    assert np.allclose(hs, 0.5 + 0.7 + 0.01 * np.array(STEPS), atol=2e-3)
    assert np.isnan(ds["hs"].sel(lat=32.0, lon=13.0).values).all()  # Libya: land
    assert np.allclose(ds["u10"].values, 8.0) and np.allclose(ds["v10"].values, -3.0)
    gust = ds["gust"].sel(lat=35.0, lon=18.0).values
    assert np.isnan(gust[0]) and np.allclose(gust[1:], 12.0)
    assert "Tm-1,0" in ds["tm"].attrs["long_name"]
    # only index files and byte ranges were read for the data
    gets = [r for r, _ in httpserver.log if r.method == "GET"]
    assert any(r.path.endswith(".index") for r in gets)
    data_gets = [r for r in gets if r.path.endswith(".grib2")]
    assert data_gets and all(r.headers.get("Range", "").startswith("bytes=") for r in data_gets)
    # raw files with provenance, and the client's notice kept off stdout
    raw = DataPaths(settings.data_dir).raw_dir("ecmwf", today_00z().strftime("%Y%m%dT%HZ"))
    assert (raw / "wave.grib2").exists() and (raw / "oper.grib2.provenance.json").exists()
    assert count_grib_messages(raw / "oper.grib2") == 3 * len(STEPS) - 1


def test_unchanged_run_is_not_fetched_again(httpserver, settings, ecmwf_root, fast_session):
    serve(httpserver, ecmwf_root)
    first = ecmwf.fetch(settings, session=fast_session)
    n_before = len(httpserver.log)
    again = ecmwf.fetch(settings, session=fast_session)
    new_requests = [r for r, _ in httpserver.log[n_before:]]
    assert again.unchanged and not first.unchanged
    assert again.run == first.run
    assert not [r for r in new_requests if r.method == "GET"]


def test_broken_stored_file_is_fetched_again(httpserver, settings, ecmwf_root, fast_session):
    serve(httpserver, ecmwf_root)
    first = ecmwf.fetch(settings, session=fast_session)
    first.path.write_bytes(first.path.read_bytes()[:300])  # cut off, e.g. by a full disk
    again = ecmwf.fetch(settings, session=fast_session)
    assert not again.unchanged
    assert open_forecast(again.path).attrs["reference_time"] == first.run


def test_newer_run_replaces_the_stored_one(httpserver, settings, tmp_path, fast_session):
    root = tmp_path / "mirror"
    write_ecmwf_run(root, today_00z() - dt.timedelta(hours=12), STEPS)
    serve(httpserver, root)
    older = ecmwf.fetch(settings, session=fast_session)
    write_ecmwf_run(root, today_00z(), STEPS)
    newer = ecmwf.fetch(settings, session=fast_session)
    assert newer.run > older.run and not newer.unchanged
    assert open_forecast(newer.path).attrs["reference_time"] == newer.run


def test_truncated_grib_on_the_server_keeps_the_last_good(
    httpserver, settings, tmp_path, fast_session
):
    root = tmp_path / "mirror"
    write_ecmwf_run(root, today_00z() - dt.timedelta(hours=12), STEPS)
    serve(httpserver, root)
    good = ecmwf.fetch(settings, session=fast_session)
    before = good.path.read_bytes()
    write_ecmwf_run(root, today_00z(), STEPS, truncate="oper")
    with pytest.raises(FetchError) as err:
        ecmwf.fetch(settings, session=fast_session)
    assert "oper download of run" in str(err.value)
    assert "\n" not in str(err.value)
    assert good.path.read_bytes() == before
    assert not list(DataPaths(settings.data_dir).root.rglob("*.part"))


def test_truncated_grib_file_is_named(tmp_path, ecmwf_root):
    path = next(ecmwf_root.rglob("*-6h-wave-fc.grib2"))
    cut = tmp_path / "cut.grib2"
    cut.write_bytes(path.read_bytes()[:-1000])
    with pytest.raises(DataError, match=r"cut.grib2 is truncated: message 4"):
        count_grib_messages(cut)


def test_no_run_published_is_one_line(httpserver, settings, tmp_path, fast_session):
    serve(httpserver, tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FetchError, match="no complete run to 12 h in the last two days"):
        ecmwf.fetch(settings, session=fast_session)


def test_server_down_is_one_line(settings, fast_session):
    # nothing listens on port 9 of the loopback
    with pytest.raises(FetchError, match="ecmwf"):
        ecmwf.fetch(settings, session=fast_session)
