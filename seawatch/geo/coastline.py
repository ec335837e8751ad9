"""Bundled land polygons: land geometry, land masks for grids and points, coastlines for maps.

seawatch ships two land files, made by ``scripts/make_coastline.py`` from GSHHG (Wessel & Smith
1996, GNU LGPL) and described in ``seawatch/data/coastline.json``:

* ``aoi`` — lon 8.5–21.5 E, lat 29–39.5 N (the Libyan coast and the Central Mediterranean
  crossing, with a 1.5° margin), simplified to about 100 m;
* ``med`` — the whole Mediterranean, lon 6 W – 36.5 E, lat 30–46 N, simplified to about 1 km.

:func:`land_geometry` joins them into one multipolygon: inside the ``aoi`` box the land is the
100 m one, outside it the 1 km one. The two meet along the edge of the ``aoi`` box, where the
coastline can step by up to about 1 km. Everything here works in WGS84 longitude/latitude,
degrees; longitudes may be given in either -180..180 or 0..360.

Outside both boxes there is no land data: points there count as sea, and :func:`land_mask` and
:func:`on_land` warn (``UserWarning``) when asked about them.
"""

from __future__ import annotations

import gzip
import json
import threading
import warnings
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

__all__ = [
    "ATTRIBUTION",
    "coastline_geometry",
    "coverage",
    "land_geometry",
    "land_mask",
    "on_land",
]

ATTRIBUTION = "Coastline: GSHHG (Wessel & Smith 1996), LGPL"
"""Short credit line for maps that draw the bundled coastline."""

_DATA_PACKAGE = "seawatch.data"
# GEOS builds a prepared geometry's indexes lazily, on first use, and not thread-safely: two
# threads testing points against the shared land at once (the web service and the incident
# store check every new incident) could abort the process. Predicates on it take this lock.
_LAND_LOCK = threading.Lock()
_METADATA_FILE = "coastline.json"
_METRES_PER_DEGREE = 111_320.0

BBox = tuple[float, float, float, float]


