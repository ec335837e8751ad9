"""Open-Meteo hindcasts for ``seawatch validate``: ERA5 wind and gusts, ERA5 ocean waves.

``seawatch fetch hindcast --start DATE --end DATE`` covers the sea points of the area
(``[sources.open_meteo_hindcast] spacing``, default 0.5 deg, the ERA5 wave grid) with

- the Historical Weather API (``archive_url``, ``models=era5``, 0.25 deg hourly, 1940 to about
  five days ago): ``wind_speed_10m``, ``wind_direction_10m``, ``wind_gusts_10m``;
- the Marine API (``marine_url``, ``models=era5_ocean``, 0.5 deg hourly): ``wave_height``,
  ``wave_period`` (mean), ``wave_peak_period``, ``wave_direction``. ERA5-Ocean has no wind-sea
  or swell partition and no currents, so those index rules cannot be backtested from it.

One canonical NetCDF per calendar month, ``<data>/hindcast/open_meteo_YYYY-MM.nc``, written
only once the month is complete: an interrupted fetch resumes at the first missing month, and
months already there cost no calls. Requests reuse the parsing of
:mod:`seawatch.fetchers.open_meteo` (payload shape, units, ``location_id`` order). A
variable that comes back all ``null`` is refused (a wrong endpoint or model answers 200 with
null arrays; validation.md section 8.2).

Call budget: a month of 4 variables weighs ``max(1, 31/14 * 4/10) = 1`` per location, so
with the default 0.5 deg grid (about 230 sea points) a month costs about 460 weighted calls;
ten years about 55,000, i.e. spread over at least six days on the free tier (10,000 a day).
Data: ERA5 via Open-Meteo, CC BY 4.0.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import requests

from seawatch.config import Settings
from seawatch.errors import DataError, FetchError
from seawatch.fetchers.base import make_session, request
from seawatch.fetchers.open_meteo import (
    call_weight,
    grid_axes,
    locations_per_request,
    normalize_payloads,
    request_params,
    sea_points,
)
from seawatch.schema import NETCDF_LOCK, make_canonical
from seawatch.storage import atomic_path, interrupt_afterwards

log = logging.getLogger(__name__)

SOURCE = "open_meteo_hindcast"
WIND = ("wind_speed_10m", "wind_direction_10m", "wind_gusts_10m")
WAVES = ("wave_height", "wave_period", "wave_peak_period", "wave_direction")
ERA5_DELAY_DAYS = 5
"""ERA5 on Open-Meteo is updated daily with a 5-day delay (validation.md section 8.1)."""


@dataclass
class HindcastResult:
    """Months written and months already there (paths), and the weighted calls spent."""

    written: list[Path] = field(default_factory=list)
    cached: list[Path] = field(default_factory=list)
    weight: float = 0.0
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "written": [str(p) for p in self.written],
            "cached": [str(p) for p in self.cached],
            "call_weight": round(self.weight, 1),
            "requests": self.requests,
        }


def months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """First and last day of every calendar month touching ``start``..``end``."""
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        last = calendar.monthrange(year, month)[1]
        out.append((dt.date(year, month, 1), dt.date(year, month, last)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_path(data_dir: str | Path, first: dt.date) -> Path:
    return Path(data_dir) / "hindcast" / f"open_meteo_{first:%Y-%m}.nc"


def fetch_hindcast(
    settings: Settings,
    start: dt.date,
    end: dt.date,
    *,
    session: requests.Session | None = None,
    today: dt.date | None = None,
) -> HindcastResult:
    """Fetch whole months of ERA5 wind and waves over the area's sea points.

    Raises
    ------
    DataError
        Bad dates (end before start, or a month not yet complete in ERA5).
    FetchError
        One line naming the request that failed or came back empty; months finished before
        it stay on disk.
    """
    if end < start:
        raise DataError(f"--end {end} is before --start {start}")
    today = today or dt.datetime.now(dt.UTC).date()
    latest = today - dt.timedelta(days=ERA5_DELAY_DAYS + 1)
    spans = months(start, end)
    if spans[-1][1] > latest:
        raise DataError(
            f"{spans[-1][0]:%Y-%m} is not complete in ERA5 yet (about {ERA5_DELAY_DAYS} days "
            f"behind; last full day {latest}): end the hindcast in an earlier month"
        )
    cfg = settings.sources.open_meteo_hindcast
    session = session or make_session(timeout=cfg.timeout)
    lat, lon = grid_axes(settings.area.bbox, cfg.spacing)
    rows, cols = sea_points(lat, lon)
    if rows.size == 0:
        raise DataError(f"{SOURCE}: the area {settings.area.bbox} has no sea points")
    result = HindcastResult()
    for first, last in spans:
        path = month_path(settings.data_dir, first)
        if path.exists():
            result.cached.append(path)
            continue
        ds = _month(session, cfg, first, last, lat, lon, rows, cols, result)
        # a full disk or Ctrl-C leaves the months before intact and no half month behind
        with NETCDF_LOCK, atomic_path(path) as tmp, interrupt_afterwards(path.name):
            ds.to_netcdf(tmp)
        result.written.append(path)
        log.info("%s: %s (%d sea points)", SOURCE, path, rows.size)
    return result


def _month(
    session: requests.Session,
    cfg: Any,
    first: dt.date,
    last: dt.date,
    lat: np.ndarray,
    lon: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    result: HindcastResult,
) -> Any:
    days = (last - first).days + 1
    plans = [
        ("wind", cfg.archive_url, WIND, cfg.wind_model),
        ("marine", cfg.marine_url, WAVES, cfg.wave_model),
    ]
    answers = []
    for kind, url, hourly, model in plans:
        size = locations_per_request(len(hourly), days)
        for lo in range(0, rows.size, size):
            hi = min(lo + size, rows.size)
            params = request_params(lat[rows[lo:hi]], lon[cols[lo:hi]], list(hourly), days,
                                    models=model, start_date=f"{first:%Y-%m-%d}",
                                    end_date=f"{last:%Y-%m-%d}")  # fmt: skip
            params.pop("forecast_days")
            response = request(session, "POST", url, source=SOURCE, data=params)
            result.requests += 1
            result.weight += call_weight(hi - lo, len(hourly), days)
            answers.append((kind, response.content, hi - lo))
    merged = normalize_payloads(answers, lat, lon, rows, cols)
    for name in merged.data_vars:
        if not np.isfinite(merged[name].values).any():
            raise FetchError(
                f"{SOURCE}: {name} for {first:%Y-%m} came back all null; check "
                "[sources.open_meteo_hindcast] archive_url/marine_url and the models"
            )
    if "tm" in merged:
        merged["tm"].attrs["long_name"] = "mean wave period Tm-1,0 (tm10; ERA5 mwp via Open-Meteo)"
    return make_canonical(
        merged,
        source=SOURCE,
        model=f"ERA5 ({cfg.wind_model}) wind and ERA5 ocean waves ({cfg.wave_model}) via "
        "Open-Meteo, CC BY 4.0",
        reference_time=np.datetime64(first, "ns"),
        provenance=[cfg.archive_url, cfg.marine_url],
    )


__all__ = ["HindcastResult", "fetch_hindcast", "month_path", "months"]
