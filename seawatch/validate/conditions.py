"""Conditions at each incident's position and day, from a hindcast, with the forecast code.

Input
    One or more canonical datasets (variables of :data:`seawatch.schema.FORECAST_VARIABLES`
    over ``time, lat, lon``): anything ``seawatch ingest`` reads (ERA5 single levels GRIB or
    NetCDF, CMEMS MEDSEA wave or physics NetCDF, NOAA WW3 GRIB) or a canonical NetCDF
    (``seawatch ingest --out``, ``seawatch fetch hindcast``). Waves and wind may come on
    different grids and time steps.

Where
    The nearest *sea cell* of the reference grid (the first dataset with wave height: a cell is
    sea where its wave height is ever known; a wind-only hindcast has no land mask and every
    cell counts) within ``max_distance_nm`` (default 30 NM = 0.5 degrees of latitude, the ERA5
    wave grid spacing; validation.md section 2 row 5 proposes 0.25-0.5 degrees; assumption, to
    calibrate). Distances are on a local equirectangular plane (1 NM = 1 minute of latitude).
    Other datasets are read at their cell nearest to that sea cell; files on different time
    steps are judged on the union of their steps, each interpolated linearly in time. A
    variable in several files is taken from the first file given.

When
    The index is computed at every time step of the hindcast at those cells by
    :func:`seawatch.layers.index.index_block`, the kernel ``seawatch build`` runs on forecasts,
    with the same threshold table; then each day gets its daily maximum, and a row's value on
    day D is the maximum over the ``window_days`` UTC days ending on D (default 2, i.e.
    D-1..D: MMP dates are often the report day; validation.md section 6). The placebo is the maximum over D+3..D+5.
    The wind-rise rule needs a time step of at most ``wind_rise_hours``; on coarser (e.g.
    daily) hindcasts it cannot fire and the report says so.

The hindcast is processed one calendar month at a time, so a 10-year file is never in memory
at once; only the daily maxima at the incident cells are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from seawatch.errors import DataError
from seawatch.layers import seastate
from seawatch.layers.capsize import Parameter, effective_table
from seawatch.layers.index import SeaChoice, index_block
from seawatch.layers.units import check_forecast_units
from seawatch.schema import VESSELS
from seawatch.validate.settings import (
    MAX_DISTANCE_NM,
    NM_PER_DEGREE,
    WINDOW_DAYS,
)

log = logging.getLogger(__name__)

USED = ("hs", "tp", "tm", "wave_dir", "hs_windsea", "tm_windsea", "dir_windsea",
        "u10", "v10", "gust", "uo", "vo")  # fmt: skip
KM_PER_DEGREE = 111.2
DAYS_BEFORE = WINDOW_DAYS - 1
PLACEBO_DAYS = (3, 5)
"""The future-weather placebo: days D+3..D+5 (validation.md sections 2 and 5)."""
BOAT_VESSEL = {"rubber": "rubber_dinghy", "wooden": "wooden_boat", "fibreglass": "small_boat",
               "iron": "small_boat", "other": "small_boat"}  # fmt: skip
"""Vessel class of the index for a known boat type; unknown boats are scored as rubber
dinghies (the commonest Central-Mediterranean boat, risk-model.md section 1)."""


@dataclass
class Hindcast:
    """Canonical datasets read from the hindcast files."""

    datasets: list[xr.Dataset]
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reference(self) -> xr.Dataset:
        for ds in self.datasets:
            if "hs" in ds:
                return ds
        return self.datasets[0]

    def period(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last time step common to all datasets."""
        starts = [pd.Timestamp(ds["time"].values[0]) for ds in self.datasets]
        ends = [pd.Timestamp(ds["time"].values[-1]) for ds in self.datasets]
        return max(starts), min(ends)

    def box(self) -> tuple[float, float, float, float]:
        ref = self.reference
        lat, lon = ref["lat"].values, ref["lon"].values
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())

    def describe(self) -> str:
        west, south, east, north = self.box()
        start, end = self.period()
        return (
            f"{start:%Y-%m-%d} to {end:%Y-%m-%d}, {south:.2f}-{north:.2f} N {west:.2f}-{east:.2f} E"
        )


