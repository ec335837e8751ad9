"""From a particle cloud to what a searcher acts on: the datum and the 50 % / 90 % areas.

Neither OpenDrift nor the Leeway web GUI gives a datum or a search area (drift-leeway.md
section 4.4), so this is seawatch's own design:

* all geometry is computed in an azimuthal equidistant projection centred on the last known
  position (metres; distances from the LKP are exact, areas within 0.1 % over 200 km), never in
  degrees;
* the density is a 2-D histogram of the elements still afloat, smoothed by a Gaussian kernel
  of Scott's-rule bandwidth (a binned kernel density estimate, Wand & Jones 1995 ch. 2.4);
* the *p* % search area is the highest-density region holding *p* % of the elements (Hyndman
  1996, the sample estimate: the level is the (1 - p) quantile of the density at the
  elements), drawn as contour polygons (contourpy), so a cloud split left and right of
  downwind gives two polygons;
* the datum is the centre of mass of the elements in the part of the 90 % area that holds the
  most of them: for a single cloud nearly its centroid, for a cloud split into two lobes
  (left and right of downwind) the centre of the heavier lobe, never the empty sea between
  them. The raw density maximum was not used: it wanders inside a flat cloud (at the start
  the elements fill the radius evenly).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from scipy.ndimage import gaussian_filter
from shapely.geometry import MultiPolygon, Point, Polygon

NM_M = 1852.0  # international nautical mile, metres
GRID_CELLS = 160  # cells across the cloud's box: assumption, to calibrate (speed vs detail)
MIN_BANDWIDTH_M = 50.0  # floor of the kernel width: assumption (GPS fix plus drift of a hull)
PROBABILITIES = (0.5, 0.9)


@dataclass(frozen=True)
class CloudSummary:
    """One output hour: datum, areas (lon/lat polygons and NM²) and counts."""

    datum_lat: float
    datum_lon: float
    areas: dict[float, MultiPolygon]  # probability -> polygon in lon/lat degrees
    areas_nm2: dict[float, float]
    afloat: int


class LocalProjection:
    """Azimuthal equidistant projection on a point (the LKP): lon/lat <-> metres."""

    def __init__(self, lat: float, lon: float) -> None:
        crs = pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={lat} +lon_0={lon} +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
        )
        self._fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def to_xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._fwd.transform(lon, lat)

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._inv.transform(x, y)

    def geometry_to_lonlat(self, geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, self._inv.transform, interleaved=False)


def range_bearing(lat0: float, lon0: float, lat1: float, lon1: float) -> tuple[float, float]:
    """Distance (NM) and true bearing (degrees) from one point to another on WGS84."""
    azimuth, _, metres = pyproj.Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)
    return metres / NM_M, azimuth % 360.0


def _bandwidth(values: np.ndarray) -> float:
    n = max(values.size, 2)
    return max(float(np.std(values)) * n ** (-1.0 / 6.0), MIN_BANDWIDTH_M)  # Scott, 2-D


def summarize_cloud(
    x: np.ndarray, y: np.ndarray, proj: LocalProjection, probabilities=PROBABILITIES
) -> CloudSummary | None:
    """Datum and highest-density areas of the afloat elements at ``x``, ``y`` (metres).

    Returns None when no element is afloat.
    """
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size == 0:
        return None
    hx, hy = _bandwidth(x), _bandwidth(y)
    pad_x, pad_y = 4 * hx, 4 * hy
    x0, x1 = float(x.min()) - pad_x, float(x.max()) + pad_x
    y0, y1 = float(y.min()) - pad_y, float(y.max()) + pad_y
    cell = max(x1 - x0, y1 - y0) / GRID_CELLS
    nx = max(math.ceil((x1 - x0) / cell), 8)
    ny = max(math.ceil((y1 - y0) / cell), 8)
    counts, xe, ye = np.histogram2d(
        x, y, bins=(nx, ny), range=((x0, x0 + nx * cell), (y0, y0 + ny * cell))
    )
    density = gaussian_filter(counts, sigma=(hx / cell, hy / cell), mode="constant")
    density /= density.sum()
    xc = 0.5 * (xe[:-1] + xe[1:])
    yc = 0.5 * (ye[:-1] + ye[1:])
    ix = np.clip(((x - x0) / cell).astype(int), 0, nx - 1)
    iy = np.clip(((y - y0) / cell).astype(int), 0, ny - 1)
    at_elements = density[ix, iy]
    areas: dict[float, MultiPolygon] = {}
    areas_nm2: dict[float, float] = {}
    regions: dict[float, MultiPolygon] = {}
    for p in probabilities:
        level = float(np.quantile(at_elements, 1.0 - p))
        poly_m = _region(xc, yc, density, level)
        regions[p] = poly_m
        areas_nm2[p] = poly_m.area / NM_M**2
        areas[p] = _as_multi(proj.geometry_to_lonlat(poly_m))
    dx, dy = _datum(x, y, regions[max(probabilities)])
    datum_lon, datum_lat = proj.to_lonlat(np.array([dx]), np.array([dy]))
    return CloudSummary(float(datum_lat[0]), float(datum_lon[0]), areas, areas_nm2, int(x.size))


def _datum(x: np.ndarray, y: np.ndarray, region: MultiPolygon) -> tuple[float, float]:
    """Centre of mass of the elements in the part of ``region`` holding the most of them."""
    best: np.ndarray | None = None
    for part in region.geoms:
        inside = shapely.contains_xy(part, x, y)
        if best is None or inside.sum() > best.sum():
            best = inside
    if best is None or not best.any():
        return float(np.mean(x)), float(np.mean(y))
    return float(np.mean(x[best])), float(np.mean(y[best]))


def _region(xc: np.ndarray, yc: np.ndarray, density: np.ndarray, level: float) -> MultiPolygon:
    """Polygons (metres) where ``density >= level``, holes kept."""
    from contourpy import FillType, contour_generator

    gen = contour_generator(xc, yc, density.T, fill_type=FillType.OuterOffset)
    points, offsets = gen.filled(level, np.inf)
    polygons = []
    for pts, offs in zip(points, offsets, strict=True):
        rings = [pts[a:b] for a, b in itertools.pairwise(offs)]
        if len(rings[0]) >= 4:
            polygons.append(Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
    if not polygons:  # the region is smaller than a cell: one cell around the maximum
        i, j = np.unravel_index(int(np.argmax(density)), density.shape)
        half = (xc[1] - xc[0]) / 2
        return MultiPolygon([Point(xc[i], yc[j]).buffer(half, quad_segs=2)])
    return _as_multi(shapely.make_valid(shapely.union_all(polygons)))


def _as_multi(geom: shapely.Geometry) -> MultiPolygon:
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    if not parts and hasattr(geom, "geoms"):
        parts = [g for g in geom.geoms if isinstance(g, Polygon)]
    return MultiPolygon(parts)
