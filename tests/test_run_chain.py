"""``seawatch run``: the real chain against loopback servers that speak the providers' protocols.

Open-Meteo answers from the local fake (its JSON shapes, km/h currents, snapped cells), ECMWF
open data is down (404), and the IOM Missing Migrants export is a small file in the allData
layout. Nothing here reaches the network.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
from werkzeug import Response

from tests.fetchers.fakes import OpenMeteoFake, source_env

pytestmark = pytest.mark.slow  # runs the whole pipeline (demo or fetch chain)

MMP = Path(__file__).parent / "fixtures" / "mmp" / "quirks_alldata.csv"


def run(data_dir: Path, base: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **source_env(base),
        "SEAWATCH_WEATHER_CHAIN": '["open_meteo", "ecmwf"]',
        "SEAWATCH_SOURCES_OPEN_METEO_SPACING": "0.5",
        "SEAWATCH_SOURCES_OPEN_METEO_FORECAST_DAYS": "2",
        "SEAWATCH_SOURCES_OPEN_METEO_TIMEOUT": "5",
        "SEAWATCH_SOURCES_ECMWF_TIMEOUT": "5",
        "SEAWATCH_GRID_RESOLUTION": "0.1",
    }
    return subprocess.run(
        [sys.executable, "-m", "seawatch", "--quiet", "run", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def stage_lines(stdout: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^(\w+)\s+(ok|FAILED)\b", stdout, re.M)}


@pytest.fixture
def providers(httpserver):
    fake = OpenMeteoFake()
    httpserver.expect_request("/v1/marine").respond_with_handler(fake)
    httpserver.expect_request("/v1/forecast").respond_with_handler(fake)
    httpserver.expect_request("/mmp.csv").respond_with_data(
        MMP.read_bytes(), content_type="text/csv"
    )
    httpserver.expect_request(re.compile("^/forecasts/.*")).respond_with_response(
        Response("Not Found", status=404)
    )
    return httpserver


def test_run_fetches_builds_and_renders_then_survives_a_failed_refresh(tmp_path, providers):
    data = tmp_path / "data"
    base = providers.url_for("").rstrip("/")
    first = run(data, base)
    stages = stage_lines(first.stdout)
    assert stages == {
        "weather": "ok", "incidents": "ok", "build": "ok", "maps": "ok", "alerts": "ok"
    }, first.stdout + first.stderr  # fmt: skip
    assert first.returncode == 0
    for name in (
        "forecast.nc", "risk.nc", "risk.summary.json", "map.html", "map.png", "incidents.sqlite",
        "cap/feed.xml",
    ):  # fmt: skip
        assert (data / name).is_file(), name
    archived = list((data / "archive").glob("????-??-??/map.html"))  # served at /maps/<day>
    assert len(archived) == 1
    assert archived[0].read_bytes() == (data / "map.html").read_bytes()
    with xr.open_dataset(data / "risk.nc", engine="netcdf4") as risk:
        assert risk.attrs["source"] == "open_meteo"
        assert int(risk["hazard_level"].count()) > 0
    # ECMWF was down: the chain went on, and status says why
    status = subprocess.run(
        [sys.executable, "-m", "seawatch", "status", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "open_meteo: last success 20" in status.stdout
    assert re.search(r"ecmwf: .*last error: .+", status.stdout)

    # Every provider now refuses (answers that are not retried: retries and backoff on 429/5xx
    # are tested with the fetchers): weather fails, the last good forecast stays and builds.
    before = (data / "forecast.nc").read_bytes()
    providers.clear()
    refusal = '{"error": true, "reason": "No data is available for this location"}'
    for path in ("/v1/marine", "/v1/forecast"):
        providers.expect_request(path).respond_with_data(
            refusal, status=400, content_type="application/json"
        )
    providers.expect_request(re.compile(".*")).respond_with_response(
        Response("Not Found", status=404)
    )
    second = run(data, base)
    stages = stage_lines(second.stdout)
    assert stages["weather"] == "FAILED" and stages["incidents"] == "FAILED"
    assert stages["build"] == "ok" and stages["maps"] == "ok" and stages["alerts"] == "ok"
    assert second.returncode != 0
    assert (data / "forecast.nc").read_bytes() == before
