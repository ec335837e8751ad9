"""Opening NetCDF files received from providers: every CF calendar, both fill markers.

Model output arrives with calendars other than the standard one (older Copernicus/MFS files use
``noleap``; climate-model derived files ``360_day``, ``all_leap``, ``julian``) and with both
``_FillValue`` and ``missing_value`` set, sometimes to different numbers. :func:`open_netcdf`
decodes the time axis itself with cftime and returns naive UTC ``datetime64[ns]``:

* real-world calendars (``standard``, ``gregorian``, ``proleptic_gregorian``, ``julian``): the
  same instants (a ``julian`` date is converted to the proleptic Gregorian date of that instant);
* model calendars (``noleap``/``365_day``, ``all_leap``/``366_day``, ``360_day``): the same date
  labels, the way the model's forecast is meant to be read (xarray's ``convert_calendar`` does
  the same). A label that does not exist in the Gregorian calendar (30 February, 29 February of
  a common year) cannot be placed: that step is dropped, with a warning in the log and the
  dataset attribute ``time_note`` naming the steps;
* a time zone in the units (``hours since 2023-08-14 00:00 +02:00``) is applied, so the result
  is UTC.

Both fill markers are masked (xarray masks every value listed; its warning about several fill
values is expected here and silenced).
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from pathlib import Path

import cftime
import numpy as np
import xarray as xr

from seawatch.errors import DataError
from seawatch.storage import unreadable_file_message

AGAIN = "copy or download it again"
"""What to do with a received file that cannot be read."""

log = logging.getLogger(__name__)

REAL_CALENDARS = ("standard", "gregorian", "proleptic_gregorian", "julian")
MODEL_CALENDARS = ("noleap", "365_day", "all_leap", "366_day", "360_day")
TIME_NAMES = ("time", "valid_time")


def open_netcdf(path: Path) -> xr.Dataset:
    """Open a NetCDF file fully into memory with its time axis as naive UTC ``datetime64[ns]``.

    Raises
    ------
    DataError
        One line naming the file: unreadable, or a time axis that cannot be decoded (no
        ``units ... since ...``, calendar ``none`` or unknown).
    """
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*multiple fill values.*")
            with xr.open_dataset(path, engine="netcdf4", decode_times=False) as raw:
                ds = raw.load()
    except (OSError, ValueError) as exc:
        raise DataError(unreadable_file_message(path, exc, AGAIN)) from None
    for name in TIME_NAMES:
        if name in ds.variables:
            times, note = decode_times(ds[name], what=f"{path.name}: {name}")
            if note or np.isnat(times).any():
                keep = ~np.isnat(times)
                ds = ds.isel({name: np.flatnonzero(keep)}) if name in ds.dims else ds
                times = times[keep]
                if note:
                    log.warning("%s: %s", path.name, note)
                    ds.attrs["time_note"] = note
            attrs = {k: v for k, v in ds[name].attrs.items() if k not in ("units", "calendar")}
            dims = ds[name].dims
            ds = ds.assign_coords({name: (dims, times, attrs)})
    return ds


def decode_times(var: xr.DataArray, *, what: str) -> tuple[np.ndarray, str]:
    """CF time values as naive UTC ``datetime64[ns]``, and a note on any step dropped.

    Steps that cannot be placed on the Gregorian calendar (and missing time values) come back
    as NaT; the note says how many labels could not be placed and which (empty when none).
    """
    units = str(var.attrs.get("units", ""))
    calendar = str(var.attrs.get("calendar", "standard")).strip().lower()
    if " since " not in units:
        raise DataError(f"{what} has units {units!r}; expected '<unit> since <date>' (CF time)")
    if calendar not in REAL_CALENDARS + MODEL_CALENDARS:
        raise DataError(
            f"{what} uses calendar {calendar!r}; seawatch reads the CF calendars "
            f"{', '.join(REAL_CALENDARS + MODEL_CALENDARS)}"
        )
    values = np.asarray(var.values, dtype=np.float64).ravel()
    finite = np.flatnonzero(np.isfinite(values))
    try:
        dates = cftime.num2date(values[finite], units, calendar, only_use_cftime_datetimes=True)
    except ValueError as exc:
        raise DataError(f"{what} cannot be decoded ({exc})") from None
    out = np.full(values.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    bad: list[str] = []
    for index, date in zip(finite, np.atleast_1d(dates), strict=True):
        if calendar in REAL_CALENDARS:
            date = date.change_calendar("proleptic_gregorian")
        try:
            label = dt.datetime(
                date.year, date.month, date.day, date.hour, date.minute, date.second,
                date.microsecond,
            )  # fmt: skip
        except ValueError:
            bad.append(date.strftime("%Y-%m-%d %H:%M"))
            continue
        out[index] = np.datetime64(label, "ns")
    out = out.reshape(np.shape(var.values))
    note = ""
    if bad:
        note = (
            f"{len(bad)} time step(s) of the {calendar} calendar that do not exist in the "
            f"Gregorian calendar were left out: {', '.join(bad[:5])}"
        )
    return out, note


__all__ = ["MODEL_CALENDARS", "REAL_CALENDARS", "decode_times", "open_netcdf"]