def read_hindcast(paths: Sequence[str | Path]) -> Hindcast:
    """Read hindcast files with ``seawatch ingest``'s readers (or as canonical NetCDF).

    Files of one kind on one grid are joined along time (e.g. one file per month).

    Raises
    ------
    DataError
        One line naming the file that cannot be read, or when no file has waves or wind.
    """
    from seawatch.fetchers.ingest import read_file
    from seawatch.schema import open_forecast

    groups: dict[tuple[Any, ...], list[xr.Dataset]] = {}
    files: list[dict[str, Any]] = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path} does not exist")
        try:  # a canonical seawatch NetCDF first: the ingest readers would take it for ERA5
            ds, kind = open_forecast(path), "canonical"
        except (DataError, OSError, ValueError):
            item = read_file(path)
            ds, kind = item.dataset, item.kind
        ds = ds[[v for v in USED if v in ds.data_vars]]
        if not ds.data_vars:
            raise DataError(f"{path.name} has no wave or wind variable seawatch uses")
        key = (kind, ds.sizes["lat"], ds.sizes["lon"], tuple(sorted(ds.data_vars)),
               float(ds["lat"].values[0]), float(ds["lon"].values[0]))  # fmt: skip
        groups.setdefault(key, []).append(ds)
        files.append(
            {
                "file": str(path),
                "kind": kind,
                "variables": sorted(ds.data_vars),
                "start": str(pd.Timestamp(ds["time"].values[0])),
                "end": str(pd.Timestamp(ds["time"].values[-1])),
            }
        )
    if not groups:
        raise DataError("no hindcast files given")
    datasets = []
    for parts in groups.values():
        joined = xr.concat(parts, dim="time") if len(parts) > 1 else parts[0]
        joined = joined.sortby("time")
        _, first = np.unique(joined["time"].values, return_index=True)
        datasets.append(joined.isel(time=np.sort(first)))
    names = set().union(*(ds.data_vars for ds in datasets))
    if "hs" not in names and not {"u10", "v10"} <= names:
        raise DataError(
            f"the hindcast has only {', '.join(sorted(names))}: the index needs wave height "
            "(hs) or wind (u10, v10)"
        )
    return Hindcast(datasets, files)


@dataclass
class Located:
    """Where each incident is read: a cell id (-1 when dropped) and why it was dropped."""

    cell: np.ndarray
    distance_km: np.ndarray
    reason: np.ndarray
    cell_lat: np.ndarray
    cell_lon: np.ndarray

    @property
    def distance_nm(self) -> np.ndarray:
        return self.distance_km / KM_PER_DEGREE * NM_PER_DEGREE


def _sea_mask(ref: xr.Dataset) -> np.ndarray:
    if "hs" not in ref:
        return np.ones((ref.sizes["lat"], ref.sizes["lon"]), dtype=bool)
    steps = min(ref.sizes["time"], 48)
    return np.asarray(ref["hs"].isel(time=slice(0, steps)).notnull().any("time").values)


def locate(
    hindcast: Hindcast,
    lat: np.ndarray,
    lon: np.ndarray,
    max_distance_nm: float = MAX_DISTANCE_NM,
) -> Located:
    """The nearest sea cell of each position within ``max_distance_nm``; farther positions are
    dropped with the reason ``no sea cell within N NM``."""
    tolerance_deg = max_distance_nm / NM_PER_DEGREE
    from scipy.spatial import cKDTree

    ref = hindcast.reference
    glat, glon = ref["lat"].values, ref["lon"].values
    sea = _sea_mask(ref)
    iy, ix = np.nonzero(sea)
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    n = lat.size
    cell = np.full(n, -1)
    dist = np.full(n, np.nan)
    reason = np.full(n, "", dtype=object)
    west, south, east, north = hindcast.box()
    # distances are on a local plane: longitude degrees scaled to latitude degrees
    scale = np.cos(np.deg2rad(np.clip(np.nanmean(glat), -80, 80)))
    lon_margin = tolerance_deg / scale  # the same distance east-west as north-south
    outside = ~(
        (lat >= south - tolerance_deg)
        & (lat <= north + tolerance_deg)
        & (lon >= west - lon_margin)
        & (lon <= east + lon_margin)
    )
    reason[outside] = "outside the hindcast area"
    if iy.size and (~outside).any():
        tree = cKDTree(np.column_stack([glat[iy], glon[ix] * scale]))
        inside = np.flatnonzero(~outside)
        d, k = tree.query(np.column_stack([lat[inside], lon[inside] * scale]))
        near = d <= tolerance_deg
        cell[inside[near]] = iy[k[near]] * glon.size + ix[k[near]]
        dist[inside] = d * KM_PER_DEGREE
        reason[inside[~near]] = f"no sea cell within {max_distance_nm:g} NM"
    cy, cx = np.divmod(np.where(cell >= 0, cell, 0), glon.size)
    return Located(cell, dist, reason, glat[cy], glon[cx])


