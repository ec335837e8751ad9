"""``seawatch fetch weather``, ``seawatch ingest`` and ``seawatch status`` from the command line."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

import seawatch.cli.weather  # noqa: F401  (registers the commands)
from seawatch.cli.root import main

from .fakes import OpenMeteoFake, range_file_handler, source_env
from .grib_fixtures import write_ecmwf_run
from .test_ecmwf import STEPS, today_00z
from .test_ingest import NORTH_SEA, SICILY_PHY


def env_for(base_url: str) -> dict[str, str]:
    return {
        **source_env(base_url),
        "SEAWATCH_SOURCES_OPEN_METEO_SPACING": "0.5",
        "SEAWATCH_SOURCES_OPEN_METEO_FORECAST_DAYS": "2",
        "SEAWATCH_SOURCES_ECMWF_HORIZON_HOURS": "12",
    }


@pytest.fixture
def served(httpserver, tmp_path):
    root = tmp_path / "mirror"
    write_ecmwf_run(root, today_00z(), STEPS)
    fake = OpenMeteoFake()
    httpserver.expect_request("/v1/marine").respond_with_handler(fake)
    httpserver.expect_request("/v1/forecast").respond_with_handler(fake)
    httpserver.expect_request(re.compile(r"^/forecasts/.*")).respond_with_handler(
        range_file_handler(root, "/forecasts")
    )
    return env_for(httpserver.url_for("").rstrip("/"))


def run(args, env):
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_fetch_weather_prints_the_path_and_copies_to_out(served, tmp_path):
    data = tmp_path / "data"
    out = tmp_path / "exports" / "forecast.nc"
    result = run(
        ["--quiet", "fetch", "weather", "--data-dir", str(data), "--out", str(out)], served
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(data / "forecast.nc"), str(out)]
    assert out.read_bytes() == (data / "forecast.nc").read_bytes()


def test_fetch_one_source_as_json(served, tmp_path):
    data = tmp_path / "data"
    result = run(
        ["fetch", "weather", "--source", "ecmwf", "--json", "--data-dir", str(data)], served
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and [s["name"] for s in report["sources"]] == ["ecmwf"]
    assert report["sources"][0]["steps"] == len(STEPS)
    assert report["variables"]["hs"] == "ecmwf"


def test_fetch_failure_is_one_line_and_non_zero(httpserver, tmp_path):
    httpserver.expect_request(re.compile(".*")).respond_with_json(
        {"error": True, "reason": "No data is available for this location"}, status=400
    )
    env = env_for(httpserver.url_for("").rstrip("/"))
    result = run(["fetch", "weather", "--data-dir", str(tmp_path / "d")], env)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("seawatch: error: no weather source delivered (open_meteo: ")
    assert "No data is available for this location" in lines[-1]
    assert "ecmwf: no complete run to 12 h" in lines[-1]


def test_status_after_a_fetch(served, tmp_path):
    data = tmp_path / "data"
    run(["--quiet", "fetch", "weather", "--data-dir", str(data)], served)
    result = run(["status", "--data-dir", str(data)], served)
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[0].startswith("ecmwf: last success ")
    assert f"model run {today_00z():%Y-%m-%d} 00:00 UTC" in lines[0]
    assert "age 0.0 h, last error: none" in lines[0]
    assert lines[1].startswith("open_meteo: last success ")
    state = json.loads(run(["status", "--json", "--data-dir", str(data)], served).stdout)
    assert state["open_meteo"]["points"] > 0


def test_ingest_prints_stored_paths(tmp_path):
    data = tmp_path / "data"
    result = run(["ingest", *map(str, SICILY_PHY[:2]), "--data-dir", str(data)], {})
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(data / "forecast" / "ingest_cmems_physics.nc")


def test_ingest_outside_the_area_is_one_line(tmp_path):
    result = run(["ingest", str(NORTH_SEA), "--data-dir", str(tmp_path / "d")], {})
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(
        "seawatch: error: mywavewam4_weatherapi_n-northsea.grb covers 58.50N-62.00N"
    )
    assert len(result.stderr.strip().splitlines()) == 1
