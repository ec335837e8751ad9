"""Bundled search-and-rescue regions, ports, and the sea areas boats leave from.

Data (``seawatch/data/``, GeoJSON, WGS84 longitude/latitude in degrees; each file names its
sources in its top-level ``attribution`` and ``sources`` members):

``sar_regions.geojson``
    The maritime search and rescue regions (SRRs) of Libya (Libyan JRCC, Tripoli), Malta
    (RCC Malta), Italy (IMRCC Rome) and Tunisia (MRCC Tunis), with the vertices published in
    IMO GISIS. SRRs are drawn with straight edges and include land: :func:`sea_only` removes it.
    The Italian polygon is the whole published one, repaired with ``shapely.make_valid`` where it
    crosses itself near Trieste (a valid MultiPolygon). The regions overlap (Malta and Italy
    around Lampedusa, Tunisia and Libya at the Libyan west edge), as published.
``routes.geojson``
    The usual crossings from each departure area to its landing places (Lampedusa, Malta,
    Sicily; Crete from eastern Libya), as schematic lines at sea made by
    ``scripts/make_routes.py`` (sources in ``routes.SOURCE.txt``).
``ports.geojson``
    Departure points in Libya and Tunisia and arrival points in Italy and Malta, with Arabic
    names; ``approx`` marks positions the gazetteer gives as approximate.

Departure areas (:func:`departure_areas`) are the sea within a radius of each departure point;
Sfax and Kerkennah, 40 km apart on the same stretch of coast, share one area (``sfax-kerkennah``,
the union of the two discs), named by the ``departure_area`` property of each port.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from seawatch.geo.coastline import coastline_geometry

__all__ = [
    "METRES_PER_NAUTICAL_MILE",
    "departure_areas",
    "ports",
    "routes",
    "sar_regions",
    "sea_only",
]

METRES_PER_NAUTICAL_MILE = 1852.0
"""International nautical mile (m)."""

_DATA_PACKAGE = "seawatch.data"
_WGS84 = "EPSG:4326"
_PAD_DEG = 1e-6  # widens a zero-width bounding box (points, meridian lines), degrees
_SAR_COLUMNS = ["id", "name", "rcc", "source", "gisis_description", "note"]
_PORT_COLUMNS = [
    "id",
    "name",
    "name_ar",
    "country",
    "kind",
    "approx",
    "departure_area",
    "source",
    "note",
]
_ROUTE_COLUMNS = ["id", "area", "destination", "name", "name_ar", "source"]
_AREA_COLUMNS = ["id", "name", "name_ar", "country", "ports", "radius_nm"]


@cache
def _collection(filename: str) -> dict[str, Any]:
    """Parsed contents of a bundled GeoJSON FeatureCollection."""
    text = resources.files(_DATA_PACKAGE).joinpath(filename).read_text(encoding="utf-8")
    return json.loads(text)


def _frame(filename: str, columns: list[str]) -> gpd.GeoDataFrame:
    """A fresh GeoDataFrame (EPSG:4326) of a bundled GeoJSON file, columns in a fixed order."""
    features = _collection(filename)["features"]
    frame = gpd.GeoDataFrame.from_features(features, crs=_WGS84)
    frame = frame[[*columns, "geometry"]].copy()
    for column in columns:  # JSON null -> None, not NaN
        if frame[column].isna().any():
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame.attrs["attribution"] = _collection(filename).get("attribution", "")
    return frame


def sar_regions(sea: bool = False) -> gpd.GeoDataFrame:
    """Search and rescue regions around the Central Mediterranean.

    Parameters
    ----------
    sea : bool, optional
        If True, remove land from each region (see :func:`sea_only`); by default the polygons
        are as published.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per region, CRS EPSG:4326 (lon/lat degrees), columns ``id`` (``libya``,
        ``malta``, ``italy``, ``tunisia``), ``name``, ``rcc`` (the rescue coordination centre),
        ``source`` (the IMO GISIS file), ``gisis_description``, ``note``, ``geometry`` (valid
        Polygon or MultiPolygon). ``frame.attrs["attribution"]`` holds the credit line.
    """
    return _sar_frame(sea).copy()


@cache
def _sar_frame(sea: bool) -> gpd.GeoDataFrame:
    # Clipping to the sea takes ~0.1 s and every map render asks for it several times.
    frame = _frame("sar_regions.geojson", _SAR_COLUMNS)
    if sea:
        frame["geometry"] = [sea_only(g) for g in frame.geometry]
    return frame


def ports(kind: Literal["departure", "arrival"] | None = None) -> gpd.GeoDataFrame:
    """Departure and arrival points of the Central Mediterranean crossing.

    Parameters
    ----------
    kind : {"departure", "arrival"} or None, optional
        Keep only departure points (Libya, Tunisia) or arrival points (Italy, Malta); None
        keeps both.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place, CRS EPSG:4326 (Point, lon/lat degrees, to about 0.01°), columns
        ``id`` (slug), ``name``, ``name_ar`` (Arabic), ``country``, ``kind``, ``approx`` (bool:
        position approximate), ``departure_area`` (id of the area in :func:`departure_areas`,
        None for arrivals), ``source``, ``note``, ``geometry``.

    Raises
    ------
    ValueError
        If ``kind`` is not one of the values above.
    """
    if kind not in (None, "departure", "arrival"):
        raise ValueError(f"kind must be 'departure', 'arrival' or None, not {kind!r}")
    frame = _frame("ports.geojson", _PORT_COLUMNS)
    frame["approx"] = frame["approx"].astype(bool)
    if kind is not None:
        frame = frame[frame["kind"] == kind].reset_index(drop=True)
    return frame


def sea_only(geometry: BaseGeometry) -> BaseGeometry:
    """Remove the bundled land from a geometry.

    Parameters
    ----------
    geometry : shapely geometry
        Any geometry in WGS84 longitude/latitude (degrees).

    Returns
    -------
    shapely geometry
        ``geometry`` minus land (about 100 m detail near Libya, 1 km elsewhere in the
        Mediterranean; no land is known outside the bundled coverage). May be empty.
    """
    if geometry.is_empty:
        return geometry
    west, south, east, north = geometry.bounds
    land = coastline_geometry(
        (west - _PAD_DEG, south - _PAD_DEG, east + _PAD_DEG, north + _PAD_DEG)
    )
    if land.is_empty:
        return geometry
    return shapely.make_valid(geometry.difference(land))


def _disc(lon: float, lat: float, radius_m: float) -> Polygon:
    """Geodesic disc of ``radius_m`` metres around (lon, lat) degrees, as a lon/lat polygon.

    The disc is a circle in an azimuthal-equidistant projection centred on the point, where
    distances from the centre are true, so its vertices are exactly ``radius_m`` away.
    """
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
    to_wgs84 = Transformer.from_crs(local, _WGS84, always_xy=True)
    circle = Point(0.0, 0.0).buffer(radius_m, quad_segs=32)

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(circle, project)


@cache
def _departure_records(radius_nm: float) -> tuple[dict[str, Any], ...]:
    """Departure areas as plain records (cached per radius)."""
    departures = ports("departure")
    radius_m = radius_nm * METRES_PER_NAUTICAL_MILE
    records = []
    for area_id, group in departures.groupby("departure_area", sort=False):
        discs = [_disc(p.x, p.y, radius_m) for p in group.geometry]
        sea = sea_only(shapely.union_all(discs))
        polygons = [p for p in shapely.get_parts(sea) if isinstance(p, Polygon) and not p.is_empty]
        records.append(
            {
                "id": area_id,
                "name": " / ".join(group["name"]),
                "name_ar": " / ".join(group["name_ar"]),
                "country": group["country"].iloc[0],
                "ports": ",".join(group["id"]),
                "radius_nm": float(radius_nm),
                "geometry": MultiPolygon(polygons),
            }
        )
    return tuple(records)


def departure_areas(radius_nm: float = 30.0) -> gpd.GeoDataFrame:
    """The sea within a distance of each departure point.

    Parameters
    ----------
    radius_nm : float, optional
        Distance from the departure point, nautical miles (default 30 nm, 55.56 km).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per departure area, CRS EPSG:4326 (MultiPolygon, lon/lat degrees), columns
        ``id`` (the port id, or ``sfax-kerkennah``), ``name``, ``name_ar``, ``country``,
        ``ports`` (comma-separated port ids), ``radius_nm``, ``geometry``. Each geometry is a
        geodesic disc (built in an azimuthal-equidistant projection centred on the port) minus
        the bundled land; the Sfax / Kerkennah area is the union of the two discs.

    Raises
    ------
    ValueError
        If ``radius_nm`` is not positive.
    """
    if not radius_nm > 0:
        raise ValueError(f"radius_nm must be positive, not {radius_nm!r}")
    records = _departure_records(float(radius_nm))
    frame = gpd.GeoDataFrame(list(records), geometry="geometry", crs=_WGS84)
    return frame[[*_AREA_COLUMNS, "geometry"]]


def routes() -> gpd.GeoDataFrame:
    """The usual crossings from each departure area, as lines at sea.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per crossing, CRS EPSG:4326 (LineString, lon/lat degrees, from just off the
        departure point to just off the landing place, no vertex on land), columns ``id``
        (``<area>-<destination>``), ``area`` (id of the departure area in
        :func:`departure_areas`), ``destination`` (``lampedusa``, ``malta``, ``sicily``,
        ``crete``), ``name`` (English, ``Zuwara → Lampedusa``), ``name_ar``, ``source``,
        ``geometry``. The lines are schematic (assumption, to calibrate): they tell which sea a
        boat crosses and in which order, not its track.
    """
    return _frame("routes.geojson", _ROUTE_COLUMNS)