@dataclass
class Conditions:
    """Daily maxima at the located cells: ``index`` (days, cells, vessels), ``hs``, ``wind``."""

    days: pd.DatetimeIndex
    cells: np.ndarray
    index: np.ndarray
    hs: np.ndarray
    wind: np.ndarray
    step_hours: float
    wind_rise_used: bool
    notes: list[str]

    def windowed(self, days_before: int = DAYS_BEFORE) -> dict[str, np.ndarray]:
        """Per predictor, the max over D-days_before..D, and the placebo max over D+3..D+5."""

        def back(a: np.ndarray, lo: int, hi: int) -> np.ndarray:
            # max over a[t+lo .. t+hi] along axis 0, NaN outside the record
            out = np.full(a.shape, np.nan, dtype=np.float32)
            n = a.shape[0]
            for shift in range(lo, hi + 1):
                src = slice(max(0, shift), n + min(0, shift))
                dst = slice(max(0, -shift), n - max(0, shift))
                np.fmax(out[dst], a[src], out=out[dst])
            # a window reaching beyond the record is unknown, not a smaller max
            if lo < 0:
                out[:-lo] = np.nan
            if hi > 0:
                out[n - hi :] = np.nan
            return out

        return {
            "index": back(self.index, -days_before, 0),
            "hs": back(self.hs, -days_before, 0),
            "wind": back(self.wind, -days_before, 0),
            "placebo": back(self.index, *PLACEBO_DAYS),
            "placebo_hs": back(self.hs, *PLACEBO_DAYS),
        }


def _choice(ds_vars: Mapping[str, xr.DataArray], table: Mapping[str, Parameter]) -> SeaChoice:
    tm_ratio = windsea_ratio = None
    if "tp" not in ds_vars and "tm" in ds_vars:
        tm_ratio = seastate.mean_period_ratio(ds_vars["tm"].attrs.get("long_name", "tm"), table)
    if "hs_windsea" in ds_vars and "tm_windsea" in ds_vars:
        windsea_ratio = seastate.mean_period_ratio(
            ds_vars["tm_windsea"].attrs.get("long_name", "tm01"), table
        )
    return SeaChoice.from_table(VESSELS, table, tm_ratio, windsea_ratio)


