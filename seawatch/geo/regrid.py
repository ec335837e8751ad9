"""The one regridder of seawatch: canonical forecasts onto a regular lat/lon grid.

Used by the source chain (:mod:`seawatch.fetchers.merge`, which puts every source onto the
target grid of the area once, keeping each variable's own time steps) and by the risk build
(:mod:`seawatch.layers.grid`, which then only interpolates in time, to hourly, where a layer
needs it). Nothing else in seawatch interpolates forecasts.

Time (``hourly=True``)
    hourly, linear between each variable's own steps (the steps where it has any value: a merged
    forecast carries each variable at its native steps on the union of all steps, NaN at the
    others), from the first to the last step of the forecast; no extrapolation past a variable's
    first or last step (it stays NaN there). With ``hourly=False`` the time axis is kept as is.
Space
    bilinear for scalars; directions through the sine and cosine of the angle, never the angle
    itself (360 and 0 degrees would average to 180). A forecast already on the target grid (and
    hourly, when asked for hourly) is not interpolated, and its directions stay angles.
Coast
    before the bilinear step, source cells that are missing at a block's first time step with
    any value (model land; of each time chunk when the build runs on dask) take the value of the
    nearest valid cell, so the coastal sea cells of a fine target grid are not lost to a coarse
    model's land mask. Land cells of the target grid are masked afterwards by the caller.
Edges
    target points outside the source grid are NaN (no extrapolation in space either); points on
    the source's edge (within 1e-4 degrees, float32 rounding) are inside.

Each axis is interpolated separately with precomputed indices and weights (a few vectorised
gathers per variable). This is exactly bilinear/linear interpolation and about three times
faster than :meth:`xarray.Dataset.interp` here, which matters for the 2 s budget of a build.
Works on numpy- and dask-backed datasets alike (space must not be chunked in the source; it is
rechunked if it is). Finding each variable's own steps reads the data once (a reduction over
space) before a lazy build runs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import xarray as xr
from scipy import ndimage

from seawatch.errors import DataError
from seawatch.schema import DIRECTION_VARIABLES

# degrees: coordinates closer than this are the same grid line. float32 coordinates (GRIB,
# NetCDF) are off by up to ~2e-6 degrees at 33 N; 1e-4 degrees is 11 m, far below any cell.
_COORD_TOLERANCE = 1e-4

LAT_ATTRS = {
    "standard_name": "latitude",
    "long_name": "latitude",
    "units": "degrees_north",
    "axis": "Y",
}
LON_ATTRS = {
    "standard_name": "longitude",
    "long_name": "longitude",
    "units": "degrees_east",
    "axis": "X",
}
TIME_ATTRS = {"standard_name": "time", "long_name": "time (UTC)", "axis": "T"}


def axis(start: float, stop: float, resolution: float) -> np.ndarray:
    """Cell centres from ``start`` to ``stop`` (inclusive when it falls on the grid), degrees."""
    count = int(np.floor((stop - start) / resolution + 1e-6)) + 1
    return np.round(start + np.arange(count) * resolution, 10)


def area_grid(bbox: tuple[float, float, float, float], resolution: float) -> xr.Dataset:
    """The lat/lon axes of the target grid of an area ``(west, south, east, north)``, degrees.

    Cell centres every ``resolution`` degrees from the south-west corner to the north-east
    corner, ascending (the risk layers add their land mask in :mod:`seawatch.layers.grid`).
    """
    west, south, east, north = (float(v) for v in bbox)
    return xr.Dataset(
        coords={
            "lat": ("lat", axis(south, north, float(resolution)), dict(LAT_ATTRS)),
            "lon": ("lon", axis(west, east, float(resolution)), dict(LON_ATTRS)),
        }
    )


def direction_components_kernel(degrees: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine (float32) of angles in degrees, e.g. of a "from" direction."""
    radians = np.radians(np.asarray(degrees, dtype=np.float32))
    return np.sin(radians), np.cos(radians)


