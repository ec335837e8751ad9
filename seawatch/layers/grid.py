"""The target grid of the risk layers: the area's cells and their land mask.

Target grid
    Cell centres every ``[grid] resolution`` degrees (0.05 default, 1/24 allowed) from the
    south-west corner of ``[area]`` to its north-east corner, lat and lon ascending
    (:func:`seawatch.geo.regrid.area_grid`), with a land mask from the bundled coastline
    (:func:`seawatch.geo.coastline.land_mask`, cell centres).

Regridding is done by the one regridder of seawatch, :func:`seawatch.geo.regrid.regrid`
(re-exported here): the source chain has already put a merged forecast onto this grid at each
variable's own time steps, so the build only interpolates in time, to hourly, where a variable
needs it; a forecast on another grid (``--forecast FILE``) is interpolated in space here, once.
"""

from __future__ import annotations

import functools

import numpy as np
import xarray as xr

from seawatch.config import Settings
from seawatch.geo.regrid import (
    LAT_ATTRS,
    LON_ATTRS,
    TIME_ATTRS,
    area_grid,
    axis,
    hourly_times,
    regrid,
)

LAND_ATTRS = {
    "standard_name": "land_binary_mask",
    "long_name": "land mask (cell centre on land)",
    "units": "1",
    "flag_values": np.array([0, 1], dtype=np.int8),
    "flag_meanings": "sea land",
    "source": "GSHHG full resolution (Wessel & Smith 1996) via the bundled coastline",
}


@functools.lru_cache(maxsize=8)
def _land(south: float, north: float, west: float, east: float, res: float) -> np.ndarray:
    from seawatch.geo.coastline import land_mask

    mask = land_mask(axis(south, north, res), axis(west, east, res))
    mask.setflags(write=False)
    return mask


def target_grid(settings: Settings) -> xr.Dataset:
    """The grid every risk layer is computed on.

    Parameters
    ----------
    settings
        ``[area]`` (degrees) and ``[grid] resolution`` (degrees).

    Returns
    -------
    xarray.Dataset
        Coordinates ``lat``, ``lon`` (ascending, degrees) and ``land`` (lat, lon) int8, 1 on land.
    """
    a, res = settings.area, float(settings.grid.resolution)
    grid = area_grid(a.bbox, res)
    land = _land(a.south, a.north, a.west, a.east, res).astype(np.int8)
    grid["land"] = (("lat", "lon"), land, dict(LAND_ATTRS))
    return grid


__all__ = [
    "LAND_ATTRS",
    "LAT_ATTRS",
    "LON_ATTRS",
    "TIME_ATTRS",
    "axis",
    "hourly_times",
    "regrid",
    "target_grid",
]
