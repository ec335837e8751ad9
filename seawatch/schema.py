"""Data contracts: the canonical forecast dataset and the risk dataset.

Every weather fetcher produces the *canonical forecast*: an :class:`xarray.Dataset` with dims
``(time, lat, lon)``, time as naive ``datetime64`` in UTC, ``lat`` and ``lon`` ascending (WGS84
degrees), float32 variables from :data:`FORECAST_VARIABLES` carrying CF ``standard_name`` and
``units``. A source fills what it has and leaves the rest out. The layers turn it into the *risk
dataset* with dims ``(time, vessel, lat, lon)``.

Both are written as CF-1.10 NetCDF with :func:`write_dataset` (atomic: temp file + rename).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from seawatch import __version__
from seawatch.errors import DataError
from seawatch.storage import atomic_path

CONVENTIONS = "CF-1.10"


@dataclass(frozen=True)
class VariableSpec:
    """One canonical variable: CF names, units and the physically plausible range."""

    standard_name: str
    units: str
    long_name: str
    valid_min: float | None = None
    valid_max: float | None = None


# Physical ranges are the validation bounds a normalized dataset must respect before it may
# replace the last good file (0 <= hs < 20 m, wind < 80 m/s, 0 < period < 30 s, -3 < sst < 40 degC).
FORECAST_VARIABLES: dict[str, VariableSpec] = {
    "hs": VariableSpec(
        "sea_surface_wave_significant_height", "m", "significant wave height", 0.0, 20.0
    ),
    "tp": VariableSpec(
        "sea_surface_wave_period_at_variance_spectral_density_maximum",
        "s",
        "peak wave period",
        0.0,
        30.0,
    ),
    "tm": VariableSpec("sea_surface_wave_mean_period", "s", "mean wave period", 0.0, 30.0),
    "wave_dir": VariableSpec(
        "sea_surface_wave_from_direction", "degree", "mean wave direction (from)", 0.0, 360.0
    ),
    "hs_windsea": VariableSpec(
        "sea_surface_wind_wave_significant_height", "m", "wind-sea significant height", 0.0, 20.0
    ),
    "tm_windsea": VariableSpec(
        "sea_surface_wind_wave_mean_period", "s", "wind-sea mean period", 0.0, 30.0
    ),
    "dir_windsea": VariableSpec(
        "sea_surface_wind_wave_from_direction", "degree", "wind-sea direction (from)", 0.0, 360.0
    ),
    "hs_swell": VariableSpec(
        "sea_surface_swell_wave_significant_height", "m", "swell significant height", 0.0, 20.0
    ),
    "tm_swell": VariableSpec(
        "sea_surface_swell_wave_mean_period", "s", "swell mean period", 0.0, 30.0
    ),
    "dir_swell": VariableSpec(
        "sea_surface_swell_wave_from_direction", "degree", "swell direction (from)", 0.0, 360.0
    ),
    "u10": VariableSpec("eastward_wind", "m s-1", "eastward wind at 10 m", -80.0, 80.0),
    "v10": VariableSpec("northward_wind", "m s-1", "northward wind at 10 m", -80.0, 80.0),
    "gust": VariableSpec("wind_speed_of_gust", "m s-1", "wind gust at 10 m", 0.0, 80.0),
    "uo": VariableSpec(
        "eastward_sea_water_velocity", "m s-1", "eastward surface current", -5.0, 5.0
    ),
    "vo": VariableSpec(
        "northward_sea_water_velocity", "m s-1", "northward surface current", -5.0, 5.0
    ),
    "sst": VariableSpec("sea_surface_temperature", "degC", "sea surface temperature", -3.0, 40.0),
}

PERIOD_VARIABLES = ("tp", "tm", "tm_windsea", "tm_swell")
DIRECTION_VARIABLES = ("wave_dir", "dir_windsea", "dir_swell")

VESSELS: tuple[str, ...] = ("rubber_dinghy", "wooden_boat", "small_boat")
VESSEL_LABELS = {
    "rubber_dinghy": "overloaded rubber dinghy",
    "wooden_boat": "overloaded wooden boat",
    "small_boat": "small fibreglass/iron boat, 5-8 m",
}
HAZARD_LEVELS: tuple[str, ...] = ("low", "moderate", "high", "severe", "extreme")


def hazard_level_attrs() -> dict[str, Any]:
    """CF flag attributes of ``hazard_level`` (int8, 0..4)."""
    return {
        "long_name": "capsize hazard level",
        "flag_values": np.arange(len(HAZARD_LEVELS), dtype=np.int8),
        "flag_meanings": " ".join(HAZARD_LEVELS),
        "units": "1",
        "valid_range": np.array([0, len(HAZARD_LEVELS) - 1], dtype=np.int8),
    }


def is_demo(attrs: Mapping[str, Any]) -> bool:
    """Whether a dataset's attributes mark it as made from the demo scenario (``demo`` set)."""
    value = attrs.get("demo", False)
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no")
    if isinstance(value, np.ndarray):
        return bool(value.size and value.any())
    return bool(value)


