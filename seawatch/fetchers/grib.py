"""Reading GRIB (editions 1 and 2) into ``(time, lat, lon)`` grids, with integrity checks.

Needs the ``grib`` extra (cfgrib with the eccodes wheel, which bundles its C library; no system
package is needed).
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import numpy as np
import xarray as xr

from seawatch.errors import DataError

GRIB_MAGIC = b"GRIB"
END_MARKER = b"7777"


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


def count_grib_messages(path: str | Path) -> int:
    """Count the messages of a GRIB file, checking that none is truncated.

    Reads only the section-0 headers: GRIB1 holds the message length in 3 bytes at offset 4,
    GRIB2 in 8 bytes at offset 8; every message must end with ``7777``.

    Raises
    ------
    DataError
        If the file is empty, does not start with ``GRIB``, or a message is cut short.
    """
    path = Path(path)
    size = path.stat().st_size
    count = 0
    offset = 0
    with open(path, "rb") as fh:
        while offset < size:
            fh.seek(offset)
            head = fh.read(16)
            if head[:4] != GRIB_MAGIC:
                if count and not head.strip(b"\x00"):
                    break  # zero padding after the last message
                raise DataError(
                    f"{path.name} is not a complete GRIB file (no GRIB message at byte {offset})"
                )
            edition = head[7]
            if edition == 1:
                length = int.from_bytes(head[4:7], "big")
            elif edition == 2:
                (length,) = struct.unpack(">Q", head[8:16])
            else:
                raise DataError(f"{path.name}: GRIB edition {edition} at byte {offset} is unknown")
            if offset + length > size:
                raise DataError(
                    f"{path.name} is truncated: message {count + 1} needs {length} bytes at byte "
                    f"{offset}, the file ends at {size}; download it again"
                )
            fh.seek(offset + length - 4)
            if fh.read(4) != END_MARKER:
                raise DataError(f"{path.name}: message {count + 1} is corrupt (no 7777 end marker)")
            offset += length
            count += 1
    if count == 0:
        raise DataError(f"{path.name} holds no GRIB messages")
    return count


def open_grib(path: str | Path) -> list[xr.Dataset]:
    """All hypercubes of a GRIB file, loaded into memory (after :func:`count_grib_messages`)."""
    count_grib_messages(path)
    cfgrib = import_cfgrib()
    try:
        datasets = cfgrib.open_datasets(str(path), backend_kwargs={"indexpath": ""})
        return [ds.load() for ds in datasets]
    except Exception as exc:  # cfgrib and eccodes raise many kinds of errors
        raise DataError(f"{Path(path).name}: cannot decode GRIB ({exc})") from None


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
        {k: v for k, v in {"latitude": "lat", "longitude": "lon"}.items() if k in var.dims}
    )
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