def conditions(
    hindcast: Hindcast,
    cells: np.ndarray,
    table: Mapping[str, Parameter] | None = None,
) -> Conditions:
    """Daily maximum index (every vessel class), Hs and wind speed at ``cells`` (reference-grid
    cell ids), over the whole hindcast period, one calendar month at a time."""
    table = table or effective_table()
    ref = hindcast.reference
    nx = ref.sizes["lon"]
    cells = np.unique(np.asarray(cells))
    cy, cx = np.divmod(cells, nx)
    plat, plon = ref["lat"].values[cy], ref["lon"].values[cx]
    start, end = hindcast.period()
    # the union of every file's steps: wind every 6 h and waves daily are judged every 6 h,
    # each variable interpolated linearly in time to steps it lacks (as build_risk does)
    times = pd.DatetimeIndex(
        np.unique(np.concatenate([ds["time"].values for ds in hindcast.datasets]))
    )
    times = times[(times >= start) & (times <= end)]
    if times.size < 2:
        raise DataError(f"the hindcast files share fewer than two time steps ({start} to {end})")
    step_hours = float(np.median(np.diff(times.values)) / np.timedelta64(1, "h"))
    rise_hours = float(table["wind_rise_hours"].value)  # type: ignore[arg-type]
    lags = round(rise_hours / step_hours) if step_hours <= rise_hours else 0
    notes = []
    if lags == 0:
        notes.append(
            f"The hindcast step is {step_hours:g} h, coarser than the {rise_hours:g} h wind-rise "
            "window: the wind-rise rule cannot fire."
        )
    # per dataset, the point indices of the cells (nearest cell of that dataset's grid)
    sources: list[tuple[xr.Dataset, xr.DataArray, xr.DataArray]] = []
    for ds in hindcast.datasets:
        ds = check_forecast_units(ds, [v for v in USED if v in ds])
        lat_i = np.abs(ds["lat"].values[None, :] - plat[:, None]).argmin(axis=1)
        lon_i = np.abs(ds["lon"].values[None, :] - plon[:, None]).argmin(axis=1)
        sources.append((ds, xr.DataArray(lat_i, dims="point"), xr.DataArray(lon_i, dims="point")))
    all_vars = {name: ds[name] for ds, _, _ in sources for name in ds.data_vars}
    choice = _choice(all_vars, table)
    days = pd.date_range(times[0].normalize(), times[-1].normalize(), freq="D")
    n_days, n_cells, n_v = days.size, cells.size, len(VESSELS)
    index = np.full((n_days, n_cells, n_v), np.nan, np.float32)
    hs = np.full((n_days, n_cells), np.nan, np.float32)
    wind = np.full((n_days, n_cells), np.nan, np.float32)
    months = times.to_period("M")
    for month in months.unique():
        pos = np.flatnonzero(months == month)
        lo = max(0, pos[0] - lags)
        chunk_times = times[lo : pos[-1] + 1]
        arrays: dict[str, np.ndarray] = {}
        for ds, lat_i, lon_i in sources:
            part = ds.sel(time=slice(chunk_times[0], chunk_times[-1])).isel(lat=lat_i, lon=lon_i)
            if part.sizes["time"] != chunk_times.size or not np.array_equal(
                part["time"].values, chunk_times.values
            ):
                margin = pd.Timedelta(days=2)
                near = ds.sel(time=slice(chunk_times[0] - margin, chunk_times[-1] + margin))
                part = near.isel(lat=lat_i, lon=lon_i).interp(time=chunk_times.values)
            for name in part.data_vars:
                if name not in arrays:
                    arrays[name] = part[name].transpose("time", "point").values.astype(np.float32)
        if "u10" in arrays and "v10" in arrays and lags:
            speed = seastate.wind_speed_kernel(arrays["u10"], arrays["v10"])
            arrays["wind_rise"] = seastate.wind_rise_kernel(speed, lags, axis=0)
        names = choice.inputs(arrays)
        land = np.zeros((1, n_cells), dtype=bool)
        _, score, _ = index_block(
            *(arrays[n][:, None, :] for n in names), land, names=names, choice=choice
        )
        keep = slice(pos[0] - lo, None)
        score = score[keep, 0]  # (time, cell, vessel)
        t_days = chunk_times[keep].normalize()
        day_pos = days.get_indexer(t_days)
        starts = np.flatnonzero(np.r_[True, day_pos[1:] != day_pos[:-1]])
        rows = day_pos[starts]
        with np.errstate(invalid="ignore"):
            index[rows] = np.fmax.reduceat(score, starts, axis=0)
            if "hs" in arrays:
                hs[rows] = np.fmax.reduceat(arrays["hs"][keep], starts, axis=0)
            if "u10" in arrays and "v10" in arrays:
                speed = seastate.wind_speed_kernel(arrays["u10"][keep], arrays["v10"][keep])
                wind[rows] = np.fmax.reduceat(speed, starts, axis=0)
    return Conditions(days, cells, index, hs, wind, step_hours, bool(lags), notes)


def vessel_of(boat_type: pd.Series | None, n: int, unknown: str = "rubber_dinghy") -> np.ndarray:
    """Vessel-class position in :data:`VESSELS` of each row (``unknown`` when the boat type is
    not known)."""
    if boat_type is None:
        return np.full(n, VESSELS.index(unknown), dtype=int)
    names = boat_type.astype("string").str.lower().map(BOAT_VESSEL).fillna(unknown)
    return names.map({v: i for i, v in enumerate(VESSELS)}).to_numpy(dtype=int)


def lookup(cond: Conditions, rows: pd.DataFrame, days_before: int = DAYS_BEFORE) -> pd.DataFrame:
    """``rows`` (``day``, ``cell``, ``vessel``) with ``index``, ``hs``, ``wind``, ``placebo``
    and ``placebo_hs`` columns; NaN where the window leaves the hindcast."""
    windows = cond.windowed(days_before)
    d = cond.days.get_indexer(pd.DatetimeIndex(rows["day"]))
    c = np.searchsorted(cond.cells, rows["cell"].to_numpy())
    ok = d >= 0
    d0 = np.where(ok, d, 0)
    out = rows.copy()
    vessel = rows["vessel"].to_numpy(dtype=int)
    for name, values in windows.items():
        picked = values[d0, c, vessel] if values.ndim == 3 else values[d0, c]
        out[name] = np.where(ok, picked, np.nan)
    return out
