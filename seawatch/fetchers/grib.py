"""Reading GRIB (editions 1 and 2) into ``(time, lat, lon)`` grids, with integrity checks.

Needs the ``grib`` extra (cfgrib with the eccodes wheel, which bundles its C library; no system
package is needed).
"""

from __future__ import annotations

import contextlib
import mmap
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import numpy as np
import xarray as xr

from seawatch.errors import DataError

GRIB_MAGIC = b"GRIB"


def import_cfgrib() -> ModuleType:
    """Import cfgrib (and with it eccodes), or say how to install it.

    pyproj is imported first when it is installed: the eccodes wheel loads a PROJ library of
    its own, and when that one is loaded before pyproj's the interpreter crashes at exit.
    """
    with contextlib.suppress(ImportError):
        import pyproj  # noqa: F401
    try:
        import cfgrib
    except (ImportError, RuntimeError) as exc:
        raise DataError(
            f"reading GRIB needs the grib extra: pip install 'seawatch[grib]' ({exc})"
        ) from None
    return cfgrib


def import_eccodes() -> ModuleType:
    """Import the eccodes bindings (after pyproj, as :func:`import_cfgrib` explains)."""
    import_cfgrib()
    import eccodes

    return eccodes


def count_grib_messages(path: str | Path) -> int:
    """Count the messages of a GRIB file the way eccodes reads it, refusing a cut-short one.

    eccodes finds each message by its ``GRIB`` start, so padding and other bytes between
    messages are skipped: ECMWF's MARS (and so the Copernicus Climate Data Store) pads every
    GRIB message with zeros to a multiple of 120 bytes by default. A message whose declared
    length runs past the end of the file, or does not end with ``7777``, is refused, because
    cfgrib would silently skip it and a forecast step would go missing.

    Raises
    ------
    DataError
        One line naming the file: no GRIB message in it, or message N at byte B is truncated
        or corrupt, and what to do (download it again).
    """
    path = Path(path)
    eccodes = import_eccodes()
    count = 0
    end = 0  # where the last whole message ended
    with open(path, "rb") as fh:
        while True:
            try:
                handle = eccodes.codes_grib_new_from_file(fh)
            except eccodes.GribInternalError as exc:
                raise DataError(_bad_message(path, count + 1, end, exc)) from None
            if handle is None:
                break
            try:
                end = int(eccodes.codes_get(handle, "offset")) + int(
                    eccodes.codes_get(handle, "totalLength")
                )
            finally:
                eccodes.codes_release(handle)
            count += 1
    if count == 0:
        raise DataError(f"{path.name} holds no GRIB messages; check that it is the file you meant")
    return count


def _bad_message(path: Path, number: int, after: int, exc: Exception) -> str:
    """One line on the message eccodes could not read, with the byte where it starts."""
    size = path.stat().st_size
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        found = data.find(GRIB_MAGIC, after)
    start = found if found >= 0 else after
    eccodes = import_eccodes()
    if isinstance(exc, eccodes.PrematureEndOfFileError):
        return (
            f"{path.name} is truncated: message {number} at byte {start} is cut short by the end "
            f"of the file at byte {size}; download it again"
        )
    if isinstance(exc, eccodes.WrongLengthError):
        return (
            f"{path.name} is truncated or corrupt: message {number} at byte {start} does not end "
            f"where its length says (no 7777 end marker); download it again"
        )
    text = " ".join(str(exc).split()) or type(exc).__name__
    return (
        f"{path.name}: message {number} at byte {start} cannot be read ({text}); download it again"
    )


def open_grib(path: str | Path) -> list[xr.Dataset]:
    """All hypercubes of a GRIB file, loaded into memory (after :func:`count_grib_messages`)."""
    count_grib_messages(path)
    cfgrib = import_cfgrib()
    try:
        # errors="raise": a message that does not decode fails the file instead of being
        # skipped with a log line (cfgrib's default), which would drop a forecast step.
        datasets = cfgrib.open_datasets(
            str(path), backend_kwargs={"indexpath": "", "errors": "raise"}
        )
        return [ds.load() for ds in datasets]
    except Exception as exc:  # cfgrib and eccodes raise many kinds of errors
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"{Path(path).name}: cannot decode GRIB ({text})") from None


