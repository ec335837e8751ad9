"""``seawatch fetch hindcast`` against a local server answering in Open-Meteo's payload shape.

The handler answers like the Historical Weather API (``/v1/archive``) and the Marine API
(``/v1/marine``) with ``start_date``/``end_date``: one object per location (a list with
``location_id`` for several), ``hourly_units`` and ``hourly`` arrays, ``null`` for missing.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from seawatch.cli import main
from seawatch.config import load_settings
from seawatch.errors import DataError, FetchError
from seawatch.fetchers.base import make_session
from seawatch.fetchers.hindcast import fetch_hindcast, month_path, months
from seawatch.validate.conditions import conditions, locate, read_hindcast

UNITS = {"wind_speed_10m": "m/s", "wind_direction_10m": "°", "wind_gusts_10m": "m/s",
         "wave_height": "m", "wave_period": "s", "wave_peak_period": "s",
         "wave_direction": "°"}  # fmt: skip


class Era5Fake:
    def __init__(self, nulls: bool = False, fail_on_call: int | None = None):
        self.calls: list[dict[str, str]] = []
        self.nulls = nulls
        self.fail_on_call = fail_on_call

    def __call__(self, request: Request) -> Response:
        fields = dict(request.form)
        self.calls.append(fields)
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            body = {"error": True, "reason": "Too many concurrent requests"}
            return Response(json.dumps(body), status=429, content_type="application/json")
        lats = [float(v) for v in fields["latitude"].split(",")]
        lons = [float(v) for v in fields["longitude"].split(",")]
        first = dt.date.fromisoformat(fields["start_date"])
        last = dt.date.fromisoformat(fields["end_date"])
        hours = [dt.datetime.combine(first, dt.time()) + dt.timedelta(hours=h)
                 for h in range(24 * ((last - first).days + 1))]  # fmt: skip
        times = [t.strftime("%Y-%m-%dT%H:%M") for t in hours]
        out = []
        for k, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
            item = {"latitude": round(lat, 3), "longitude": round(lon, 3),
                    "generationtime_ms": 1.2, "utc_offset_seconds": 0, "timezone": "GMT",
                    "timezone_abbreviation": "GMT", "elevation": 0.0}  # fmt: skip
            if k:
                item["location_id"] = k
            hourly = fields["hourly"].split(",")
            item["hourly_units"] = {"time": "iso8601", **{h: UNITS[h] for h in hourly}}
            series = {"time": times}
            for name in hourly:
                values = [self.value(name, t) for t in hours]
                series[name] = [None] * len(values) if self.nulls else values
            item["hourly"] = series
            out.append(item)
        body = out[0] if len(out) == 1 else out
        return Response(json.dumps(body), status=200, content_type="application/json")

    @staticmethod
    def value(name: str, t: dt.datetime) -> float:
        return {"wind_speed_10m": 10.0, "wind_direction_10m": 270.0, "wind_gusts_10m": 14.0,
                "wave_height": round(1.0 + t.day / 100, 2), "wave_period": 5.0,
                "wave_peak_period": 6.0, "wave_direction": 300.0}[name]  # fmt: skip


@pytest.fixture
def settings(tmp_path, httpserver):
    base = httpserver.url_for("").rstrip("/")
    return load_settings(
        data_dir=tmp_path / "data",
        environ={
            "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_ARCHIVE_URL": f"{base}/v1/archive",
            "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_MARINE_URL": f"{base}/v1/marine",
            "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_SPACING": "1.0",
            "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_TIMEOUT": "5",
        },
    )


def _serve(httpserver, fake):
    httpserver.expect_request("/v1/archive", method="POST").respond_with_handler(fake)
    httpserver.expect_request("/v1/marine", method="POST").respond_with_handler(fake)


def test_months_cover_whole_calendar_months():
    assert months(dt.date(2020, 1, 15), dt.date(2020, 3, 2)) == [
        (dt.date(2020, 1, 1), dt.date(2020, 1, 31)),
        (dt.date(2020, 2, 1), dt.date(2020, 2, 29)),
        (dt.date(2020, 3, 1), dt.date(2020, 3, 31)),
    ]
    assert len(months(dt.date(2019, 12, 31), dt.date(2020, 1, 1))) == 2


def test_fetch_writes_a_canonical_month_that_validate_reads(settings, httpserver):
    fake = Era5Fake()
    _serve(httpserver, fake)
    result = fetch_hindcast(settings, dt.date(2021, 1, 3), dt.date(2021, 1, 20))
    path = month_path(settings.data_dir, dt.date(2021, 1, 1))
    assert result.written == [path]
    assert {c["models"] for c in fake.calls} == {"era5", "era5_ocean"}
    assert all(c["start_date"] == "2021-01-01" and c["end_date"] == "2021-01-31"
               for c in fake.calls)  # fmt: skip
    assert all("forecast_days" not in c for c in fake.calls)
    hindcast = read_hindcast([path])
    ds = hindcast.reference
    assert {"hs", "tp", "tm", "wave_dir", "u10", "v10", "gust"} <= set(ds.data_vars)
    assert ds.sizes["time"] == 31 * 24
    where = locate(hindcast, np.array([34.0]), np.array([14.0]))
    cond = conditions(hindcast, where.cell)
    # westerly 10 m/s; Hs 1 + day/100 m: the daily maxima come back exactly
    assert np.allclose(cond.wind[:, 0], 10.0, atol=1e-4)
    assert np.allclose(cond.hs[:, 0], 1.0 + np.arange(1, 32) / 100, atol=1e-4)
    assert np.isfinite(cond.index).all()
    assert cond.wind_rise_used


def test_resumes_after_a_failure_and_never_refetches_a_month(settings, httpserver):
    fake = Era5Fake(fail_on_call=3)  # the first request of February fails
    _serve(httpserver, fake)
    session = make_session(timeout=5.0, retries=0)
    with pytest.raises(FetchError):
        fetch_hindcast(settings, dt.date(2021, 1, 1), dt.date(2021, 2, 28), session=session)
    january = month_path(settings.data_dir, dt.date(2021, 1, 1))
    february = month_path(settings.data_dir, dt.date(2021, 2, 1))
    assert january.exists() and not february.exists()
    assert not list(february.parent.glob("*.part"))
    before = len(fake.calls)
    result = fetch_hindcast(settings, dt.date(2021, 1, 1), dt.date(2021, 2, 28))
    assert result.cached == [january] and result.written == [february]
    assert {c["start_date"] for c in fake.calls[before:]} == {"2021-02-01"}


def test_all_null_answer_is_refused(settings, httpserver):
    _serve(httpserver, Era5Fake(nulls=True))
    with pytest.raises(FetchError, match="came back all null"):
        fetch_hindcast(settings, dt.date(2021, 1, 1), dt.date(2021, 1, 31))
    assert not month_path(settings.data_dir, dt.date(2021, 1, 1)).exists()


def test_incomplete_era5_month_is_refused(settings):
    with pytest.raises(DataError, match="not complete in ERA5 yet"):
        fetch_hindcast(settings, dt.date(2026, 11, 1), dt.date(2026, 12, 2),
                       today=dt.date(2026, 12, 7))  # fmt: skip


def test_cli_fetch_hindcast_json(settings, httpserver, tmp_path):
    _serve(httpserver, Era5Fake())
    env = {
        "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_ARCHIVE_URL": settings.sources.open_meteo_hindcast.archive_url,
        "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_MARINE_URL": settings.sources.open_meteo_hindcast.marine_url,
        "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_SPACING": "1.0",
    }  # fmt: skip
    result = CliRunner().invoke(
        main,
        ["fetch", "hindcast", "--start", "2021-03-01", "--end", "2021-03-31", "--json",
         "--data-dir", str(tmp_path / "cli")],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p.endswith("open_meteo_2021-03.nc") for p in data["written"]] == [True]
    assert data["requests"] == 2 and data["call_weight"] > 0


def test_full_disk_keeps_finished_months_and_says_so(tmp_path, httpserver):
    """A month written onto a full disk was 'internal error: RuntimeError: NetCDF: HDF error'
    and left a .part file behind."""
    import os
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], check=True)
    try:
        base = httpserver.url_for("").rstrip("/")
        settings = load_settings(
            data_dir=disk,
            environ={
                "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_ARCHIVE_URL": f"{base}/v1/archive",
                "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_MARINE_URL": f"{base}/v1/marine",
                "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_SPACING": "1.0",
                "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_TIMEOUT": "5",
            },
        )
        _serve(httpserver, Era5Fake())
        fetch_hindcast(settings, dt.date(2021, 1, 1), dt.date(2021, 1, 31))
        january = month_path(disk, dt.date(2021, 1, 1))
        kept = january.read_bytes()
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / "filler").write_bytes(b"\0" * (free - len(kept) // 4))
        with pytest.raises(DataError) as err:
            fetch_hindcast(settings, dt.date(2021, 1, 1), dt.date(2021, 2, 28))
        assert "is full; free some space there and run again" in str(err.value)
        assert january.read_bytes() == kept
        assert not month_path(disk, dt.date(2021, 2, 1)).exists()
        assert not [p.name for p in january.parent.iterdir() if p.name.endswith(".part")]
    finally:
        subprocess.run(["umount", str(disk)], check=True)
