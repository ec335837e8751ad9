"""Build the land polygons that seawatch ships as package data.

seawatch draws coastlines and masks land offline, from two small files in ``seawatch/data/``:

``land_aoi_100m.wkb.gz``
    Land around the Libyan coast and the Central Mediterranean crossing, lon 8.5–21.5 E,
    lat 29–39.5 N (the area of interest lon 10–20 E, lat 30.5–38 N plus a 1.5° margin),
    simplified to about 100 m.
``land_med_1km.wkb.gz``
    Land of the whole Mediterranean, lon 6 W – 36.5 E, lat 30–46 N, simplified to about 1 km,
    for Mediterranean-wide runs and benchmarks.
``coastline.json``
    What the two files are: extents, tolerances, coordinate grid, source, licence, checksums.
    ``seawatch.geo.coastline`` reads it to know which file covers where.

Each ``.wkb.gz`` file is one gzip-compressed, little-endian WKB MultiPolygon in WGS84 longitude /
latitude (degrees).

Source
------
GSHHG, the Global Self-consistent, Hierarchical, High-resolution Geography Database, full
resolution, level 1 (land/ocean boundary): Wessel, P., and W. H. F. Smith (1996), A global,
self-consistent, hierarchical, high-resolution shoreline database, J. Geophys. Res., 101(B4),
8741–8743, doi:10.1029/96JB00104. Distributed under the GNU LGPL (version 3 or later),
https://www.soest.hawaii.edu/pwessel/gshhg/. The polygons are read from the copy embedded in
the ``roaring-landmask`` Python package (https://github.com/gauteh/roaring-landmask, MIT), through
``roaring_landmask.Shapes.wkb(roaring_landmask.LandmaskProvider.Gshhg)``.

Method
------
1. Take the GSHHG land polygons whose bounding box meets the extent and clip them to the
   extent plus 0.2°.
2. Simplify with a topology-preserving Douglas–Peucker (``shapely.simplify(...,
   preserve_topology=True)``); the tolerance is given in metres and converted at 1° = 111.32 km,
   so it is the stated distance in latitude and a little less in longitude.
3. Snap coordinates to a fixed grid (``shapely.set_precision``), which keeps the result valid
   and makes the file compress well.
4. Cut to the extent, so that the edges along it are straight and exactly on it.

How to run
----------
roaring-landmask is not a runtime dependency of seawatch; it is the ``coastline`` extra::

    .venv/bin/pip install -e '.[coastline]'      # or: .venv/bin/pip install roaring-landmask
    .venv/bin/python scripts/make_coastline.py    # writes seawatch/data/land_*.wkb.gz

Options: ``--out DIR`` (default ``seawatch/data`` beside this script). The script is
deterministic for a given roaring-landmask version; rerunning it overwrites the files.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

METRES_PER_DEGREE = 111_320.0
"""Length of one degree of latitude used to convert tolerances (m per degree)."""

CLIP_PAD_DEG = 0.2
"""Margin around an extent kept while simplifying, so the final cut is a straight edge (degrees)."""

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "seawatch" / "data"

GSHHG_CITATION = (
    "Wessel, P., and W. H. F. Smith (1996), A global, self-consistent, hierarchical, "
    "high-resolution shoreline database, J. Geophys. Res., 101(B4), 8741-8743, "
    "doi:10.1029/96JB00104"
)


@dataclass(frozen=True)
class Product:
    """One land file to produce.

    Attributes
    ----------
    name : str
        Key in ``coastline.json`` (``"aoi"`` or ``"med"``).
    filename : str
        File name written under the output directory.
    extent : tuple of float
        ``(west, south, east, north)`` in degrees (WGS84 lon/lat).
    tolerance_m : float
        Simplification tolerance in metres.
    grid_deg : float
        Coordinate grid the vertices are snapped to, in degrees.
    description : str
        One line for ``coastline.json``.
    """

    name: str
    filename: str
    extent: tuple[float, float, float, float]
    tolerance_m: float
    grid_deg: float
    description: str


PRODUCTS = (
    Product(
        name="aoi",
        filename="land_aoi_100m.wkb.gz",
        extent=(8.5, 29.0, 21.5, 39.5),
        tolerance_m=100.0,
        grid_deg=1e-5,
        description="Libya and the Central Mediterranean (lon 10-20 E, lat 30.5-38 N plus 1.5 deg)",
    ),
    Product(
        name="med",
        filename="land_med_1km.wkb.gz",
        extent=(-6.0, 30.0, 36.5, 46.0),
        tolerance_m=1000.0,
        grid_deg=1e-4,
        description="Whole Mediterranean (lon 6 W - 36.5 E, lat 30-46 N)",
    ),
)


def load_gshhg() -> np.ndarray:
    """Read the full-resolution GSHHG land polygons from roaring-landmask.

    Returns
    -------
    numpy.ndarray of shapely.Polygon
        Every land polygon, in WGS84 longitude/latitude (degrees).
    """
    try:
        import roaring_landmask
    except ImportError:
        sys.exit(
            "make_coastline: roaring-landmask is not installed; "
            "run `.venv/bin/pip install -e '.[coastline]'` first"
        )
    wkb = roaring_landmask.Shapes.wkb(roaring_landmask.LandmaskProvider.Gshhg)
    return shapely.get_parts(shapely.from_wkb(wkb))


def build(parts: np.ndarray, product: Product) -> MultiPolygon:
    """Clip, simplify and snap the land polygons for one product.

    Parameters
    ----------
    parts : numpy.ndarray of shapely.Polygon
        Land polygons in WGS84 longitude/latitude (degrees).
    product : Product
        Extent (degrees), tolerance (m) and grid (degrees) to apply.

    Returns
    -------
    shapely.MultiPolygon
        Valid land multipolygon inside ``product.extent``.
    """
    west, south, east, north = product.extent
    pad = CLIP_PAD_DEG
    bounds = shapely.bounds(parts)
    near = (
        (bounds[:, 2] >= west - pad)
        & (bounds[:, 0] <= east + pad)
        & (bounds[:, 3] >= south - pad)
        & (bounds[:, 1] <= north + pad)
    )
    padded = box(west - pad, south - pad, east + pad, north + pad)
    land = _multipolygon(shapely.intersection(parts[near], padded))
    land = shapely.simplify(land, product.tolerance_m / METRES_PER_DEGREE, preserve_topology=True)
    land = shapely.set_precision(land, product.grid_deg)
    # Cut last, so that the edges along the extent are exactly on it (the loader joins files there).
    land = _multipolygon(shapely.make_valid(land).intersection(box(*product.extent)))
    if not land.is_valid:
        raise RuntimeError(f"{product.name}: result is not a valid multipolygon")
    return land


def _multipolygon(geometry: shapely.Geometry | np.ndarray) -> MultiPolygon:
    """The non-empty polygons of ``geometry`` (a geometry or an array of them) as a MultiPolygon."""
    parts = shapely.get_parts(geometry)
    return MultiPolygon([p for p in parts if isinstance(p, Polygon) and not p.is_empty])


def write(land: MultiPolygon, path: Path) -> str:
    """Write ``land`` as gzip-compressed little-endian WKB; return its SHA-256 (hex)."""
    raw = shapely.to_wkb(land, byte_order=1)
    data = gzip.compress(raw, compresslevel=9, mtime=0)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Build every product and ``coastline.json``; print one line per file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    parts = load_gshhg()
    products = {}
    for product in PRODUCTS:
        land = build(parts, product)
        path = args.out / product.filename
        digest = write(land, path)
        products[product.name] = {
            "file": product.filename,
            "description": product.description,
            "extent": list(product.extent),
            "simplify_tolerance_m": product.tolerance_m,
            "coordinate_grid_deg": product.grid_deg,
            "polygons": len(land.geoms),
            "vertices": int(shapely.get_num_coordinates(land)),
            "bytes": path.stat().st_size,
            "sha256": digest,
        }
        print(
            f"{path}: {len(land.geoms)} polygons, {products[product.name]['vertices']} vertices, "
            f"{path.stat().st_size / 1024:.0f} KiB"
        )
    meta = {
        "format": "gzip-compressed little-endian WKB MultiPolygon, WGS84 lon/lat degrees",
        "crs": "EPSG:4326",
        "source": "GSHHG full resolution, level 1 (land), via roaring-landmask "
        f"{version('roaring-landmask')}",
        "citation": GSHHG_CITATION,
        "licence": "GSHHG: GNU LGPL v3 or later (https://www.soest.hawaii.edu/pwessel/gshhg/)",
        "made_by": "scripts/make_coastline.py",
        "precedence": ["aoi", "med"],
        "products": products,
    }
    meta_path = args.out / "coastline.json"
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"{meta_path} written in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
