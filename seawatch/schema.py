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
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from seawatch import __version__
from seawatch.errors import DataError
from seawatch.storage import atomic_path, interrupt_afterwards, unreadable_file_message
from seawatch.timeutil import isoformat_utc, now_utc

CONVENTIONS = "CF-1.10"

log = logging.getLogger(__name__)


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
        "fetched_at": isoformat_utc(fetched_at or now_utc()),
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
        of each variable, at the time steps where it has any value, must not exceed
        ``max_missing_share``.
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
            # a merged forecast gives each variable at its own source's steps only
            own = np.isfinite(values).any(axis=(-2, -1))
            steps = values[own] if own.any() else values
            n_sea = int(sea.sum()) * steps.shape[0]
            if n_sea:
                missing = int((~np.isfinite(steps) & sea).sum())
                share = missing / n_sea
                if share > max_missing_share:
                    problems.append(
                        f"{name} is missing on {share:.0%} of sea cells (at most {max_missing_share:.0%} allowed)"
                    )
    return problems


@dataclass(frozen=True)
class Packing:
    """CF packing (CF-1.10 8.1) of one continuous variable into int16.

    ``packed = round((value - add_offset) / scale_factor)``; a reader gets the value back within
    ``scale_factor / 2`` (:attr:`precision`). ``valid_min``/``valid_max`` are in physical units
    and are written as ``valid_range`` in packed units; a variable with a finite value outside
    them is written unpacked (float32) rather than wrapped around.
    """

    scale_factor: float
    valid_min: float
    valid_max: float
    add_offset: float = 0.0

    @property
    def precision(self) -> float:
        return self.scale_factor / 2

    def packed_range(self) -> np.ndarray:
        bounds = [
            (v - self.add_offset) / self.scale_factor for v in (self.valid_min, self.valid_max)
        ]
        return np.array([np.floor(bounds[0] + 0.5), np.floor(bounds[1] + 0.5)], dtype=np.int16)


PACKED_FILL = np.int16(-32768)  # outside every valid_range below


def _forecast_packing(name: str, scale_factor: float) -> Packing:
    spec = FORECAST_VARIABLES[name]
    assert spec.valid_min is not None and spec.valid_max is not None
    return Packing(scale_factor, spec.valid_min, spec.valid_max)


# Precisions (scale_factor / 2) are far below what a forecast or the index resolves and finer
# than the maps show (wave heights and winds to 0.1, the score to 0.1 of a level): 5 mm of wave
# height, 5 ms of period, 0.005 m/s of wind, 0.5 mm/s of current, 0.005 degC, 0.005 of a
# hazard level, 0.0005 of risk. Packed ranges fit int16 (|packed| <= 32767).
RISK_PACKING: dict[str, Packing] = {
    "hazard_score": Packing(0.01, 0.0, 5.0),
    "risk": Packing(0.001, 0.0, 1.0),
    # Hayward et al. 1975 gives 187 h at 22.9 degC, where its formula ends; 300 h covers any
    # override of hayward_max_sst below that.
    "survival_hours": Packing(0.01, 0.0, 300.0),
    "hs": _forecast_packing("hs", 0.01),
    "hs_eff": Packing(0.01, 0.0, 20.0),
    "period": Packing(0.01, 0.0, 30.0),
    "steepness": Packing(0.0001, 0.0, 1.0),  # capped at 1/7 (Miche 1944)
    "u10": _forecast_packing("u10", 0.01),
    "v10": _forecast_packing("v10", 0.01),
    "gust": _forecast_packing("gust", 0.01),
    "uo": _forecast_packing("uo", 0.001),
    "vo": _forecast_packing("vo", 0.001),
    "sst": _forecast_packing("sst", 0.01),
}


def _is_risk_dataset(ds: xr.Dataset) -> bool:
    return "vessel" in ds.dims and "hazard_level" in ds


def _fits(values: np.ndarray, packing: Packing) -> bool:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return True
    return bool(finite.min() >= packing.valid_min and finite.max() <= packing.valid_max)


def _keep_level_floor(score: np.ndarray, level: np.ndarray, step: float) -> np.ndarray:
    """``score`` on the packing grid, rounded down where rounding would reach the next level.

    ``floor(hazard_score) == hazard_level`` holds in the risk dataset (5.0 is Extreme); plain
    rounding would break it for scores within ``step / 2`` below a level boundary, so those go
    one step down (an error below ``step`` for them, ``step / 2`` elsewhere).
    """
    steps = np.round(score / step)
    top = len(HAZARD_LEVELS) - 1  # Extreme goes up to 5.0
    over = (np.minimum(np.floor(steps * step + step * 1e-3), top) > level) & (level >= 0)
    steps[over] -= 1
    return (steps * step).astype(score.dtype)


# zlib level of the risk dataset: the demo's risk.nc within its 20 MB target (issue 13) at about
# 1.5 s more writing than level 1 (numbers in netcdf_encoding)
RISK_COMPLEVEL = 6


