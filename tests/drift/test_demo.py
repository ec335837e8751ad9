"""A short drift on the real demo forecast and risk dataset (as `seawatch demo` makes them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from seawatch.config import load_settings
from seawatch.drift import DriftRequest, run_drift
from seawatch.fetchers.demo import demo_forecast
from seawatch.pipeline import compute_risk  # the build, to make the demo risk.nc
from seawatch.schema import HAZARD_LEVELS, write_dataset

pytestmark = pytest.mark.slow

START = dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    settings = load_settings(environ={}, data_dir=out)
    forecast = demo_forecast(settings, start=START)
    write_dataset(forecast, out / "forecast.nc")
    write_dataset(compute_risk(settings, forecast), out / "risk.nc")
    return out


def test_drift_on_the_demo_forecast_with_hazard_and_survival(demo_dir, submit, tmp_path):
    """Rubber dinghy 33°52'N 012°31'E, 03:10 UTC, 6 h, in the demo's north-westerly gale."""
    settings = load_settings(environ={}, data_dir=demo_dir)
    req = DriftRequest(lat=33 + 52 / 60, lon=12 + 31 / 60, time=START + dt.timedelta(hours=3, minutes=10),
                       hours=6, object="rubber_dinghy", elements=1000)  # fmt: skip
    result = run_drift(req, settings, tmp_path / "d", submit=submit)
    assert result["forcing"]["source"] == "demo-scenario"
    assert result["end_time"] == "2026-12-07T09:10:00Z"
    # a north-westerly wind drives the boat to the south-east
    assert result["datum"]["lat"] < req.lat and result["datum"]["lon"] > req.lon
    hazard = result["hazard_along"]
    assert len(hazard) == 7
    for h in hazard:
        assert h["level_name"] == HAZARD_LEVELS[h["level"]]
        assert 0.0 <= h["share_90_high_or_worse"] <= 1.0
    with xr.open_dataset(demo_dir / "risk.nc") as risk:
        cell = (
            risk["hazard_level"]
            .sel(vessel="rubber_dinghy")
            .sel(time=np.datetime64("2026-12-07T09:00"), method="nearest")
        )
        at_datum = cell.sel(
            lat=result["datum"]["lat"], lon=result["datum"]["lon"], method="nearest"
        )
        # the hour nearest to 09:10 is 09:00: the level reported is the file's level there
        assert hazard[-1]["level"] == int(at_datum.values)
    assert result["survival_hours"] is not None and 1.0 < result["survival_hours"] < 12.0
    assert "Capsize hazard" in (tmp_path / "d" / "sitrep.en.txt").read_text(encoding="utf-8")
