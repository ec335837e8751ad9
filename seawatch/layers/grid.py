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
    "long_name": "land mask (cell wholly on land)",
    "units": "1",
    "flag_values": np.array([0, 1], dtype=np.int8),
    "flag_meanings": "sea land",
    "source": "GSHHG full resolution (Wessel & Smith 1996) via the bundled coastline",
}


def land_cells(lat: np.ndarray, lon: np.ndarray, res: float) -> np.ndarray:
    """Cells of a regular grid that lie wholly on land (True), from the bundled coastline.

    Parameters
    ----------
    lat, lon
        Ascending cell-centre axes (degrees), ``res`` apart.
    res
        Cell size (degrees).

    Returns
    -------
    numpy.ndarray of bool, shape (lat, lon)
        True where the land covers the whole cell. A cell whose centre is on land but that
        reaches the sea is a sea cell. Only cells next to a sea-centred cell or on the grid's
        edge are tested against the polygons (~20 ms for the area at 0.05°); cells deeper inland keep
        their centre's answer, so inland lakes and salt flats stay land.
    """
    import shapely
    from scipy import ndimage

    from seawatch.geo.coastline import land_geometry, land_mask

    centre = land_mask(lat, lon)
    shore = centre & ~ndimage.binary_erosion(
        centre, structure=np.ones((3, 3), dtype=bool), border_value=0
    )
    jj, ii = np.nonzero(shore)
    half = res / 2
    boxes = shapely.box(lon[ii] - half, lat[jj] - half, lon[ii] + half, lat[jj] + half)
    whole = shapely.covers(land_geometry(), boxes)
    out = centre.copy()
    out[jj[~whole], ii[~whole]] = False
    return out


@functools.lru_cache(maxsize=8)
def _land(south: float, north: float, west: float, east: float, res: float) -> np.ndarray:
    mask = land_cells(axis(south, north, res), axis(west, east, res), res)
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
    "land_cells",
    "regrid",
    "target_grid",
]
