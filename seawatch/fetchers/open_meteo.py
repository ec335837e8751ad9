"""Open-Meteo Marine and Forecast APIs: waves, currents, SST and 10 m wind on sea points.

No credentials. The area of interest is covered by a regular grid of points
(``[sources.open_meteo] spacing``, default 0.25 deg); points on land (bundled coastline) are left
out, and the rest are sent in requests of at most 1000 locations, POSTed as form data
(``cell_selection=sea``, ``timezone=GMT``, ``wind_speed_unit=ms``, hourly).

Call budget (free tier: 10,000 weighted calls per day, 5,000 per hour, 600 per minute; one
request may weigh at most 5,000). A request weighs, per location,
``max(1, nVars/10, nDays/14 * nVars/10)``. With the defaults (0.25 deg, 910 sea points, 7 days)
a refresh costs one Marine request (13 variables: 910 x 1.3 = 1,183) and one Forecast request
(3 variables: 910 x 1.0 = 910), about 2,100 weighted calls; four refreshes a day stay under the
daily limit. At 0.1 deg (5,593 sea points) one refresh costs about 12,900: too much for the free
tier. :func:`call_weight` gives the figure for other settings, and every fetch logs it.

Conventions: the answers are mapped back to the requested points by their order (the server
snaps coordinates to model cells, e.g. 33.041664); currents are "going to" and arrive in km/h
unless ``wind_speed_unit`` says otherwise (the units each answer declares are honoured); wind
and waves are "from"; ``null`` becomes NaN.

References
----------
Open-Meteo Marine Weather API, https://open-meteo.com/en/docs/marine-weather-api;
Forecast API, https://open-meteo.com/en/docs; terms and call weights,
https://open-meteo.com/en/terms and https://open-meteo.com/en/pricing (CC BY 4.0 data).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import requests
import xarray as xr

from seawatch.config import Settings
from seawatch.errors import DataError, FetchError
from seawatch.fetchers.base import (
    SourceFetch,
    make_session,
    request,
    run_label,
    save_raw,
    speed_direction_to_uv,
    store_forecast,
)
from seawatch.schema import make_canonical
from seawatch.storage import DataPaths
from seawatch.timeutil import isoformat_utc, now_utc

log = logging.getLogger(__name__)

SOURCE = "open_meteo"
MAX_LOCATIONS = 1000
MAX_REQUEST_WEIGHT = 5000.0

# Marine API hourly variable -> canonical variable (None: combined below, currents).
MARINE_HOURLY: dict[str, str | None] = {
    "wave_height": "hs",
    "wave_peak_period": "tp",
    "wave_period": "tm",
    "wave_direction": "wave_dir",
    "wind_wave_height": "hs_windsea",
    "wind_wave_period": "tm_windsea",
    "wind_wave_direction": "dir_windsea",
    "swell_wave_height": "hs_swell",
    "swell_wave_period": "tm_swell",
    "swell_wave_direction": "dir_swell",
    "ocean_current_velocity": None,
    "ocean_current_direction": None,
    "sea_surface_temperature": "sst",
}
FORECAST_HOURLY: dict[str, str | None] = {
    "wind_speed_10m": None,
    "wind_direction_10m": None,
    "wind_gusts_10m": "gust",
}
LONG_NAMES = {
    "tm": "mean wave period Tm-1,0 (tm10; Open-Meteo wave_period)",
    "tp": "peak wave period (Open-Meteo wave_peak_period)",
}
RUN_COMMENT = (
    "Open-Meteo does not report the model run; reference_time is the hour the data were retrieved"
)

# Units as Open-Meteo writes them in hourly_units -> (scale, offset) to SI/canonical units.
UNIT_CONVERSIONS: dict[str, tuple[float, float]] = {
    "m": (1.0, 0.0),
    "ft": (0.3048, 0.0),
    "s": (1.0, 0.0),
    "°": (1.0, 0.0),
    "m/s": (1.0, 0.0),
    "km/h": (1.0 / 3.6, 0.0),
    "kn": (1852.0 / 3600.0, 0.0),
    "mph": (0.44704, 0.0),
    "°C": (1.0, 0.0),
    "°F": (5.0 / 9.0, -32.0 * 5.0 / 9.0),
}


def call_weight(n_locations: int, n_variables: int, forecast_days: int, n_models: int = 1) -> float:
    """Weighted API calls a request costs (Open-Meteo ``calculateQueryWeight``).

    Parameters
    ----------
    n_locations
        Number of locations in the request.
    n_variables
        Number of hourly variables.
    forecast_days
        Days of forecast requested.
    n_models
        Number of models requested.

    Returns
    -------
    float
        ``sum over locations of max(1, nVars*nModels/10, nDays/14 * nVars*nModels/10)``.
    """
    per_var = n_variables * n_models / 10.0
    return n_locations * max(1.0, per_var, forecast_days / 14.0 * per_var)


def locations_per_request(n_variables: int, forecast_days: int) -> int:
    """Most locations one request may carry: 1000, less if the 5,000 weight cap is reached."""
    per_location = call_weight(1, n_variables, forecast_days)
    return max(1, min(MAX_LOCATIONS, int(MAX_REQUEST_WEIGHT // per_location)))


def grid_axes(
    bbox: tuple[float, float, float, float], spacing: float
) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes (degrees, ascending) of the point grid over ``bbox``."""
    west, south, east, north = bbox
    n_lat = math.floor((north - south) / spacing + 1e-9) + 1
    n_lon = math.floor((east - west) / spacing + 1e-9) + 1
    lat = np.round(south + spacing * np.arange(n_lat), 6)
    lon = np.round(west + spacing * np.arange(n_lon), 6)
    return lat, lon


