"""The latest risk dataset as the API reads it: hazard at a point, summaries, data age.

``<data>/risk.nc`` is opened once per build (cached by modification time), so the API answers
from memory and picks up a new build on the next request.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from seawatch.config import Settings
from seawatch.errors import DataError, NotFoundError
from seawatch.schema import HAZARD_LEVELS, VESSELS, open_dataset
from seawatch.storage import DataPaths
from seawatch.timeutil import isoformat_utc, now_utc

CONTEXT_VARIABLES = ("hs", "period", "u10", "v10", "gust", "uo", "vo", "sst")
NO_RISK_MESSAGE = "no risk map has been built yet; run `seawatch run` (or `seawatch demo`)"


class RiskData:
    """Cached access to ``<data>/risk.nc`` and what is derived from it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = DataPaths(settings.data_dir).risk
        self._lock = threading.Lock()
        self._mtime: int | None = None
        self._ds: xr.Dataset | None = None
        self._derived: dict[str, Any] = {}

    def dataset(self) -> xr.Dataset:
        """The newest risk dataset.

        Raises
        ------
        NotFoundError
            When no risk dataset has been built.
        """
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            raise NotFoundError(NO_RISK_MESSAGE) from None
        with self._lock:
            if self._ds is None or mtime != self._mtime:
                self._ds = open_dataset(self.path, "risk")
                self._mtime = mtime
                self._derived = {}
            return self._ds

    def derived(self, key: str, compute: Callable[[xr.Dataset], Any]) -> Any:
        """``compute(dataset)``, computed once per build of the dataset."""
        ds = self.dataset()
        with self._lock:
            if key in self._derived and self._ds is ds:
                return self._derived[key]
        value = compute(ds)
        with self._lock:
            if self._ds is ds:
                self._derived[key] = value
        return value

    def summary(self) -> Any:
        """Departure areas and SAR regions, as the build wrote them beside ``risk.nc``."""
        from seawatch.summaries import read_summary

        def read(ds: xr.Dataset) -> Any:
            created_at = ds.attrs.get("created_at")
            try:
                summary = read_summary(self.path, str(created_at) if created_at else None)
            except DataError as exc:  # server state, not the caller's request: 404 like no risk
                raise NotFoundError(str(exc)) from None
            return jsonable(summary)

        return self.derived("summary", read)

    def point(self, lat: float, lon: float, time: dt.datetime | None = None) -> dict[str, Any]:
        """Hazard per vessel class (level, name, drivers) and the sea state at one point.

        Raises
        ------
        DataError
            The point or time lies outside the risk dataset.
        """
        ds = self.dataset()
        lat_idx = _nearest_index(ds["lat"].values, lat, "latitude", _hemi(lat, "N", "S"))
        lon_idx = _nearest_index(ds["lon"].values, lon, "longitude", _hemi(lon, "E", "W"))
        when = time or now_utc()
        times = ds["time"].values.astype("datetime64[s]")
        wanted = np.datetime64(when.astimezone(dt.UTC).replace(tzinfo=None), "s")
        step = np.timedelta64(3, "h") if len(times) < 2 else times[1] - times[0]
        if wanted < times[0] - step or wanted > times[-1] + step:
            raise DataError(
                f"time {isoformat_utc(when)} is outside the forecast "
                f"({isoformat_utc(times[0])} to {isoformat_utc(times[-1])})"
            )
        t_idx = int(np.abs(times - wanted).argmin())
        cell = {"time": t_idx, "lat": lat_idx, "lon": lon_idx}
        vessels = {}
        for vessel in [str(v) for v in ds["vessel"].values] if "vessel" in ds else VESSELS:
            vessels[vessel] = _vessel_hazard(ds, {**cell, "vessel": _vessel_index(ds, vessel)})
        sea = {}
        for name in CONTEXT_VARIABLES:
            if name in ds:
                value = float(ds[name].isel({d: cell[d] for d in ds[name].dims}).values)
                sea[name] = None if math.isnan(value) else round(value, 3)
        return {
            "lat": lat,
            "lon": lon,
            "grid_lat": float(ds["lat"].values[lat_idx]),
            "grid_lon": float(ds["lon"].values[lon_idx]),
            "time": isoformat_utc(times[t_idx]),
            "hazard": vessels,
            "sea_state": sea,
            "model": ds.attrs.get("model_version", ds.attrs.get("model")),
        }

    def built_at(self) -> str | None:
        """When the risk dataset was written (ISO 8601 UTC), or None."""
        return file_time(self.path)


def file_time(path: Path) -> str | None:
    """Modification time of ``path`` as ISO 8601 UTC, or None if it does not exist."""
    try:
        return isoformat_utc(dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC))
    except FileNotFoundError:
        return None


def _hemi(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):g}{positive if value >= 0 else negative}"


def _nearest_index(axis: np.ndarray, value: float, label: str, shown: str) -> int:
    half = float(np.abs(np.diff(axis)).max()) / 2 if len(axis) > 1 else 0.5
    low, high = float(axis.min()), float(axis.max())
    if not low - half <= value <= high + half:
        raise DataError(
            f"{label} {shown} is outside the area of the risk map ({low:g} to {high:g})"
        )
    return int(np.abs(axis - value).argmin())


def _vessel_index(ds: xr.Dataset, vessel: str) -> int:
    return [str(v) for v in ds["vessel"].values].index(vessel)


def _vessel_hazard(ds: xr.Dataset, cell: dict[str, int]) -> dict[str, Any]:
    level_var = ds["hazard_level"]
    level = int(level_var.isel({d: cell[d] for d in level_var.dims}).values)
    if not 0 <= level < len(HAZARD_LEVELS):
        return {"level": None, "name": "land or no data", "drivers": []}
    drivers: list[str] = []
    if "drivers" in ds:
        from seawatch.layers.capsize import describe_drivers

        bits_var = ds["drivers"]
        bits = int(bits_var.isel({d: cell[d] for d in bits_var.dims}).values)
        drivers = list(describe_drivers(bits))
    return {"level": level, "name": HAZARD_LEVELS[level], "drivers": drivers}


def jsonable(value: Any) -> Any:
    """Plain JSON values from what the layers return (frames, numpy, datetimes, dataclasses)."""
    import dataclasses

    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.datetime | np.datetime64 | pd.Timestamp):
        if pd.isna(value):
            return None
        return isoformat_utc(pd.Timestamp(value).to_pydatetime())
    if isinstance(value, dt.timedelta | pd.Timedelta):
        return pd.Timedelta(value).total_seconds()
    if hasattr(value, "__geo_interface__"):
        return jsonable(value.__geo_interface__)
    return value
