"""The one time module: every input form gives the same aware UTC time and the same text."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from seawatch.timeutil import as_utc, format_utc, isoformat_utc, naive_utc64, now_utc

WHEN = dt.datetime(2026, 11, 24, 6, 0, 30, 123456, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "value",
    [
        WHEN,
        WHEN.replace(tzinfo=None),  # naive = UTC
        WHEN.astimezone(ZoneInfo("Africa/Tripoli")),
        pd.Timestamp(WHEN),
        pd.Timestamp(WHEN.replace(tzinfo=None)),
        np.datetime64("2026-11-24T06:00:30.123456"),
        np.datetime64("2026-11-24T06:00:30.123456789", "ns"),  # nanoseconds cut
        "2026-11-24T06:00:30.123456Z",
        "2026-11-24T08:00:30.123456+02:00",
        "2026-11-24 06:00:30.123456",
    ],
)
def test_every_form_is_the_same_utc_time(value: object) -> None:
    got = as_utc(value)
    assert type(got) is dt.datetime
    assert got.utcoffset() == dt.timedelta(0)
    assert got == WHEN
    assert isoformat_utc(got) == "2026-11-24T06:00:30Z"
    if not isinstance(value, str):
        assert isoformat_utc(value) == "2026-11-24T06:00:30Z"
    assert format_utc(value) == "2026-11-24 06:00 UTC"


def test_text_that_is_no_time_is_refused() -> None:
    with pytest.raises(ValueError):
        as_utc("NaT")
    with pytest.raises(ValueError):
        as_utc("yesterday-ish")


def test_isoformat_passes_text_through() -> None:
    assert isoformat_utc("2026-11-24T06:00:00Z") == "2026-11-24T06:00:00Z"


def test_naive_utc64_drops_the_zone_after_converting() -> None:
    got = naive_utc64(WHEN.astimezone(ZoneInfo("Africa/Tripoli")))
    assert got.dtype == np.dtype("datetime64[ns]")
    assert got == np.datetime64("2026-11-24T06:00:30.123456", "ns")
    assert naive_utc64("2026-11-24T06:00") == np.datetime64("2026-11-24T06:00", "ns")


def test_now_utc_is_the_clock_or_the_given_time() -> None:
    before = dt.datetime.now(dt.UTC)
    now = now_utc()
    assert now.tzinfo is not None and before <= now <= dt.datetime.now(dt.UTC)
    assert now_utc(WHEN.replace(tzinfo=None)) == WHEN