def sea_points(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the grid cells at sea (bundled coastline)."""
    from seawatch.fetchers.base import sea_mask_for

    grid = xr.Dataset(coords={"lat": lat, "lon": lon})
    return np.nonzero(sea_mask_for(grid))


def request_params(
    lats: Sequence[float],
    lons: Sequence[float],
    hourly: Sequence[str],
    forecast_days: int,
    **extra: str | int,
) -> dict[str, str | int]:
    """Form fields of one Marine or Forecast request."""
    return {
        "latitude": ",".join(f"{v:.4f}" for v in lats),
        "longitude": ",".join(f"{v:.4f}" for v in lons),
        "hourly": ",".join(hourly),
        "forecast_days": forecast_days,
        "timezone": "GMT",
        "timeformat": "iso8601",
        "wind_speed_unit": "ms",
        "cell_selection": "sea",
        **extra,
    }


def parse_locations(payload: Any, n_expected: int) -> list[dict[str, Any]]:
    """The per-location objects of an answer, in the order of the requested points.

    A single location comes back as one object, several as a list; elements after the first
    carry ``location_id`` 1, 2, ... which, when present, gives the order.

    Raises
    ------
    FetchError
        If the answer is an error body, has the wrong number of locations, or no ``hourly``.
    """
    if isinstance(payload, dict) and payload.get("error"):
        raise FetchError(f"{SOURCE}: the server refused the request: {payload.get('reason')}")
    items = [payload] if isinstance(payload, dict) else payload
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FetchError(f"{SOURCE}: unexpected answer (not a JSON object or list of objects)")
    if len(items) != n_expected:
        raise FetchError(f"{SOURCE}: asked for {n_expected} locations, the answer has {len(items)}")
    if any("location_id" in item for item in items):
        items = sorted(items, key=lambda item: int(item.get("location_id", 0)))
        if [int(i.get("location_id", 0)) for i in items] != list(range(n_expected)):
            raise FetchError(f"{SOURCE}: location_id values do not match the requested points")
    for item in items:
        if not isinstance(item.get("hourly"), dict) or "time" not in item["hourly"]:
            raise FetchError(f"{SOURCE}: a location in the answer has no hourly time series")
    return items


def parse_times(item: dict[str, Any]) -> np.ndarray:
    """Hourly times of one location as naive UTC ``datetime64[ns]``."""
    raw = item["hourly"]["time"]
    if raw and isinstance(raw[0], int | float):
        times = np.asarray(raw, dtype="int64").astype("datetime64[s]")
    else:
        try:
            times = np.asarray(raw, dtype="datetime64[m]")
        except ValueError as exc:
            raise DataError(f"{SOURCE}: cannot read the hourly times ({exc})") from None
        # iso8601 times are local to the answer's time zone; unixtime is always UTC
        times = times - np.timedelta64(int(item.get("utc_offset_seconds", 0) or 0), "s")
    return times.astype("datetime64[ns]")


def parse_hourly(
    items: Sequence[dict[str, Any]], variables: Sequence[str]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Hourly series of all locations as arrays in SI units.

    Returns
    -------
    times : numpy.ndarray
        ``datetime64[ns]``, naive UTC, shape ``(n_time,)``.
    values : dict of str to numpy.ndarray
        Open-Meteo variable name -> float64 ``(n_locations, n_time)`` converted to SI (m, s,
        degree, m s-1, degC) from the units in ``hourly_units``; ``null`` is NaN. Variables that
        no location has are left out.
    """
    times = parse_times(items[0])
    first_times = items[0]["hourly"]["time"]
    for item in items[1:]:
        if item["hourly"]["time"] != first_times and not np.array_equal(parse_times(item), times):
            raise DataError(f"{SOURCE}: locations in one answer have different time steps")
    n_time = times.size
    units = items[0].get("hourly_units", {})
    values: dict[str, np.ndarray] = {}
    for name in variables:
        if not any(name in item["hourly"] for item in items):
            continue
        rows = [item["hourly"].get(name) or [None] * n_time for item in items]
        try:
            data = np.array(rows, dtype=np.float64)
        except ValueError:
            raise DataError(
                f"{SOURCE}: {name} does not have one value per time step in every location"
            ) from None
        if data.shape != (len(items), n_time):
            raise DataError(
                f"{SOURCE}: {name} has shape {data.shape}, expected {(len(items), n_time)}"
            )
        unit = units.get(name)
        if unit is not None:
            if unit not in UNIT_CONVERSIONS:
                raise DataError(f"{SOURCE}: {name} comes in unknown unit {unit!r}")
            scale, offset = UNIT_CONVERSIONS[unit]
            if scale != 1.0 or offset != 0.0:
                data = data * scale + offset
        values[name] = data
    return times, values


def to_canonical_fields(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Open-Meteo series (SI) -> canonical variables: components for wind and currents.

    A period of 0 s marks a wave system that is absent; it becomes NaN.
    """
    out: dict[str, np.ndarray] = {}
    for name, canonical in {**MARINE_HOURLY, **FORECAST_HOURLY}.items():
        if canonical and name in values:
            data = values[name]
            if canonical.startswith("tm") or canonical == "tp":
                data = np.where(data > 0, data, np.nan)
            out[canonical] = data
    if "ocean_current_velocity" in values and "ocean_current_direction" in values:
        out["uo"], out["vo"] = speed_direction_to_uv(
            values["ocean_current_velocity"], values["ocean_current_direction"], convention="to"
        )
    if "wind_speed_10m" in values and "wind_direction_10m" in values:
        out["u10"], out["v10"] = speed_direction_to_uv(
            values["wind_speed_10m"], values["wind_direction_10m"], convention="from"
        )
    return out


def points_to_grid(
    times: np.ndarray,
    fields: dict[str, np.ndarray],
    lat: np.ndarray,
    lon: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
) -> xr.Dataset:
    """Place per-point series ``(n_points, n_time)`` onto the ``(time, lat, lon)`` grid."""
    ds = xr.Dataset(coords={"time": times, "lat": lat, "lon": lon})
    for name, data in fields.items():
        grid = np.full((times.size, lat.size, lon.size), np.nan, dtype=np.float32)
        grid[:, rows, cols] = data.T
        ds[name] = (("time", "lat", "lon"), grid)
    return ds


def fetch(
    settings: Settings,
    *,
    progress: bool = False,
    session: requests.Session | None = None,
) -> SourceFetch:
    """Fetch the Open-Meteo forecast over the area's sea points and store it.

    Parameters
    ----------
    settings
        ``[area]`` and ``[sources.open_meteo]`` (``marine_url``, ``forecast_url``, ``spacing``
        in degrees, ``forecast_days``, ``wind_model``, ``timeout`` in seconds).
    progress
        Show a progress bar over the requests (stderr).
    session
        HTTP session to use (default: :func:`~seawatch.fetchers.base.make_session`).

    Returns
    -------
    SourceFetch
        Canonical dataset (hs, tp, tm, wave_dir, wind-sea and swell partitions, uo, vo, sst,
        u10, v10, gust) on the point grid, land cells NaN; stored at
        ``<data>/forecast/open_meteo.nc``.

    Raises
    ------
    FetchError, DataError
        One line; the last good ``open_meteo.nc`` stays in place.
    """
    cfg = settings.sources.open_meteo
    session = session or make_session(timeout=cfg.timeout)
    started = time.perf_counter()
    retrieved = now_utc().replace(minute=0, second=0, microsecond=0)
    run = run_label(retrieved)
    lat, lon = grid_axes(settings.area.bbox, cfg.spacing)
    rows, cols = sea_points(lat, lon)
    if rows.size == 0:
        raise DataError(f"{SOURCE}: the area {settings.area.bbox} has no sea points")
    plans: list[tuple[str, str, dict[str, str | None], dict[str, str]]] = [
        ("marine", cfg.marine_url, MARINE_HOURLY, {}),
        ("wind", cfg.forecast_url, FORECAST_HOURLY, {"models": cfg.wind_model}),
    ]
    jobs = []
    weight = 0.0
    for kind, url, hourly, extra in plans:
        size = locations_per_request(len(hourly), cfg.forecast_days)
        for start in range(0, rows.size, size):
            jobs.append((kind, url, hourly, extra, start, min(start + size, rows.size)))
            weight += call_weight(min(size, rows.size - start), len(hourly), cfg.forecast_days)
    counters = {"bytes": 0}

    def answers() -> Iterator[tuple[str, bytes, int]]:
        for index, (kind, url, hourly, extra, start, stop) in enumerate(
            _progress(jobs, progress, "open_meteo")
        ):
            params = request_params(
                lat[rows[start:stop]],
                lon[cols[start:stop]],
                list(hourly),
                cfg.forecast_days,
                **extra,
            )
            response = request(session, "POST", url, source=SOURCE, data=params)
            counters["bytes"] += len(response.content)
            save_raw(
                settings.data_dir,
                SOURCE,
                run,
                f"{kind}-{index:03d}.json",
                response.content,
                url=url,
                status=response.status_code,
                headers=response.headers,
                extra={
                    "request": {
                        k: v for k, v in params.items() if k not in ("latitude", "longitude")
                    },
                    "points": [int(start), int(stop)],
                },
            )
            yield kind, response.content, stop - start

    merged = normalize_payloads(answers(), lat, lon, rows, cols)
    n_bytes = counters["bytes"]
    for name, long_name in LONG_NAMES.items():
        if name in merged:
            merged[name].attrs["long_name"] = long_name
    for name in merged.data_vars:
        merged[name].attrs["comment"] = RUN_COMMENT
    model = f"Open-Meteo marine best_match (MFWAM, DWD EWAM, SMOC currents); wind {cfg.wind_model}"
    ds = make_canonical(
        merged,
        source=SOURCE,
        model=model,
        reference_time=retrieved,
        provenance=[cfg.marine_url, cfg.forecast_url],
    )
    sea = np.zeros((lat.size, lon.size), dtype=bool)
    sea[rows, cols] = True
    path = store_forecast(
        ds, DataPaths(settings.data_dir).source_forecast(SOURCE), name=SOURCE, sea_mask=sea
    )
    seconds = time.perf_counter() - started
    log.info(
        "%s: run %s, %d sea points in %d requests (call weight %.0f), %d steps, %.1f MB, %.1f s",
        SOURCE,
        run,
        rows.size,
        len(jobs),
        weight,
        ds.sizes["time"],
        n_bytes / 1e6,
        seconds,
    )
    return SourceFetch(
        source=SOURCE,
        dataset=ds,
        path=path,
        run=isoformat_utc(retrieved),
        model=model,
        points=int(rows.size),
        requests=len(jobs),
        bytes=n_bytes,
        seconds=round(seconds, 2),
        notes=[f"call weight {weight:.0f}"],
    )


def normalize_payloads(
    payloads: Iterable[tuple[str, bytes | str, int]],
    lat: np.ndarray,
    lon: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
) -> xr.Dataset:
    """Normalize raw answers into a ``(time, lat, lon)`` dataset of canonical variables.

    Parameters
    ----------
    payloads
        ``(kind, JSON text, number of locations asked)`` per request, ``kind`` being
        ``"marine"`` or ``"wind"``; the requests of one kind cover ``rows``/``cols`` in order.
        May be a generator: each answer is checked as soon as it arrives.
    lat, lon
        Axes of the point grid, degrees.
    rows, cols
        Grid indices of the requested points, in request order.

    Used by :func:`fetch`, by the benchmark and to re-normalize stored raw payloads.
    """
    fields: dict[str, dict[str, list[np.ndarray]]] = {}
    times_by_kind: dict[str, np.ndarray] = {}
    for kind, raw, n_expected in payloads:
        hourly = MARINE_HOURLY if kind == "marine" else FORECAST_HOURLY
        try:
            payload = json.loads(raw)
        except ValueError:
            raise FetchError(f"{SOURCE}: the {kind} answer is not valid JSON") from None
        items = parse_locations(payload, n_expected)
        times, values = parse_hourly(items, list(hourly))
        if kind in times_by_kind and not np.array_equal(times_by_kind[kind], times):
            raise DataError(f"{SOURCE}: {kind} answers have different time steps")
        times_by_kind[kind] = times
        for name, data in to_canonical_fields(values).items():
            fields.setdefault(kind, {}).setdefault(name, []).append(data)
    parts = []
    for kind, by_name in fields.items():
        joined = {name: np.concatenate(chunks, axis=0) for name, chunks in by_name.items()}
        parts.append(points_to_grid(times_by_kind[kind], joined, lat, lon, rows, cols))
    if not parts:
        raise DataError(f"{SOURCE}: the answers hold none of the requested variables")
    return xr.merge(parts, join="outer", compat="no_conflicts")


def _progress(items: list[Any], enabled: bool, label: str) -> Any:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="request", leave=False)


__all__ = [
    "call_weight",
    "fetch",
    "grid_axes",
    "locations_per_request",
    "normalize_payloads",
    "parse_hourly",
    "parse_locations",
    "to_canonical_fields",
]
