"""Time in seawatch: one clock, one conversion to UTC, one text form for machines and one for people.

Every time seawatch stores, compares or writes is UTC. Values arrive as aware or naive
``datetime``, ``pandas.Timestamp``, ``numpy.datetime64`` or ISO 8601 text; a naive value is
taken as UTC (the store, the forecast files and numpy carry no zone).

Text rule (one for every machine-readable output: GeoJSON, CSV, KML, GPX, the web API, dataset
attributes, run logs): ISO 8601 in UTC with a ``Z`` and whole seconds, ``2026-11-24T06:00:00Z``.
Seconds, not microseconds, because incident times are reported to the minute at best, the
exports are read by people and by OpenCPN/GIS tools that do not all read fractions, and the
same record must read the same in the web download and in ``seawatch incidents export``.
People-facing text (maps, pages) uses :func:`format_utc`: ``2026-11-24 06:00 UTC``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# numpy and pandas are imported where a numpy/pandas value needs them, so that modules using only
# datetimes (the incident model, the web accounts) start without them.

__all__ = ["as_utc", "format_utc", "isoformat_utc", "naive_utc64", "now_utc"]


def now_utc(now: dt.datetime | None = None) -> dt.datetime:
    """The clock as an aware UTC datetime, or ``now`` (given by a caller or test) as UTC."""
    return dt.datetime.now(dt.UTC) if now is None else as_utc(now)


def as_utc(value: dt.datetime | pd.Timestamp | np.datetime64 | str) -> dt.datetime:
    """Any time value -> aware UTC ``datetime``; naive values are taken as UTC.

    Text is ISO 8601 (``2026-11-24T06:00Z``, ``2026-11-24 06:00:00``, with or without an
    offset). Nanoseconds of numpy/pandas values are cut to microseconds.
    """
    if type(value) is dt.datetime:
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, str):
        try:
            return as_utc(dt.datetime.fromisoformat(value))
        except ValueError:
            pass  # forms fromisoformat does not read: left to pandas
    import pandas as pd

    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        raise ValueError(f"{value!r} is not a time")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.floor("us").to_pydatetime()


def naive_utc64(value: Any) -> np.datetime64:
    """Any time value -> naive ``datetime64[ns]`` in UTC (as xarray time coordinates hold it)."""
    import numpy as np
    import pandas as pd

    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return np.datetime64(stamp.to_datetime64(), "ns")


def isoformat_utc(value: dt.datetime | pd.Timestamp | np.datetime64 | str) -> str:
    """``2026-11-24T06:00:00Z``: ISO 8601, UTC, whole seconds (the module's rule).

    Text is returned as it is (it was written by this function or by a data provider).
    """
    if isinstance(value, str):
        return value
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_utc(value: dt.datetime | pd.Timestamp | np.datetime64 | str) -> str:
    """For people: ``2026-11-24 06:00 UTC``."""
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")
