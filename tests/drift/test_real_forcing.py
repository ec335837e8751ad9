"""A drift on a canonical forecast made by `seawatch ingest` of real Copernicus and ECMWF files.

Forcing: CMEMS MEDSEA physics (daily-mean surface currents, 27-28 April 2022) and ECMWF 10 m
wind (hourly) south of Sicily, from ../shared/data/marine (source and licence in
../shared/data/SOURCES.md): the merged forecast has the wind hourly and the current only at
12:00 each day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from seawatch.drift import DriftRefusalError, DriftRequest, run_drift
from seawatch.drift.areas import range_bearing
from seawatch.fetchers import ingest
from tests.drift.conftest import require_opendrift
from tests.fetchers.conftest import SHARED_MARINE, settings_for

pytestmark = pytest.mark.slow

LKP = (36.5, 13.2)  # south of Sicily, inside both files


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("ingest")
    files = [
        *sorted((SHARED_MARINE / "medsea_phy_south_sicily_2022").glob("*.nc"))[:2],
        *sorted((SHARED_MARINE / "ecmwf_met_south_sicily_2022").glob("*.nc"))[:2],
    ]
    return ingest.ingest_files(settings_for(tmp), files, out=tmp / "forecast.nc").out


def _request(forecast: Path, start: dt.datetime) -> DriftRequest:
    return DriftRequest(
        lat=LKP[0], lon=LKP[1], time=start, hours=24, elements=500, forecast=forecast
    )


def test_drift_on_real_wind_and_daily_currents(ingested, submit, tmp_path):
    """Easterly wind of about 4 m/s: the dinghy drifts west, about 0.3-0.4 m/s (18 NM a day)."""
    settings = settings_for(tmp_path)
    start = dt.datetime(2022, 4, 27, 12, tzinfo=dt.UTC)
    result = run_drift(_request(ingested, start), settings, tmp_path / "d", submit=submit)
    distance, bearing = range_bearing(*LKP, result["datum"]["lat"], result["datum"]["lon"])
    assert 230 < bearing < 290
    assert 8 < distance < 30
    assert result["forcing"]["covers_until"] == "2022-04-28T23:00:00Z"
    assert result["stranded_fraction"] == 0.0


def test_refuses_a_start_before_the_first_daily_current(ingested, tmp_path):
    require_opendrift()
    start = dt.datetime(2022, 4, 27, 3, 10, tzinfo=dt.UTC)
    with pytest.raises(
        DriftRefusalError, match=r"current \(uo, vo\).*begins at 2022-04-27T12:00:00Z"
    ):
        run_drift(_request(ingested, start), settings_for(tmp_path), tmp_path / "x")