def components_to_degrees(ds: xr.Dataset) -> xr.Dataset:
    """``<name>_sin``/``<name>_cos`` pairs back to angles in degrees [0, 360)."""
    out = ds.copy()
    for name in DIRECTION_VARIABLES:
        if f"{name}_sin" in out and f"{name}_cos" in out:
            angle = np.degrees(np.arctan2(out[f"{name}_sin"], out[f"{name}_cos"])) % 360.0
            out[name] = angle.astype(np.float32)
            out = out.drop_vars([f"{name}_sin", f"{name}_cos"])
    return out


def hourly_times(times: np.ndarray) -> np.ndarray:
    """Whole hours from the first to the last of ``times`` (naive UTC ``datetime64[ns]``)."""
    times = np.asarray(times, dtype="datetime64[ns]")
    first = times.min().astype("datetime64[h]")
    if first < times.min():
        first += np.timedelta64(1, "h")
    last = times.max().astype("datetime64[h]")
    return np.arange(first, last + np.timedelta64(1, "h"), np.timedelta64(1, "h")).astype(
        "datetime64[ns]"
    )


def _weights(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Indices and weights of linear interpolation; None when target == source."""
    src = source.astype(np.float64)
    tgt = target.astype(np.float64)
    if src.size == tgt.size and np.allclose(src, tgt, rtol=0, atol=_COORD_TOLERANCE):
        return None
    if src.size == 1:
        inside = np.abs(tgt - src[0]) <= _COORD_TOLERANCE
        zero = np.zeros(tgt.size, dtype=np.intp)
        return zero, zero, np.zeros(tgt.size, np.float32), inside
    pos = np.interp(tgt, src, np.arange(src.size, dtype=np.float64))
    i0 = np.minimum(np.floor(pos).astype(np.intp), src.size - 2)
    w = pos - i0
    w[np.abs(w) < 1e-9] = 0.0
    w[np.abs(w - 1) < 1e-9] = 1.0
    i0 = np.where(w == 1.0, i0 + 1, i0)
    w = np.where(w == 1.0, 0.0, w)
    i1 = np.where(w > 0, i0 + 1, i0)
    tol = _COORD_TOLERANCE * (1e9 * 3600 if source.dtype.kind == "M" else 1.0)
    inside = (tgt >= src[0] - tol) & (tgt <= src[-1] + tol)
    return i0, i1, w.astype(np.float32), inside


def own_steps(da: xr.DataArray) -> np.ndarray:
    """Boolean per time step: True where ``da`` has at least one value (its native steps)."""
    spatial = [d for d in da.dims if d != "time"]
    has = np.isfinite(da).any(spatial)
    return np.asarray(has.compute() if has.chunks is not None else has.values, dtype=bool)


def _interp_time(ds: xr.Dataset, target: np.ndarray) -> tuple[xr.Dataset, dict[str, str]]:
    """Each variable linearly in time from its own steps onto ``target``; notes per variable.

    Variables that share the same steps share one set of weights. A target time before a
    variable's first or after its last own step is NaN.
    """
    times = ds["time"].values.astype("datetime64[ns]")
    target = target.astype("datetime64[ns]")
    groups: dict[bytes, list[str]] = {}
    steps: dict[bytes, np.ndarray] = {}
    for name, da in ds.data_vars.items():
        has = own_steps(da)
        groups.setdefault(has.tobytes(), []).append(str(name))
        steps[has.tobytes()] = has
    parts: list[xr.Dataset] = []
    notes: dict[str, str] = {}
    for key, names in groups.items():
        has = steps[key]
        part = ds[names].isel(time=np.flatnonzero(has)) if not has.all() else ds[names]
        src = times[has]
        if src.size == 0:
            parts.append(
                xr.full_like(ds[names].isel(time=0, drop=True), np.nan, dtype=np.float32)
                .expand_dims(time=target)
                .transpose("time", ...)
            )
            continue
        weights = _weights(src.astype(np.int64), target.astype(np.int64))
        if weights is None:
            parts.append(part.drop_vars("time").astype(np.float32, copy=False))
            continue
        i0, i1, w, inside = weights
        plain = part.drop_vars("time")
        if not np.any(w):
            out = plain.isel(time=i0)
        else:
            wd = xr.DataArray(w, dims="time")
            out = plain.isel(time=i0) * (1 - wd) + plain.isel(time=i1) * wd
        if not inside.all():
            out = out.where(xr.DataArray(inside, dims="time"))
        parts.append(out.astype(np.float32, copy=False))
        for name in names:
            notes[name] = _time_note(src, target, inside)
    out = xr.merge(parts, compat="override", join="exact") if len(parts) > 1 else parts[0]
    out = out.assign_coords(time=("time", target, dict(TIME_ATTRS)))
    return out[list(ds.data_vars)], notes


def _time_note(src: np.ndarray, target: np.ndarray, inside: np.ndarray) -> str:
    """How a variable was put on hourly steps, for its ``comment``."""
    step = np.diff(src).min() if src.size > 1 else np.timedelta64(0, "h")
    every = f"every {step / np.timedelta64(1, 'h'):g} h" if src.size > 1 else "one step"
    text = (
        f"interpolated linearly in time to hourly from its own {src.size} steps ({every}, "
        f"{np.datetime_as_string(src[0], 'm')} to {np.datetime_as_string(src[-1], 'm')} UTC)"
    )
    if not inside.all():
        text += f"; missing at the {int((~inside).sum())} hours outside them"
    return text


def _nearest_fill_index(
    missing: np.ndarray, needed: np.ndarray | None = None
) -> tuple[np.ndarray, ...] | None:
    """Missing cells to fill and the nearest cell that is not missing, as index arrays.

    Returns ``(rows, cols, from_rows, from_cols)``; None when nothing needs filling.
    ``needed`` limits the filling to those cells (e.g. target sea cells on an identical grid).
    """
    todo = missing if needed is None else missing & needed
    if not todo.any() or missing.all():
        return None
    _, (rows, cols) = ndimage.distance_transform_edt(missing, return_indices=True)
    where = np.nonzero(todo)
    return where[0], where[1], rows[where], cols[where]


class _CoastalFill:
    """Fill of source cells missing at a block's first time step from the nearest valid cell.

    Worked out per block, so a lazy build reads nothing before it runs; the indices depend only
    on which cells are missing and are computed once per distinct pattern (model land masks do
    not change from hour to hour).
    """

    def __init__(self, needed: np.ndarray | None) -> None:
        self.needed = needed
        self.cache: dict[bytes, tuple[np.ndarray, ...] | None] = {}

    def index(self, first: np.ndarray) -> tuple[np.ndarray, ...] | None:
        missing = ~np.isfinite(first)
        todo = missing if self.needed is None else missing & self.needed
        if not todo.any() or missing.all():
            return None
        key = np.packbits(missing).tobytes()
        if key not in self.cache:
            self.cache[key] = _nearest_fill_index(missing, self.needed)
        return self.cache[key]


def _bilinear_kernel(
    values: np.ndarray,
    fill: _CoastalFill,
    lat_w: tuple[np.ndarray, ...] | None,
    lon_w: tuple[np.ndarray, ...] | None,
) -> np.ndarray:
    """Coastal fill, then bilinear interpolation over the last two axes (lat, lon)."""
    a = np.asarray(values, dtype=np.float32)
    index = fill.index(_first_with_values(a)) if a.size else None
    if index is not None:
        a = a.copy()
        a[..., index[0], index[1]] = a[..., index[2], index[3]]
    for axis, weights in ((-2, lat_w), (-1, lon_w)):
        if weights is not None:
            a = _linear_along(a, weights, axis)
    return np.ascontiguousarray(a, dtype=np.float32)


def _first_with_values(a: np.ndarray) -> np.ndarray:
    """The first (lat, lon) field of a block that has any value (the first one if none has)."""
    fields = a.reshape(-1, *a.shape[-2:])
    if np.isfinite(fields[0]).any() or fields.shape[0] == 1:
        return fields[0]
    has = np.isfinite(fields).any(axis=(1, 2))
    return fields[int(np.argmax(has))]


def _linear_along(a: np.ndarray, weights: tuple[np.ndarray, ...], axis: int) -> np.ndarray:
    """Linear interpolation of ``a`` along ``axis`` with :func:`_weights` (C-ordered result)."""
    i0, i1, w, inside = weights
    shape = [1] * a.ndim
    shape[axis] = w.size
    out = np.take(a, i0, axis=axis)
    if w.any():
        w = w.reshape(shape)
        out *= 1 - w
        out += np.take(a, i1, axis=axis) * w
    if not inside.all():
        index: list[slice | np.ndarray] = [slice(None)] * a.ndim
        index[axis] = ~inside
        out[tuple(index)] = np.nan
    return out


def _directions_to_components(ds: xr.Dataset, only: set[str] | None = None) -> xr.Dataset:
    out = ds.copy()
    for name in DIRECTION_VARIABLES:
        if name in out and (only is None or name in only):
            out[f"{name}_sin"], out[f"{name}_cos"] = xr.apply_ufunc(
                direction_components_kernel,
                out[name],
                output_core_dims=[[], []],
                dask="parallelized",
                output_dtypes=[np.float32, np.float32],
            )
            out = out.drop_vars(name)
    return out


def refuse_point_forecast(forecast: xr.Dataset, grid: xr.Dataset) -> None:
    """Refuse a forecast at a single point, or along a single row or column of points, where
    the target grid has more than one row or column.

    Interpolation gives values only where the target grid crosses those points, so the map
    would be blank almost everywhere; spreading the point over the area instead would show the
    sea state of one place as that of the whole area, which a planner could not tell apart
    from a real forecast.
    """
    lat, lon = forecast["lat"].values, forecast["lon"].values
    if (lat.size > 1 or grid["lat"].size <= 1) and (lon.size > 1 or grid["lon"].size <= 1):
        return

    def lat_txt(v: float) -> str:
        return f"{abs(v):.2f}{'N' if v >= 0 else 'S'}"

    def lon_txt(v: float) -> str:
        return f"{abs(v):.2f}{'E' if v >= 0 else 'W'}"

    if lat.size <= 1 and lon.size <= 1:
        what = f"a single point ({lat_txt(lat.min())} {lon_txt(lon.min())})"
    elif lat.size <= 1:
        what = f"a single row of points ({lat_txt(lat.min())}, {lon_txt(lon.min())}-{lon_txt(lon.max())})"
    else:
        what = f"a single column of points ({lon_txt(lon.min())}, {lat_txt(lat.min())}-{lat_txt(lat.max())})"
    south, north = float(grid["lat"].min()), float(grid["lat"].max())
    west, east = float(grid["lon"].min()), float(grid["lon"].max())
    raise DataError(
        f"the forecast is {what}, not a grid over the area: a risk map cannot be made from it; "
        f"fetch or ingest a gridded forecast covering {lat_txt(south)}-{lat_txt(north)} "
        f"{lon_txt(west)}-{lon_txt(east)} (for ERA5 from the Climate Data Store: area "
        f"{north:g}/{west:g}/{south:g}/{east:g})"
    )


def regrid(
    forecast: xr.Dataset,
    grid: xr.Dataset,
    variables: Iterable[str] | None = None,
    *,
    hourly: bool = True,
) -> xr.Dataset:
    """Put a canonical forecast onto a target grid, hourly or at its own time steps.

    Parameters
    ----------
    forecast
        Canonical forecast (dims time, lat, lon; lat/lon ascending, degrees; naive UTC time).
    grid
        Target grid (``lat``, ``lon`` coordinates, degrees, e.g. :func:`area_grid`); with a
        ``land`` variable (1 on land) and the forecast already on that grid, only sea cells
        are filled from the coast.
    variables
        Names to keep (default: all). Directions (``wave_dir``, ``dir_windsea``, ``dir_swell``)
        that had to be interpolated come back as ``<name>_sin`` and ``<name>_cos`` of the
        "from" angle, never as interpolated angles (:func:`components_to_degrees` turns them
        back); on the forecast's own grid and hours they stay angles (degrees), as they were.
    hourly
        True: hourly from the first to the last step, each variable from its own steps, with a
        ``comment`` saying so where it was interpolated in time. False: the time axis and the
        values at each step are kept (space only).

    Returns
    -------
    xarray.Dataset
        float32 variables on (time, lat, lon) of the target grid; lazily computed when the
        forecast is dask-backed.

    Raises
    ------
    DataError
        If the forecast lacks a dimension, is a single point, row or column of points (no
        map can be made from it), or does not overlap the grid.
    """
    for dim in ("time", "lat", "lon"):
        if dim not in forecast.dims:
            raise DataError(f"forecast has no {dim!r} dimension; cannot build the risk layers")
    refuse_point_forecast(forecast, grid)
    names = [n for n in (variables or forecast.data_vars) if n in forecast.data_vars]
    ds = forecast[names]
    ds = ds.drop_vars([c for c in ds.coords if c not in ("time", "lat", "lon")])
    lat_t, lon_t = grid["lat"].values, grid["lon"].values
    lat_s, lon_s = ds["lat"].values, ds["lon"].values
    if (
        lat_s.max() < lat_t.min()
        or lat_s.min() > lat_t.max()
        or (lon_s.max() < lon_t.min() or lon_s.min() > lon_t.max())
    ):
        raise DataError(
            f"forecast covers lat {lat_s.min():g}..{lat_s.max():g}, lon {lon_s.min():g}.."
            f"{lon_s.max():g}: outside the area of interest; check [area] or the forecast file"
        )
    lat_w, lon_w = _weights(lat_s, lat_t), _weights(lon_s, lon_t)
    space = lat_w is not None or lon_w is not None
    notes: dict[str, str] = {}
    if hourly:
        times = ds["time"].values.astype("datetime64[ns]")
        hours = hourly_times(times)
        on_hours = times.size == hours.size and bool((times == hours).all())
        own = {str(n): own_steps(da) for n, da in ds.data_vars.items()}
        in_time = {n for n, has in own.items() if not (on_hours and has.all())}
        if space or any(n in DIRECTION_VARIABLES for n in in_time):
            ds = _directions_to_components(ds, None if space else in_time)
        if in_time:
            ds, notes = _interp_time(ds, hours)
    elif space:
        ds = _directions_to_components(ds)
    # On the target grid itself only the target's sea cells need filling.
    needed = (
        grid["land"].values == 0 if lat_w is None and lon_w is None and "land" in grid else None
    )
    out = xr.Dataset(coords={"time": ds["time"]})
    fill = _CoastalFill(needed)
    for name, da in ds.data_vars.items():
        if da.chunks is not None:
            da = da.chunk({"lat": -1, "lon": -1})
        regridded = xr.apply_ufunc(
            _bilinear_kernel,
            da,
            kwargs={"fill": fill, "lat_w": lat_w, "lon_w": lon_w},
            input_core_dims=[["lat", "lon"]],
            output_core_dims=[["lat", "lon"]],
            exclude_dims={"lat", "lon"},
            dask="parallelized",
            output_dtypes=[np.float32],
            dask_gufunc_kwargs={"output_sizes": {"lat": lat_t.size, "lon": lon_t.size}},
        )
        out[name] = regridded.transpose("time", "lat", "lon")
    out = out.assign_coords(
        lat=("lat", lat_t, dict(LAT_ATTRS)), lon=("lon", lon_t, dict(LON_ATTRS))
    )
    for name in out.data_vars:
        base = name.rsplit("_", 1)[0] if name.endswith(("_sin", "_cos")) else name
        if base in forecast:
            out[name].attrs = dict(forecast[base].attrs)
            if base != name:
                out[name].attrs = {
                    "long_name": f"{name[-3:]} of {forecast[base].attrs.get('long_name', base)}",
                    "units": "1",
                }
        if name in notes:
            comment = out[name].attrs.get("comment", "")
            out[name].attrs["comment"] = f"{comment}; {notes[name]}" if comment else notes[name]
    return out