def forecast_age_hours(reference_time: dt.datetime | None, now: dt.datetime) -> float | None:
    """Hours from the model run ``reference_time`` to ``now`` (both aware), ``None`` if unknown."""
    if reference_time is None:
        return None
    return (now - reference_time).total_seconds() / 3600.0


def is_stale(reference_time: dt.datetime | None, now: dt.datetime, limit_hours: float) -> bool:
    """The one rule for a stale forecast: its model run is unknown or older than the limit.

    ``limit_hours`` is ``[schedule] stale_after_hours``. The maps' banners, the e-mail and
    ``seawatch status`` all flag a forecast with this rule.
    """
    age = forecast_age_hours(reference_time, now)
    return age is None or age > limit_hours


def utc_now() -> dt.datetime:
    """Current time, UTC, aware."""
    return dt.datetime.now(dt.UTC)


def isoformat_utc(value: dt.datetime | np.datetime64 | str) -> str:
    """ISO 8601 with a ``Z``; naive datetimes are taken as UTC."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[s]").astype(dt.datetime)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_canonical(
    ds: xr.Dataset,
    *,
    source: str,
    model: str,
    reference_time: dt.datetime | np.datetime64 | str,
    provenance: str | Sequence[str],
    fetched_at: dt.datetime | None = None,
) -> xr.Dataset:
    """Put a normalized dataset into canonical form.

    Sorts ``lat``/``lon`` ascending and ``time`` ascending, casts variables to float32, sets CF
    attributes from :data:`FORECAST_VARIABLES` (keeping a ``long_name`` the source set, e.g. which
    mean period ``tm`` is) and the global attributes of DESIGN.md.

    Raises
    ------
    DataError
        If dims are not ``(time, lat, lon)`` or a variable is not in the canonical table.
    """
    for dim in ("time", "lat", "lon"):
        if dim not in ds.dims:
            raise DataError(
                f"{source}: normalized dataset has no {dim!r} dimension (dims: {dict(ds.sizes)})"
            )
    unknown = [name for name in ds.data_vars if name not in FORECAST_VARIABLES]
    if unknown:
        raise DataError(f"{source}: variables {unknown} are not canonical forecast variables")
    if not ds.data_vars:
        raise DataError(f"{source}: normalized dataset has no variables")
    for dim in ("lat", "lon", "time"):
        index = ds.indexes.get(dim)
        if index is not None and not index.is_monotonic_increasing:
            ds = ds.sortby(dim)  # e.g. GRIB latitudes arrive descending
    times = ds["time"].values
    if getattr(ds["time"].dtype, "tz", None) is not None:
        raise DataError(f"{source}: time must be naive UTC datetime64")
    out = xr.Dataset(
        coords={
            "time": times.astype("datetime64[ns]"),
            "lat": ds["lat"].values,
            "lon": ds["lon"].values,
        }
    )
    out["time"].attrs = {"standard_name": "time", "long_name": "time (UTC)", "axis": "T"}
    out["lat"].attrs = {
        "standard_name": "latitude",
        "long_name": "latitude",
        "units": "degrees_north",
        "axis": "Y",
    }
    out["lon"].attrs = {
        "standard_name": "longitude",
        "long_name": "longitude",
        "units": "degrees_east",
        "axis": "X",
    }
    for name, var in ds.data_vars.items():
        spec = FORECAST_VARIABLES[name]
        data = var.transpose("time", "lat", "lon").astype(np.float32)
        attrs = {
            "standard_name": spec.standard_name,
            "units": spec.units,
            "long_name": var.attrs.get("long_name", spec.long_name),
        }
        for key in ("source", "model", "reference_time", "comment"):
            if key in var.attrs:
                attrs[key] = var.attrs[key]
        out[name] = (("time", "lat", "lon"), data.values, attrs)
    prov = provenance if isinstance(provenance, str) else "\n".join(provenance)
    out.attrs = {
        "Conventions": CONVENTIONS,
        "title": f"seawatch canonical forecast from {source}",
        "source": source,
        "model": model,
        "reference_time": isoformat_utc(reference_time),
        "fetched_at": isoformat_utc(fetched_at or utc_now()),
        "provenance": prov,
        "seawatch_version": __version__,
    }
    return out


def validate_forecast(
    ds: xr.Dataset,
    *,
    sea_mask: np.ndarray | None = None,
    max_missing_share: float = 0.5,
) -> list[str]:
    """Check a canonical forecast before it may replace the last good one.

    Checks dims and coordinate order, time strictly increasing, each variable within its
    physical range (:data:`FORECAST_VARIABLES`), and the share of missing values over sea cells.

    Parameters
    ----------
    ds
        Canonical forecast dataset.
    sea_mask
        Boolean ``(lat, lon)`` array, True over sea; when given, the share of NaN over sea cells
        of each variable must not exceed ``max_missing_share``.
    max_missing_share
        Largest tolerated share (0-1) of missing sea values per variable.

    Returns
    -------
    list of str
        Problems found, each one line; empty when the dataset is valid.
    """
    problems: list[str] = []
    for dim in ("time", "lat", "lon"):
        if dim not in ds.dims:
            return [f"missing dimension {dim!r}"]
    if ds.sizes["time"] == 0:
        return ["no time steps"]
    if not np.issubdtype(ds["time"].dtype, np.datetime64):
        problems.append(f"time is {ds['time'].dtype}, not datetime64 (UTC)")
    elif ds.sizes["time"] > 1 and not bool((np.diff(ds["time"].values) > np.timedelta64(0)).all()):
        problems.append("time is not strictly increasing")
    for axis in ("lat", "lon"):
        values = ds[axis].values
        if values.size > 1 and not bool((np.diff(values) > 0).all()):
            problems.append(f"{axis} is not ascending")
    for name, var in ds.data_vars.items():
        spec = FORECAST_VARIABLES.get(name)
        if spec is None:
            problems.append(f"{name} is not a canonical variable")
            continue
        values = np.asarray(var.values, dtype=np.float64)
        finite = values[np.isfinite(values)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            if name in PERIOD_VARIABLES and lo <= 0.0:
                problems.append(f"{name} has a period of {lo:g} s (must be > 0)")
            elif spec.valid_min is not None and lo < spec.valid_min:
                problems.append(f"{name} has {lo:g} {spec.units}, below {spec.valid_min:g}")
            if (
                spec.valid_max is not None
                and hi >= spec.valid_max
                and name not in DIRECTION_VARIABLES
            ):
                problems.append(f"{name} has {hi:g} {spec.units}, not below {spec.valid_max:g}")
            if name in DIRECTION_VARIABLES and hi > 360.0:
                problems.append(f"{name} has {hi:g} degrees, above 360")
        if sea_mask is not None:
            sea = np.broadcast_to(sea_mask, values.shape[-2:])
            n_sea = int(sea.sum()) * values.shape[0]
            if n_sea:
                missing = int((~np.isfinite(values) & sea).sum())
                share = missing / n_sea
                if share > max_missing_share:
                    problems.append(
                        f"{name} is missing on {share:.0%} of sea cells (at most {max_missing_share:.0%} allowed)"
                    )
    return problems


def netcdf_encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Compression and packing used for every NetCDF seawatch writes."""
    enc: dict[str, dict[str, Any]] = {}
    for name, var in ds.data_vars.items():
        e: dict[str, Any] = {"zlib": True, "complevel": 1, "shuffle": True}
        if var.dtype.kind == "f":
            e["_FillValue"] = np.float32(np.nan) if var.dtype == np.float32 else np.nan
        elif var.dtype.kind in "iu":
            e["_FillValue"] = None
        enc[name] = e
    if "time" in ds.coords:
        enc["time"] = {
            "units": "hours since 1970-01-01 00:00:00",
            "calendar": "proleptic_gregorian",
            "dtype": "float64",
        }
    return enc