def grib_variables(datasets: list[xr.Dataset]) -> dict[str, xr.DataArray]:
    """Every data variable of the hypercubes by cfgrib name (first occurrence wins)."""
    found: dict[str, xr.DataArray] = {}
    for ds in datasets:
        for name, var in ds.data_vars.items():
            found.setdefault(str(name), var)
    return found


def to_time_lat_lon(var: xr.DataArray) -> xr.DataArray:
    """A cfgrib variable as ``(time, lat, lon)`` with ``time`` = valid time (naive UTC).

    Handles forecasts (``step`` dimension), series of analyses (``time`` dimension), both
    (several runs: the newest run wins where valid times repeat), and extra level dimensions
    (``orderedSequenceData``: the first, i.e. primary, swell is kept).
    """
    var = var.rename(
        {k: v for k, v in {"latitude": "lat", "longitude": "lon"}.items() if k in var.coords}
    )
    var = lat_lon_as_dims(var)
    for dim in list(var.dims):
        if dim not in ("time", "step", "lat", "lon"):
            var = var.isel({dim: 0})
    valid = var["valid_time"] if "valid_time" in var.coords else None
    if "time" in var.dims and "step" in var.dims:
        stacked = var.stack(run_step=("time", "step"))
        valid_values = stacked["valid_time"].values
        stacked = stacked.drop_vars(["run_step", "time", "step", "valid_time"], errors="ignore")
        stacked = stacked.assign_coords(run_step=valid_values).rename(run_step="valid")
        # later runs come later in the stack; keep the last value of each valid time
        order = np.argsort(valid_values, kind="stable")
        stacked = stacked.isel(valid=order)
        _, last = np.unique(stacked["valid"].values[::-1], return_index=True)
        keep = np.sort(stacked.sizes["valid"] - 1 - last)
        var = stacked.isel(valid=keep).rename(valid="time")
    elif "step" in var.dims:
        times = valid.values if valid is not None else (var["time"].values + var["step"].values)
        var = var.drop_vars(["time", "valid_time"], errors="ignore").rename(step="time")
        var = var.assign_coords(time=np.asarray(times).reshape(-1))
    elif "time" in var.dims:
        times = valid.values if valid is not None and valid.ndim == 1 else var["time"].values
        var = var.assign_coords(time=np.asarray(times))
    else:
        when = valid.values if valid is not None else var["time"].values
        var = var.expand_dims(time=[np.asarray(when).reshape(-1)[0]])
    keep_coords = {"time", "lat", "lon"}
    var = var.drop_vars([c for c in var.coords if c not in keep_coords])
    var = var.assign_coords(time=var["time"].values.astype("datetime64[ns]"))
    return var.transpose("time", "lat", "lon")


def lat_lon_as_dims(var: xr.DataArray) -> xr.DataArray:
    """Make scalar ``lat``/``lon`` coordinates (a single point, one row or one column of a grid,
    which cfgrib squeezes out) into dimensions of length 1."""
    for axis in ("lat", "lon"):
        if axis in var.coords and axis not in var.dims:
            if var[axis].ndim != 0:
                raise DataError(
                    f"{var.name}: {axis} is not a grid axis (dims {var[axis].dims}); seawatch "
                    "reads regular latitude/longitude grids"
                )
            var = var.expand_dims(axis)
    return var


def grib_to_dataset(
    datasets: list[xr.Dataset], names: Mapping[str, str], *, what: str
) -> xr.Dataset:
    """Pick and rename variables (cfgrib name -> canonical name) into one dataset.

    Raises
    ------
    DataError
        If none of ``names`` is in the file.
    """
    found = grib_variables(datasets)
    picked = {}
    for grib_name, canonical in names.items():
        if grib_name in found and canonical not in picked:
            picked[canonical] = to_time_lat_lon(found[grib_name]).astype(np.float64)
    if not picked:
        raise DataError(
            f"{what} holds {sorted(found) or 'no variables'}, none of {sorted(set(names))}"
        )
    return xr.Dataset(picked)
