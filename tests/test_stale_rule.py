"""One rule for a stale forecast, the same answer on the maps, in the e-mail and in status."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
import xarray as xr

from seawatch.config import ScheduleSettings, Settings
from seawatch.mail.report import gather_report
from seawatch.maps.context import forecast_info
from seawatch.schedule import schedule_status
from seawatch.schema import is_stale, write_dataset
from seawatch.storage import DataPaths

RUN = dt.datetime(2026, 11, 24, 0, tzinfo=dt.UTC)
LIMIT = 18.0  # [schedule] stale_after_hours default


def test_rule_boundaries() -> None:
    assert is_stale(None, RUN, LIMIT)  # model run unknown
    assert not is_stale(RUN, RUN + dt.timedelta(hours=LIMIT), LIMIT)  # at the limit: fresh
    assert is_stale(RUN, RUN + dt.timedelta(hours=LIMIT, seconds=1), LIMIT)


def _risk(reference: str | None) -> xr.Dataset:
    attrs = {"source": "demo-test", "model": "test"}
    if reference:
        attrs["reference_time"] = reference
    return xr.Dataset(
        {"hazard_level": (("time", "lat", "lon"), np.zeros((1, 2, 2), dtype=np.int8))},
        coords={
            "time": [np.datetime64("2026-11-24T00:00")],
            "lat": [32.0, 33.0],
            "lon": [12.0, 13.0],
        },
        attrs=attrs,
    )


@pytest.mark.parametrize(
    ("hours", "reference", "stale"),
    [(17.5, "2026-11-24T00:00:00Z", False), (18.5, "2026-11-24T00:00:00Z", True)],
)
def test_maps_mail_and_status_agree(tmp_path, hours, reference, stale) -> None:
    settings = Settings(
        data_dir=tmp_path, schedule=dataclasses.replace(ScheduleSettings(), stale_after_hours=LIMIT)
    )
    now = RUN + dt.timedelta(hours=hours)
    risk = _risk(reference)
    write_dataset(risk, DataPaths(tmp_path).risk)

    assert forecast_info(risk, now, LIMIT).stale is stale
    assert gather_report(settings, risk, now).stale is stale
    [line] = [x for x in schedule_status(settings, now) if x.startswith("forecast:")]
    assert ("STALE" in line) is stale, line