@cache
def _metadata() -> dict[str, Any]:
    """Contents of ``seawatch/data/coastline.json``."""
    text = resources.files(_DATA_PACKAGE).joinpath(_METADATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _product(name: str) -> MultiPolygon:
    """Read one bundled land file (``"aoi"`` or ``"med"``) as a MultiPolygon."""
    filename = _metadata()["products"][name]["file"]
    raw = gzip.decompress(resources.files(_DATA_PACKAGE).joinpath(filename).read_bytes())
    geometry = shapely.from_wkb(raw)
    if not isinstance(geometry, MultiPolygon):
        geometry = MultiPolygon(list(shapely.get_parts(geometry)))
    return geometry


def coverage() -> dict[str, BBox]:
    """Extents of the bundled land files.

    Returns
    -------
    dict of str to tuple of float
        ``{"aoi": (west, south, east, north), "med": (...)}`` in degrees (WGS84). Land is known
        inside the union of these boxes; ``aoi`` (about 100 m) takes precedence over ``med``
        (about 1 km) where they overlap.
    """
    products = _metadata()["products"]
    return {name: tuple(float(v) for v in products[name]["extent"]) for name in products}


@cache
def land_geometry() -> MultiPolygon:
    """Land of the Mediterranean, fine near Libya and coarse elsewhere.

    The ``aoi`` file (about 100 m) is used inside its box, the ``med`` file (about 1 km) outside
    it; polygons that cross the edge of the box are merged. The result is cached, prepared for
    fast repeated predicates, and must not be modified.

    Returns
    -------
    shapely.MultiPolygon
        Valid land multipolygon in WGS84 longitude/latitude (degrees), covering the boxes of
        :func:`coverage`.
    """
    fine_box = box(*coverage()["aoi"])
    seam = fine_box.exterior
    outside = shapely.get_parts(_product("med").difference(fine_box))
    outside = outside[shapely.area(outside) > 0]
    inside = shapely.get_parts(_product("aoi"))
    cut_out = shapely.intersects(outside, seam)
    cut_in = shapely.intersects(inside, seam)
    merged = shapely.get_parts(
        shapely.union_all(np.concatenate([outside[cut_out], inside[cut_in]]))
    )
    polygons = [
        p
        for p in np.concatenate([outside[~cut_out], inside[~cut_in], merged])
        if isinstance(p, Polygon) and not p.is_empty
    ]
    land = MultiPolygon(polygons)
    shapely.prepare(land)
    return land


@cache
def _edges() -> tuple[np.ndarray, ...]:
    """Every ring edge of :func:`land_geometry` as arrays ``(x0, y0, x1, y1)`` (degrees)."""
    rings = shapely.get_rings(shapely.get_parts(land_geometry()))
    coords, index = shapely.get_coordinates(rings, return_index=True)
    same_ring = index[1:] == index[:-1]
    start, end = coords[:-1][same_ring], coords[1:][same_ring]
    return start[:, 0], start[:, 1], end[:, 0], end[:, 1]


def _normalise_lon(lon: np.ndarray) -> np.ndarray:
    """Longitudes in degrees mapped to -180 <= lon < 180."""
    return (lon + 180.0) % 360.0 - 180.0


def _warn_outside(lat: np.ndarray, lon: np.ndarray) -> None:
    """Warn if any finite point lies outside every bundled land box."""
    finite = np.isfinite(lat) & np.isfinite(lon)
    covered = ~finite
    for west, south, east, north in coverage().values():
        covered |= (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    if not covered.all():
        warnings.warn(
            f"{int((~covered).sum())} position(s) lie outside the bundled land data "
            f"({coverage()}); they are treated as sea",
            UserWarning,
            stacklevel=3,
        )


def land_mask(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Land mask of a regular or irregular lat/lon grid, evaluated at cell centres.

    Parameters
    ----------
    lat : array_like, shape (ny,)
        Latitudes of the cell centres, degrees north. Any order: a descending axis gives the
        rows in that same order (``mask[i, j]`` is always the point ``(lat[i], lon[j])``).
    lon : array_like, shape (nx,)
        Longitudes of the cell centres, degrees east (-180..180 or 0..360), any order.

    Returns
    -------
    numpy.ndarray of bool, shape (ny, nx)
        True where the cell centre is on land. NaN coordinates give False. Cell centres exactly
        on the coastline, or on the edge of the bundled data, may fall either way.

    Raises
    ------
    ValueError
        If ``lat`` or ``lon`` is not one-dimensional.

    Notes
    -----
    Even-odd ray casting on a horizontal scan line per latitude: the crossings of the coastline
    with each row are computed once, sorted, and every longitude is located among them with
    :func:`numpy.searchsorted`. This gives the same answer as :func:`on_land` for points off
    the coastline, two to four times faster: about 6 ms for the 151 x 201 grid of the area of
    interest at 0.05° and about 35 ms for the whole Mediterranean at 1/24° (376 x 1021), once
    the data are loaded (about 0.2 s, the first time only).
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    if lat.ndim != 1 or lon.ndim != 1:
        raise ValueError(f"lat and lon must be 1-D; got shapes {lat.shape} and {lon.shape}")
    lon = _normalise_lon(lon)
    mask = np.zeros((lat.size, lon.size), dtype=bool)
    if lat.size == 0 or lon.size == 0:
        return mask
    _warn_outside(*np.meshgrid(lat, lon, indexing="ij"))

    x0, y0, x1, y1 = _edges()
    lon_ok = np.isfinite(lon)
    if not lon_ok.any():
        return mask
    # Only edges that start west of the easternmost point can be crossed by a ray going west.
    west_of = np.minimum(x0, x1) <= np.nanmax(lon)
    x0, y0, x1, y1 = x0[west_of], y0[west_of], x1[west_of], y1[west_of]
    low, high = np.minimum(y0, y1), np.maximum(y0, y1)
    lon_finite = lon[lon_ok]
    for i, y in enumerate(lat):
        if not np.isfinite(y):
            continue
        crosses = (low <= y) & (y < high)  # half-open: a vertex on the row counts once
        if not crosses.any():
            continue
        ax, ay, bx, by = x0[crosses], y0[crosses], x1[crosses], y1[crosses]
        xs = np.sort(ax + (y - ay) * (bx - ax) / (by - ay))
        left = np.searchsorted(xs, lon_finite, side="left")  # crossings west of each point
        mask[i, lon_ok] = (left % 2) == 1
    return mask


def on_land(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether positions are on land.

    Parameters
    ----------
    lat : array_like
        Latitudes, degrees north.
    lon : array_like
        Longitudes, degrees east (-180..180 or 0..360); broadcast against ``lat``.

    Returns
    -------
    numpy.ndarray of bool
        Broadcast shape of ``lat`` and ``lon``; True on land, including points exactly on the
        coastline. NaN coordinates give False.
    """
    lat_b, lon_b = np.broadcast_arrays(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    lon_b = _normalise_lon(lon_b)
    _warn_outside(lat_b, lon_b)
    with _LAND_LOCK:
        return np.asarray(shapely.intersects_xy(land_geometry(), lon_b, lat_b), dtype=bool)


def coastline_geometry(bbox: BBox, tolerance_m: float = 0.0) -> MultiPolygon:
    """Land polygons clipped to a box, for drawing the coastline on a map.

    Parameters
    ----------
    bbox : tuple of float
        ``(west, south, east, north)`` in degrees (WGS84), west < east, within -180..180.
    tolerance_m : float, optional
        Extra simplification in metres (converted at 1° = 111.32 km) for small-scale maps;
        0 keeps the bundled detail (about 100 m near Libya, 1 km elsewhere).

    Returns
    -------
    shapely.MultiPolygon
        Valid land polygons inside ``bbox``, in WGS84 longitude/latitude (degrees); empty if
        there is no land in the box. Draw the polygon outlines for the coastline; the edges that
        follow ``bbox`` are cuts, not coast.

    Raises
    ------
    ValueError
        If the box is empty or inverted.
    """
    west, south, east, north = (float(v) for v in bbox)
    if not (west < east and south < north):
        raise ValueError(
            f"bbox must be (west, south, east, north) with west<east, south<north: {bbox}"
        )
    clipped = land_geometry().intersection(box(west, south, east, north))
    if tolerance_m > 0:
        clipped = shapely.simplify(
            clipped, tolerance_m / _METRES_PER_DEGREE, preserve_topology=True
        )
    polygons = [p for p in shapely.get_parts(clipped) if isinstance(p, Polygon) and not p.is_empty]
    return MultiPolygon(polygons)