def write_dataset(
    ds: xr.Dataset, path: str | Path, extra_encoding: Mapping[str, dict] | None = None
) -> Path:
    """Write ``ds`` as NetCDF4 atomically (temp file + rename) and return the path."""
    path = Path(path)
    encoding = netcdf_encoding(ds)
    for key, value in (extra_encoding or {}).items():
        encoding.setdefault(key, {}).update(value)
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, format="NETCDF4", engine="netcdf4", encoding=encoding)
    return path


def open_dataset(path: str | Path, kind: str = "dataset") -> xr.Dataset:
    """Open a seawatch NetCDF fully into memory, with a clear error if it is missing or broken."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{kind} file {path} does not exist")
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return ds.load()
    except (OSError, ValueError) as exc:
        raise DataError(f"{kind} file {path} cannot be read ({exc}); it may be truncated") from None


def open_forecast(path: str | Path) -> xr.Dataset:
    """Open a canonical forecast file and check it is one."""
    ds = open_dataset(path, "forecast")
    problems = [p for p in validate_forecast(ds) if "not a canonical variable" not in p]
    if "source" not in ds.attrs or problems:
        detail = "; ".join(problems) or "no 'source' attribute"
        raise DataError(f"{path} is not a valid seawatch forecast: {detail}")
    return ds