def netcdf_encoding(ds: xr.Dataset) -> tuple[xr.Dataset, dict[str, dict[str, Any]]]:
    """The dataset as written and its encoding: one layout for every NetCDF seawatch writes.

    * every variable with a ``time`` dimension is chunked one time step per chunk (a reader of
      one hour reads one chunk), zlib with shuffle: level 6 in the risk dataset, level 1 elsewhere.
      The risk dataset's packed integers repay the higher level, the float32 forecast (several
      times larger) would mostly cost time. Demo risk.nc over 10-25 E (120 h, 151 x 301 cells),
      compression alone, one core: level 1 25.4 MB in 1.0 s, level 4 21.3 MB in 1.4 s, level 5
      20.6 MB in 1.9 s, level 6 19.4 MB in 2.6 s, level 7 19.1 MB in 3.3 s, level 9 18.6 MB in
      20.5 s. Chunks of 24 hours x 8 rows would save a further 8 % but make a one-hour read
      inflate 24 hours;
    * in the risk dataset the continuous variables of :data:`RISK_PACKING` are packed into int16
      with ``scale_factor``/``add_offset``, ``_FillValue`` -32768 and ``valid_range`` in packed
      units; the flags (``hazard_level``, ``cold_shock``, ``land``) stay int8 and ``drivers`` int16,
      also when they come from a file (decoded to float with NaN), so a subset of a read risk.nc
      is written like the original;
    * coordinates get no ``_FillValue`` (CF 2.5.1: coordinates must not have missing values);
    * a ``history`` attribute (CF 2.6.2) is added when the dataset has none.

    ``ds`` is not changed; the returned dataset shares its data except where packing needs
    other attributes or the hazard score is put on the packing grid.
    """
    out = ds.copy(deep=False)
    if not out.attrs.get("history"):
        # CF 2.6.2: what made the file and when
        made = (
            out.attrs.get("created_at") or out.attrs.get("fetched_at") or isoformat_utc(now_utc())
        )
        out.attrs["history"] = f"{made} written by seawatch {__version__}"
    enc: dict[str, dict[str, Any]] = {}
    packing = RISK_PACKING if _is_risk_dataset(ds) else {}
    complevel = RISK_COMPLEVEL if packing else 1
    for name, var in ds.data_vars.items():
        e: dict[str, Any] = {"zlib": True, "complevel": complevel, "shuffle": True}
        if "time" in var.dims:
            e["chunksizes"] = tuple(1 if d == "time" else ds.sizes[d] for d in var.dims)
        pack = packing.get(str(name))
        if pack is not None and var.dtype.kind == "f":
            values = np.asarray(var.values)
            if _fits(values, pack):
                if name == "hazard_score" and "hazard_level" in ds:
                    level = np.asarray(ds["hazard_level"].transpose(*var.dims).values)
                    values = _keep_level_floor(values, level, pack.scale_factor)
                attrs = {k: v for k, v in var.attrs.items() if k not in ("valid_min", "valid_max")}
                attrs["valid_range"] = pack.packed_range()
                out[name] = xr.DataArray(values, dims=var.dims, coords=var.coords, attrs=attrs)
                e.update(
                    dtype="int16",
                    scale_factor=np.float32(pack.scale_factor),
                    add_offset=np.float32(pack.add_offset),
                    _FillValue=PACKED_FILL,
                )
                enc[name] = e
                continue
            log.warning(
                "%s has values outside %g..%g; written unpacked (float32)",
                name,
                pack.valid_min,
                pack.valid_max,
            )
        stored = np.dtype(var.encoding.get("dtype", var.dtype))
        if var.dtype.kind == "f" and stored.kind in "iu" and "_FillValue" in var.encoding:
            # a flag read back from a file (NaN where missing): written as it was stored
            e.update(dtype=stored, _FillValue=var.encoding["_FillValue"])
        elif var.dtype.kind == "f":
            e["_FillValue"] = np.float32(np.nan) if var.dtype == np.float32 else np.nan
        elif var.dtype.kind in "iu":
            e["_FillValue"] = None
        enc[name] = e
    for name in ds.coords:
        if ds[name].dtype.kind in "fiuM":
            enc[str(name)] = {"_FillValue": None}
    if "time" in ds.coords:
        enc["time"].update(
            units="hours since 1970-01-01 00:00:00",
            calendar="proleptic_gregorian",
            dtype="float64",
        )
    return out, enc


# The HDF5 library under netCDF4 is not thread-safe: two threads writing or reading NetCDF at
# once can crash the process ("Problem with HDF5 dimscales", segmentation faults), as in the
# demo when risk.nc compressed on the writer thread while the build wrote departures.nc.
NETCDF_LOCK = threading.RLock()


def write_dataset(
    ds: xr.Dataset, path: str | Path, extra_encoding: Mapping[str, dict] | None = None
) -> Path:
    """Write ``ds`` as NetCDF4 atomically (temp file + rename) and return the path.

    The layout (packing, chunks, compression) is :func:`netcdf_encoding`'s.
    """
    path = Path(path)
    ds, encoding = netcdf_encoding(ds)
    for key, value in (extra_encoding or {}).items():
        encoding.setdefault(key, {}).update(value)
    with NETCDF_LOCK, atomic_path(path) as tmp, interrupt_afterwards(path.name):
        ds.to_netcdf(tmp, format="NETCDF4", engine="netcdf4", encoding=encoding)
    return path


def open_dataset(path: str | Path, kind: str = "dataset") -> xr.Dataset:
    """Open a seawatch NetCDF fully into memory, with a clear error if it is missing or broken."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{kind} file {path} does not exist")
    try:
        with NETCDF_LOCK, xr.open_dataset(path, engine="netcdf4") as ds:
            return ds.load()
    except (OSError, ValueError) as exc:
        again = {
            "forecast": "fetch it again (`seawatch fetch weather`) or pass a good --forecast FILE",
            "risk": "build it again (`seawatch build`) or pass a good --risk FILE",
        }.get(kind, "copy or build it again")
        raise DataError(f"{kind} file {unreadable_file_message(path, exc, again)}") from None


def open_forecast(path: str | Path) -> xr.Dataset:
    """Open a canonical forecast file and check it is one."""
    ds = open_dataset(path, "forecast")
    problems = [p for p in validate_forecast(ds) if "not a canonical variable" not in p]
    if "source" not in ds.attrs or problems:
        detail = "; ".join(problems) or "no 'source' attribute"
        raise DataError(f"{path} is not a valid seawatch forecast: {detail}")
    return ds
